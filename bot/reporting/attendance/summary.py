"""What the import understood, in plain lines: printed by the command, shown in the chat."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.reporting.attendance.plan import ImportPlan, Skipped

KIND_WORDS = {
    "intervals": "minutes from join and leave times (overlaps counted once)",
    "actions": "minutes from Joined and Left events",
    "durations": "minutes from the duration column",
    "names": "no minutes in the file",
}


def _who(skipped: Skipped) -> str:
    """A skipped row's name and e-mail."""
    return f"{skipped.name} <{skipped.email}>" if skipped.email else skipped.name or "(no name)"


def summary_lines(plan: ImportPlan, zone: ZoneInfo, min_minutes: int) -> list[str]:
    """The summary: format, sections, rows, who matched and how, who did not and why, minutes."""
    lines = [f"Format: {plan.platform} ({plan.separator}-separated)"]
    if plan.sections:
        lines.append("Sections: " + ", ".join(plan.sections))
    if plan.starts is not None:
        lines.append(f"Meeting in the file: {plan.starts.astimezone(zone):%Y-%m-%d %H:%M}")
    lines.append(f"Rows read: {plan.rows}; {KIND_WORDS[plan.kind]}")
    lines.append(
        f"Matched: {len(plan.attendees)} registrants"
        f" ({plan.matched('email')} by e-mail, {plan.matched('name')} by name)"
    )
    counted = sum(1 for a in plan.attendees if a.attended)
    threshold = f"at least {min_minutes} minutes" if min_minutes else "any presence"
    lines.append(f"Attended ({threshold}): {counted}")
    for attendee in plan.attendees:
        minutes = "?" if attendee.minutes is None else str(attendee.minutes)
        mark = "" if attendee.attended else "  (under the minimum: not attended)"
        lines.append(f"  {attendee.registrant.name}: {minutes} min, by {attendee.matched_by}{mark}")
    if plan.ignored:
        lines.append(f"Rows ignored: {len(plan.ignored)}")
        lines.extend(f"  {_who(s)}: {s.reason}" for s in plan.ignored)
    if plan.unmatched:
        lines.append(f"Not matched: {len(plan.unmatched)}")
        lines.extend(f"  {_who(s)}: {s.reason}" for s in plan.unmatched)
    return lines
