"""Every date rule in one place: when a round is in force, what a dated threshold is on a day, and the days on
which any of that can change (the timeline visits exactly those).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .model import RoundFile
from .program import Comparison, Program, Threshold


def enforcement_on(round_file: RoundFile, day: date) -> str:
    """`enforced` or `not-enforced` on a day: the latest enforcement change on or before it wins."""
    status = "enforced"
    for change in sorted(round_file.enforcement, key=lambda e: e.since):
        if change.since <= day:
            status = change.status
    return status


def in_force_on(round_file: RoundFile, day: date) -> bool:
    """Effective that day, not ended, and enforced."""
    if day < round_file.dates.effective:
        return False
    if round_file.dates.ends is not None and day >= round_file.dates.ends:
        return False
    return enforcement_on(round_file, day) == "enforced"


def threshold_on(comparison: Comparison, day: date) -> Threshold:
    """The threshold in force on a day (a dated parameter's latest value on or before it; before its first
    date, its first value)."""
    if comparison.parameter is None:
        assert comparison.threshold is not None
        return comparison.threshold
    value = comparison.dated[0][1]
    for since, dated_value in comparison.dated:
        if since <= day:
            value = dated_value
    return value


def change_dates(programs: Iterable[Program]) -> list[date]:
    """Every date on which some round enters or leaves force, or one of its dated thresholds moves."""
    days: set[date] = set()
    for program in programs:
        r = program.round
        days.add(r.dates.effective)
        if r.dates.ends:
            days.add(r.dates.ends)
        days.update(e.since for e in r.enforcement)
        for comparison in program.comparisons:
            days.update(since for since, _ in comparison.dated)
    return sorted(days)
