"""Metric columns -> one condition pattern per row, as an integer, and the rows that must be decided exactly.

Each comparison of a round is a T/F/U column (F=0, T=1, U=2) and a row's pattern is the base-3 number of its
comparisons, comparison j weighing 3**j. A number is compared in float64; a row whose float lies within a relative
`BAND` of a threshold (value or lower bound) is marked `near`, and its number comparisons are decided again from its
decimal text by the scalar functions themselves (`exact_numbers` below: compute_metrics and `truth`), so that a
value of exactly 3.2 computed as 3.1999999999999997 still meets `>= 3.2`. Text and boolean comparisons are decided
by `truth` once per distinct value: they are exact already.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..core.arrays import BLOCK
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


_UFUNCS = {">=": "greater_equal", ">": "greater", "<": "less", "<=": "less_equal", "==": "equal", "!=": "not_equal"}


def compare_floats(op: str, a: np.ndarray, t: float, out: np.ndarray | None = None) -> np.ndarray:
    """The comparison in float64, element-wise (NaN compares false, but unequal): the fast path's, and a plot's
    grid. `out`: a boolean array to write into. An operator that is not a number comparison is a KeyError."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        return getattr(np, _UFUNCS[op])(a, t, out=out)  # type: ignore[no-any-return]


class ComparisonColumns:
    """T/F/U columns of comparisons, each computed once per chunk for every round that has it."""

    def __init__(self, rows: int) -> None:

        self.rows = rows
        self.near: dict[str, np.ndarray] = {}  # per metric: rows whose value (or lower bound) is near a threshold
        self._cache: dict[tuple[object, ...], np.ndarray] = {}
        self._seen: set[tuple[object, ...]] = set()

    def tri(self, comparison: Comparison, metric: MetricColumn, threshold: object) -> np.ndarray:
        """The comparison's Kleene value per row (int8: F=0, T=1, U=2); marks the rows near a numeric threshold."""
        key = _key(comparison, metric, threshold)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._compute(comparison, metric, threshold)
        return found

    def prepare(self, program: Program, metrics: Mapping[str, MetricColumn], on: date) -> None:
        """The program's number comparisons computed together, metric by metric (`_numbers`), so that each metric
        column is read from memory once for all its comparisons and near marks."""
        by_metric: dict[str, list[tuple[Comparison, tuple[object, ...], float]]] = {}
        planned: set[tuple[object, ...]] = set()
        for c in program.comparisons:
            metric = metrics[c.metric]
            threshold = threshold_on(c, on)
            key = _key(c, metric, threshold)
            if (
                metric.kind == "number"
                and type(threshold) is Fraction
                and key not in self._cache
                and key not in planned
            ):
                planned.add(key)
                by_metric.setdefault(c.metric, []).append((c, key, float(threshold)))
        for name, items in by_metric.items():
            self._numbers(name, metrics[name], items)

    def _numbers(
        self, name: str, metric: MetricColumn, items: list[tuple[Comparison, tuple[object, ...], float]]
    ) -> None:
        """Number comparisons of one metric (comparison, cache key, threshold), with its near marks, over blocks of
        rows small enough to stay in the CPU's cache: the column is read from memory once, not once per comparison
        and once more per threshold (a third of the time, for a round with four lines on a metric)."""
        import numpy as np

        value = metric.value
        assert value is not None
        lines = self._new_lines(name, value, [t for _, _, t in items])
        near = self.near.setdefault(name, np.zeros(self.rows, dtype=bool))
        outs = [np.empty(self.rows, dtype=bool) for _ in items]
        with np.errstate(invalid="ignore"):
            for start in range(0, self.rows, BLOCK):
                block = value[start : start + BLOCK]
                for out, (c, _, t) in zip(outs, items, strict=True):
                    compare_floats(c.op, block, t, out[start : start + BLOCK])
                marks = near[start : start + BLOCK]
                for low, high in lines:  # (an unknown value is NaN: never near)
                    marks |= (block >= low) & (block <= high)
        for out, (c, key, t) in zip(outs, items, strict=True):
            self._cache[key] = self._unknowns(c, metric, t, out.view(np.int8))

    def _new_lines(self, metric: str, value: np.ndarray, thresholds: list[float]) -> list[tuple[float, float]]:
        """The bands around the thresholds whose near rows are not marked yet (each metric column and threshold
        once: a threshold shared by several comparisons, or rounds, is marked by the first)."""
        out = []
        for t in dict.fromkeys(thresholds):
            if (metric, t, id(value)) not in self._seen:
                self._seen.add((metric, t, id(value)))
                out.append((t - BAND * abs(t), t + BAND * abs(t)))
        return out

    def _compute(self, comparison: Comparison, metric: MetricColumn, threshold: object) -> np.ndarray:
        import numpy as np

        if metric.kind != "number":
            # boolean and text: `truth` itself, once per distinct value (and once for an unknown one)
            assert metric.codes is not None and metric.values is not None
            lut = np.array(
                [
                    ENCODE[truth(comparison, MetricValue(metric.name, v, metric.dimension), threshold)]
                    for v in metric.values
                ]
                + [ENCODE[truth(comparison, MetricValue(metric.name, None, metric.dimension), threshold)]],
                dtype=np.int8,
            )
            return metric.by_code(lut)  # (unknown takes the last entry)
        assert type(threshold) is Fraction
        key = _key(comparison, metric, threshold)
        self._numbers(comparison.metric, metric, [(comparison, key, float(threshold))])
        return self._cache[key]

    def _unknowns(self, comparison: Comparison, metric: MetricColumn, t: float, out: np.ndarray) -> np.ndarray:
        """A number comparison's F/T column with U where the metric is unknown, unless a bound decides it."""
        import numpy as np

        unknown = metric.unknown
        if metric.has_unknown:
            np.maximum(out, metric.unknown_digit, out=out)  # U=2 where unknown (F or T, whatever NaN compared as)
            # a bound decides the rows it covers where it lies on one side: a lower bound that meets `>=`/`>`
            # makes them true, one that fails `<`/`<=` false; an upper bound the other way round
            for bound, decides_true in ((metric.lower, (">=", ">")), (metric.upper, ("<", "<="))):
                if bound is None or comparison.op not in (">=", ">", "<", "<="):
                    continue
                covered = unknown & ~np.isnan(bound)
                self._mark_near(comparison.metric, bound, t, ~covered)
                holds = compare_floats(comparison.op, bound, t)
                if comparison.op in decides_true:
                    out[covered & holds] = 1
                else:
                    out[covered & ~holds] = 0
        return out

    def _mark_near(self, metric: str, value: np.ndarray, t: float, ignore: np.ndarray) -> None:
        """Rows whose bound lies within BAND of the threshold, other than the `ignore` ones."""
        import numpy as np

        near = self.near.setdefault(metric, np.zeros(self.rows, dtype=bool))
        for low, high in self._new_lines(metric, value, [t]):
            with np.errstate(invalid="ignore"):
                hit = (value >= low) & (value <= high)
            if ignore.any():
                hit &= ~ignore
            near |= hit


