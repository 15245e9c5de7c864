"""Sheet columns -> metric columns: the metrics of compute.py over many rows at once, in float64.

The same rules as `compute_metrics`, written over columns: TPP is the largest rate x bit length (a sparse-only figure
counted at the definitions' dense share), a published TPP where no throughput is given, and a lower bound where an
accelerator lists none of the usual matrix rates; sums keep their known part as a lower bound; a quotient needs a
known, positive divisor. Unknown is NaN, never zero. Floats are only a fast path: rows near a threshold are decided
again exactly by compute_metrics itself (conditions/columns.py), and the agreement test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..sheets.columns import Coded, SheetColumns
from .compute import ChipMetrics, _die_area, derivation_order
from .definitions import Definitions, MetricDef

if TYPE_CHECKING:
    import numpy as np


@dataclass
class MetricColumn:
    """One metric over the rows.

    number: `value` float64 (NaN unknown) and `lower` float64 (NaN where no lower bound), or None if it never has one;
    boolean and text: `codes` int32 into `values` (-1 unknown).
    """

    name: str
    kind: str
    dimension: str
    value: np.ndarray | None = None
    lower: np.ndarray | None = None
    codes: np.ndarray | None = None
    values: list[Any] | None = None

    @property
    def known(self) -> np.ndarray:
        import numpy as np

        if self.kind == "number":
            assert self.value is not None
            return ~np.isnan(self.value)
        assert self.codes is not None
        return self.codes >= 0


class MetricColumns:
    """Every metric of a rule set's definitions over a chunk's rows (a round's own derived ones added on demand)."""

    def __init__(self, sheet: SheetColumns, definitions: Definitions) -> None:
        self.sheet = sheet
        self.definitions = definitions
        self.columns: dict[str, MetricColumn] = {}
        self._derived: dict[tuple[str, MetricDef], MetricColumn] = {}
        self._base()
        for name, metric in derivation_order(definitions.metrics, self.columns):
            self.columns[name] = self._derive(name, metric, self.columns)

    def __getitem__(self, name: str) -> MetricColumn:
        return self.columns[name]

    def for_round(self, extra: Mapping[str, MetricDef]) -> Mapping[str, MetricColumn]:
        """These metrics plus a round's own derived ones (computed once per chunk for every round that has them)."""
        if not extra:
            return self.columns
        out = dict(self.columns)
        for name, metric in derivation_order(dict(extra), out):
            key = (name, metric)
            if key not in self._derived:
                self._derived[key] = self._derive(name, metric, out)
            out[name] = self._derived[key]
        return out

    # --- the sheet-level metrics (compute.py SHEET_METRICS) ------------------------------------------------------

    def _quantity(self, *path: str) -> np.ndarray:
        import numpy as np

        found = self.sheet.quantities.get(tuple(path))
        return found.values if found is not None else np.full(self.sheet.rows, np.nan)

    def _number(self, name: str, dimension: str, value: np.ndarray, lower: np.ndarray | None = None) -> None:
        self.columns[name] = MetricColumn(name, "number", dimension, value=value, lower=lower)

    def _base(self) -> None:
        import numpy as np

        n = self.sheet.rows
        value, lower = self._tpp()
        self._number("tpp", "dimensionless", value, lower)
        self._number("die_area", "area", self._die_area())
        self._number("transistors", "dimensionless", self._quantity("transistors"))
        self._number("memory_bandwidth", "bandwidth", self._quantity("memory", "bandwidth"))
        self._number("memory_capacity", "capacity", self._quantity("memory", "capacity"))
        self._number("io_bandwidth", "bandwidth", *self._io(()))
        self._number("interconnect_bandwidth", "bandwidth", *self._io(self.definitions.host_links))
        self._number("package_area", "area", self._quantity("package_area"))
        datacenter = self.sheet.coded.get(("datacenter",))
        codes = datacenter.codes if datacenter is not None else np.full(n, -1, dtype=np.int32)
        self.columns["datacenter"] = MetricColumn(
            "datacenter", "boolean", "boolean", codes=codes, values=datacenter.values if datacenter else []
        )
        kind = self.sheet.coded.get(("kind",))
        if kind is None:
            kind = Coded(np.full(n, -1, dtype=np.int32), [])
        values = list(kind.values) + ["accelerator"]  # the model's default kind
        codes = np.where(kind.codes >= 0, kind.codes, len(values) - 1).astype(np.int32)
        self.columns["kind"] = MetricColumn("kind", "text", "text", codes=codes, values=values)
        for name in ("vendor", "name"):
            coded = self.sheet.coded.get((name,))
            if coded is None:
                coded = Coded(np.full(n, -1, dtype=np.int32), [])
            self.columns[name] = MetricColumn(name, "text", "text", codes=coded.codes, values=coded.values)

    def _tpp(self) -> tuple[np.ndarray, np.ndarray | None]:
        """compute._tpp over the rows: (value, lower bound)."""
        import numpy as np

        n = self.sheet.rows
        definitions = self.definitions
        factor = float(definitions.sparse_factor)
        usual = definitions.tpp_usually_from
        best = np.full(n, np.nan)
        has_entry = np.zeros(n, dtype=bool)
        has_usual = np.zeros(n, dtype=bool)
        for op in self.sheet.throughput_ops():
            rate = self.sheet.quantities[("throughput", op)]
            bits = definitions.bit_lengths[op]  # rows that give their own bit length are read by the scalar path
            product = rate.values * bits
            sparse = self.sheet.coded.get(("throughput", op, "sparse"))
            if sparse is not None:
                flags = np.array([bool(v) for v in sparse.values] + [False], dtype=bool)[sparse.codes]
                product = np.where(flags, product * factor, product)
            best = np.fmax(best, product)
            has_entry |= rate.present
            if op in usual or bits <= 16:
                has_usual |= rate.present
        published = self._quantity("tpp")
        kind = self.sheet.coded.get(("kind",))
        accelerator = np.ones(n, dtype=bool)
        if kind is not None:
            memory = np.array([v == "memory" for v in kind.values] + [False], dtype=bool)[kind.codes]
            accelerator = ~memory
        incomplete = accelerator & bool(usual) & has_entry & ~has_usual
        with_published = ~np.isnan(published)
        value = np.where(has_entry, best, published)
        value = np.where(incomplete, np.where(with_published, np.fmax(published, best), np.nan), value)
        if not incomplete.any():
            return value, None
        lower = np.where(incomplete & ~with_published, best, np.nan)
        return value, lower

    def _die_area(self) -> np.ndarray:
        import numpy as np

        area = self._quantity("die_area")
        dies = self.sheet.coded.get(("dies",))
        if dies is None:
            return area
        # each distinct dies cell was read by the model (a probe sheet); compute.py sums its non-planar dies
        totals = [_die_area(spec).value for spec in dies.values]
        per_value = np.array([float(t) if t is not None else np.nan for t in totals] + [np.nan])
        return np.where(dies.present, per_value[dies.codes], area)

    def _io(self, exclude: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray | None]:
        """compute._io: the sum of the links (less the excluded ones); an unknown link leaves a lower bound."""
        import numpy as np

        n = self.sheet.rows
        links = self.sheet.links()
        given = np.zeros(n, dtype=bool)
        total = np.zeros(n)
        unknown = np.zeros(n, dtype=bool)
        for link in links:
            rate = self.sheet.quantities[("io", link)]
            given |= rate.present
            if link in exclude:
                continue
            total += np.where(np.isnan(rate.values), 0.0, rate.values)
            if rate.unknown is not None:
                unknown |= rate.unknown
        value = np.where(given & ~unknown, total, np.nan)
        if not unknown.any():
            return value, None
        return value, np.where(given & unknown, total, np.nan)

    # --- derived metrics (compute._derive) -----------------------------------------------------------------------

    def _derive(self, name: str, metric: MetricDef, columns: Mapping[str, MetricColumn]) -> MetricColumn:
        import numpy as np

        operands = [columns[o] for o in metric.operands]
        n = self.sheet.rows
        if metric.divide is not None:
            top, bottom = operands
            assert top.value is not None and bottom.value is not None
            divisor = np.where(bottom.value > 0, bottom.value, np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = top.value / divisor
                lower = None
                if top.lower is not None:
                    lower = np.where(np.isnan(top.value), top.lower / divisor, np.nan)
            return MetricColumn(name, "number", metric.dimension, value=value, lower=lower)
        known = np.ones(n, dtype=bool)
        total = np.zeros(n)
        bound = np.zeros(n)
        for operand in operands:
            assert operand.value is not None
            present = ~np.isnan(operand.value)
            known &= present
            total += np.where(present, operand.value, 0.0)
            if operand.lower is not None:
                bound += np.where(~present & ~np.isnan(operand.lower), operand.lower, 0.0)
        # compute._derive: a sum not fully known keeps its known part (and the operands' lower bounds) as a bound
        return MetricColumn(
            name, "number", metric.dimension, value=np.where(known, total, np.nan), lower=np.where(known, np.nan, total + bound)
        )


def base_inputs(name: str, metric_defs: Mapping[str, MetricDef]) -> list[str]:
    """The sheet-level metrics a metric rests on (ChipMetrics.base_inputs, which reads only the definitions)."""
    return ChipMetrics({}).base_inputs(name, metric_defs)
