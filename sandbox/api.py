"""Request parsing, type coercion and error answers of the Bot API emulation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.html import HtmlParseError, parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code", "description", "parameters"?}."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        """Remember the HTTP status, the description and optional parameters."""
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        """The JSON answer with the matching HTTP status."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.code)


def bad_request(text: str) -> ApiError:
    """A 400 "Bad Request: ..." error."""
    return ApiError(400, f"Bad Request: {text}")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    content: bytes
    file_name: str | None
    content_type: str | None


class Params:
    """Bot API parameters from the query string and the body, coerced like Telegram does."""

    def __init__(self, values: dict[str, Any]) -> None:
        """Wrap the merged raw values."""
        self.values = values

    def has(self, name: str) -> bool:
        """Whether the parameter was sent (and is not empty)."""
        return self.values.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        """A string parameter (numbers are converted to text)."""
        value = self.values.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value)

    def get_int(self, name: str, error: str | None = None) -> int | None:
        """An integer parameter; None when absent, ApiError when malformed."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(str(value).strip())
        except ValueError:
            raise bad_request(error or f'field "{name}" must be a valid Number') from None

    def get_float(self, name: str) -> float | None:
        """A number parameter."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def get_bool(self, name: str) -> bool:
        """A boolean parameter ("true"/"false"/"1"/"0" or JSON booleans)."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def get_json(self, name: str, error: str) -> Any:
        """A JSON-serialized parameter (already decoded when the body was JSON)."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value

    def get_file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file part, a file_id/URL string, or None (also attach://name)."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.values.get(value[len("attach://") :])
        if value in (None, ""):
            return None
        if isinstance(value, UploadedFile):
            return value
        return str(value)


async def read_params(request: web.Request) -> Params:
    """Merge query-string and body parameters (form, JSON or multipart)."""
    values: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return Params(values)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        values.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            content = await part.read()
            if part.filename is not None:
                values[part.name] = UploadedFile(
                    bytes(content), part.filename, part.headers.get("Content-Type")
                )
            else:
                values[part.name] = bytes(content).decode("utf-8", "replace")
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = UploadedFile(value.file.read(), value.filename, value.content_type)
            else:
                values[key] = value
    return Params(values)


def format_text(
    params: Params, text_key: str, entities_key: str, limit: int, too_long: str
) -> tuple[str, list[dict[str, Any]], str | None]:
    """Parse text with parse_mode (HTML) or explicit entities; returns (text, entities, raw)."""
    raw = params.get_str(text_key) or ""
    mode = (params.get_str("parse_mode") or "").strip().lower()
    if mode == "html":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        text = raw
        given = params.get_json(entities_key, f"can't parse {entities_key} JSON object")
        entities = given if isinstance(given, list) else []
        for entity in entities:
            if not isinstance(entity, dict) or "type" not in entity:
                raise bad_request(f"can't parse {entities_key} JSON object")
            end = int(entity.get("offset", 0)) + int(entity.get("length", 0))
            if end > utf16_len(text):
                raise bad_request("entity end is out of the text")
    if len(text) > limit:
        raise bad_request(too_long)
    return text, entities, raw if mode == "html" else None


def parse_reply_markup(params: Params) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram (callback_data <= 64 bytes, well-formed JSON)."""
    error = "can't parse reply keyboard markup JSON object"
    markup = params.get_json("reply_markup", error)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request(error)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or "text" not in button:
                    raise bad_request('can\'t find field "text"')
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or size < 1 or size > MAX_CALLBACK_DATA:
                        raise bad_request("BUTTON_DATA_INVALID")
        if not any(rows):
            return None
        return markup
    known = ("keyboard", "remove_keyboard", "force_reply")
    if not any(key in markup for key in known):
        raise bad_request(error)
    return markup


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All inline buttons of a markup, flattened."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]
