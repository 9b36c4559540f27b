"""The HTTP client of the bot's Bot API requests: a small upload leaves in one write.

httpx streams a multipart body piece by piece, one socket write for each (about eighteen for a
calendar file with its caption), which made uploading a participant's invitation cost the bot
about twice the CPU of sending a file_id. A multipart body of at most `ONE_PIECE_MAX` bytes is
joined before it is sent; a larger one (a big export) streams as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telegram.request import HTTPXRequest

if TYPE_CHECKING:
    import httpx

ONE_PIECE_MAX: Final = 1_000_000  # bytes


async def send_in_one_piece(request: httpx.Request) -> None:
    """Join a small multipart body into one piece before httpx sends it (an httpx request hook)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) <= ONE_PIECE_MAX:
        await request.aread()


def bot_api_request(connection_pool_size: int) -> HTTPXRequest:
    """PTB's HTTPX request with its defaults, sending small uploads in one piece."""
    return HTTPXRequest(
        connection_pool_size=connection_pool_size,
        httpx_kwargs={"event_hooks": {"request": [send_in_one_piece]}},
    )
