"""Metric columns -> one condition pattern per row, as an integer, and the rows that must be decided exactly.

Each comparison of a round is a T/F/U column (F=0, T=1, U=2) and a row's pattern is the base-3 number of its
comparisons, comparison j weighing 3**j. A number is compared in float64; a row whose float lies within a relative
`BAND` of a threshold (value or lower bound) is marked `near`, and its number comparisons are decided again from its
decimal text by the scalar functions themselves (`exact_numbers` below: compute_metrics and `truth`), so that a
value of exactly 3.2 computed as 3.1999999999999997 still meets `>= 3.2`. Text and boolean comparisons are decided
by `truth` once per distinct value: they are exact already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from ..core.logic import Tri
from ..metrics.columns import MetricColumn
from ..metrics.compute import ChipMetrics, MetricValue
from ..rules.calendar import threshold_on
from ..rules.program import Comparison, Program
from .compare import pattern, truth

if TYPE_CHECKING:
    import numpy as np

# Float64 rounding moves a metric by a few parts in 10**16 (sums, products and one quotient of correctly rounded
# inputs); any row within this share of a threshold is decided exactly instead.
BAND = 1e-9

ENCODE = {Tri.F: 0, Tri.T: 1, Tri.U: 2}
DECODE = (Tri.F, Tri.T, Tri.U)
# Patterns are int64 base-3 numbers up to this many comparisons (3**39 < 2**63); beyond, rows of digits.
MAX_CODED = 39


@dataclass
class Patterns:
    """One round's patterns over the rows: `codes` (int64 base-3) or, for a round with very many comparisons,
    `digits` (one int8 column per comparison)."""

    program: Program
    codes: np.ndarray | None
    digits: np.ndarray | None

    @property
    def size(self) -> int:
        return len(self.program.comparisons)


def _op(op: str, a: np.ndarray, t: float) -> np.ndarray:
    import numpy as np

    with np.errstate(invalid="ignore"):
        if op == ">=":
            return a >= t
        if op == ">":
            return a > t
        if op == "<":
            return a < t
        if op == "<=":
            return a <= t
        if op == "==":
            return a == t
        return a != t


class ComparisonColumns:
    """T/F/U columns of comparisons, each computed once per chunk for every round that has it."""

    def __init__(self, rows: int) -> None:
        import numpy as np

        self.rows = rows
        self.near = np.zeros(rows, dtype=bool)
        self._cache: dict[tuple[object, ...], np.ndarray] = {}

    def tri(self, comparison: Comparison, metric: MetricColumn, threshold: object) -> np.ndarray:
        """The comparison's Kleene value per row (int8: F=0, T=1, U=2); marks the rows near a numeric threshold."""
        key = (comparison.metric, id(metric), comparison.op, comparison.kind, repr(threshold))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._compute(comparison, metric, threshold)
        return found

    def _compute(self, comparison: Comparison, metric: MetricColumn, threshold: object) -> np.ndarray:
        import numpy as np

        if metric.kind != "number":
            # boolean and text: `truth` itself, once per distinct value (and once for an unknown one)
            assert metric.codes is not None and metric.values is not None
            lut = np.array(
                [ENCODE[truth(comparison, MetricValue(metric.name, v, metric.dimension), threshold)] for v in metric.values]
                + [ENCODE[truth(comparison, MetricValue(metric.name, None, metric.dimension), threshold)]],
                dtype=np.int8,
            )
            return lut[metric.codes]
        assert metric.value is not None and type(threshold) is Fraction
        t = float(threshold)
        band = BAND * abs(t)
        value = metric.value
        holds = _op(comparison.op, value, t)
        out = holds.astype(np.int8)
        unknown = np.isnan(value)
        with np.errstate(invalid="ignore"):
            self.near |= np.abs(value - t) <= band
        if unknown.any():
            out[unknown] = 2
            lower = metric.lower
            if lower is not None and comparison.op in (">=", ">", "<", "<="):
                bounded = unknown & ~np.isnan(lower)
                with np.errstate(invalid="ignore"):
                    self.near |= bounded & (np.abs(lower - t) <= band)
                lower_holds = _op(comparison.op, lower, t)
                if comparison.op in (">=", ">"):
                    out[bounded & lower_holds] = 1
                else:
                    out[bounded & ~lower_holds] = 0
        return out


def patterns(program: Program, metrics: Mapping[str, MetricColumn], on: date, columns: ComparisonColumns) -> Patterns:
    """The round's pattern per row (dated thresholds read on `on`)."""
    import numpy as np

    k = len(program.comparisons)
    if k > MAX_CODED:
        digits = np.empty((columns.rows, k), dtype=np.int8)
        for j, c in enumerate(program.comparisons):
            digits[:, j] = columns.tri(c, metrics[c.metric], threshold_on(c, on))
        return Patterns(program, None, digits)
    codes = np.zeros(columns.rows, dtype=np.int64)
    weight = 1
    for c in program.comparisons:
        tri = columns.tri(c, metrics[c.metric], threshold_on(c, on))
        codes += tri.astype(np.int64) * weight
        weight *= 3
    return Patterns(program, codes, None)


def encode(found: Sequence[Tri]) -> int:
    """A pattern as its base-3 number."""
    code, weight = 0, 1
    for value in found:
        code += ENCODE[value] * weight
        weight *= 3
    return code


def decode(code: int, size: int) -> tuple[Tri, ...]:
    out = []
    for _ in range(size):
        code, digit = divmod(code, 3)
        out.append(DECODE[digit])
    return tuple(out)


def exact_patterns(programs: Sequence[Program], metrics: ChipMetrics, on: date) -> list[tuple[Tri, ...]]:
    """Each round's pattern for one chip, by the scalar path (conditions/compare.pattern)."""
    return [pattern(p, metrics.with_derived(p.derived), on) for p in programs]


def merge_numbers(program: Program, vectorized: tuple[Tri, ...], exact: tuple[Tri, ...]) -> tuple[Tri, ...]:
    """A near row's pattern: its number comparisons as decided exactly, the others as the columns decided them."""
    return tuple(e if c.kind == "number" else v for c, v, e in zip(program.comparisons, vectorized, exact, strict=True))
