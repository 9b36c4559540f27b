"""Launch the system's Chromium through Playwright for browser tests, or skip with the reason.

Playwright never downloads a browser here: it drives Debian's /usr/bin/chromium (install it
with `apt-get install -y chromium`; .ci/run does).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system Chromium (CHROMIUM_PATH overrides), or None."""
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextlib.asynccontextmanager
async def chromium_context(**context_options: Any) -> AsyncIterator[Any]:
    """A fresh persistent Chromium context (own user-data-dir); skips the test if impossible."""
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError:
        pytest.skip(
            "browser test skipped: the playwright package is not installed "
            "(pip install -e '.[dev]')"
        )
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "browser test skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)"
        )
    with tempfile.TemporaryDirectory(prefix="demo-chromium-") as profile:
        async with async_playwright() as playwright:
            try:
                context = await playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=executable,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    accept_downloads=True,
                    **context_options,
                )
            except Error as exc:
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
                pytest.skip(f"browser test skipped: Chromium could not be launched ({first_line})")
            try:
                yield context
            finally:
                await context.close()
