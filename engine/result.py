"""The result of one chip under one round (contract section 3), and the combined result as of a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from .quantities import format_number

STATUSES = ("controlled", "review", "indeterminate", "not-controlled")
# Strictest first: a chip that may be controlled (indeterminate) outranks a letter's manual review.
SEVERITY = {"controlled": 3, "indeterminate": 2, "review": 1, "not-controlled": 0}


@dataclass(frozen=True)
class ConditionView:
    clause: str
    comparison: str
    metric: str
    operator: str
    threshold: str
    value: str
    holds: bool | None
    margin: Fraction | None
    basis: str
    decisive: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "comparison": self.comparison,
            "metric": self.metric,
            "operator": self.operator,
            "threshold": self.threshold,
            "value": self.value,
            "holds": self.holds,
            "margin": None if self.margin is None else format_number(self.margin, 6),
            "basis": self.basis,
            "decisive": self.decisive,
        }

    def sentence(self) -> str:
        verdict = {True: "holds", False: "fails", None: "unknown"}[self.holds]
        margin = "" if self.margin is None else f" ({float(self.margin) * 100:+.2f}%)"
        return f"{self.metric} {self.value} {self.operator} {self.threshold}: {verdict}{margin}"


@dataclass(frozen=True)
class Result:
    """One chip under one round."""

    chip: str
    source: str
    round: str
    status: str
    classification: str | None
    license_exception: str | None
    license_review: str | None
    applicable: bool | None
    conditions: list[ConditionView]
    clauses: dict[str, str]
    missing: list[str]
    citation: str
    provenance: str
    title: str
    as_of: date
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explanation: str = ""

    @property
    def decisive(self) -> list[ConditionView]:
        return [c for c in self.conditions if c.decisive]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chip": self.chip,
            "source": self.source,
            "round": self.round,
            "status": self.status,
            "classification": self.classification,
            "license_exception": self.license_exception,
            "license_review": self.license_review,
            "applicable": self.applicable,
            "explanation": self.explanation,
            "conditions": [c.to_dict() for c in self.conditions],
            "clauses": self.clauses,
            "missing": self.missing,
            "citation": self.citation,
            "provenance": self.provenance,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "assumptions": self.assumptions,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Combined:
    """A chip as of a date: the strictest result of the rounds in force that apply to it."""

    chip: str
    source: str
    as_of: date
    status: str
    deciding: list[Result]
    results: list[Result]

    @property
    def lead(self) -> Result | None:
        """The deciding round to show first: one that gives a classification (an ECCN) if any does.

        The A100 as of 2025 is controlled by the 2022 letters and by 3A090.a; an analyst wants to see 3A090.a.
        """
        return next((r for r in self.deciding if r.classification), self.deciding[0] if self.deciding else None)

    def to_dict(self) -> dict[str, Any]:
        first = self.lead
        return {
            "chip": self.chip,
            "source": self.source,
            "round": "combined",
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "classification": first.classification if first else None,
            "license_exception": first.license_exception if first else None,
            # a review policy may come from another deciding round than the lead (us-2026-01 refines us-2023-10)
            "license_review": next((r.license_review for r in self.deciding if r.license_review), None),
            "deciding_rounds": [r.round for r in self.deciding],
            "rounds": [r.to_dict() for r in self.results],
        }


def strictest(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: SEVERITY[s]) if statuses else "not-controlled"
