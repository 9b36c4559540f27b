"""The demo page in a real browser (Debian's Chromium via Playwright): a participant registers,
is reminded, attends and answers the survey; the organizer exports the feedback.

Time is an injected clock moved by the test, so nothing waits for real minutes. A screenshot
of the page is saved to tests/artifacts/demo.png (and a phone-width one to demo-phone.png).
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.services import SERVICES_KEY
from demo.run import Demo, DemoConfig, running_demo
from demo.series import DEMO_WEBINAR_ID, ORGANIZER
from tests.support.browser import ARTIFACTS, chromium_context

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
WAIT = 15_000  # ms for anything the bot does
# A 1x1 PNG, as a phone's photo picker would hand over a real image.
PNG_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """The demo with a clock the test moves by hand."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    config = DemoConfig(port=0, data_dir=tmp_path / "data", clock=clock)
    async with running_demo(config) as running:
        yield running


async def last_bot_text(page: Any, fragment: str) -> str:
    """Wait until the newest bot message contains `fragment`; return its text."""
    from playwright.async_api import expect

    last = page.locator("#messages li.in").last
    await expect(last).to_contain_text(fragment, timeout=WAIT)
    return str(await last.inner_text())


async def press(page: Any, label: str) -> None:
    """Press the newest inline button whose label starts with `label` (after any emoji)."""
    pattern = re.compile(rf"^\W*{re.escape(label)}")
    await page.locator(".kb-button").filter(has_text=pattern).last.click(timeout=WAIT)


async def type_text(page: Any, text: str) -> None:
    """Type into the message box and send with Enter."""
    await page.locator("#input").fill(text)
    await page.locator("#input").press("Enter")


async def register(page: Any) -> None:
    """Walk through the registration with the mouse and the keyboard."""
    from playwright.async_api import expect

    await page.get_by_role("button", name="Start", exact=True).click()
    await last_bot_text(page, "Please choose your language")
    await press(page, "English")
    await last_bot_text(page, "full name")
    await type_text(page, "Shanice Persaud")
    await last_bot_text(page, "state")
    await press(page, "Guyana")
    await last_bot_text(page, "institution")
    await press(page, "Police")
    await last_bot_text(page, "position")
    await type_text(page, "Inspector")
    await last_bot_text(page, "sex")
    await press(page, "Woman")
    await last_bot_text(page, "e-mail")
    await type_text(page, "shanice@police.gov.gy")
    await last_bot_text(page, "webinars")
    await press(page, "Done")
    await last_bot_text(page, "Privacy notice")
    await press(page, "I agree")
    await last_bot_text(page, "Please check")
    await press(page, "Confirm")
    await expect(page.locator("#messages")).to_contain_text("You are registered", timeout=WAIT)
    await expect(page.locator("#messages .file", has_text=".ics")).to_be_visible(timeout=WAIT)
    await last_bot_text(page, "starts in 4 minutes")


async def answer_survey(page: Any) -> None:
    """Answer every question: ratings 4, a most useful topic, a typed wish, skip the rest."""
    for _ in range(12):
        text = await last_bot_text(page, "")
        if "Thank you!" in text:
            return
        marker = re.search(r"question (\d+) of", text)
        if "(1 = not at all" in text:
            await press(page, "4")
        elif "most useful" in text:
            await press(page, "Ballistic imaging")
        elif "next webinar cover" in text:
            await type_text(page, "Tracing <b>requests</b> & marking")
        else:
            await press(page, "Skip")
        if marker:
            await page.wait_for_function(
                "n => { const all = document.querySelectorAll('#messages li.in');"
                " return !all[all.length - 1].innerText.includes(`question ${n} of`); }",
                arg=int(marker.group(1)),
                timeout=WAIT,
            )
    raise AssertionError("the survey did not end")


async def test_participant_and_organizer_in_the_browser(demo: Demo, tmp_path: Path) -> None:
    from playwright.async_api import expect

    clock = demo.clock
    assert isinstance(clock, ManualClock)
    webinar = demo.application.bot_data[SERVICES_KEY].series.webinar(DEMO_WEBINAR_ID)
    errors: list[str] = []
    async with chromium_context(viewport={"width": 1200, "height": 820}) as context:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(demo.url)
        await expect(page.locator("#countdown")).to_contain_text("starts in 04:00")
        await expect(page.locator(".person").first).to_contain_text("Shanice Persaud")
        await expect(page.locator("#menu-button")).to_be_visible()
        await page.locator("#menu-button").click()
        await expect(page.locator("#menu")).to_contain_text("/schedule")
        await page.keyboard.press("Escape")

        await register(page)
        ics = page.locator("#messages .file", has_text=".ics").last
        assert (await ics.get_attribute("href") or "").startswith("/api/files/")

        sender = demo.application.bot_data[SERVICES_KEY].sender
        clock.set(webinar.starts_at - timedelta(minutes=1))
        sender.wake()  # the clock moved by hand: the sender's job was armed by the old time
        await last_bot_text(page, "Reminder: Building a Crime Gun")
        clock.set(webinar.starts_at)
        sender.wake()
        await last_bot_text(page, "Starting now")
        await expect(page.locator("#countdown")).to_contain_text("live now", timeout=WAIT)
        await press(page, "I'm attending")
        await expect(page.locator("#toast")).to_contain_text("attendance is recorded", timeout=WAIT)

        clock.set(webinar.ends_at + timedelta(seconds=31))
        sender.wake()
        await last_bot_text(page, "Thank you for attending")
        await expect(page.locator("#countdown")).to_contain_text("ended", timeout=WAIT)
        await press(page, "Start the survey")
        await last_bot_text(page, "question 1 of 7")
        await answer_survey(page)
        shown = page.locator("#messages")
        await expect(shown).to_contain_text("Tracing <b>requests</b> & marking")
        assert await shown.locator("script").count() == 0

        await page.locator(".person", has_text=ORGANIZER.name).click()
        await expect(page.locator("#chat-sub")).to_contain_text(ORGANIZER.name)
        await page.locator("#input").press_sequentially("/export feedback xlsx")
        await page.locator("#input").press("Enter")
        document = page.locator("#messages .file", has_text=".xlsx").last
        await expect(document).to_be_visible(timeout=WAIT)
        async with page.expect_download(timeout=WAIT) as info:
            await document.click()
        download = await info.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.name.startswith("feedback-") and saved.read_bytes()[:2] == b"PK"

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.locator(".person").first.click()
        await last_bot_text(page, "Thank you!")
        await page.screenshot(path=str(ARTIFACTS / "demo.png"))
        await page.set_viewport_size({"width": 390, "height": 780})
        await page.evaluate("document.getElementById('messages-wrap').scrollTop = 1e9")
        await page.screenshot(path=str(ARTIFACTS / "demo-phone.png"))
        print(f"screenshots: {ARTIFACTS / 'demo.png'}, {ARTIFACTS / 'demo-phone.png'}")
    assert not errors, errors


