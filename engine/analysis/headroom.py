"""How far a chip's figure can move before its answer under a round changes: the exact factor, and the clause.

A chip that is not controlled is asked how much its figure can grow, a controlled one how much it must shrink.
The factor is found from the threshold arithmetic, not by bisection: with the figure multiplied by k, every
metric the round compares is a linear-fractional function of k ((a k + b) / (c k + d): the figure itself, a
density over it, a sum with it), so each comparison can only change where its metric meets its threshold, at
k = (t d - b) / (a - t c), an exact fraction. Between two such points nothing changes. The points are visited in
order, and the chip is classified at each (and just beyond it, for a strict line), until the answer differs.

What is varied is a figure of the sheet: TPP (performance density moves with it, at a fixed die area), a
bandwidth (a sum with it moves too), or a density at a fixed numerator (performance density through the die
area, memory bandwidth density through the package area).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from ..conditions.compare import Pattern, pattern, threshold_text
from ..core.logic import Status, Tri
from ..decision.memo import Memo
from ..decision.verdict import Verdict
from ..metrics.compute import ChipMetrics, rescaled
from ..metrics.definitions import MetricDef
from ..results.result import _factor_text
from ..rules.calendar import threshold_on
from ..rules.program import Program

# Sheet metrics that are sums over the same figures: the I/O links make both bandwidths, so they move together.
_TOGETHER = {"io_bandwidth": ("io_bandwidth", "interconnect_bandwidth")}
_TOGETHER["interconnect_bandwidth"] = _TOGETHER["io_bandwidth"]


@dataclass(frozen=True)
class Variation:
    """A figure to vary: its name as reported, and the sheet metrics it multiplies (exponent 1 or -1)."""

    metric: str
    scales: tuple[tuple[str, int], ...]
    note: str = ""  # how it is varied, when that is not the metric itself ("die area / k")

    def factors(self, k: Fraction) -> dict[str, Fraction]:
        return {name: k if power > 0 else 1 / k for name, power in self.scales}


# Numbers a round compares that are not a chip's performance figures: no design grows into or out of them.
_NOT_FIGURES = ("release_year",)


def variations(program: Program) -> list[Variation]:
    """The figures a round's numeric comparisons depend on, each once, in the order the round compares them."""
    defs = program.metric_defs
    out: dict[str, Variation] = {}

    def sheet(name: str) -> None:
        if name not in out and not defs[name].derived:
            out[name] = Variation(name, tuple((m, 1) for m in _TOGETHER.get(name, (name,))))

    for comparison in program.comparisons:
        if comparison.kind != "number" or comparison.metric in _NOT_FIGURES:
            continue
        name = comparison.metric
        metric = defs[name]
        if not metric.derived:
            sheet(name)
        elif metric.divide is not None:
            top, bottom = metric.divide
            if not defs[top].derived:
                sheet(top)
            if not defs[bottom].derived and name not in out:
                out[name] = Variation(name, ((bottom, -1),), f"{bottom} / k")
        else:
            for operand in metric.operands:
                if not defs[operand].derived:
                    sheet(operand)
    return list(out.values())


# --- linear-fractional functions of k --------------------------------------------------------------------------

Mobius = tuple[Fraction, Fraction, Fraction, Fraction]  # (a, b, c, d): (a k + b) / (c k + d)
ZERO, ONE = Fraction(0), Fraction(1)


def _constant(value: Fraction) -> Mobius:
    return (ZERO, value, ZERO, ONE)


def _number(metrics: ChipMetrics, name: str) -> Fraction | None:
    """What a comparison reads: the value, or the lower bound when only that is known."""
    metric = metrics.values.get(name)
    if metric is None:
        return None
    if isinstance(metric.value, Fraction):
        return metric.value
    return metric.lower


def functions(variation: Variation, metrics: ChipMetrics, defs: dict[str, MetricDef]) -> dict[str, Mobius | None]:
    """Every numeric metric as a function of k (None: unknown, or not linear-fractional in k)."""
    scaled = dict(variation.scales)
    memo: dict[str, Mobius | None] = {}

    def of(name: str) -> Mobius | None:
        if name in memo:
            return memo[name]
        metric = defs.get(name)
        result: Mobius | None
        if metric is None or metric.kind != "number":
            result = None
        elif not metric.derived:
            value = _number(metrics, name)
            if value is None:
                result = None
            elif name in scaled:
                result = (value, ZERO, ZERO, ONE) if scaled[name] > 0 else (ZERO, value, ONE, ZERO)
            else:
                result = _constant(value)
        elif metric.divide is not None:
            result = _divide(of(metric.divide[0]), of(metric.divide[1]))
        else:
            result = _sum([of(o) for o in metric.operands], metrics, metric)
        memo[name] = result
        return result

    return {name: of(name) for name in defs}


def _is_constant(f: Mobius) -> bool:
    return f[0] == 0 and f[2] == 0


