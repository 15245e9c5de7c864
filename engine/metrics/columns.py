"""Sheet columns -> metric columns: the metrics of compute.py over many rows at once, in float64.

The same rules as `compute_metrics`, written over columns: TPP is the largest rate x bit length (a sparse-only figure
counted at the definitions' dense share), a published TPP where no throughput is given, and a lower bound where an
accelerator lists none of the usual matrix rates; sums keep their known part as a lower bound; a quotient needs a
known, positive divisor. Unknown is NaN, never zero. Floats are only a fast path: rows near a threshold are decided
again exactly by compute_metrics itself (conditions/columns.py), and the agreement test holds the two together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..core.arrays import BLOCK, by_code, packable, packed_lookup, shifts
from ..sheets.columns import Coded, SheetColumns
from .compute import ChipMetrics, _die_area
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
    upper: np.ndarray | None = None  # NaN where no upper bound (a density over dies of unknown area)
    codes: np.ndarray | None = None
    values: list[Any] | None = None

    def by_code(self, table: np.ndarray) -> np.ndarray:
        """table[code] per row of a boolean or text metric, its last entry where the metric is unknown (core.arrays
        lookup, with the codes' byte offsets kept for every comparison of the metric)."""
        assert self.codes is not None
        if packable(table) and self._offsets is not None:
            return packed_lookup(table, self._offsets)
        return by_code(table, self.codes)

    @cached_property
    def _offsets(self) -> np.ndarray | None:
        """core.arrays.shifts of the codes (None where they do not fit a byte)."""
        assert self.codes is not None
        return shifts(self.codes)

    @cached_property
    def unknown(self) -> np.ndarray:
        """Rows where the metric has no value."""
        import numpy as np

        if self.kind == "number":
            assert self.value is not None
            return np.isnan(self.value)
        assert self.codes is not None
        return self.codes < 0

    @cached_property
    def has_unknown(self) -> bool:
        return bool(self.unknown.any())

    @cached_property
    def unknown_digit(self) -> np.ndarray:
        """int8 per row: 2 (a comparison's U) where the metric is unknown, else 0."""
        import numpy as np

        return self.unknown.view(np.int8) * np.int8(2)

    @property
    def known(self) -> np.ndarray:
        return ~self.unknown


class MetricColumns:
    """Every metric of a rule set's definitions over a chunk's rows (a round's own derived ones added on demand)."""

    def __init__(self, sheet: SheetColumns, definitions: Definitions) -> None:
        self.sheet = sheet
        self.definitions = definitions
        self.columns = _Lazy(self._make)
        self._derived: dict[tuple[str, MetricDef], MetricColumn] = {}
        self._extra: Mapping[str, MetricDef] = {}

    def __getitem__(self, name: str) -> MetricColumn:
        return self.columns[name]

    def close(self) -> None:
        """Drop the columns now: the lazy mapping refers back to this object (a cycle that would keep every column
        of a chunk alive until the garbage collector runs)."""
        self.columns.clear()
        self.columns._make = None
        self._derived.clear()

    def _make(self, name: str) -> MetricColumn:
        """A metric computed on first use: only those a round compares (and their inputs) are computed."""
        metric = self.definitions.metrics.get(name)
        if metric is not None and metric.derived:
            return self._derive(name, metric, self.columns)
        return self._base(name)

    def for_round(self, extra: Mapping[str, MetricDef]) -> Mapping[str, MetricColumn]:
        """These metrics plus a round's own derived ones (computed once per chunk for every round that has them)."""
        if not extra:
            return self.columns
        return _Lazy(lambda name: self._round_metric(name, extra), self.columns)

    def _round_metric(self, name: str, extra: Mapping[str, MetricDef]) -> MetricColumn:
        if name not in extra:
            return self.columns[name]
        key = (name, extra[name])
        if key not in self._derived:
            self._derived[key] = self._derive(name, extra[name], self.for_round(extra))
        return self._derived[key]

    # --- the sheet-level metrics (compute.py SHEET_METRICS) ------------------------------------------------------

    def _quantity(self, *path: str) -> np.ndarray:
        import numpy as np

        found = self.sheet.quantities.get(tuple(path))
        return found.values if found is not None else np.full(self.sheet.rows, np.nan)

    def _number(self, name: str, dimension: str, value: np.ndarray, lower: np.ndarray | None = None) -> None:
        self.columns[name] = MetricColumn(name, "number", dimension, value=value, lower=lower)

    def _base(self, name: str) -> MetricColumn:
        import numpy as np

        n = self.sheet.rows
        if name == "tpp":
            value, lower = self._tpp()
            return MetricColumn(name, "number", "dimensionless", value=value, lower=lower)
        if name == "die_area":
            value, lower = self._die_area()
            return MetricColumn(name, "number", "area", value=value, lower=lower)
        if name == "release_year":
            released = self.sheet.coded.get(("released",))
            if released is None:
                return MetricColumn(name, "number", "dimensionless", value=np.full(n, np.nan))
            years = [float(v.year if hasattr(v, "year") else v) if v is not None else np.nan for v in released.values]
            return MetricColumn(
                name,
                "number",
                "dimensionless",
                value=by_code(np.append(np.array(years, dtype=float), np.nan), released.codes),
            )
        if name == "memory_type":
            coded = self.sheet.coded.get(("memory", "type"))
            if coded is None:
                coded = Coded(np.full(n, -1, dtype=np.int32), [])
            return MetricColumn(name, "text", "text", codes=coded.codes, values=coded.values)
        if name in ("io_bandwidth", "interconnect_bandwidth"):
            value, lower = self._io(self.definitions.host_links if name == "interconnect_bandwidth" else ())
            return MetricColumn(name, "number", "bandwidth", value=value, lower=lower)
        plain = {
            "transistors": (("transistors",), "dimensionless"),
            "memory_bandwidth": (("memory", "bandwidth"), "bandwidth"),
            "memory_capacity": (("memory", "capacity"), "capacity"),
            "package_area": (("package_area",), "area"),
        }
        if name in plain:
            path, dimension = plain[name]
            return MetricColumn(name, "number", dimension, value=self._quantity(*path))
        if name in ("datacenter", "commercially_available_us"):
            flag = self.sheet.coded.get((name,))
            codes = flag.codes if flag is not None else np.full(n, -1, dtype=np.int32)
            return MetricColumn(name, "boolean", "boolean", codes=codes, values=flag.values if flag else [])
        if name == "kind":
            kind = self.sheet.coded.get(("kind",))
            if kind is None:
                return MetricColumn(name, "text", "text", codes=np.zeros(n, dtype=np.int32), values=["accelerator"])
            values = list(kind.values) + ["accelerator"]  # the model's default kind
            # absent (-1, the largest uint32) -> the default's code, in one pass
            codes = np.minimum(kind.codes.astype(np.int32, copy=False).view(np.uint32), np.uint32(len(values) - 1))
            codes = codes.view(np.int32)
            return MetricColumn(name, "text", "text", codes=codes, values=values)
        if name in ("vendor", "name"):
            coded = self.sheet.coded.get((name,))
            if coded is None:
                coded = Coded(np.full(n, -1, dtype=np.int32), [])
            return MetricColumn(name, "text", "text", codes=coded.codes, values=coded.values)
        raise KeyError(name)

    def _tpp(self) -> tuple[np.ndarray, np.ndarray | None]:
        """compute._tpp over the rows: (value, lower bound). Written for the common case (every listed rate a usual
        matrix rate, no published TPP needed): the other branches cost only where some row takes them."""
        import numpy as np

        n = self.sheet.rows
        definitions = self.definitions
        usual = definitions.tpp_usually_from
        has_entry = np.zeros(n, dtype=bool)
        has_usual = np.zeros(n, dtype=bool)
        unusual = False  # some column lists a rate that is neither usual nor of 16 bits or fewer
        rates: list[tuple[np.ndarray, float, np.ndarray | None]] = []  # (rate, bit length, sparse-only rows)
        for op in self.sheet.throughput_ops():
            rate = self.sheet.quantities[("throughput", op)]
            sparse = self.sheet.coded.get(("throughput", op, "sparse"))
            flags = None
            if sparse is not None:
                flags = by_code(np.array([bool(v) for v in sparse.values] + [False], dtype=bool), sparse.codes)
            # rows that give their own bit length are read by the scalar path
            bits = definitions.bit_lengths[op]
            rates.append((rate.values, bits, flags if flags is not None and flags.any() else None))
            has_entry |= rate.present
            if op in usual or bits <= 16:
                has_usual |= rate.present
            else:
                unusual = True
        value = _largest_product(rates, float(definitions.sparse_factor), n)
        published_column = self.sheet.quantities.get(("tpp",))
        published = published_column.values if published_column is not None else None
        if published is not None:
            none = ~has_entry
            value[none] = published[none]  # no throughput listed: the published TPP, if any
        if not (unusual and usual):
            return value, None
        rows = np.flatnonzero(has_entry & ~has_usual)  # (few: rows listing only unusual rates)
        if len(rows):
            kind = self.columns["kind"]  # (the model's default, accelerator, where a row gives none)
            assert kind.values is not None and kind.codes is not None
            memory = np.array([v == "memory" for v in kind.values], dtype=bool)
            rows = rows[~memory[kind.codes[rows]]]
        if not len(rows):
            return value, None
        derived = value[rows]
        lower = np.full(n, np.nan)
        bounded, bound = rows, derived
        if published is not None:
            given = ~np.isnan(published[rows])
            value[rows[given]] = np.fmax(published[rows[given]], derived[given])
            bounded, bound = rows[~given], derived[~given]
        value[bounded] = np.nan
        lower[bounded] = bound
        return value, lower

    def _die_area(self) -> tuple[np.ndarray, np.ndarray | None]:
        import numpy as np

        area = self._quantity("die_area")
        dies = self.sheet.coded.get(("dies",))
        if dies is None:
            return area, None
        # each distinct dies cell was read by the model (a probe sheet); compute.py sums its non-planar dies, and a
        # die of unknown area leaves the known ones as a lower bound
        found = [_die_area(spec) for spec in dies.values]
        per_value = np.array([float(f.value) if f.value is not None else np.nan for f in found] + [np.nan])
        per_lower = np.array([float(f.lower) if f.lower is not None else np.nan for f in found] + [np.nan])
        value = np.where(dies.present, by_code(per_value, dies.codes), area)
        if np.isnan(per_lower).all():
            return value, None
        return value, np.where(dies.present, by_code(per_lower, dies.codes), np.nan)

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
            value = _quotient(top.value, bottom.value)
            with np.errstate(invalid="ignore", divide="ignore"):
                lower = None
                if top.lower is not None:
                    divisor = np.where(bottom.value > 0, bottom.value, np.nan)
                    lower = np.where(np.isnan(top.value), top.lower / divisor, np.nan)
                upper = None
                if bottom.lower is not None:
                    # compute._derive: a known value over a divisor known only from below is known from above
                    low = np.where(np.isnan(bottom.value) & (bottom.lower > 0), bottom.lower, np.nan)
                    upper = top.value / low
            return MetricColumn(name, "number", metric.dimension, value=value, lower=lower, upper=upper)
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
            name,
            "number",
            metric.dimension,
            value=np.where(known, total, np.nan),
            lower=np.where(known, np.nan, total + bound),
        )


