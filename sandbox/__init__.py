"""Local stand-in for Telegram's Bot API server, for end-to-end tests and benchmarks."""

from sandbox.client import SandboxClient, SandboxControlError
from sandbox.limits import SandboxConfig
from sandbox.server import SandboxServer

__all__ = ["SandboxClient", "SandboxConfig", "SandboxControlError", "SandboxServer"]
