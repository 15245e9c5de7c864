"""A round's answer over a plane of two metrics (TPP x performance density, memory x I/O bandwidth), for pictures.

The plane is cut into cells whose edges include every threshold the round compares on either axis, so a cell
lies on one side of each axis-parallel line. Every comparison is evaluated over all cells at once (numpy, in
floating point: a picture, not a legal answer), each cell's condition pattern is decided exactly once per
distinct pattern through the Engine's memo, and the cell takes the answer's label ("3A090.a", "not controlled").
The other metrics come from one synthetic chip (a datacenter accelerator, say); tests/test_plots.py classifies
exact points sampled in every region through the whole pipeline, so the shaded regions are checked against
the rule files, not against this code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from ..conditions.columns import compare_floats
from ..conditions.compare import truth
from ..core.logic import Status, Tri
from ..decision.memo import Memo
from ..decision.verdict import Verdict
from ..metrics.compute import ChipMetrics, derivation_order
from ..rules.calendar import threshold_on
from ..rules.program import Program

_CODE = {Tri.T: 0, Tri.F: 1, Tri.U: 2}
_TRI = (Tri.T, Tri.F, Tri.U)


def label(verdict: Verdict) -> str:
    """A region's name: the classification of a controlled answer, else its status in words."""
    if verdict.status is Status.CONTROLLED:
        return verdict.classification or "controlled"
    if verdict.applicable is False:
        return "not addressed"
    return {Status.NOT_CONTROLLED: "not controlled"}.get(verdict.status, str(verdict.status))


@dataclass(frozen=True)
class Line:
    """A threshold drawn on the plane: on the x axis, the y axis, or their sum (x + y = value)."""

    axis: str  # x | y | sum
    value: float
    text: str  # the comparison as the rule reads it, with its threshold (`tpp >= 4800`)


@dataclass
class RegionMap:
    """Labels of a round over a grid of cells (rows along y, columns along x)."""

    round: str
    x: str
    y: str
    x_edges: Any  # numpy arrays of cell edges
    y_edges: Any
    cells: Any  # int array (len(y_edges) - 1, len(x_edges) - 1): index into labels
    labels: list[str]
    lines: list[Line]

    def label_at(self, x: float, y: float) -> str | None:
        """The label of the cell holding (x, y), None outside the grid."""
        import numpy as np

        col = int(np.searchsorted(self.x_edges, x, side="right")) - 1
        row = int(np.searchsorted(self.y_edges, y, side="right")) - 1
        if not (0 <= col < self.cells.shape[1] and 0 <= row < self.cells.shape[0]):
            return None
        return self.labels[int(self.cells[row, col])]


def thresholds(program: Program, metric: str, on: date) -> list[Fraction]:
    """The values the round compares a metric against, on a day."""
    out = []
    for comparison in program.comparisons:
        value = threshold_on(comparison, on)
        if comparison.metric == metric and isinstance(value, Fraction):
            out.append(value)
    return out


def edges(low: float, high: float, lines: Iterable[Fraction], cells: int = 400) -> Any:
    """Log-spaced cell edges from low to high, with every line inside the range added as an edge."""
    import numpy as np

    grid = np.geomspace(low, high, cells + 1)
    extra = [float(v) for v in lines if low < float(v) < high]
    return np.unique(np.concatenate([grid, np.array(extra, dtype=float)]))


def region_map(
    program: Program,
    base: ChipMetrics,
    x: str,
    y: str,
    x_edges: Any,
    y_edges: Any,
    on: date,
    memo: Memo,
) -> RegionMap:
    """The round's label in every cell; the other metrics are the base chip's (its derived ones follow x and y)."""
    import numpy as np

    base = base.with_derived(program.derived)
    defs = program.metric_defs
    xc = np.sqrt(x_edges[:-1] * x_edges[1:])  # cell centres in log space
    yc = np.sqrt(y_edges[:-1] * y_edges[1:])
    gx, gy = np.meshgrid(xc, yc)
    values: dict[str, Any] = {x: gx, y: gy}
    for name, metric in defs.items():
        # an axis that is a ratio with the other axis on top fixes its denominator (performance density over TPP:
        # the die area is TPP / density), so every metric stays consistent with the point
        if metric.divide is not None and name in (x, y) and metric.divide[0] in (x, y):
            values.setdefault(metric.divide[1], values[metric.divide[0]] / values[name])
    for name, metric in derivation_order(defs, [n for n in defs if not defs[n].derived or n in values]):
        if name in values:
            continue
        operands = [_number(values, base, o) for o in metric.operands]
        if any(o is None for o in operands):
            values[name] = None
        elif metric.divide is not None:
            values[name] = operands[0] / operands[1]
        else:
            values[name] = sum(operands)
    codes = np.zeros(gx.shape, dtype=np.int64)
    lines: list[Line] = []
    for i, comparison in enumerate(program.comparisons):
        threshold = threshold_on(comparison, on)
        grid = _number(values, base, comparison.metric) if comparison.kind == "number" else None
        if grid is not None and isinstance(threshold, Fraction):
            code = np.where(compare_floats(comparison.op, grid, float(threshold)), _CODE[Tri.T], _CODE[Tri.F])
            axis = _axis(comparison.metric, x, y, defs) if np.ndim(grid) else None
            if axis:
                lines.append(Line(axis, float(threshold), f"{comparison.metric} {comparison.op} {_text(threshold)}"))
        else:
            known = base.values.get(comparison.metric)
            code = np.asarray(_CODE[truth(comparison, known, threshold) if known is not None else Tri.U])
        codes += code * 3**i
    found: dict[str, int] = {}
    labels: list[str] = []
    cells = np.zeros(gx.shape, dtype=np.int64)
    for code in np.unique(codes):
        pattern = _decode(int(code), len(program.comparisons))
        name = label(memo.verdict(program, pattern))
        if name not in found:
            found[name] = len(labels)
            labels.append(name)
        cells[codes == code] = found[name]
    return RegionMap(program.round.id, x, y, x_edges, y_edges, cells, labels, _unique(lines))


def _number(values: dict[str, Any], base: ChipMetrics, name: str) -> Any:
    if name in values:
        return values[name]
    metric = base.values.get(name)
    if metric is None or not isinstance(metric.value, Fraction):
        return None
    return float(metric.value)


def _axis(metric: str, x: str, y: str, defs: Any) -> str | None:
    if metric == x:
        return "x"
    if metric == y:
        return "y"
    definition = defs.get(metric)
    if definition is not None and definition.sum is not None and sorted(definition.sum) == sorted([x, y]):
        return "sum"
    return None


def _text(value: Fraction) -> str:
    from ..core.quantities import format_number

    return format_number(value)


def _decode(code: int, length: int) -> tuple[Tri, ...]:
    out = []
    for _ in range(length):
        code, digit = divmod(code, 3)
        out.append(_TRI[digit])
    return tuple(out)


def _unique(lines: Sequence[Line]) -> list[Line]:
    seen: dict[tuple[str, float], Line] = {}
    for line in lines:
        seen.setdefault((line.axis, line.value), line)
    return list(seen.values())


def span(values: Iterable[float], lines: Iterable[float], pad: float = 2.0) -> tuple[float, float]:
    """A log-axis range holding every value and line, padded by a factor on each side."""
    found = [v for v in (*values, *lines) if v > 0 and math.isfinite(v)]
    if not found:
        return 1.0, 10.0
    return min(found) / pad, max(found) * pad