class _Lazy(dict[str, MetricColumn]):
    """Metrics by name, each computed on first lookup (then kept); `fallback` answers names it does not make."""

    def __init__(self, make: Any, fallback: Mapping[str, MetricColumn] | None = None) -> None:
        super().__init__()
        self._make = make
        self._fallback = fallback

    def __missing__(self, name: str) -> MetricColumn:
        value = self._make(name)
        self[name] = value
        return value


def base_inputs(name: str, metric_defs: Mapping[str, MetricDef]) -> list[str]:
    """The sheet-level metrics a metric rests on (ChipMetrics.base_inputs, which reads only the definitions)."""
    return ChipMetrics({}).base_inputs(name, metric_defs)


def _reads(metric: str, path: tuple[str, ...]) -> bool:
    """Whether compute_metrics reads the sheet field at `path` for the sheet-level metric (compute.py)."""
    if metric == "tpp":
        return path[0] == "throughput" or path in (("tpp",), ("kind",))
    if metric == "die_area":
        return path in (("die_area",), ("dies",))
    if metric in ("io_bandwidth", "interconnect_bandwidth"):
        return path[0] == "io"
    if metric == "memory_bandwidth":
        return path == ("memory", "bandwidth")
    if metric == "memory_capacity":
        return path == ("memory", "capacity")
    if metric == "memory_type":
        return path == ("memory", "type")
    if metric == "release_year":
        return path == ("released",)
    return path == (metric,)


