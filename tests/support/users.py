"""Simulated participants talking to the real bot through the sandbox, and the shared steps."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.client import SandboxClient

# What the bot's /help reply always contains, in every language: the barrier waits for it.
HELP_MARK = "/help"


class SimUser:
    """One simulated Telegram user, keeping track of the bot's messages to them."""

    def __init__(
        self,
        client: SandboxClient,
        user_id: int,
        language_code: str = "en",
        first_name: str = "Test",
        timeout: float = 10.0,
    ) -> None:
        """A user of the sandbox `client` (call join() to create them there)."""
        self.client = client
        self.timeout = timeout
        self.id = user_id
        self.language_code = language_code
        self.first_name = first_name
        self.seq = 0
        self.pending: deque[dict[str, Any]] = deque()

    async def join(self) -> SimUser:
        """Create the user in the sandbox."""
        await self.client.add_user(
            self.id, first_name=self.first_name, language_code=self.language_code
        )
        return self

    async def _fill(self, timeout: float) -> None:
        """Wait for more bot events into the pending queue."""
        events = await self.client.wait_for_event(self.id, after_seq=self.seq, timeout=timeout)
        for event in events:
            self.seq = max(self.seq, event["seq"])
            self.pending.append(event)

    async def _take(self, kinds: tuple[str, ...] | None, timeout: float | None) -> dict[str, Any]:
        """Remove and return the first pending event of one of `kinds` (any kind if None)."""
        timeout = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self.pending:
                if kinds is None or event["kind"] in kinds:
                    self.pending.remove(event)
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                wanted = "/".join(kinds) if kinds else "event"
                raise TimeoutError(f"user {self.id}: no {wanted} within {timeout}s")
            await self._fill(remaining)

    async def next_event(
        self, kind: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Return the next bot event (of a kind); events of other kinds stay queued."""
        return await self._take(None if kind is None else (kind,), timeout)

    async def next_message(self, timeout: float | None = None) -> dict[str, Any]:
        """Return the next new message from the bot."""
        return await self.next_event("message", timeout)

    async def shown(self, timeout: float | None = None) -> dict[str, Any]:
        """Return the next thing the bot shows: a new message or one edited in place."""
        return await self._take(("message", "edit"), timeout)

    async def expect(self, fragment: str, timeout: float | None = None) -> dict[str, Any]:
        """Return the next message shown (new or edited) and check it contains `fragment`."""
        message = await self.shown(timeout)
        assert fragment.lower() in (message["text"] or "").lower(), (fragment, message["text"])
        return message

    async def say(self, text: str) -> None:
        """Send a text message (or command) to the bot."""
        await self.client.send_text(self.id, text)

    async def press(self, message: dict[str, Any], label: str) -> str:
        """Press the button whose text contains `label` on a bot message."""
        return await self.client.press(self.id, message["message_id"], button_data(message, label))

    async def toast(self, timeout: float | None = None) -> str | None:
        """Return the text of the next answered callback query."""
        return (await self.next_event("callback_answer", timeout))["text"]

    async def drain(self) -> None:
        """Forget the events seen so far."""
        self.pending.clear()
        self.seq = await self.client.last_seq(self.id)

    async def expect_nothing_more(self, timeout: float | None = None) -> None:
        """Check the bot has shown this user nothing beyond what the test already took.

        A barrier, not a pause: /help is sent and its answer awaited. The bot answers a user's
        updates in order, so anything it showed before that answer arrives ahead of it; the
        check fails if such a message or edit is found (answered button presses are ignored).
        """
        await self.say("/help")
        event = await self._take(("message", "edit"), timeout)
        text = event["text"] or ""
        assert event["kind"] == "message" and HELP_MARK in text, (
            f"user {self.id}: the bot showed something more: {text!r}"
        )


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the button whose text contains `label`."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label.lower() in button["text"].lower():
                return str(button["callback_data"])
    labels = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
    raise AssertionError(f"no button {label!r} in {labels}")


def button_url(message: dict[str, Any], label: str) -> str:
    """The address of the link button whose text contains `label`."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label.lower() in button["text"].lower() and "url" in button:
                return str(button["url"])
    labels = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
    raise AssertionError(f"no link button {label!r} in {labels}")


ENGLISH = {
    "language": "English",
    "name": "Ana Smith",
    "country": "Guyana",
    "institution": "Police",
    "position": "Inspector",
    "sex": "Woman",
    "email": "ana@police.gov.gy",
}

SPANISH_BELIZE = {
    "language": "Español",
    "name": "María Bel",
    "country": "Belice",
    "institution": "Aduanas",
    "position": "Oficial",
    "sex": "Mujer",
    "email": "maria@customs.gov.bz",
}

# The registration's steps in order: what each question contains, in English and Spanish.
STEPS = {
    "name": ("full name", "nombre completo"),
    "country": ("state", "Estado"),
    "institution": ("institution", "institución"),
    "position": ("position", "cargo"),
    "sex": ("sex", "sexo"),
    "email": ("e-mail", "correo"),
    "webinars": ("webinars", "webinarios"),
    "consent": ("Privacy notice", "privacidad"),
    "summary": ("Please check", "Revise"),
}


async def register(
    user: SimUser,
    *,
    start: str = "/start",
    stop_at: str | None = None,
    calendar: bool = True,
    **answers: str | None,
) -> dict[str, Any]:
    """Drive the real registration conversation with `answers` (defaults: ENGLISH).

    Answers are keyed language, name, country, institution, position, sex and email (None
    skips the e-mail). With `stop_at` (a key of STEPS) the question at that step is returned
    unanswered; otherwise the summary is confirmed, the calendar invitation checked (it comes
    from the outbox: `calendar=False` when the test holds the sender) and the confirmation
    returned.
    """
    a = {**ENGLISH, **answers}
    unknown = set(a) - set(ENGLISH)
    assert not unknown, f"register() has no answer called {sorted(unknown)}"
    spanish = a["language"] == "Español"
    await user.say(start)
    await user.press(await user.expect("Please choose your language"), str(a["language"]))
    typed = {"name", "position"}
    buttons = {"country", "institution", "sex"}
    for step, fragments in STEPS.items():
        message = await user.expect(fragments[1] if spanish else fragments[0])
        if step == stop_at:
            return message
        if step in typed:
            await user.say(str(a[step]))
        elif step in buttons:
            await user.press(message, str(a[step]))
        elif step == "email":
            if a["email"] is None:
                await user.press(message, "Omitir" if spanish else "Skip")
            else:
                await user.say(a["email"])
        elif step == "webinars":
            await user.press(message, "Listo" if spanish else "Done")
        elif step == "consent":
            await user.press(message, "Acepto" if spanish else "I agree")
        else:
            await user.press(message, "Confirmar" if spanish else "Confirm")
    assert stop_at is None, f"register() has no step called {stop_at!r}"
    final = await user.expect("¡Muchas gracias!" if spanish else "You are registered")
    if calendar:
        invite = await user.next_message()
        assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite
    return final
