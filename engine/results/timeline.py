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
    since: date
    status: Status
    classification: str | None
    rounds: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "status": str(self.status),
            "classification": self.classification,
            "rounds": list(self.rounds),
        }


def timeline(rules: RuleSet, as_of: Callable[[date], Combined]) -> list[Change]:
    """A chip's combined status from the first date a round applies to it, one entry per change.

    `as_of(day)` gives the chip's combined result on a day; the days visited are every date on which a round
    enters or leaves force or a dated threshold moves (rules/calendar.py).
    """
    changes: list[Change] = []
    for day in change_dates(rules):
        combined = as_of(day)
        if all(r.applicable is False for r in combined.results):
            if changes and changes[-1].rounds:  # applied before, nothing applies any more: say so
                changes.append(Change(day, Status.NOT_CONTROLLED, None, ()))
            continue
        lead = combined.lead
        entry = Change(
            day,
            combined.status,
            lead.classification if lead and combined.status is Status.CONTROLLED else None,
            tuple(r.round for r in combined.deciding),
        )
        if not changes or (changes[-1].status, changes[-1].classification) != (entry.status, entry.classification):
            changes.append(entry)
    return changes
