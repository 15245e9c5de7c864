"""The result of one chip under one round (contract section 3), and the combined result as of a date.

A result is cheap to make: the verdict comes from the memo and the chip's metrics are shared by every round.
The per-comparison views (margins, display text) are built when they are first read, so a caller that wants
only the status pays for none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

from ..conditions.compare import ConditionResult, Pattern, evaluate
from ..core.logic import SEVERITY, Status, Tri, strictest
from ..core.quantities import exact_text, format_number, format_quantity, round_significant
from ..decision.verdict import Verdict
from ..metrics.compute import ChipMetrics
from ..rules.calendar import threshold_on
from ..rules.model import Destinations
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

    @cached_property
    def headroom(self) -> Fraction | None:
        """The factor the metric would have to be multiplied by to reach the threshold (threshold / value), exact.

        A margin says how far apart value and threshold are relative to the threshold (the H20's TPP 2368 is
        1.33% under 2400); headroom says how far the chip can or must move: x1.01352 to reach the line. Whether
        the comparison flips at the factor or just past it depends on the operator (`flips`).
        """
        if self.margin is None or self.operator not in _FLIPS or self.margin == -1:
            return None
        return 1 / (1 + self.margin)

    @cached_property
    def flips(self) -> str | None:
        """Where the comparison changes as the metric is scaled by headroom: "at", "above" or "below" it."""
        if self.headroom is None or self.holds is None:
            return None
        return _FLIPS[self.operator][self.holds]

    def to_dict(self) -> dict[str, Any]:
        headroom = self.headroom
        return {
            "clause": self.clause,
            "comparison": self.comparison,
            "metric": self.metric,
            "operator": self.operator,
            "threshold": self.threshold,
            "value": self.value,
            "holds": self.holds,
            # exact decimal text (or a fraction where no decimal is exact): machine readers must not get rounding
            "margin": None if self.margin is None else exact_text(self.margin),
            "headroom": None if headroom is None else exact_text(headroom),
            "flips": self.flips,
            "basis": self.basis,
            "decisive": self.decisive,
        }

    def sentence(self) -> str:
        verdict = {True: "holds", False: "fails", None: "unknown"}[self.holds]
        if self.basis.startswith("presumed"):
            verdict += " (presumed by the rule text)"
        move = ""
        if self.margin is not None and self.holds is not None and self.operator in _FLIPS and self.margin != -1:
            move = _move_text(self.margin, self.operator, self.holds)
        return f"{self.metric} {self.value} {self.operator} {self.threshold}: {verdict}{move}"


# For each operator: where, scaling the metric by threshold/value, the comparison flips, by whether it holds now.
# `tpp >= 2400` failing at 2368 holds from x1.01351 on ("at"); holding at 4800 it fails only below x0.5 ("below").
_FLIPS = {
    ">=": {True: "below", False: "at"},
    ">": {True: "at", False: "above"},
    "<": {True: "at", False: "below"},
    "<=": {True: "above", False: "at"},
}


@lru_cache(maxsize=4096)
def _move_text(margin: Fraction, operator: str, holds: bool) -> str:
    """` (flips at x1.01352)` for a comparison with this margin: a pure function of its arguments, remembered
    (a catalog has few distinct margins, and each shows in several rounds and outputs)."""
    flips = _FLIPS[operator][holds]
    return f" (flips {flips} x{_factor_text(1 / (1 + margin), flips)})"


def _factor_text(factor: Fraction, flips: str) -> str:
    """The factor for display, rounded so that the shown factor is on the side the words claim: "flips at
    x1.01352" must not name a factor at which the comparison has not flipped yet. A factor within 1e-4 of one
    shows its distance from one (`x(1+2.1e-11)`): six digits would read `x1`, as if the chip sat on the line."""
    # "above x": every factor over the shown one flips it, so the shown one is at least the exact one; "below x":
    # at most; "at x": past it in the direction the metric moves (up when it grows to the line, down when it shrinks)
    up = flips == "above" or (flips == "at" and factor > 1)
    delta = factor - 1
    if delta and abs(delta) < _NEAR_ONE:
        shown = round_significant(delta, 2, up)
        return f"(1{'+' if shown > 0 else '-'}{format_number(abs(shown), 2)})"
    return _shown_factor(factor, up)


_NEAR_ONE = Fraction(1, 10_000)


def _shown_factor(factor: Fraction, up: bool) -> str:
    """Six significant digits, on the claimed side of the exact factor (a float gives the digits, an exact
    comparison the side: the cheap path for the common case; far from 1e-300..1e300, exact rounding)."""
    magnitude = factor.numerator.bit_length() - factor.denominator.bit_length()
    if not -990 < magnitude < 990:
        rounded = round_significant(factor, 6, up)  # beyond a float's range: decimal arithmetic shows it
        return f"{Decimal(rounded.numerator) / Decimal(rounded.denominator):.6g}"
    text = f"{float(factor):.6g}"
    shown = Fraction(text)
    if shown == factor or (shown > factor) == up:
        return text
    return f"{float(round_significant(factor, 6, up)):.6g}"


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
    elif metric.lower is not None or metric.upper is not None:  # "at least ..." / "at most ...", against the line
        line = threshold_on(c, on)
        bound = metric.lower if metric.lower is not None else metric.upper
        assert bound is not None
        if type(line) is Fraction and line and abs(bound - line) * _NEAR < line:
            # near the line, the bound with as many digits as set it apart (from its six-digit form)
            word = "at least" if metric.lower is not None else "at most"
            plain_text = f"{word} {format_quantity(bound, metric.dimension)}"
            value, threshold = _apart(bound, plain_text, line, threshold)
    basis = metric.basis
    if result.holds is Tri.T and not metric.known and metric.lower is None and metric.upper is None:
        basis = "presumed by the rule text (see assumptions)"
    return ConditionView(
        owner,
        c.key,
        c.metric,
        c.op,
        threshold,
        value,
        result.holds.as_bool(),
        margin,
        basis,
        decisive,
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
        """Comparison `index` with its margin, evaluated once per chip and day for every round that has it (an
        overlay shares its base's); a parameter's comparison is keyed by its value too (`$tpp_line` is a
        different line in two rounds, or in a what-if)."""
        comparison = self.program.comparisons[index]
        # a threshold this round presumes is this round's own: not shared with others
        if any(p.index == index for p in self.program.presumptions):
            return evaluate(self.program, self.metrics, on, self.pattern, index)
        line = threshold_on(comparison, on) if comparison.parameter is not None else None
        key = (comparison.key, comparison.dimension, on, line)
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
    # where the round's licence requirement applies (country groups, countries, the headquarters rule)
    destinations: Destinations | None = None
    # outcomes an unknown figure leaves open (None above means "undetermined" for these, not "none")
    undetermined: tuple[str, ...] = ()

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
    def changes(self) -> tuple[str, ...]:
        """What a what-if round changed from the round it was made from (empty for a round as its folder has it)."""
        return self.basis.program.changes if self.basis is not None else ()

    @property
    def decisive(self) -> list[ConditionView]:
        if "conditions" in self.__dict__:
            return [c for c in self.conditions if c.decisive]
        found: list[ConditionView] | None = self.__dict__.get("_decisive")
        if found is None:  # only the decisive views: the common case builds no others
            basis = self.basis
            found = []
            if basis is not None:
                decisive = basis.verdict.decisive
                found = [
                    _view(o, basis.condition(i, self.as_of), True, self.as_of)
                    for o, i in basis.program.owners
                    if (o, i) in decisive
                ]
            self.__dict__["_decisive"] = found
        return found

    @property
    def exclusions(self) -> tuple[str, ...]:
        """Clauses that excluded the chip from a control clause it would otherwise meet (the Note to 3A090)."""
        return self.basis.verdict.exclusions if self.basis is not None else ()

    @property
    def review_text(self) -> str:
        """The licence review policy as a reader needs it: the policy, "undetermined" (with what decides it), or
        "" when the round states none for this chip."""
        if "license_review" in self.undetermined:
            return "undetermined" + (f" (needs {', '.join(self.missing)})" if self.missing else "")
        return self.license_review or ""

    @property
    def exception_text(self) -> str:
        """The licence exception: its name, "undetermined", "none" (a controlled chip with no exception) or ""."""
        if "license_exception" in self.undetermined:
            return "undetermined" + (f" (needs {', '.join(self.missing)})" if self.missing else "")
        if self.license_exception:
            return self.license_exception
        has_exceptions = self.basis is not None and bool(self.basis.program.clauses_with("license_exception"))
        return "none" if self.status is Status.CONTROLLED and has_exceptions else ""

    @property
    def reason(self) -> str:
        """The decisive reason for the status, in one line: for a controlled chip the condition that caught it,
        for a chip not controlled what excluded it (the Note to 3A090) or the line it stays under, for an
        indeterminate one the figures that would decide it."""
        found: str | None = self.__dict__.get("_reason")
        if found is None:
            found = self.__dict__["_reason"] = self._reason()
        return found

    def _reason(self) -> str:
        if self.applicable is False:
            if self.clauses.get("$scope") is Tri.F:
                scope = [c for c in self.decisive if c.clause == "$scope"]
                shown = f": {scope[0].sentence()}" if scope else ""
                return f"outside the round's scope{shown}"
            return "not addressed: the round names products or lines this chip does not meet"
        decisive = self.decisive
        if self.status is Status.INDETERMINATE:
            unknown = [c for c in decisive if c.holds is None]
            needs = f"needs {', '.join(self.missing)}" if self.missing else "undecided"
            return needs + (f": {unknown[0].sentence()}" if unknown else "")
        if self.status is Status.NOT_CONTROLLED and self.exclusions:
            excluded = self.exclusions[0]
            parts = [c.sentence() for c in decisive if c.clause == excluded and c.holds is True]
            return f"excluded by {excluded}" + (f": {'; '.join(parts)}" if parts else "")
        want = {Status.CONTROLLED: True, Status.REVIEW: True, Status.NOT_CONTROLLED: False}[self.status]
        if self.status is not Status.NOT_CONTROLLED and self.basis is not None:
            # what caught the chip, not what set its licence terms (us-2026-01's case-by-case lines)
            status_clauses = self.basis.program.reachable(self.basis.verdict.status_clause)
            decisive = [c for c in decisive if c.clause in status_clauses] or decisive
        matching = [c for c in decisive if c.holds is want and c.clause != "$scope"] or decisive
        if not matching:
            return ""
        # the most telling one: a measured comparison nearest to flipping, then a product name, then the rest
        chosen = min(
            matching,
            key=lambda c: (
                c.headroom is None,
                abs(c.headroom.numerator - c.headroom.denominator) / c.headroom.denominator
                if c.headroom is not None
                else 0,
                c.operator != "matches",
            ),
        )
        return f"[{chosen.clause}] {chosen.sentence()}"

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
        deciding = self.decisive
        if not deciding:
            return head
        excluded = f" (excluded by {', '.join(self.exclusions)})" if self.exclusions else ""
        # a comparison several clauses make (3A090.a.1 to a.4 share `tpp >= 4800`) is shown once, with each clause
        by_sentence: dict[str, list[str]] = {}
        for v in deciding:
            by_sentence.setdefault(v.sentence(), []).append(v.clause)
        items = list(by_sentence.items())
        shown = "; ".join(f"[{', '.join(clauses)}] {sentence}" for sentence, clauses in items[:4])
        more = f"; and {len(items) - 4} more decisive comparisons" if len(items) > 4 else ""
        return f"{head}{excluded}: {shown}{more}"

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
            "undetermined": list(self.undetermined),
            "applicable": self.applicable,
            "reason": self.reason,
            "explanation": self.explanation,
            "destinations": self.destinations.to_dict() if self.destinations else None,
            "conditions": conditions,
            "clauses": {k: str(v) for k, v in self.clauses.items()},
            "missing": self.missing,
            "citation": self.citation,
            "provenance": self.provenance,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "assumptions": self.assumptions,
            "warnings": self.warnings,
            **({"changes": list(self.changes)} if self.changes else {}),  # a what-if's (provenance modified)
        }


@dataclass(frozen=True)
class Combined:
    """A chip as of a date: the strictest result of the rounds in force that apply to it.

    It answers the same questions as a Result (status, classification, licence exception, review policy,
    where it applies, why) for the chip as a whole, so Python callers read the same fields the JSON has.
    """

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
        classifying = (r for r in self.deciding if r.classification or "classification" in r.undetermined)
        return next(classifying, self.deciding[0] if self.deciding else None)

    @property
    def round(self) -> str:
        """`combined`, as in its JSON: the result of the rounds in force together."""
        return "combined"

    @property
    def deciding_rounds(self) -> list[str]:
        return [r.round for r in self.deciding]

    @property
    def classification(self) -> str | None:
        lead = self.lead
        return lead.classification if lead else None

    @property
    def license_exception(self) -> str | None:
        lead = self.lead
        return lead.license_exception if lead else None

    @property
    def license_review(self) -> str | None:
        """A review policy may come from another deciding round than the lead (us-2026-01 refines us-2023-10)."""
        return next((r.license_review for r in self.deciding if r.license_review), None)

    @property
    def review_result(self) -> Result | None:
        """The deciding round whose review policy the chip has (or leaves undetermined), if any states one."""
        return next(
            (r for r in self.deciding if r.license_review or "license_review" in r.undetermined),
            None,
        )

    @property
    def undetermined(self) -> tuple[str, ...]:
        """Outcomes left open: the lead's classification and exception, and the review policy of the round that
        states one (an undetermined us-2026-01 policy is not settled by us-2023-10 stating none)."""
        lead, review = self.lead, self.review_result
        out = [o for o in (lead.undetermined if lead else ()) if o != "license_review"]
        if review is not None and "license_review" in review.undetermined:
            out.append("license_review")
        return tuple(out)

    @property
    def missing(self) -> list[str]:
        """The figures that would decide the chip (or its open outcomes), over the deciding rounds."""
        out: list[str] = []
        for r in self.deciding:
            out.extend(m for m in r.missing if m not in out)
        return out

    @property
    def review_text(self) -> str:
        review = self.review_result
        return review.review_text if review else ""

    @property
    def exception_text(self) -> str:
        lead = self.lead
        return lead.exception_text if lead else ""

    @property
    def destinations(self) -> list[tuple[str, Destinations]]:
        """Where each deciding round's requirement applies, by round (the A100's differ: the 2022 letters name
        China, Hong Kong and Russia; 3A090 reaches D:1, D:4 and D:5)."""
        return [(r.round, r.destinations) for r in self.deciding if r.destinations is not None]

    @property
    def destinations_text(self) -> str:
        found = self.destinations
        if len(found) == 1:
            return found[0][1].summary()
        return " | ".join(f"{round_id}: {d.summary()}" for round_id, d in found)

    @property
    def reason(self) -> str:
        lead = self.lead
        if lead is None:
            return "no round in force applies to it"
        return lead.reason

    @property
    def assumptions(self) -> list[str]:
        out: list[str] = []
        for r in self.deciding:
            out.extend(a for a in r.assumptions if a not in out)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "chip": self.chip,
            "source": self.source,
            "round": "combined",
            "as_of": self.as_of.isoformat(),
            "status": str(self.status),
            "classification": self.classification,
            "license_exception": self.license_exception,
            "license_review": self.license_review,
            "undetermined": list(self.undetermined),
            "reason": self.reason,
            "missing": self.missing,
            "deciding_rounds": self.deciding_rounds,
            "destinations": [{"round": r, **d.to_dict()} for r, d in self.destinations],
            "assumptions": self.assumptions,
            "rounds": [r.to_dict() for r in self.results],
        }
