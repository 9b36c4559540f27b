"""Tests of the local Bot API sandbox (raw HTTP, PTB 22 Bot, control API)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox import SandboxClient, SandboxConfig, SandboxControlError, SandboxServer
from sandbox.__main__ import parse_args
from sandbox.html import HtmlParseError, parse_html
from tests.support.waiting import eventually

TOKEN = "123456789:AAH" + "x" * 32
USER = 1001
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000030806000000b95e5b3b0000000d49444154"
)


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """A sandbox on a free loopback port, without rate limit unless a test sets one."""
    srv = SandboxServer(SandboxConfig(send_rate=None))
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def client(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    """Control client with one registered user."""
    async with SandboxClient(server.url) as ctl:
        await ctl.add_user(USER, first_name="Ann", username="ann")
        yield ctl


@pytest.fixture
async def http(server: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP client pointed at the Bot API of the bot TOKEN."""
    async with httpx.AsyncClient(base_url=f"{server.api_base_url}{TOKEN}/", timeout=10) as c:
        yield c


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[Bot]:
    """A real PTB Bot talking to the sandbox."""
    tg = Bot(TOKEN, base_url=server.api_base_url)
    await tg.initialize()
    try:
        yield tg
    finally:
        await tg.shutdown()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_get_me_and_message_shapes(bot: Bot, client: SandboxClient) -> None:
    assert bot.id == 123456789 and bot.username == "webinar_sandbox_bot"
    msg = await bot.send_message(
        USER, "<b>Hi</b> there", parse_mode="HTML", reply_markup=keyboard("a")
    )
    assert msg.text == "Hi there" and msg.chat.type == "private" and msg.from_user.is_bot
    assert msg.entities[0].type == "bold" and msg.entities[0].length == 2
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "a"
    chat = await bot.get_chat(USER)
    assert chat.first_name == "Ann" and chat.username == "ann"
    [entry] = await client.transcript(USER)
    assert entry["html"] == "<b>Hi</b> there" and entry["text"] == "Hi there"
    assert entry["from_bot"] is True and entry["deleted"] is False