def _divide(top: Mobius | None, bottom: Mobius | None) -> Mobius | None:
    if top is None or bottom is None:
        return None
    if _is_constant(bottom):
        if bottom[1] == 0:
            return None
        scale = bottom[3] / bottom[1]  # 1 / (b/d)
        return (top[0] * scale, top[1] * scale, top[2], top[3])
    if _is_constant(top):
        value = top[1] / top[3]
        a, b, c, d = bottom
        return (c * value, d * value, a, b)
    return None  # both move with k: not linear-fractional (no shipped metric does this)


def _sum(parts: list[Mobius | None], metrics: ChipMetrics, metric: MetricDef) -> Mobius | None:
    # an unknown part without a lower bound counts as zero in the known lower bound (metrics.compute._derive)
    moving = [p for p in parts if p is not None and not _is_constant(p)]
    constant = sum((p[1] / p[3] for p in parts if p is not None and _is_constant(p)), ZERO)
    if not moving:
        return _constant(constant)
    if len(moving) > 1 and any(p[2] != 0 for p in moving):
        return None
    if len(moving) == 1:
        a, b, c, d = moving[0]
        return (a + constant * c, b + constant * d, c, d)
    slope = sum((p[0] / p[3] for p in moving), ZERO)
    offset = sum((p[1] / p[3] for p in moving), ZERO)
    return (slope, offset + constant, ZERO, ONE)


def crossing(f: Mobius, threshold: Fraction) -> Fraction | None:
    """The k > 0 at which f(k) equals the threshold, if there is one."""
    a, b, c, d = f
    slope = a - threshold * c
    if slope == 0:
        return None
    k = (threshold * d - b) / slope
    return k if k > 0 else None


# --- the search ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: Status
    classification: str | None
    license_exception: str | None
    license_review: str | None
    undetermined: tuple[str, ...] = ()  # outcomes an unknown figure leaves open

    @classmethod
    def of(cls, verdict: Verdict) -> Outcome:
        return cls(
            verdict.status,
            verdict.classification,
            verdict.license_exception,
            verdict.license_review,
            verdict.undetermined,
        )

    def text(self) -> str:
        parts = [str(self.status), self.classification, self.license_exception, self.license_review]
        shown = " ".join(p for p in parts if p)
        return shown + (f" ({', '.join(self.undetermined)} undetermined)" if self.undetermined else "")


@dataclass(frozen=True)
class Change:
    """Where the answer first changes as the figure moves: at `factor` exactly (`at`), or for any factor beyond it
    (a strict line)."""

    factor: Fraction
    at: bool
    clause: str
    line: str  # the comparison met, as the result shows it (`tpp >= 2400`)
    before: Outcome
    after: Outcome

    def to_dict(self, direction: str) -> dict[str, Any]:
        return {
            "factor": str(self.factor),
            "factor_decimal": shown_factor(self.factor, direction),
            "at": self.at,
            "clause": self.clause,
            "line": self.line,
            "before": self.before.text(),
            "after": self.after.text(),
            "status_after": str(self.after.status),
        }


@dataclass(frozen=True)
class Headroom:
    """One chip, one round, one figure: how far it can grow (or must shrink) before the answer changes."""

    chip: str
    source: str
    round: str
    metric: str
    note: str
    direction: str  # grow | shrink
    value: str  # the figure now, as results show it
    first: Change | None  # the first change of any kind (status, classification, exception, review)
    status: Change | None  # the first change of status (the same as `first` when that is one)
    reason: str = ""  # why there is none: the figure is unknown, or no line lies that way

    def sentence(self) -> str:
        metric = self.metric + (f" ({self.note})" if self.note else "")
        if self.first is None:
            return f"{self.chip}: {metric} {self.reason}"
        return f"{self.chip}: {metric} {_phrase(self.first, self.direction)}" + (
            f"; {_phrase(self.status, self.direction)}" if self.status and self.status != self.first else ""
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "chip": self.chip,
            "source": self.source,
            "round": self.round,
            "metric": self.metric,
            "note": self.note,
            "direction": self.direction,
            "value": self.value,
            "first": self.first.to_dict(self.direction) if self.first else None,
            "status_change": self.status.to_dict(self.direction) if self.status else None,
            "reason": self.reason,
            "sentence": self.sentence(),
        }


def shown_factor(factor: Fraction, direction: str) -> str:
    """Six digits, rounded toward what the words claim, as results show a comparison's factor: growing, "x1.01352
    reaches" must reach (2368 x 1.01351 is still under 2400); shrinking, "below x0.303198" must be below."""
    return _factor_text(factor, "at" if direction == "grow" else "below")


def _phrase(change: Change, direction: str) -> str:
    factor = shown_factor(change.factor, direction)
    if direction == "grow":
        verb = f"x{factor} reaches" if change.at else f"beyond x{factor} passes"
    else:
        verb = f"x{factor} drops to" if change.at else f"below x{factor} leaves"
    return f"{verb} {change.clause} ({change.line}): {change.before.text()} -> {change.after.text()}"


