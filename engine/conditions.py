"""Metrics -> conditions: each comparison evaluated exactly to T, F or U (unknown), with its margin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from .metrics import ChipMetrics, MetricValue
from .program import Comparison, Program

T, F, U = "T", "F", "U"
Pattern = tuple[str, ...]


@dataclass(frozen=True)
class ConditionResult:
    """One comparison for one chip: the value against the threshold, whether it held, and by what margin."""

    comparison: Comparison
    holds: str
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


def truth(comparison: Comparison, metric: MetricValue, threshold: object) -> str:
    value = metric.value
    op = comparison.op
    if value is None:
        if metric.lower is not None and isinstance(threshold, Fraction):
            # Only a lower bound is known (a sum with unknown, non-negative parts).
            if op in (">=", ">") and _order(op, metric.lower, threshold):
                return T
            if op in ("<", "<=") and not _order(op, metric.lower, threshold):
                return F
        return U
    if comparison.kind == "boolean":
        return T if (value == threshold) == (op == "==") else F
    if comparison.kind == "text":
        assert isinstance(value, str)
        if op == "in":
            assert isinstance(threshold, tuple)
            return T if value in threshold else F
        if op == "matches":
            return T if re.search(str(threshold), value) else F
        return T if (value == threshold) == (op == "==") else F
    assert isinstance(value, Fraction) and isinstance(threshold, Fraction)
    return T if _order(op, value, threshold) else F


def evaluate(program: Program, metrics: ChipMetrics, on: date) -> list[ConditionResult]:
    """Every comparison of the program, in program order."""
    results = []
    for comparison in program.comparisons:
        metric = metrics[comparison.metric]
        threshold = comparison.threshold_on(on)
        holds = truth(comparison, metric, threshold)
        margin = None
        if isinstance(metric.value, Fraction) and isinstance(threshold, Fraction) and threshold != 0:
            margin = metric.value / threshold - 1
        results.append(ConditionResult(comparison, holds, metric, comparison.threshold_text(on), margin))
    return results


def pattern_of(results: list[ConditionResult]) -> Pattern:
    """The tuple of T/F/U outcomes that the decision depends on (and is memoized by)."""
    return tuple(r.holds for r in results)
