"""When did a chip's status change, and which round changed it?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..core.logic import Status
from ..rules.calendar import change_dates
from ..rules.ruleset import RuleSet
from .result import Combined


@dataclass(frozen=True)
class Change:
    """From `since` on (until the next change), the chip's combined outcome. `released` marks the entry that
    starts at the chip's release, as the sheet gives it (a year or a day): nothing is claimed before it."""

    since: date
    status: Status
    classification: str | None
    rounds: tuple[str, ...]
    license_exception: str = ""  # as results show them: a name, "none", "undetermined (needs ...)" or ""
    license_review: str = ""
    released: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "released": self.released,
            "status": str(self.status),
            "classification": self.classification,
            "license_exception": self.license_exception or None,
            "license_review": self.license_review or None,
            "rounds": list(self.rounds),
        }

    @property
    def outcome(self) -> tuple[object, ...]:
        return (self.status, self.classification, self.license_exception, self.license_review)


def release_day(released: int | date | None) -> tuple[date, str] | None:
    """The first day a chip existed, as far as its sheet says, and how to show it (a year starts on January 1)."""
    if released is None:
        return None
    if isinstance(released, date):
        return released, released.isoformat()
    return date(released, 1, 1), str(released)


def timeline(rules: RuleSet, as_of: Callable[[date], Combined], released: int | date | None = None) -> list[Change]:
    """A chip's combined outcome from the first date a round applies to it (and it exists), one entry per change.

    `as_of(day)` gives the chip's combined result on a day; the days visited are every date on which a round
    enters or leaves force or a dated threshold moves (rules/calendar.py), and the chip's release. A chip released
    in December 2023 was never "controlled since 2022-10-07": its timeline starts at its release.
    """
    start = release_day(released)
    days = change_dates(rules)
    if start is not None:
        days = sorted({d for d in days if d > start[0]} | {start[0]})
    changes: list[Change] = []
    for day in days:
        combined = as_of(day)
        first = start is not None and day == start[0]
        label = start[1] if start is not None and first else None  # the entry that starts at the release
        if all(r.applicable is False for r in combined.results):
            if changes and changes[-1].rounds:  # applied before, nothing applies any more: say so
                changes.append(Change(day, Status.NOT_CONTROLLED, None, ()))
            continue  # (released before any round applied to it: the timeline starts with the first that does)
        controlled = combined.status is Status.CONTROLLED
        entry = Change(
            day,
            combined.status,
            combined.classification if controlled else None,
            tuple(combined.deciding_rounds),
            combined.exception_text if controlled else "",
            combined.review_text if controlled else "",
            label,
        )
        if not changes or changes[-1].outcome != entry.outcome:
            changes.append(entry)
    return changes
