"""Bot API methods about the bot itself: getMe, updates, webhook, commands, menu, descriptions."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sandbox.api import ApiError, Params, bad_request

if TYPE_CHECKING:
    from sandbox.core import SandboxCore
    from sandbox.methods import Method

COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 50.0
TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


async def get_me(core: SandboxCore, params: Params) -> Any:
    """getMe."""
    return {
        **core.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def log_out(core: SandboxCore, params: Params) -> Any:
    """logOut / close: nothing to do locally."""
    return True


def _confirm(core: SandboxCore, offset: int | None) -> None:
    """Drop updates confirmed by offset (a negative offset keeps the last -offset updates)."""
    state = core.state
    if offset is None:
        return
    if offset < 0:
        state.updates = state.updates[offset:]
    else:
        state.updates = [u for u in state.updates if u["update_id"] >= offset]


async def get_updates(core: SandboxCore, params: Params) -> Any:
    """getUpdates with offset confirmation, limit, long polling and the 409 conflicts."""
    state = core.state
    if state.webhook_url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    offset = params.get_int("offset")
    limit = min(100, max(1, params.get_int("limit") or 100))
    timeout = min(MAX_POLL_TIMEOUT, max(0.0, params.get_float("timeout") or 0.0))
    allowed = params.get_json("allowed_updates", "can't parse allowed updates JSON object")
    if isinstance(allowed, list):
        state.allowed_updates = [str(kind) for kind in allowed] or None
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_changed.fire()
    _confirm(core, offset)
    if not state.updates and timeout > 0:
        await state.updates_changed.wait_until(
            lambda: (
                bool(state.updates)
                or state.poll_generation != generation
                or bool(state.webhook_url)
                or core.state is not state
                or core.stopping
            ),
            timeout,
        )
    if core.state is not state:
        return []
    if state.poll_generation != generation:
        raise ApiError(409, TERMINATED)
    if state.webhook_url:
        raise ApiError(409, "Conflict: terminated by setWebhook request")
    return state.updates[:limit]


async def set_webhook(core: SandboxCore, params: Params) -> Any:
    """setWebhook (sandbox.webhook posts updates to it when it is a loopback URL)."""
    url = (params.get_str("url") or "").strip()
    secret = params.get_str("secret_token")
    if secret is not None and secret and not SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not url.lower().startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    state = core.state
    if params.get_bool("drop_pending_updates"):
        state.updates.clear()
    allowed = params.get_json("allowed_updates", "can't parse allowed updates JSON object")
    if isinstance(allowed, list):
        state.allowed_updates = [str(kind) for kind in allowed] or None
    state.webhook_url = url
    state.webhook_secret = secret or None if url else None
    state.updates_changed.fire()
    return True


async def delete_webhook(core: SandboxCore, params: Params) -> Any:
    """deleteWebhook."""
    state = core.state
    if params.get_bool("drop_pending_updates"):
        state.updates.clear()
    state.webhook_url = ""
    state.webhook_secret = None
    return True


async def get_webhook_info(core: SandboxCore, params: Params) -> Any:
    """getWebhookInfo."""
    state = core.state
    info: dict[str, Any] = {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if state.webhook_url:
        info["max_connections"] = 40
        if state.allowed_updates:
            info["allowed_updates"] = list(state.allowed_updates)
    return info


def commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
    """Storage key of a command list: normalised scope JSON plus language code."""
    if not isinstance(scope, dict):
        scope = {"type": "default"}
    kept = {k: scope[k] for k in ("type", "chat_id", "user_id") if k in scope}
    kept.setdefault("type", "default")
    return json.dumps(kept, sort_keys=True), language_code or ""


SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def _check_scope(core: SandboxCore, scope: Any) -> None:
    """Refuse a scope as Telegram does: unknown type, missing chat_id or user_id, unknown chat."""
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind.startswith("chat"):
        if "chat_id" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        core.chat_user(scope["chat_id"])  # "chat not found" for a chat that does not exist
        scope["chat_id"] = int(str(scope["chat_id"]).strip())
    if kind == "chat_member" and not isinstance(scope.get("user_id"), int):
        raise bad_request("can't parse BotCommandScope JSON object")


def _scope_key(core: SandboxCore, params: Params) -> tuple[str, str]:
    """Key for the scope and language_code parameters of a command method."""
    scope = params.get_json("scope", "can't parse BotCommandScope JSON object")
    if scope is not None:
        _check_scope(core, scope)
    language = params.get_str("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad_request("invalid language code specified")
    return commands_key(scope, language)


async def set_my_commands(core: SandboxCore, params: Params) -> Any:
    """setMyCommands."""
    commands = params.get_json("commands", "can't parse commands JSON object")
    if commands is None:
        raise bad_request('parameter "commands" is required')
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    cleaned = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).strip().lstrip("/")
        description = str(item.get("description", "")).strip()
        if not COMMAND_NAME_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not description or len(description) > 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    key = _scope_key(core, params)
    if cleaned:
        core.state.commands[key] = cleaned
    else:
        core.state.commands.pop(key, None)
    return True


async def get_my_commands(core: SandboxCore, params: Params) -> Any:
    """getMyCommands."""
    return list(core.state.commands.get(_scope_key(core, params), []))


async def delete_my_commands(core: SandboxCore, params: Params) -> Any:
    """deleteMyCommands."""
    core.state.commands.pop(_scope_key(core, params), None)
    return True


async def set_chat_menu_button(core: SandboxCore, params: Params) -> Any:
    """setChatMenuButton (per chat or the default one)."""
    chat_id = None
    if params.has("chat_id"):
        chat_id = core.chat_user(params.values.get("chat_id")).id
    button = params.get_json("menu_button", "can't parse MenuButton JSON object")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse MenuButton JSON object")
    if button["type"] == "web_app" and not (button.get("text") and button.get("web_app")):
        raise bad_request("can't parse MenuButton JSON object")
    core.state.menu_buttons[chat_id] = button
    return True


async def get_chat_menu_button(core: SandboxCore, params: Params) -> Any:
    """getChatMenuButton."""
    buttons = core.state.menu_buttons
    if params.has("chat_id"):
        chat_id = core.chat_user(params.values.get("chat_id")).id
        if chat_id in buttons:
            return buttons[chat_id]
    return buttons.get(None, {"type": "default"})


def _description_methods(kind: str, limit: int) -> tuple[Method, Method]:
    """setMy{kind} / getMy{kind} pair for description and short_description."""

    async def setter(core: SandboxCore, params: Params) -> Any:
        """Store a (short) description for a language."""
        text = params.get_str(kind) or ""
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        language = params.get_str("language_code") or ""
        if text:
            core.state.descriptions[(kind, language)] = text
        else:
            core.state.descriptions.pop((kind, language), None)
        return True

    async def getter(core: SandboxCore, params: Params) -> Any:
        """Return the stored (short) description."""
        language = params.get_str("language_code") or ""
        return {kind: core.state.descriptions.get((kind, language), "")}

    return setter, getter


async def get_file(core: SandboxCore, params: Params) -> Any:
    """getFile: a file's path for downloading from /file/bot<token>/<path>."""
    stored = core.state.files.get(params.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": f"documents/{stored.file_id}",
    }


set_my_description, get_my_description = _description_methods("description", 512)
set_my_short_description, get_my_short_description = _description_methods("short_description", 120)

BOT_METHODS: dict[str, Method] = {
    "getMe": get_me,
    "getFile": get_file,
    "logOut": log_out,
    "close": log_out,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "setMyDescription": set_my_description,
    "getMyDescription": get_my_description,
    "setMyShortDescription": set_my_short_description,
    "getMyShortDescription": get_my_short_description,
}