async def test_form_json_query_and_multipart(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    r1 = await http.post("sendMessage", data={"chat_id": str(USER), "text": "form"})
    r2 = await http.post("sendMessage", json={"chat_id": USER, "text": "json"})
    r3 = await http.get("sendMessage", params={"chat_id": USER, "text": "query"})
    r4 = await http.post(
        "sendDocument",
        data={"chat_id": str(USER), "caption": "<i>doc</i>", "parse_mode": "HTML"},
        files={"document": ("report.csv", b"a,b\n1,2\n", "text/csv")},
    )
    r5 = await http.post(
        "sendPhoto", data={"chat_id": str(USER)}, files={"photo": ("p.png", PNG, "image/png")}
    )
    assert [r.status_code for r in (r1, r2, r3, r4, r5)] == [200] * 5
    assert [r.json()["result"].get("text") for r in (r1, r2, r3)] == ["form", "json", "query"]
    doc = r4.json()["result"]["document"]
    assert doc["file_name"] == "report.csv" and doc["mime_type"] == "text/csv"
    assert doc["file_size"] == 8 and r4.json()["result"]["caption"] == "doc"
    assert await client.file_content(doc["file_id"]) == b"a,b\n1,2\n"
    photo = r5.json()["result"]["photo"][-1]
    assert (photo["width"], photo["height"]) == (2, 3)
    again = await http.post("sendDocument", data={"chat_id": USER, "document": doc["file_id"]})
    assert again.json()["result"]["document"]["file_id"] == doc["file_id"]


async def test_ptb_send_document(bot: Bot, client: SandboxClient) -> None:
    msg = await bot.send_document(USER, document=b"hello", filename="h.txt", caption="c")
    assert msg.document.file_name == "h.txt" and msg.caption == "c"
    assert await client.file_content(msg.document.file_id) == b"hello"


async def test_error_shapes_unknown_method_and_bad_token(
    server: SandboxServer, http: httpx.AsyncClient
) -> None:
    r = await http.post("fooBar")
    assert r.status_code == 404
    assert r.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    async with httpx.AsyncClient() as raw:
        bad = await raw.post(f"{server.api_base_url}123:short/getMe")
    assert bad.status_code == 401 and bad.json()["description"] == "Unauthorized"
    r = await http.post("SENDMESSAGE", data={"chat_id": "42", "text": "x"})
    assert r.status_code == 400
    assert r.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    assert (await http.get("getme")).json()["result"]["is_bot"] is True


async def test_get_updates_offset_and_command_entity(bot: Bot, client: SandboxClient) -> None:
    first = await client.send_text(USER, "/start abc")
    await client.send_text(USER, "hello")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["/start abc", "hello"]
    assert updates[0].message.message_id == first
    entity = updates[0].message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    assert updates[0].message.from_user.language_code == "en"
    assert len(await bot.get_updates(offset=updates[0].update_id + 1)) == 1
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert len(await bot.get_updates(limit=1)) == 0


async def test_long_polling_wakes_up(bot: Bot, client: SandboxClient) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        await client.send_text(USER, "wake")

    task = asyncio.create_task(later())
    # a poll that slept through the message would return nothing after 30 s
    updates = await bot.get_updates(timeout=30, read_timeout=40)
    await task
    assert [u.message.text for u in updates] == ["wake"]


async def test_second_poller_conflicts_first(
    http: httpx.AsyncClient, bot: Bot, client: SandboxClient
) -> None:
    first = asyncio.create_task(http.post("getUpdates", data={"timeout": "5"}))

    async def polling() -> bool:
        return bool((await client.stats())["requests"].get("getUpdates"))

    await eventually(polling, 5, "the first poll is waiting")
    second = asyncio.create_task(http.post("getUpdates", data={"timeout": "0"}))
    r1, r2 = await asyncio.gather(first, second)
    assert r1.status_code == 409 and r2.status_code == 200
    assert r1.json()["description"].startswith("Conflict: terminated by other getUpdates request")
    assert await bot.set_webhook("https://example.com/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


ERROR_CASES: list[tuple[str, dict[str, Any], int, str]] = [
    ("sendMessage", {"text": ""}, 400, "Bad Request: message text is empty"),
    (
        "sendMessage",
        {"text": "<b> </b>", "parse_mode": "HTML"},
        400,
        "Bad Request: message text is empty",
    ),
    ("sendMessage", {"text": "x" * 4097}, 400, "Bad Request: message is too long"),
    (
        "sendDocument",
        {"document": "https://example.com/a.pdf", "caption": "c" * 1025},
        400,
        "Bad Request: message caption is too long",
    ),
    (
        "sendMessage",
        {
            "text": "x",
            "reply_markup": json.dumps(
                {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]}
            ),
        },
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "sendMessage",
        {"text": "x", "reply_markup": "{not json"},
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    ),
    (
        "editMessageText",
        {"message_id": 99, "text": "x"},
        400,
        "Bad Request: message to edit not found",
    ),
    ("deleteMessage", {"message_id": 99}, 400, "Bad Request: message to delete not found"),
    (
        "answerCallbackQuery",
        {"callback_query_id": "nope"},
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    ),
    (
        "sendMessage",
        {"text": "<foo>x</foo>", "parse_mode": "HTML"},
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0',
    ),
]


@pytest.mark.parametrize(("method", "params", "status", "description"), ERROR_CASES)
async def test_error_texts_raw(
    http: httpx.AsyncClient,
    client: SandboxClient,
    method: str,
    params: dict[str, Any],
    status: int,
    description: str,
) -> None:
    r = await http.post(method, data={"chat_id": str(USER), **params})
    assert (r.status_code, r.json()["error_code"], r.json()["description"]) == (
        status,
        status,
        description,
    )
    assert r.json()["ok"] is False


async def test_error_texts_ptb(bot: Bot, client: SandboxClient) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(555, "x")
    msg = await bot.send_message(USER, "same", reply_markup=keyboard("k"))
    with pytest.raises(BadRequest, match="(?i)message is not modified: specified new message"):
        await bot.edit_message_text("same", USER, msg.message_id, reply_markup=keyboard("k"))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard("k"))
    edited = await bot.edit_message_text("same", USER, msg.message_id)  # drops the keyboard
    assert edited.edit_date is not None and edited.reply_markup is None
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("y", USER, 9999)
    assert await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("z", USER, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)can't parse entities: unmatched end tag at byte"):
        await bot.send_message(USER, "<b>x</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_document(USER, b"d", filename="d", caption="c" * 1025)
    await client.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    await client.send_text(USER, "I'm back")  # writing to the bot unblocks it
    await bot.send_message(USER, "welcome back")
    await client.deactivate(USER)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(USER, "x")


async def test_callback_query_errors(
    bot: Bot, client: SandboxClient, server: SandboxServer
) -> None:
    msg = await bot.send_message(USER, "pick", reply_markup=keyboard("yes", "no"))
    qid = await client.press(USER, msg.message_id, "yes")
    assert await bot.answer_callback_query(qid, text="ok")
    with pytest.raises(BadRequest, match="(?i)query is too old and response timeout expired"):
        await bot.answer_callback_query(qid)
    server.config.callback_query_ttl = 0.05
    old = await client.press(USER, msg.message_id, "no")
    await asyncio.sleep(0.1)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(old)


HTML_OK = [
    ("<b>bold <i>both</i></b>", "bold both", [("bold", 0, 9), ("italic", 5, 4)]),
    ("😀<u>x</u>", "😀x", [("underline", 2, 1)]),
    (
        "<s>a</s><strike>b</strike><del>c</del><ins>d</ins><em>e</em><strong>f</strong>",
        "abcdef",
        [
            ("strikethrough", 0, 1),
            ("strikethrough", 1, 1),
            ("strikethrough", 2, 1),
            ("underline", 3, 1),
            ("italic", 4, 1),
            ("bold", 5, 1),
        ],
    ),
    (
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
        "st",
        [("spoiler", 0, 1), ("spoiler", 1, 1)],
    ),
    (
        "<blockquote>q</blockquote><blockquote expandable>r</blockquote>",
        "qr",
        [("blockquote", 0, 1), ("expandable_blockquote", 1, 1)],
    ),
    ("&lt;a&gt; &amp; &quot; &#65;&#x42; &nbsp;", '<a> & " AB &nbsp;', []),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
]


@pytest.mark.parametrize(("source", "text", "expected"), HTML_OK)
def test_html_parser_valid(source: str, text: str, expected: list[tuple[str, int, int]]) -> None:
    plain, entities = parse_html(source)
    assert plain == text
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == expected


def test_html_links_and_pre() -> None:
    _, entities = parse_html('🎉 <a href="https://example.com/x?a=1&amp;b=2">link</a>')
    assert entities == [
        {"type": "text_link", "offset": 3, "length": 4, "url": "https://example.com/x?a=1&b=2"}
    ]
    _, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    _, entities = parse_html("<code>c</code><pre>p</pre>")
    assert [e["type"] for e in entities] == ["code", "pre"]


HTML_ERRORS = [
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    (
        "<a href>x</a>",
        'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
    ),
]


@pytest.mark.parametrize(("source", "error"), HTML_ERRORS)
def test_html_parser_errors(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert str(info.value) == error


async def test_length_limit_counts_after_parsing(bot: Bot, client: SandboxClient) -> None:
    ok = await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    entity_heavy = "&amp;" * 4096
    assert len((await bot.send_message(USER, entity_heavy, parse_mode="HTML")).text) == 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "<b>" + "a" * 4097 + "</b>", parse_mode="HTML")


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")
async def test_global_rate_limit(http: httpx.AsyncClient, client: SandboxClient, bot: Bot) -> None:
    await client.configure(send_rate=5)
    statuses = []
    for i in range(7):
        r = await http.post("sendMessage", data={"chat_id": USER, "text": f"m{i}"})
        statuses.append(r.status_code)
    assert statuses == [200] * 5 + [429] * 2
    body = r.json()
    assert body["description"] == "Too Many Requests: retry after 1"
    assert body["parameters"] == {"retry_after": 1} and body["error_code"] == 429
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "x")
    stats = await client.stats()
    assert stats["messages_sent"] == 5 and stats["rate_limited"] == 3
    assert len(stats["send_timestamps"]) == 5
    await asyncio.sleep(1.05)
    assert (await http.post("sendMessage", data={"chat_id": USER, "text": "ok"})).status_code == 200