async def assert_fits(page: Any, width: int) -> None:
    """No horizontal scroll at this width, and every button and bubble inside the window."""
    await page.set_viewport_size({"width": width, "height": 780})
    await page.evaluate("document.getElementById('messages-wrap').scrollTop = 1e9")
    sizes = await page.evaluate(
        """() => {
            const selectors = '.kb-button, .send, .attach, .format, .menu-button, .msg .bubble';
            const outside = [...document.querySelectorAll(selectors)]
                .filter((node) => node.offsetParent !== null)
                .filter((node) => {
                    const box = node.getBoundingClientRect();
                    return box.left < 0 || box.right > window.innerWidth + 0.5;
                })
                .map((node) => `${node.className}: ${node.textContent.slice(0, 30)}`);
            return {
                page: document.documentElement.scrollWidth,
                body: document.body.scrollWidth,
                inner: window.innerWidth,
                outside,
            };
        }"""
    )
    assert sizes["inner"] == width, sizes
    assert sizes["page"] <= width and sizes["body"] <= width, sizes
    assert not sizes["outside"], sizes


async def test_phone_widths_formatting_and_attachments(demo: Demo) -> None:
    from playwright.async_api import expect

    persona = next(iter(demo.web.personas.values()))
    client = demo.web.client
    errors: list[str] = []
    async with chromium_context(viewport={"width": 1200, "height": 780}) as context:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept("https://example.org/roadmap"))
        await page.goto(demo.url)
        await expect(page.locator(".person").first).to_contain_text(persona.first_name)
        await page.locator(".person").first.click()
        await register(page)
        await type_text(page, "/schedule")
        await expect(
            page.locator("#messages li.in").last.locator(".kb-button").first
        ).to_be_visible(timeout=WAIT)
        for width in (360, 390, 430):
            await assert_fits(page, width)

        await page.set_viewport_size({"width": 390, "height": 780})
        box = page.locator("#input")
        await box.fill("Ready for the roadmap")
        await box.evaluate("node => node.setSelectionRange(0, 5)")
        await page.get_by_role("button", name="Bold").click()
        await box.evaluate(
            "node => node.setSelectionRange(node.value.length - 7, node.value.length)"
        )
        await page.get_by_role("button", name="Link").click()
        await expect(box).to_have_value("**Ready** for the [roadmap](https://example.org/roadmap)")
        await box.press("Enter")
        mine = page.locator("#messages li.out").last
        await expect(mine.locator("b")).to_have_text("Ready", timeout=WAIT)
        await expect(mine.locator("a")).to_have_attribute("href", "https://example.org/roadmap")
        sent = [m for m in await client.transcript(persona.id) if not m["from_bot"]][-1]
        assert sent["text"] == "Ready for the roadmap"
        assert sent["entities"] == [
            {"type": "bold", "offset": 0, "length": 5},
            {"type": "text_link", "offset": 14, "length": 7, "url": "https://example.org/roadmap"},
        ]

        await box.fill("__Agenda__ attached")
        report = b"%PDF-1.4\n% the agenda\n"
        await page.locator("#file-input").set_input_files(
            {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": report}
        )
        await expect(page.locator("#messages li.out .file").last).to_contain_text(
            "agenda.pdf", timeout=WAIT
        )
        await expect(page.locator("#messages li.out").last.locator("i")).to_have_text("Agenda")
        sent = [m for m in await client.transcript(persona.id) if not m["from_bot"]][-1]
        assert sent["document"]["file_name"] == "agenda.pdf"
        assert sent["document"]["mime_type"] == "application/pdf"
        assert sent["caption"] == "Agenda attached"
        assert sent["caption_entities"] == [{"type": "italic", "offset": 0, "length": 6}]
        assert await client.file_content(sent["document"]["file_id"]) == report

        content = PNG_PIXEL
        await page.locator("#file-input").set_input_files(
            {"name": "photo.png", "mimeType": "image/png", "buffer": content}
        )
        await expect(page.locator("#messages li.out .photo img").last).to_be_visible(timeout=WAIT)
        sent = [m for m in await client.transcript(persona.id) if not m["from_bot"]][-1]
        assert sent["photo"] and await client.file_content(sent["photo"][0]["file_id"]) == content

        await assert_fits(page, 360)
        await assert_fits(page, 430)
        await page.set_viewport_size({"width": 390, "height": 780})
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "demo-390.png"))
    assert not errors, errors
