"""Metrics -> conditions: each comparison evaluated exactly to T, F or U (unknown), with its margin.

The pattern (one Tri per comparison) is all a decision needs, so it is computed on its own; the per-comparison
results with margins and display text are built only when a result's conditions are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache

from ..core.logic import Tri
from ..core.quantities import format_quantity
from ..metrics.compute import ChipMetrics, MetricValue
from ..rules.calendar import threshold_on, threshold_text
from ..rules.program import Comparison, Program

Pattern = tuple[Tri, ...]


@dataclass(frozen=True)
class ConditionResult:
    """One comparison for one chip: the value against the threshold, whether it held, and by what margin."""

    comparison: Comparison
    holds: Tri
    value: MetricValue
    threshold: str
    margin: Fraction | None


def _order(op: str, value: Fraction, threshold: Fraction) -> bool:
    if op == ">=":
        return value >= threshold
    if op == ">":
        return value > threshold
    if op == "<":
        return value < threshold
    if op == "<=":
        return value <= threshold
    if op == "==":
        return value == threshold
    return value != threshold


@lru_cache(maxsize=1024)
def _pattern_re(text: str) -> re.Pattern[str]:
    return re.compile(text)


def truth(comparison: Comparison, metric: MetricValue, threshold: object) -> Tri:
    """The comparison's Kleene value: U only when the known figures (or a lower bound) cannot decide it."""
    value = metric.value
    op = comparison.op
    if value is None:
        if metric.lower is not None and isinstance(threshold, Fraction):
            # Only a lower bound is known (a sum with unknown, non-negative parts).
            if op in (">=", ">") and _order(op, metric.lower, threshold):
                return Tri.T
            if op in ("<", "<=") and not _order(op, metric.lower, threshold):
                return Tri.F
        return Tri.U
    if comparison.kind == "boolean":
        return Tri.T if (value == threshold) == (op == "==") else Tri.F
    if comparison.kind == "text":
        assert isinstance(value, str)
        if op == "in":
            assert isinstance(threshold, tuple)
            return Tri.T if value in threshold else Tri.F
        if op == "matches":
            return Tri.T if _pattern_re(str(threshold)).search(value) else Tri.F
        return Tri.T if (value == threshold) == (op == "==") else Tri.F
    assert isinstance(value, Fraction) and isinstance(threshold, Fraction)
    return Tri.T if _order(op, value, threshold) else Tri.F


def pattern(program: Program, metrics: ChipMetrics, on: date) -> Pattern:
    """The tuple of T/F/U outcomes, in program order, that the verdict depends on (and is memoized by)."""
    values = metrics.values
    return tuple(truth(c, values[c.metric], threshold_on(c, on)) for c in program.comparisons)


def evaluate(program: Program, metrics: ChipMetrics, on: date) -> list[ConditionResult]:
    """Every comparison of the program, in program order, with its margin and display text."""
    results = []
    for comparison in program.comparisons:
        metric = metrics[comparison.metric]
        threshold = threshold_on(comparison, on)
        holds = truth(comparison, metric, threshold)
        margin = None
        if isinstance(metric.value, Fraction) and isinstance(threshold, Fraction) and threshold != 0:
            margin = metric.value / threshold - 1
        results.append(ConditionResult(comparison, holds, metric, _text(comparison, threshold), margin))
    return results


def _text(comparison: Comparison, threshold: object) -> str:
    if isinstance(threshold, Fraction):
        return _number_text(threshold, comparison.dimension)
    return threshold_text(comparison, threshold)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _number_text(value: Fraction, dimension: str) -> str:
    """Thresholds are few and shown on every result: each is formatted once."""
    return format_quantity(value, dimension)


def pattern_of(results: list[ConditionResult]) -> Pattern:
    return tuple(r.holds for r in results)
