"""The organizer console as an organizer uses it through the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.settings import ADMIN_ID

if TYPE_CHECKING:
    from tests.support.users import SimUser

ORGANIZER = ADMIN_ID  # the organizer named in the tests' settings (ADMIN_IDS)


async def open_add(organizer: SimUser) -> dict[str, Any]:
    """/organizers, then "Add an organizer"; return the menu message."""
    await organizer.say("/organizers")
    menu = await organizer.expect("Organizers")
    await organizer.press(menu, "Add an organizer")
    await organizer.expect("numeric Telegram user id")
    return menu


async def add_organizer(organizer: SimUser, new_id: int) -> dict[str, Any]:
    """Add an organizer by id through the menu; return the updated menu."""
    await open_add(organizer)
    await organizer.say(str(new_id))
    question = await organizer.expect(f"Add {new_id} as an organizer?")
    await organizer.press(question, "Confirm")
    return await organizer.expect(f"{new_id} is now an organizer")
