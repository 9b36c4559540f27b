"""Load generator subprocess: the sandbox Bot API server plus closed-loop simulated users.

It runs in its own process (``python -m benchmarks.loadgen``) so the bot under test has a
core to itself. Users are driven in-process through the sandbox state (no control-API HTTP),
which keeps the generator's own cost small. It speaks JSON lines: it prints
``{"api_base_url": ...}`` once started, then answers each command read from stdin.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from sandbox import SandboxConfig, SandboxServer
from sandbox.api import inline_buttons
from sandbox.state import CallbackQuery, User

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

STEP_TIMEOUT = 60.0
UPDATES_PER_REGISTRATION = 11

# A complete English registration: (action, argument, fragment expected in the bot's answer).
# "say" types the argument; "press" presses the button whose label contains it on the last
# bot message. The same 11 steps as tests/e2e.py register().
REGISTRATION: tuple[tuple[str, str, str], ...] = (
    ("say", "/start", "Please choose your language"),
    ("press", "English", "full name"),
    ("say", "{name}", "state"),
    ("press", "{country}", "institution"),
    ("press", "{institution}", "position"),
    ("say", "{position}", "sex"),
    ("press", "{sex}", "e-mail"),
    ("say", "{email}", "webinars"),
    ("press", "Done", "Privacy notice"),
    ("press", "I agree", "Please check"),
    ("press", "Confirm", "You are registered"),
)
COUNTRY_LABELS = ("Guyana", "Belize", "Saint Lucia", "Trinidad", "Antigua")
INSTITUTION_LABELS = ("Police", "Customs", "Forensic", "Defence", "Finance")
SEX_LABELS = ("Woman", "Man", "Prefer not")
POSITIONS = ("Inspector", "Analyst", "Director", "Officer", "Advisor")


class Driver:
    """Simulated users talking to the bot through the sandbox's in-memory state."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.core = server.core
        self.inboxes: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        state = self.core.state
        original = state.add_event

        def add_event(chat_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
            """Record the event as the sandbox does, then hand it to the user's inbox."""
            event = original(chat_id, kind, data)
            inbox = self.inboxes.get(chat_id)
            if inbox is not None:
                inbox.put_nowait(event)
            return event

        state.add_event = add_event  # type: ignore[method-assign]

    def join(self, user_id: int) -> None:
        """Create a user and its inbox."""
        self.core.state.add_user(User(id=user_id, first_name="Sim", language_code="en"))
        self.inboxes[user_id] = asyncio.Queue()

    def say(self, user_id: int, text: str) -> None:
        """The user sends a text (as the control API's send_text does)."""
        state = self.core.state
        state.user_message(state.users[user_id], text)

    def press(self, user_id: int, message: dict[str, Any], label: str) -> None:
        """Press the button whose text contains label (as the control API's press does)."""
        state = self.core.state
        buttons = [b for b in inline_buttons(message.get("reply_markup")) if "callback_data" in b]
        wanted = label.lower()
        exact = [b for b in buttons if b.get("text", "").lower() == wanted]
        partial = [b for b in buttons if wanted in b.get("text", "").lower()]
        data = (exact or partial or [{"callback_data": None}])[0]["callback_data"]
        if data is None:
            raise AssertionError(f"user {user_id}: no button {label!r} in {message!r}")
        stored = state.find_message(user_id, message["message_id"])
        if stored is None:
            raise AssertionError(f"user {user_id}: message {message['message_id']} is gone")
        user = state.users[user_id]
        query_id = f"{user_id}{next(state.query_counter):08d}"
        state.callback_queries[query_id] = CallbackQuery(
            query_id, user_id, stored.message_id, data, time.monotonic()
        )
        state.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.as_user(),
                "message": state.message_json(stored, self.core.bot_user()),
                "chat_instance": str(7_000_000_000 + user_id),
                "data": data,
            },
        )

    async def next_message(self, user_id: int) -> dict[str, Any]:
        """Wait for what the bot shows the user next: a new message or one edited in place."""
        inbox = self.inboxes[user_id]
        while True:
            event = await asyncio.wait_for(inbox.get(), STEP_TIMEOUT)
            if event["kind"] in ("message", "edit"):
                return event

    async def expect(self, user_id: int, fragment: str) -> dict[str, Any]:
        """Wait for the next bot message and check it contains fragment."""
        message = await self.next_message(user_id)
        if fragment.lower() not in (message.get("text") or "").lower():
            raise AssertionError(f"user {user_id}: expected {fragment!r}, got {message['text']!r}")
        return message

    async def register(self, user_id: int) -> int:
        """One complete registration (11 updates); returns the number of updates sent."""
        answers = {
            "name": f"Officer Number {user_id}",
            "country": COUNTRY_LABELS[user_id % len(COUNTRY_LABELS)],
            "institution": INSTITUTION_LABELS[user_id % len(INSTITUTION_LABELS)],
            "position": POSITIONS[user_id % len(POSITIONS)],
            "sex": SEX_LABELS[user_id % len(SEX_LABELS)],
            "email": f"officer{user_id}@example.gov",
        }
        last: dict[str, Any] = {}
        for action, argument, fragment in REGISTRATION:
            value = argument.format(**answers)
            if action == "say":
                self.say(user_id, value)
            else:
                self.press(user_id, last, value)
            last = await self.expect(user_id, fragment)
        return len(REGISTRATION)

    async def echo(self, user_id: int) -> int:
        """Send 11 texts, each after the echo of the previous; returns the number sent."""
        for step in range(UPDATES_PER_REGISTRATION):
            text = f"hello {user_id} step {step}"
            self.say(user_id, text)
            await self.expect(user_id, text)
        return UPDATES_PER_REGISTRATION

    async def run(
        self, scenario: str, first_id: int, users: int, concurrency: int
    ) -> dict[str, Any]:
        """Run `users` users through a scenario, `concurrency` at a time (closed loop)."""
        walk: Callable[[int], Awaitable[int]] = (
            self.register if scenario == "register" else self.echo
        )
        ids = iter(range(first_id, first_id + users))
        for user_id in range(first_id, first_id + users):
            self.join(user_id)
        counted = 0

        async def worker() -> None:
            nonlocal counted
            for user_id in ids:
                sent = await walk(user_id)  # not `counted += await ...`: that loses updates
                counted += sent
                del self.inboxes[user_id]

        before = dict(self.core.stats.requests)
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, users))))
        wall = time.perf_counter() - started
        requests = {
            name: count - before.get(name, 0)
            for name, count in self.core.stats.requests.items()
            if count != before.get(name, 0)
        }
        return {
            "updates": counted,
            "wall": wall,
            "cpu": time.process_time() - cpu,
            "requests": requests,
            "rate_limited": self.core.stats.rate_limited,
        }


def _reply(data: dict[str, Any]) -> None:
    """Write one JSON line to stdout."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def serve() -> None:
    """Start the sandbox, announce its URL and answer commands until "quit" or EOF."""
    server = SandboxServer(SandboxConfig(send_rate=None, latency=0.0))
    await server.start("127.0.0.1", 0)
    driver = Driver(server)
    _reply({"api_base_url": server.api_base_url, "url": server.url})
    try:
        for _ in itertools.count():
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or not line.strip():
                break
            command = json.loads(line)
            if command["cmd"] == "quit":
                break
            try:
                result = await driver.run(
                    command["scenario"],
                    command["first_id"],
                    command["users"],
                    command["concurrency"],
                )
            except Exception as exc:  # reported to the parent, which stops the benchmark
                _reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            else:
                _reply({"ok": True, **result})
    finally:
        await server.stop()


def main() -> None:
    """Entry point of the subprocess."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
