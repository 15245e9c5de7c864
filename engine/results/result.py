"""The result of one chip under one round (contract section 3), and the combined result as of a date.

A result is cheap to make: the verdict comes from the memo and the chip's metrics are shared by every round.
The per-comparison views (margins, display text) are built when they are first read, so a caller that wants
only the status pays for none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cached_property
from typing import Any

from ..conditions.compare import ConditionResult, Pattern, evaluate
from ..core.logic import SEVERITY, Status, Tri, strictest
from ..core.quantities import format_number
from ..decision.verdict import Verdict
from ..metrics.compute import ChipMetrics
from ..rules.calendar import threshold_on
from ..rules.program import Program

STATUSES = tuple(Status)
__all__ = ["SEVERITY", "STATUSES", "Combined", "ConditionView", "Result", "strictest"]


@dataclass
class ConditionView:
    """One comparison as a result shows it: owning clause, value against threshold, whether it held, margin.

    (Not frozen, like the other per-comparison values: results make many and frozen ones cost four times as much.)
    """

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
    margin_text: str | None = field(default=None, repr=False, compare=False)  # the margin formatted, if known

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "comparison": self.comparison,
            "metric": self.metric,
            "operator": self.operator,
            "threshold": self.threshold,
            "value": self.value,
            "holds": self.holds,
            "margin": self.margin_text
            if self.margin_text is not None
            else (None if self.margin is None else format_number(self.margin, 6)),
            "basis": self.basis,
            "decisive": self.decisive,
        }

    def sentence(self) -> str:
        verdict = {True: "holds", False: "fails", None: "unknown"}[self.holds]
        margin = ""
        if self.margin is not None:
            percent = float(self.margin) * 100
            # a margin too small for two decimals keeps its sign and size: `-2.1e-10%`, not `-0.00%`
            tiny = self.margin != 0 and abs(percent) < 0.005
            margin = f" ({percent:+.2g}%)" if tiny else f" ({percent:+.2f}%)"
        return f"{self.metric} {self.value} {self.operator} {self.threshold}: {verdict}{margin}"


# Displays round to six significant digits (format_number), so a value and a threshold further apart than
# 1/_NEAR (relatively) always read apart and in the right order; only nearer ones need the check in _apart.
_NEAR = 10_000
_MOST_PLACES = 30  # beyond this many decimal places, a value reads "just under" / "just over" its threshold


def _view(owner: str, result: ConditionResult, decisive: bool, on: date) -> ConditionView:
    c = result.comparison
    metric, margin = result.value, result.margin
    value, threshold = metric.text, result.threshold
    if margin is not None:
        numerator = margin.numerator
        if numerator and abs(numerator) * _NEAR < margin.denominator:
            assert type(metric.value) is Fraction
            value, threshold = _apart(metric.value, value, threshold_on(c, on), threshold)
    elif metric.lower is not None:  # shown as "at least ...", against the threshold
        line = threshold_on(c, on)
        if type(line) is Fraction and line and abs(metric.lower - line) * _NEAR < line:
            value, threshold = _apart(metric.lower, value, line, threshold)
    return ConditionView(
        owner,
        c.key,
        c.metric,
        c.op,
        threshold,
        value,
        result.holds.as_bool(),
        margin,
        metric.basis,
        decisive,
        result.margin_text,
    )


def _apart(value: Fraction, value_text: str, threshold: object, threshold_text: str) -> tuple[str, str]:
    """The value's and threshold's texts, with more digits where their six-digit forms would read equal (or in
    the wrong order) although the exact values differ: a tpp of 4799.99999999 must not read `4800 >= 4800`.

    The value is shown exactly when it is a decimal of at most 30 places, else rounded to the fewest places (more
    than the threshold shows) that set it apart; the threshold keeps its text when that is exact. Rounding keeps order, so the shown pair never
    contradicts the exact comparison.
    """
    assert type(threshold) is Fraction
    shown_value, shown_threshold = format_number(value), format_number(threshold)
    if _order(Fraction(shown_value), Fraction(shown_threshold)) == _order(value, threshold):
        return value_text, threshold_text
    exact_threshold = Fraction(shown_threshold) == threshold
    places = _places(value)
    if places is None or places > _MOST_PLACES:
        # at least one place more than the threshold and than six significant digits show
        _, point, decimals = shown_threshold.partition(".")
        places = max(len(decimals) if point and "e" not in decimals else 0, 6 - len(str(int(value)))) + 1
    for p in range(min(places, _MOST_PLACES), _MOST_PLACES + 1):
        new_value = _fixed(value, p)
        new_threshold = shown_threshold if exact_threshold else _fixed(threshold, p)
        if _order(Fraction(new_value), Fraction(new_threshold)) == _order(value, threshold):
            break
    else:
        new_value = f"just {'under' if value < threshold else 'over'} {new_threshold}"
    # each text is its number followed by a unit, the value's perhaps after "at least "
    return value_text.replace(shown_value, new_value, 1), threshold_text.replace(shown_threshold, new_threshold, 1)


def _order(a: Fraction, b: Fraction) -> int:
    return (a > b) - (a < b)


def _places(value: Fraction) -> int | None:
    """Decimal places of the value's exact decimal form, None if it has none (a third)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return max(twos, fives) if den == 1 else None


