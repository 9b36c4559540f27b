"""The shared runtime object handed to Bot API methods and control routes."""

from __future__ import annotations

import dataclasses
import time

from sandbox.api import ApiError, bad_request
from sandbox.limits import FaultInjector, RateLimiter, SandboxConfig, Stats
from sandbox.state import SandboxState, User


class SandboxCore:
    """Config, state, limits, faults and stats of one sandbox instance."""

    def __init__(self, config: SandboxConfig) -> None:
        """Build fresh state for a config."""
        self.config = config
        self.initial_config = dataclasses.replace(config)
        self.state = SandboxState()
        self.limiter = RateLimiter()
        self.faults = FaultInjector(config.seed)
        self.stats = Stats()
        self.bot_id = 0
        self.stopping = False

    def reset(self) -> None:
        """Forget everything (users, messages, updates, stats, faults) and restore the config."""
        old_state = self.state
        for field in dataclasses.fields(SandboxConfig):
            setattr(self.config, field.name, getattr(self.initial_config, field.name))
        self.state = SandboxState()
        self.limiter = RateLimiter()
        self.faults = FaultInjector(self.config.seed)
        self.stats = Stats()
        old_state.updates_changed.fire()
        old_state.events_changed.fire()

    def bot_user(self) -> dict[str, object]:
        """The bot's User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Webinar Sandbox Bot",
            "username": self.config.bot_username,
        }

    def chat_user(self, chat_id: object) -> User:
        """Resolve chat_id (int or "@username") to a known user or raise "chat not found"."""
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        text = str(chat_id).strip()
        try:
            user_id = int(text)
        except ValueError:
            raise bad_request("chat not found") from None
        user = self.state.users.get(user_id)
        if user is None:
            raise bad_request("chat not found")
        return user

    def check_reachable(self, user: User) -> None:
        """403 when the user blocked the bot or is deactivated."""
        if user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def take_send_slot(self, chat_id: int) -> float:
        """Apply the send rate limits; returns the monotonic time of the accepted operation."""
        now = time.monotonic()
        retry = self.limiter.check(self.config, chat_id, now)
        if retry is not None:
            self.stats.rate_limited += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self.limiter.record(chat_id, now)
        return now
