"""Which hosts the sandbox listens on and posts to: loopback only."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether host names a loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