async def test_per_chat_rate_limit(http: httpx.AsyncClient, client: SandboxClient) -> None:
    await client.add_user(2002)
    await client.configure(per_chat_rate=1)
    send = {"chat_id": USER, "text": "a"}
    assert (await http.post("sendMessage", data=send)).status_code == 200
    assert (await http.post("sendMessage", data=send)).status_code == 429
    other = await http.post("sendMessage", data={"chat_id": 2002, "text": "b"})
    assert other.status_code == 200


async def test_latency_does_not_serialise(http: httpx.AsyncClient, client: SandboxClient) -> None:
    await client.configure(latency=0.3)
    start = time.monotonic()
    results = await asyncio.gather(*(http.get("getMe") for _ in range(8)))
    elapsed = time.monotonic() - start
    assert all(r.status_code == 200 for r in results)
    assert 0.3 <= elapsed < 1.0


async def test_fault_injection(bot: Bot, client: SandboxClient) -> None:
    await client.inject_faults(status=500, count=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "x")
    await client.inject_faults(method="sendMessage", status=502, count=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    await client.inject_faults(count=1, drop=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    assert (await bot.send_message(USER, "finally")).text == "finally"
    await bot.get_updates()  # getUpdates is never hit by method=None rules
    await client.inject_faults(probability=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    await client.clear_faults()
    await bot.send_message(USER, "clean")
    stats = await client.stats()
    assert stats["injected_5xx"] == 3 and stats["dropped"] == 1
    assert stats["messages_sent"] == 2 and stats["requests"]["sendMessage"] == 6
    assert [m["text"] for m in await client.transcript(USER)] == ["finally", "clean"]


async def test_control_flow_press_transcript_events(bot: Bot, client: SandboxClient) -> None:
    seq0 = await client.last_seq(USER)
    user_msg = await client.send_text(USER, "/start")
    [update] = await bot.get_updates()
    sent = await bot.send_message(USER, "Choose", reply_markup=keyboard("go"))
    events = await client.wait_for_event(USER, after_seq=seq0)
    assert [e["kind"] for e in events] == ["message"] and events[0]["text"] == "Choose"
    assert events[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    with pytest.raises(SandboxControlError):
        await client.press(USER, sent.message_id, "missing")
    with pytest.raises(SandboxControlError):
        await client.press(USER, user_msg, "go")
    qid = await client.press(USER, sent.message_id, "go")
    [cq] = await bot.get_updates(offset=update.update_id + 1)
    assert cq.callback_query.id == qid and cq.callback_query.data == "go"
    assert cq.callback_query.message.message_id == sent.message_id
    await bot.answer_callback_query(qid, text="Done", show_alert=True)
    await bot.edit_message_text("Chosen", USER, sent.message_id)
    await bot.delete_message(USER, sent.message_id)
    later = await client.wait_for_event(USER, after_seq=events[-1]["seq"])
    assert [e["kind"] for e in later] == ["callback_answer", "edit", "delete"]
    assert later[0]["callback_query_id"] == qid and later[0]["text"] == "Done"
    assert later[0]["show_alert"] is True and later[1]["text"] == "Chosen"
    assert set(later[0]) == set(later[1]) == set(events[0])
    forged = await client.press_forged(USER, 424242, "x" * 100)
    [fq] = await bot.get_updates(offset=cq.update_id + 1)
    assert fq.callback_query.id == forged and fq.callback_query.data == "x" * 100
    transcript = await client.transcript(USER)
    assert [(m["from_bot"], m["text"], m["deleted"]) for m in transcript] == [
        (False, "/start", False),
        (True, "Chosen", True),
    ]
    with pytest.raises(TimeoutError):
        await client.wait_for_event(USER, after_seq=later[-1]["seq"], timeout=0.2)


async def test_wait_for_event_wakes_up(bot: Bot, client: SandboxClient) -> None:
    waiter = asyncio.create_task(client.wait_for_event(USER, timeout=5))
    await asyncio.sleep(0.1)
    await bot.send_message(USER, "ping")
    events = await asyncio.wait_for(waiter, 2)
    assert events[0]["text"] == "ping"


async def test_command_menus_by_scope(
    bot: Bot, client: SandboxClient, http: httpx.AsyncClient
) -> None:
    private, own = BotCommandScopeAllPrivateChats(), BotCommandScopeChat(USER)
    await bot.set_my_commands([("start", "Start")], scope=private)
    await bot.set_my_commands([("start", "Start"), ("stats", "Figures")], scope=own)
    await bot.set_my_commands([("start", "Inscribirse")], scope=own, language_code="es")
    assert [c.command for c in await bot.get_my_commands(scope=own)] == ["start", "stats"]
    assert [c.command for c in await bot.get_my_commands(scope=private)] == ["start"]
    assert await bot.get_my_commands() == ()  # the default scope is a scope of its own
    chat = {"type": "chat", "chat_id": USER}
    assert [c["command"] for c in await client.bot_commands(scope=chat)] == ["start", "stats"]
    spanish = await client.bot_commands(language_code="es", scope=chat)
    assert spanish == [{"command": "start", "description": "Inscribirse"}]
    await bot.delete_my_commands(scope=own)
    assert await bot.get_my_commands(scope=own) == ()
    assert await client.bot_commands(language_code="es", scope=chat) != []  # per language
    await bot.delete_my_commands(scope=own, language_code="es")
    assert await client.bot_commands(language_code="es", scope=chat) == []
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.set_my_commands([("start", "Start")], scope=BotCommandScopeChat(424242))
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.delete_my_commands(scope=BotCommandScopeChat(424242))
    for scope in ({"type": "chat"}, {"type": "planet"}, {"type": "chat_member", "chat_id": USER}):
        response = await http.post("getMyCommands", data={"scope": json.dumps(scope)})
        assert response.status_code == 400, scope


async def test_bot_settings(bot: Bot, client: SandboxClient) -> None:
    await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    await bot.set_my_commands([("start", "Начать")], language_code="ru")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await client.bot_commands() == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert (await client.bot_commands(language_code="ru"))[0]["description"] == "Начать"
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad Command", "x")])
    await bot.delete_my_commands()
    assert await client.bot_commands() == []
    await bot.set_chat_menu_button(USER)
    assert (await bot.get_chat_menu_button(USER)).type == "default"
    await bot.set_my_description("About")
    await bot.set_my_short_description("Short")
    assert (await bot.get_my_description()).description == "About"
    assert await bot.send_chat_action(USER, "typing")
    assert await bot.log_out() is True


async def test_reset_and_unknown_user(client: SandboxClient, http: httpx.AsyncClient) -> None:
    await client.send_text(USER, "hi")
    await client.reset()
    with pytest.raises(SandboxControlError):
        await client.send_text(USER, "hi")
    r = await http.post("getUpdates")
    assert r.json() == {"ok": True, "result": []}


async def test_loopback_only() -> None:
    with pytest.raises(ValueError):
        await SandboxServer().start("0.0.0.0")
    with pytest.raises(SystemExit):
        parse_args(["--host", "10.0.0.1"])
    assert parse_args(["--port", "0"]).port == 0


async def test_ptb_application_end_to_end(server: SandboxServer, client: SandboxClient) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = " ".join(context.args or [])
        await update.effective_chat.send_message(
            f"<b>Hello</b> {payload}", parse_mode="HTML", reply_markup=keyboard("reg")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Registered")
        await query.edit_message_text("You are registered")

    app = ApplicationBuilder().token(TOKEN).base_url(server.api_base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        seq = await client.last_seq(USER)
        await client.send_text(USER, "/start webinar42")
        [event] = await client.wait_for_event(USER, after_seq=seq, timeout=5)
        assert event["text"] == "Hello webinar42" and event["html"] == "<b>Hello</b> webinar42"
        await client.press(USER, event["message_id"], "reg")
        events = await client.wait_for_event(USER, after_seq=event["seq"], timeout=5)
        while len(events) < 2:
            events += await client.wait_for_event(USER, after_seq=events[-1]["seq"], timeout=5)
        assert [e["kind"] for e in events] == ["callback_answer", "edit"]
        assert events[0]["text"] == "Registered" and events[1]["text"] == "You are registered"
        await app.updater.stop()
        await app.stop()