def _fixed(value: Fraction, places: int) -> str:
    """The value rounded (half to even) to so many decimal places, without trailing zeros."""
    scaled = round(value * 10**places)
    digits = str(abs(scaled)).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".") if places else digits
    return ("-" if scaled < 0 else "") + text


@dataclass
class Basis:
    """What a result was computed from: enough to build its condition views on demand."""

    program: Program
    metrics: ChipMetrics
    pattern: Pattern
    verdict: Verdict

    def condition(self, index: int, on: date) -> ConditionResult:
        """Comparison `index` with its margin; a fixed comparison is evaluated once per chip and day, for every
        round that has it (an overlay shares its base's), a dated one each time (`$line` may differ by round)."""
        comparison = self.program.comparisons[index]
        if comparison.parameter is not None:
            return evaluate(self.program, self.metrics, on, self.pattern, index)
        key = (comparison.key, comparison.dimension, on)
        found = self.metrics.conditions.get(key)
        if found is None:
            found = self.metrics.conditions[key] = evaluate(self.program, self.metrics, on, self.pattern, index)
        return found


_HEADS = {
    Status.NOT_CONTROLLED: "not controlled",
    Status.INDETERMINATE: "indeterminate",
    Status.REVIEW: "review",
}


@dataclass(frozen=True)
class Result:
    """One chip under one round."""

    chip: str
    source: str
    round: str
    status: Status
    classification: str | None
    license_exception: str | None
    license_review: str | None
    applicable: bool | None
    clauses: dict[str, Tri]
    missing: list[str]
    citation: str
    provenance: str
    title: str
    as_of: date
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    basis: Basis | None = field(default=None, repr=False, compare=False)

    @cached_property
    def conditions(self) -> list[ConditionView]:
        """Every comparison of the round, once per clause that uses it, in program order."""
        basis = self.basis
        if basis is None:
            return []
        decisive = basis.verdict.decisive
        evaluated = [basis.condition(i, self.as_of) for i in range(len(basis.program.comparisons))]
        return [_view(owner, evaluated[i], (owner, i) in decisive, self.as_of) for owner, i in basis.program.owners]

    @property
    def decisive(self) -> list[ConditionView]:
        return [c for c in self.conditions if c.decisive]

    @property
    def explanation(self) -> str:
        """One line: the status and the (first four) decisive comparisons (made once, on first reading)."""
        found: str | None = self.__dict__.get("_explanation")
        if found is None:
            found = self.__dict__["_explanation"] = self._explain()
        return found

    def _explain(self) -> str:
        head = _HEADS.get(self.status) or (
            f"controlled ({self.classification})" if self.classification else "controlled"
        )
        if self.basis is None:
            return head
        basis = self.basis
        decisive = basis.verdict.decisive
        if "conditions" in self.__dict__:
            deciding = self.decisive
        else:  # only the decisive views: the common case builds no others
            deciding = [
                _view(o, basis.condition(i, self.as_of), True, self.as_of)
                for o, i in basis.program.owners
                if (o, i) in decisive
            ]
        if not deciding:
            return head
        shown = "; ".join(f"[{v.clause}] {v.sentence()}" for v in deciding[:4])
        more = f"; +{len(deciding) - 4} more" if len(deciding) > 4 else ""
        return f"{head}: {shown}{more}"

    def to_dict(self) -> dict[str, Any]:
        conditions = [c.to_dict() for c in self.conditions]  # first: the explanation then reuses these views
        return {
            "chip": self.chip,
            "source": self.source,
            "round": self.round,
            "status": str(self.status),
            "classification": self.classification,
            "license_exception": self.license_exception,
            "license_review": self.license_review,
            "applicable": self.applicable,
            "explanation": self.explanation,
            "conditions": conditions,
            "clauses": {k: str(v) for k, v in self.clauses.items()},
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
    status: Status
    deciding: list[Result]
    results: list[Result]

    @property
    def lead(self) -> Result | None:
        """The deciding round to show first: one that gives a classification (an ECCN) if any does.

        The A100 as of 2025 is controlled by the 2022 letters and by 3A090.a; an analyst wants to see 3A090.a.
        """
        return next((r for r in self.deciding if r.classification), self.deciding[0] if self.deciding else None)

    @property
    def license_review(self) -> str | None:
        """The review policy: it may come from another deciding round than the lead (us-2026-01 refines
        us-2023-10)."""
        return next((r.license_review for r in self.deciding if r.license_review), None)

    def to_dict(self) -> dict[str, Any]:
        first = self.lead
        return {
            "chip": self.chip,
            "source": self.source,
            "round": "combined",
            "as_of": self.as_of.isoformat(),
            "status": str(self.status),
            "classification": first.classification if first else None,
            "license_exception": first.license_exception if first else None,
            "license_review": self.license_review,
            "deciding_rounds": [r.round for r in self.deciding],
            "rounds": [r.to_dict() for r in self.results],
        }
