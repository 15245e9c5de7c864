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
from ..core.quantities import format_number, format_quantity
from ..metrics.compute import ChipMetrics, MetricValue
from ..rules.calendar import threshold_on
from ..rules.program import Comparison, Program, Threshold

Pattern = tuple[Tri, ...]


@dataclass
class ConditionResult:
    """One comparison for one chip: the value against the threshold, whether it held, and by what margin."""

    comparison: Comparison
    holds: Tri
    value: MetricValue
    threshold: str
    margin: Fraction | None
    _margin_text: str | None = None

    @property
    def margin_text(self) -> str | None:
        """The margin as results show it, formatted once (a chip's result serves every round and clause)."""
        if self._margin_text is None and self.margin is not None:
            self._margin_text = format_number(self.margin, 6)
        return self._margin_text


def _order(op: str, value: Fraction, threshold: Fraction) -> bool:
    # Exact, by cross-multiplying the integers (denominators are positive): what Fraction's own comparison does,
    # without its generic dispatch, which dominated the cost of a comparison.
    left = value.numerator * threshold.denominator
    right = threshold.numerator * value.denominator
    if op == ">=":
        return left >= right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == "==":
        return left == right
    return left != right


@lru_cache(maxsize=1024)
def _pattern_re(text: str) -> re.Pattern[str]:
    return re.compile(text)


def truth(comparison: Comparison, metric: MetricValue, threshold: object) -> Tri:
    """The comparison's Kleene value: U only when the known figures (or a lower bound) cannot decide it."""
    value = metric.value
    op = comparison.op
    if value is None:
        if metric.lower is not None and type(threshold) is Fraction:
            # Only a lower bound is known (a sum with unknown, non-negative parts).
            if op in (">=", ">") and _order(op, metric.lower, threshold):
                return Tri.T
            if op in ("<", "<=") and not _order(op, metric.lower, threshold):
                return Tri.F
        if metric.upper is not None and type(threshold) is Fraction:
            # Only an upper bound is known (a density over a lower-bound area).
            if op in ("<", "<=") and _order(op, metric.upper, threshold):
                return Tri.T
            if op in (">=", ">") and not _order(op, metric.upper, threshold):
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
    # (type() rather than isinstance: Fraction's ABC makes isinstance slow, and this runs for every comparison)
    assert type(value) is Fraction and type(threshold) is Fraction
    return Tri.T if _order(op, value, threshold) else Tri.F


def pattern(program: Program, metrics: ChipMetrics, on: date) -> Pattern:
    """The tuple of T/F/U outcomes, in program order, that the verdict depends on (and is memoized by)."""
    values = metrics.values
    return tuple(truth(c, values[c.metric], threshold_on(c, on)) for c in program.comparisons)


def line_text(comparison: Comparison, on: date | None) -> str:
    """A comparison as the rule's line reads on a day: a parameter's `$name` as its value (`> 2 GB/s/mm^2`)."""
    if comparison.parameter is None or on is None:
        return comparison.key
    return f"{comparison.metric} {comparison.op} {_text(comparison, threshold_on(comparison, on))}"


def evaluate(program: Program, metrics: ChipMetrics, on: date, found: Pattern, index: int) -> ConditionResult:
    """Comparison `index` of the program with its margin and display text (`found`: the pattern already computed)."""
    comparison = program.comparisons[index]
    metric = metrics.values[comparison.metric]
    threshold = threshold_on(comparison, on)
    margin = None
    if type(metric.value) is Fraction and type(threshold) is Fraction and threshold != 0:
        margin = metric.value / threshold - 1
    return ConditionResult(comparison, found[index], metric, _text(comparison, threshold), margin)


def _text(comparison: Comparison, threshold: Threshold) -> str:
    """Thresholds are few and shown on every result: each is formatted once (a fixed one by its comparison text,
    whose hash Python keeps; a dated one by its value)."""
    if comparison.parameter is None:
        return _fixed_text(comparison.key, comparison.dimension, threshold)
    return _dated_text(comparison.dimension, threshold)


_FIXED: dict[tuple[str, str], str] = {}  # the same comparison text and dimension always read the same threshold
_FIXED_LIMIT = 4096  # bounded: a long-running service sees what-if variants come and go


def _fixed_text(key: str, dimension: str, threshold: Threshold) -> str:
    found = _FIXED.get((key, dimension))
    if found is None:
        if len(_FIXED) >= _FIXED_LIMIT:
            _FIXED.clear()
        found = _FIXED[(key, dimension)] = threshold_text(threshold, dimension)
    return found


@lru_cache(maxsize=4096)
def _dated_text(dimension: str, threshold: Threshold) -> str:
    return threshold_text(threshold, dimension)


def threshold_text(value: Threshold, dimension: str) -> str:
    """A threshold as results show it: `4800`, `600 GB/s`, `true`, `[NVIDIA, AMD]`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, str):
        return value
    return format_quantity(value, dimension)
