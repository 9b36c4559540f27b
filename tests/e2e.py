"""Helpers for end-to-end tests: simulated participants talking to the real bot via the sandbox."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from sandbox.client import SandboxClient


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

    async def next_event(
        self, kind: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Return the next bot event (of a kind); events of other kinds stay queued."""
        timeout = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self.pending:
                if kind is None or event["kind"] == kind:
                    self.pending.remove(event)
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"user {self.id}: no {kind or 'event'} within {timeout}s")
            await self._fill(remaining)

    async def next_message(self, timeout: float | None = None) -> dict[str, Any]:
        """Return the next new message from the bot."""
        return await self.next_event("message", timeout)

    async def shown(self, timeout: float | None = None) -> dict[str, Any]:
        """Return the next thing the bot shows: a new message or one edited in place."""
        timeout = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self.pending:
                if event["kind"] in ("message", "edit"):
                    self.pending.remove(event)
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"user {self.id}: nothing shown within {timeout}s")
            await self._fill(remaining)

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


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the button whose text contains `label`."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label.lower() in button["text"].lower():
                return button["callback_data"]
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


async def register(
    user: SimUser, answers: dict[str, str] | None = None, start: str = "/start"
) -> dict[str, Any]:
    """Walk through the whole registration with sensible answers; return the final message."""
    a = dict(ENGLISH, **(answers or {}))
    spanish = a["language"] == "Español"
    await user.say(start)
    message = await user.expect("Please choose your language")
    await user.press(message, a["language"])
    await user.expect("nombre completo" if spanish else "full name")
    await user.say(a["name"])
    message = await user.expect("Estado" if spanish else "state")
    await user.press(message, a["country"])
    message = await user.expect("institución" if spanish else "institution")
    await user.press(message, a["institution"])
    await user.expect("cargo" if spanish else "position")
    await user.say(a["position"])
    message = await user.expect("sexo" if spanish else "sex")
    await user.press(message, a["sex"])
    await user.expect("correo" if spanish else "e-mail")
    await user.say(a["email"])
    message = await user.expect("webinarios" if spanish else "webinars")
    await user.press(message, "Listo" if spanish else "Done")
    message = await user.expect("privacidad" if spanish else "Privacy notice")
    await user.press(message, "Acepto" if spanish else "I agree")
    message = await user.expect("Revise" if spanish else "Please check")
    await user.press(message, "Confirmar" if spanish else "Confirm")
    final = await user.expect("¡Muchas gracias!" if spanish else "You are registered")
    invite = await user.next_message()
    assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite
    return final
