"""Logging: secrets redacted from every record, and one INFO line per handled update."""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from telegram import Update

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

log = logging.getLogger("bot.runtime.update_processor")

REDACTED: Final = "[REDACTED]"
# Anything shaped like a bot token, alone or in a Bot API URL ("bot<token>/method").
_TOKEN_SHAPE: Final = re.compile(r"(?:bot)?\d{3,}:[A-Za-z0-9_-]{30,}", re.ASCII)
_WRAPPED: Final = "_webinar_bot_logged"


class RedactingFilter(logging.Filter):
    """Replaces bot tokens and other known secrets in a record's message, args and traceback."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        """Redact these exact strings, plus anything shaped like a bot token."""
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return text with every secret replaced."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace("bot" + secret, "bot" + REDACTED).replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


# Libraries whose DEBUG records carry request bodies, updates or SQL parameters, that is
# participants' names, e-mails and answers: they log at INFO and above only.
QUIET_LIBRARIES: Final = ("telegram", "httpx", "httpcore", "aiosqlite", "hpack", "apscheduler")


def quiet_library_loggers() -> None:
    """Hold the libraries that would log personal data at DEBUG to INFO and above."""
    for name in QUIET_LIBRARIES:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def install_redaction(
    secrets: Iterable[str | None], handlers: Iterable[logging.Handler] | None = None
) -> RedactingFilter:
    """Add one RedactingFilter to the given handlers (default: the root logger's handlers)."""
    redactor = RedactingFilter(secrets)
    targets = list(logging.getLogger().handlers if handlers is None else handlers)
    for handler in targets:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor


def configure_logging(level: str, secrets: Sequence[str | None] = ()) -> None:
    """Log to stderr with secrets redacted; keep the HTTP client quiet (its URLs hold the token)."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    install_redaction(secrets)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    quiet_library_loggers()


@dataclass
class _Handling:
    """What the handlers of one update did: callback names and whether one failed."""

    callbacks: list[str] = field(default_factory=list)
    failed: bool = False


_current: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "webinar_bot_handling", default=None
)


def update_kind(update: object) -> str:
    """message, command, callback_query, edited_message...: what sort of update this is."""
    if not isinstance(update, Update):
        return type(update).__name__
    message = update.message
    if message is not None:
        text = message.text or ""
        return "command" if text.startswith("/") else "message"
    for name in (
        "callback_query",
        "edited_message",
        "my_chat_member",
        "inline_query",
        "chat_member",
        "poll_answer",
        "pre_checkout_query",
    ):
        if getattr(update, name, None) is not None:
            return name
    return "other"


async def log_update(update: object, coroutine: Awaitable[Any]) -> None:
    """Await an update's handling and log one INFO line: kind, callbacks, duration, outcome."""
    handling = _Handling()
    token = _current.set(handling)
    started = time.perf_counter()
    outcome = "ok"
    try:
        await coroutine
    except BaseException:
        outcome = "error"
        raise
    finally:
        _current.reset(token)
        if handling.failed:
            outcome = "error"
        update_id = update.update_id if isinstance(update, Update) else "-"
        log.info(
            "update %s %s handler=%s %.1f ms %s",
            update_id,
            update_kind(update),
            ",".join(handling.callbacks) or "none",
            (time.perf_counter() - started) * 1000,
            outcome,
        )


def _named(callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap a handler callback so the update's log line names it and sees its errors."""
    name = getattr(callback, "__qualname__", repr(callback))
    module = getattr(callback, "__module__", "") or ""
    label = f"{module.rsplit('.', 1)[-1]}.{name}" if module else name

    @functools.wraps(callback)
    async def wrapper(update: object, context: Any) -> Any:
        handling = _current.get()
        if handling is not None:
            handling.callbacks.append(label)
        try:
            return await callback(update, context)
        except BaseException:
            if handling is not None:
                handling.failed = True
            raise

    setattr(wrapper, _WRAPPED, True)
    return wrapper


def instrument_handlers(application: Any) -> int:
    """Wrap every registered handler's callback once; return how many were wrapped."""
    wrapped = 0
    for handlers in application.handlers.values():
        for handler in handlers:
            callback = getattr(handler, "callback", None)
            if callback is None or getattr(callback, _WRAPPED, False):
                continue
            handler.callback = _named(callback)
            wrapped += 1
    return wrapped
