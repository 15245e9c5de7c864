"""When did a chip's status change, and which round changed it?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import decision as decisions
from .classify import ChipLike, _as_loaded, classify_as_of
from .rules import RuleSet


@dataclass(frozen=True)
class Change:
    since: date
    status: str
    classification: str | None
    rounds: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "status": self.status,
            "classification": self.classification,
            "rounds": list(self.rounds),
        }


def change_dates(rules: RuleSet) -> list[date]:
    """Every date on which some round enters or leaves force."""
    days: set[date] = set()
    for program in rules:
        r = program.round
        days.add(r.dates.effective)
        if r.dates.ends:
            days.add(r.dates.ends)
        days.update(e.since for e in r.enforcement)
    return sorted(days)


def timeline(
    chip: ChipLike, rules: RuleSet, memo: decisions.Memo | None = None, rounds: list[str] | None = None
) -> list[Change]:
    """The chip's combined status from the first date a round applies to it, one entry per change."""
    loaded = _as_loaded(chip)
    changes: list[Change] = []
    for day in change_dates(rules):
        combined = classify_as_of(loaded, day, rules, rounds, memo)
        if all(r.applicable is False for r in combined.results):
            if changes and changes[-1].rounds:  # applied before, nothing applies any more: say so
                changes.append(Change(day, "not-controlled", None, ()))
            continue
        lead = combined.lead
        entry = Change(
            day,
            combined.status,
            lead.classification if lead and combined.status == "controlled" else None,
            tuple(r.round for r in combined.deciding),
        )
        if not changes or (changes[-1].status, changes[-1].classification) != (entry.status, entry.classification):
            changes.append(entry)
    return changes
