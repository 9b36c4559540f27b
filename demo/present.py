"""Turn sandbox transcript messages and events into what the demo page draws."""

from __future__ import annotations

from typing import Any

from demo.render import message_html, safe_url


def keyboard(markup: dict[str, Any] | None) -> list[list[dict[str, str]]]:
    """Inline keyboard rows: callback buttons (press) and url buttons (safe links only)."""
    rows: list[list[dict[str, str]]] = []
    for row in (markup or {}).get("inline_keyboard") or []:
        buttons: list[dict[str, str]] = []
        for button in row:
            text = str(button.get("text", ""))
            if isinstance(button.get("callback_data"), str):
                buttons.append({"text": text, "kind": "callback", "data": button["callback_data"]})
            elif (url := safe_url(button.get("url"))) is not None:
                buttons.append({"text": text, "kind": "url", "url": url})
        if buttons:
            rows.append(buttons)
    return rows


def file_entry(document: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a document, with its download address."""
    return {
        "file_id": document.get("file_id"),
        "file_name": document.get("file_name") or "file",
        "mime_type": document.get("mime_type") or "application/octet-stream",
        "file_size": document.get("file_size"),
        "url": f"/api/files/{document.get('file_id')}",
    }


def present_message(message: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A transcript or event message for the page; records its files in `files`."""
    document = message.get("document")
    photos = message.get("photo") or []
    shown: dict[str, Any] = {
        "message_id": message.get("message_id"),
        "from_bot": bool(message.get("from_bot", True)),
        "date": message.get("date"),
        "edit_date": message.get("edit_date"),
        "deleted": bool(message.get("deleted")),
        "html": message_html(message.get("text"), message.get("entities"), message.get("html")),
        "caption": message_html(message.get("caption"), message.get("caption_entities"), None),
        "keyboard": keyboard(message.get("reply_markup")),
        "document": None,
        "photo": None,
    }
    if document:
        entry = file_entry(document)
        files[str(entry["file_id"])] = entry
        shown["document"] = entry
    if photos:
        largest = max(
            photos, key=lambda size: int(size.get("width", 0)) * int(size.get("height", 0))
        )
        entry = file_entry({**largest, "file_name": "photo", "mime_type": "image"})
        files[str(entry["file_id"])] = entry
        shown["photo"] = entry
    return shown


def present_event(
    user_id: int, event: dict[str, Any], files: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A sandbox event for the page's event stream."""
    if event.get("kind") == "callback_answer":
        return {
            "user_id": user_id,
            "kind": "callback_answer",
            "seq": event.get("seq"),
            "message_id": event.get("message_id"),
            "text": event.get("text"),
            "show_alert": bool(event.get("show_alert")),
            "url": safe_url(event.get("url")),
        }
    return {
        "user_id": user_id,
        "kind": event.get("kind"),
        "seq": event.get("seq"),
        "message": present_message(event, files),
    }
