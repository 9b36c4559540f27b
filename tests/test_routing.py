"""The registry of flows, the callback data builders and parser, and the menus' command lists."""

from __future__ import annotations

import pytest

from bot.render import callback_data
from bot.render.callback_data import LIMIT, CallbackDataError, Press, parse
from handlers.flows import BY_NAME, BY_PREFIX, COMMANDS, FLOWS
from handlers.menus import ORGANIZER_COMMANDS, PARTICIPANT_COMMANDS
from storage.conversations import FLOW_NAME

BIGGEST_ID = 2**63 - 1


def test_every_builder_reads_back_within_telegrams_limit() -> None:
    built = [
        callback_data.question("r", "country", "other"),
        callback_data.profile_field("timezone"),
        callback_data.forget("yes"),
        callback_data.schedule("leave", 99),
        callback_data.calendar("all"),
        callback_data.reminders("off"),
        callback_data.survey(10**15 - 1, 999, "a", "10"),
        callback_data.attending(3),
        callback_data.export_kind("participants"),
        callback_data.export_format("participants", "xlsx"),
        callback_data.broadcast(10**15, "confirm", "cancel"),
        callback_data.broadcast_stop(10**15),
        callback_data.console("org", "deadbeef", "menu", "rm", str(BIGGEST_ID)),
        callback_data.console("wb", "deadbeef", "pick", "w", "a" * 32),
        callback_data.console("mt", "deadbeef", "pick", "w", "a" * 32),
        callback_data.ask(999),
        callback_data.ask_topic(None),
        callback_data.ask_topic(99),
        callback_data.ask_anonymous(True),
        callback_data.ask_cancel(),
        callback_data.ask_withdraw(BIGGEST_ID),
        callback_data.approval("y", BIGGEST_ID),
    ]
    for data in built:
        assert len(data.encode()) <= LIMIT, data
        press = parse(data)
        assert press is not None and press.prefix in BY_PREFIX, data
    assert parse("sv:12:3:a:5") == Press("sv", ("12", "3", "a", "5"))
    assert parse("p:menu:email") == Press("p", ("menu", "email"))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zz",
        "zz:1:2",
        "r",
        "r:lang",
        "r:lang:es:extra",
        "r:country:",
        "r::en",
        "r:country:other;DROP TABLE",
        "sv:1",
        "cal:0:1",
        "x:k:" + "a" * 60,
        "\u202e" * 20,
        "org:t:menu:rm:1:2",
        "r:name:\u00e9",
    ],
)
def test_malformed_data_is_refused(data: str | None) -> None:
    assert parse(data) is None


def test_builders_refuse_what_they_could_not_read_back() -> None:
    with pytest.raises(CallbackDataError):
        callback_data.question("r", "country", "a b")
    with pytest.raises(CallbackDataError):
        callback_data.console("wb", "t" * 20, "pick", "w", "x" * 40)  # over 64 bytes


def test_the_registry_covers_every_prefix_once() -> None:
    assert set(BY_PREFIX) == set(callback_data.PARTS)
    assert len(BY_PREFIX) == len(FLOWS) == len(BY_NAME)
    typed = {
        "register",
        "profile",
        "survey",
        "broadcast",
        "organizers",
        "webinar",
        "materials",
        "ask",
    }
    assert {flow.name for flow in FLOWS if flow.on_text is not None} == typed
    assert {flow.name for flow in FLOWS if flow.organizers_only} == {
        "export",
        "broadcast",
        "organizers",
        "webinar",
        "attendance",
        "materials",
        "approval",
    }


def test_every_flow_name_can_be_stored() -> None:
    assert all(FLOW_NAME.fullmatch(flow.name) for flow in FLOWS)
    assert not FLOW_NAME.fullmatch("Register; DROP") and not FLOW_NAME.fullmatch("")


def test_menus_list_every_command_by_its_guard() -> None:
    assert [c.name for c in COMMANDS] == [*PARTICIPANT_COMMANDS, *ORGANIZER_COMMANDS]
    assert [c.name for c in COMMANDS if c.organizers_only] == list(ORGANIZER_COMMANDS)
