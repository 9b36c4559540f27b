"""Configuration, sliding-window rate limits, fault injection and counters of the sandbox."""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
RATE_LIMITED_METHODS = SEND_METHODS | {
    "editmessagetext",
    "editmessagecaption",
    "editmessagereplymarkup",
}
FAULT_TEXTS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
TIMESTAMP_LIMIT = 200_000


@dataclass
class SandboxConfig:
    """Run-time settings of the sandbox (change them with SandboxClient.configure)."""

    send_rate: float | None = 30.0
    per_chat_rate: float | None = None
    latency: float = 0.0
    callback_query_ttl: float = 15.0
    bot_username: str = "webinar_sandbox_bot"
    seed: int = 0


class SlidingWindow:
    """Timestamps of accepted operations within the last second."""

    def __init__(self) -> None:
        """Start with an empty window."""
        self.times: deque[float] = deque()

    def retry_after(self, rate: float | None, now: float) -> int | None:
        """Seconds to wait if one more operation would exceed `rate` per second, else None."""
        while self.times and self.times[0] <= now - 1.0:
            self.times.popleft()
        if rate is None or len(self.times) < rate:
            return None
        if rate <= 0 or not self.times:
            return 1
        index = min(len(self.times) - 1, math.floor(len(self.times) - rate))
        frees_at = self.times[index] + 1.0
        return max(1, math.ceil(frees_at - now))

    def add(self, now: float) -> None:
        """Record an accepted operation."""
        self.times.append(now)


class RateLimiter:
    """Global plus optional per-chat sliding windows shared by all send/edit methods."""

    def __init__(self) -> None:
        """Start with empty windows."""
        self.global_window = SlidingWindow()
        self.chat_windows: dict[int, SlidingWindow] = {}

    def check(self, config: SandboxConfig, chat_id: int, now: float) -> int | None:
        """retry_after in seconds when the operation must be refused, else None."""
        retry = self.global_window.retry_after(config.send_rate, now)
        if retry is not None:
            return retry
        if config.per_chat_rate is not None:
            window = self.chat_windows.setdefault(chat_id, SlidingWindow())
            return window.retry_after(config.per_chat_rate, now)
        return None

    def record(self, chat_id: int, now: float) -> None:
        """Count an accepted operation."""
        self.global_window.add(now)
        self.chat_windows.setdefault(chat_id, SlidingWindow()).add(now)


@dataclass
class FaultRule:
    """Injected failures for one method (or every send method when method is None)."""

    method: str | None
    status: int = 500
    count: int = 0
    probability: float = 0.0
    drop: bool = False
    description: str | None = None  # for an injected 4xx: Telegram's text, e.g. "Bad Request: ..."

    def matches(self, method: str) -> bool:
        """Whether a request of this (lower-case) method is subject to the rule."""
        if self.method is None:
            return method in SEND_METHODS
        return self.method.lower() == method


class FaultInjector:
    """Decides, reproducibly for a seed, which requests fail."""

    def __init__(self, seed: int) -> None:
        """No rules yet."""
        self.rules: list[FaultRule] = []
        self.random = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        """Add a rule."""
        self.rules.append(rule)

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def pick(self, method: str) -> FaultRule | None:
        """The rule that fires for this request, if any (consumes one count)."""
        for rule in self.rules:
            if not rule.matches(method):
                continue
            if rule.count > 0:
                if rule.probability > 0 and self.random.random() >= rule.probability:
                    continue
                rule.count -= 1
                if rule.count == 0 and rule.probability == 0:
                    self.rules.remove(rule)
                return rule
            if rule.probability > 0 and self.random.random() < rule.probability:
                return rule
        return None


@dataclass
class Stats:
    """Counters exposed through /control/stats."""

    requests: Counter[str] = field(default_factory=Counter)
    messages_sent: int = 0
    edits: int = 0
    rate_limited: int = 0
    injected_5xx: int = 0
    dropped: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0
    errors: Counter[int] = field(default_factory=Counter)
    error_texts: Counter[str] = field(default_factory=Counter)  # "method: description"
    send_timestamps: deque[float] = field(default_factory=lambda: deque(maxlen=TIMESTAMP_LIMIT))
    edit_timestamps: deque[float] = field(default_factory=lambda: deque(maxlen=TIMESTAMP_LIMIT))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counters."""
        return {
            "requests": dict(self.requests),
            "messages_sent": self.messages_sent,
            "edits": self.edits,
            "rate_limited": self.rate_limited,
            "injected_5xx": self.injected_5xx,
            "dropped": self.dropped,
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
            "errors": {str(k): v for k, v in self.errors.items()},
            "error_texts": dict(self.error_texts),
            "send_timestamps": list(self.send_timestamps),
            "edit_timestamps": list(self.edit_timestamps),
        }