def patterns(program: Program, metrics: Mapping[str, MetricColumn], on: date, columns: ComparisonColumns) -> Patterns:
    """The round's pattern per row (dated thresholds read on `on`)."""
    import numpy as np

    columns.prepare(program, metrics, on)
    k = len(program.comparisons)
    if k > MAX_CODED:
        digits = np.empty((columns.rows, k), dtype=np.int8)
        for j, c in enumerate(program.comparisons):
            digits[:, j] = columns.tri(c, metrics[c.metric], threshold_on(c, on))
        return Patterns(program, None, digits)
    wide = k > 19  # 3**19 < 2**31
    kind: Any = np.int64 if wide else np.int32
    # five digits to a byte first (3**5 = 243: byte arithmetic is cheap), then the bytes into the code
    codes: np.ndarray | None = None
    for start in range(0, k, 5):
        group: np.ndarray | None = None
        weight = 1
        for c in program.comparisons[start : start + 5]:
            tri = columns.tri(c, metrics[c.metric], threshold_on(c, on)).view(np.uint8)
            if group is None:
                group = tri.copy()  # (a comparison's column is shared by the rounds that have it: not changed)
            else:
                group += tri * np.uint8(weight)
            weight *= 3
        assert group is not None
        part = group.astype(kind)
        if codes is None:
            codes = part
        else:
            part *= kind(3**start)
            codes += part
    if codes is None:
        codes = np.zeros(columns.rows, dtype=kind)
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


def merge_numbers(
    program: Program, vectorized: tuple[Tri, ...], exact: tuple[Tri, ...], near: Collection[str]
) -> tuple[Tri, ...]:
    """A near row's pattern: the comparisons of its near metrics as decided exactly, the others as the columns
    decided them (a value far from every threshold is on the same side in float64 as exactly)."""
    return tuple(
        e if c.kind == "number" and c.metric in near else v
        for c, v, e in zip(program.comparisons, vectorized, exact, strict=True)
    )


def _key(comparison: Comparison, metric: MetricColumn, threshold: object) -> tuple[object, ...]:
    """What a comparison's column depends on: shared by every round that has the same comparison of the metric."""
    return (comparison.metric, id(metric), comparison.op, comparison.kind, repr(threshold))