def input_columns(metrics: Iterable[str], sheet: SheetColumns, metric_defs: Mapping[str, MetricDef]) -> list[int]:
    """The sheet's columns the metrics are computed from (what the exact re-reading of a near row reads)."""
    bases = {b for m in metrics for b in base_inputs(m, metric_defs)}
    return [i for i, column in enumerate(sheet.columns) if any(_reads(b, column.path) for b in bases)]


def _largest_product(rates: list[tuple[np.ndarray, float, np.ndarray | None]], sparse: float, n: int) -> np.ndarray:
    """Per row the largest rate x bit length (a sparse-only rate counted at `sparse` of it), NaN where no rate is
    given: the inner step of compute._tpp, over cache-sized blocks (each rate column is read from memory once)."""
    import numpy as np

    best = np.full(n, np.nan) if not rates else np.empty(n)
    scratch = np.empty(min(n, BLOCK))
    for start in range(0, n if rates else 0, BLOCK):
        end = min(start + BLOCK, n)
        out, product = best[start:end], scratch[: end - start]
        for i, (values, bits, flags) in enumerate(rates):
            target = out if i == 0 else product
            np.multiply(values[start:end], bits, out=target)
            if flags is not None:
                np.multiply(target, sparse, out=target, where=flags[start:end])
            if i:
                np.fmax(out, product, out=out)
    return best


def _quotient(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom per row, NaN where the divisor is not positive (or either is unknown), over cache-sized blocks."""
    import numpy as np

    out = np.empty(len(top))
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, len(top), BLOCK):
            divisor, quotient = bottom[start : start + BLOCK], out[start : start + BLOCK]
            np.divide(top[start : start + BLOCK], divisor, out=quotient)
            np.copyto(quotient, np.nan, where=divisor <= 0)  # (a NaN divisor gave NaN already)
    return out
