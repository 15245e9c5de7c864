"""As of a date: which rounds are in force, and the strictest outcome among those that apply to a chip."""

from __future__ import annotations

from datetime import date

from ..core.logic import strictest
from ..rules.calendar import in_force_on
from ..rules.program import Program
from ..rules.ruleset import RuleSet
from .result import Combined, Result


def in_force(rules: RuleSet, on: date, rounds: list[str] | None = None) -> list[Program]:
    """Rounds in force on a date; only those asked for, if any (even those not applied by default)."""
    chosen = rounds or rules.default_ids()
    return [rules[r] for r in chosen if in_force_on(rules[r].round, on)]


def combine(chip: str, source: str, on: date, results: list[Result]) -> Combined:
    """Strictest outcome among the rounds that apply to the chip."""
    applying = [r for r in results if r.applicable is not False]
    status = strictest([r.status for r in applying])
    deciding = [r for r in applying if r.status == status]
    return Combined(chip, source, on, status, deciding, results)
