"""When a round is in force, in words: its periods (effective, ended, enforced or not) and why it was not on a day.

A period's end is the first day out of force, as a rule file's `ends` is: `2025-01-13 .. 2025-05-13` is in force
on 2025-05-12 and not on 2025-05-13. (No terminal library here: the library's errors use these texts too.)
"""

from __future__ import annotations

from datetime import date

from ..rules.calendar import enforcement_on, in_force_on
from ..rules.model import RoundFile

Period = tuple[date, date | None]  # first day in force, first day out of force (None: still in force)


def periods(round_file: RoundFile) -> list[Period]:
    """The spans of days on which the round is in force, in order (none if it never is)."""
    dates = round_file.dates
    edges = sorted({dates.effective, *([dates.ends] if dates.ends else []), *(e.since for e in round_file.enforcement)})
    edges = [day for day in edges if day >= dates.effective]
    found: list[Period] = []
    start: date | None = None
    for day in edges:  # in force or not, the round stays so from one edge to the next
        if in_force_on(round_file, day):
            start = day if start is None else start
        elif start is not None:
            found.append((start, day))
            start = None
    if start is not None:
        found.append((start, None))
    return found


def in_force_text(round_file: RoundFile) -> str:
    """`2023-11-17 .. -`, `2025-01-13 .. 2025-05-13`, or `never` (for the rules list)."""
    return ", ".join(f"{start} .. {end or '-'}" for start, end in periods(round_file)) or "never"


def not_in_force_reason(round_file: RoundFile, day: date) -> str:
    """Why a round does not apply on a day, with the days it does: `us-2025-01-diffusion was not in force on
    2025-06-01 (in force 2025-01-13 .. 2025-05-13, not enforced since 2025-05-13)`."""
    spans = periods(round_file)
    when = "in force " + (", ".join(f"{s} .. {e}" if e else f"from {s}" for s, e in spans) or "on no day")
    dates = round_file.dates
    if (
        day >= dates.effective
        and (dates.ends is None or day < dates.ends)
        and enforcement_on(round_file, day) != "enforced"
    ):
        since = max(e.since for e in round_file.enforcement if e.since <= day)
        when += f", not enforced since {since}"
    return f"{round_file.id} was not in force on {day} ({when})"