def headroom(
    program: Program,
    metrics: ChipMetrics,
    on: date,
    memo: Memo,
    chip: str = "",
    source: str = "",
) -> list[Headroom]:
    """Each figure the round depends on, for one chip (metrics: under the rule set's definitions)."""
    metrics = metrics.with_derived(program.derived)
    defs = dict(program.metric_defs)
    base_verdict = memo.verdict(program, pattern(program, metrics, on))
    base = Outcome.of(base_verdict)
    direction = "shrink" if base.status is Status.CONTROLLED else "grow"
    out = []
    for variation in variations(program):
        shown = variation.scales[0][0] if variation.note else variation.metric
        current = metrics.values[shown]
        value = metrics.values[variation.metric].text
        entry = Headroom(chip, source, program.round.id, variation.metric, variation.note, direction, value, None, None)
        varied = metrics.values[variation.metric]
        if not isinstance(current.value, Fraction) or current.value == 0 or not isinstance(varied.value, Fraction):
            unknown = current if not isinstance(current.value, Fraction) else varied
            known_as = f"known only as {unknown.text}" if unknown.lower is not None else unknown.text
            out.append(_with(entry, reason=f"cannot move: {unknown.name} is {known_as}"))
            continue
        first, status = _search(program, metrics, on, memo, variation, defs, base, base_verdict, direction)
        reason = (
            ""
            if first
            else f"stays {base.text()} however far it {direction}s (no line of {program.round.id} is met that way)"
        )
        out.append(_with(entry, first=first, status=status, reason=reason))
    return out


def _with(entry: Headroom, **changes: Any) -> Headroom:
    return replace(entry, **changes)


def _search(
    program: Program,
    metrics: ChipMetrics,
    on: date,
    memo: Memo,
    variation: Variation,
    defs: dict[str, MetricDef],
    base: Outcome,
    base_verdict: Verdict,
    direction: str,
) -> tuple[Change | None, Change | None]:
    funcs = functions(variation, metrics, defs)
    points: dict[Fraction, list[int]] = {}
    for index, comparison in enumerate(program.comparisons):
        if comparison.kind != "number":
            continue
        f = funcs.get(comparison.metric)
        threshold = threshold_on(comparison, on)
        if f is None or _is_constant(f) or not isinstance(threshold, Fraction):
            continue
        k = crossing(f, threshold)
        if k is not None and (k >= 1 if direction == "grow" else k <= 1):
            points.setdefault(k, []).append(index)
    order = sorted(points, reverse=direction == "shrink")

    base_pattern = pattern(program, metrics, on)
    probed: list[Pattern] = [base_pattern]

    def outcome_at(k: Fraction) -> tuple[Outcome, Verdict]:
        at = rescaled(metrics, variation.factors(k), defs)
        probed[0] = pattern(program, at, on)
        verdict = memo.verdict(program, probed[0])
        return Outcome.of(verdict), verdict

    first: Change | None = None
    status: Change | None = None
    for i, k in enumerate(order):
        beyond = order[i + 1] if i + 1 < len(order) else (k * 2 if direction == "grow" else k / 2)
        for exact, probe in ((True, k), (False, (k + beyond) / 2)):
            if exact and k == 1:
                continue  # the chip as it is
            after, verdict = outcome_at(probe)
            if after == base or (first is not None and after.status == base.status):
                continue
            hit = _hit(program, points[k], (base_verdict, base_pattern), (verdict, probed[0]), direction, on)
            change = Change(k, exact, *hit, before=base, after=after)
            if first is None:
                first = change
            if after.status != base.status:
                return first, change
            break
    return first, status


def _hit(
    program: Program,
    indices: list[int],
    before: tuple[Verdict, Pattern],
    after: tuple[Verdict, Pattern],
    direction: str,
    on: date,
) -> tuple[str, str]:
    """The clause and line met. Growing, a comparison that came to hold and decides the new answer ("reaches
    3A090.b.1"); shrinking, one that held and decided the old one ("leaves 3A090.a.1"); else any that decides."""
    owners = [(clause, i) for clause, i in program.owners if i in indices]
    (old, old_pattern), (new, new_pattern) = before, after
    if direction == "grow":
        turned = [o for o in owners if new_pattern[o[1]] is Tri.T and old_pattern[o[1]] is not Tri.T]
        preferred = [o for o in turned if o in new.decisive]
    else:
        turned = [o for o in owners if old_pattern[o[1]] is Tri.T and new_pattern[o[1]] is not Tri.T]
        preferred = [o for o in turned if o in old.decisive]
    fallback = [o for o in owners if o in new.decisive] + [o for o in owners if o in old.decisive]
    chosen = (preferred or turned or fallback or owners)[0]
    comparison = program.comparisons[chosen[1]]
    line = f"{comparison.metric} {comparison.op} {threshold_text(threshold_on(comparison, on), comparison.dimension)}"
    return chosen[0], line
