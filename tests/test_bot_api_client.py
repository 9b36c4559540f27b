"""The Bot API client's request hook: a small upload is sent in one piece, a large one streams."""

from __future__ import annotations

import httpx

from bot.runtime.bot_api_client import ONE_PIECE_MAX, bot_api_request, send_in_one_piece

URL = "http://127.0.0.1:8081/bot123:abc/sendDocument"


def upload(size: int) -> httpx.Request:
    """A sendDocument request as PTB builds it: form fields and one file."""
    return httpx.Request(
        "POST",
        URL,
        data={"chat_id": "42", "caption": "Open this file"},
        files={"document": ("webinars.ics", b"B" * size, "text/calendar")},
    )


async def chunks(request: httpx.Request) -> list[bytes]:
    """The pieces httpx would write to the socket, in order."""
    assert isinstance(request.stream, httpx.AsyncByteStream)
    return [piece async for piece in request.stream]


async def test_a_small_upload_is_one_piece_with_the_same_bytes() -> None:
    streamed = b"".join(await chunks(upload(4000)))
    request = upload(4000)
    await send_in_one_piece(request)
    pieces = await chunks(request)
    assert len(pieces) == 1
    # the boundary is random: compare with it replaced
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    other = upload(4000)
    other_boundary = other.headers["content-type"].split("boundary=")[1].encode()
    assert pieces[0] == b"".join(await chunks(other)).replace(other_boundary, boundary)
    assert len(pieces[0]) == len(streamed) == int(request.headers["content-length"])


async def test_a_large_upload_and_other_requests_stream_as_before() -> None:
    large = upload(ONE_PIECE_MAX + 1)
    await send_in_one_piece(large)
    assert len(await chunks(large)) > 1
    message = httpx.Request("POST", URL, json={"chat_id": 42, "text": "hello"})
    stream = message.stream
    await send_in_one_piece(message)
    assert message.stream is stream


def test_the_bot_request_carries_the_hook() -> None:
    request = bot_api_request(connection_pool_size=16)
    client = request._client  # PTB keeps its httpx client private
    assert client.event_hooks["request"] == [send_in_one_piece]
    assert client._transport._pool._max_connections == 16
