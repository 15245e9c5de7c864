"""Spec sheet -> metrics: the figures rules compare, each exact, with how it was obtained.

Unknown is kept as unknown (value None). A sum whose parts are partly known keeps its known part as a
lower bound, because bandwidths are never negative: 1800 GB/s of DRAM alone already passes a 1700 GB/s
combined line, whatever the unknown I/O is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..core.errors import RuleFileError
from ..core.quantities import format_bound, format_number, format_quantity
from ..sheets.model import ChipSpec
from .definitions import Definitions, MetricDef

Value = Fraction | bool | str | None


@dataclass
class MetricValue:
    """One metric of one chip: exact value (or None if unknown), lower bound, and where it came from.

    Not frozen (treat it as immutable): a frozen dataclass costs four times as much to make, and a chip has a
    dozen of these.
    """

    name: str
    value: Value
    dimension: str
    basis: str = ""
    lower: Fraction | None = None
    upper: Fraction | None = None  # with value None: known only from above (density over a lower-bound area)

    @property
    def known(self) -> bool:
        return self.value is not None

    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The value as shown in results (formatted once: a chip's metrics serve every round)."""
        if self._text is None:
            self._text = self._format()
        return self._text

    def _format(self) -> str:
        if self.value is None:
            if self.lower is not None:
                return f"at least {format_bound(self.lower, self.dimension, upper=False)}"
            if self.upper is not None:
                return f"at most {format_bound(self.upper, self.dimension, upper=True)}"
            return "unknown"
        if isinstance(self.value, Fraction):
            return format_quantity(self.value, self.dimension)
        return str(self.value).lower() if isinstance(self.value, bool) else str(self.value)


@dataclass
class ChipMetrics:
    """All metrics of one chip, plus the assumptions and warnings met while deriving them."""

    values: dict[str, MetricValue]
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the sheet metric each assumption concerns (tpp, for a bit length or a sparse halving): a round that compares
    # nothing resting on it does not depend on it
    concerns: dict[str, str] = field(default_factory=dict)
    # comparisons already evaluated for this chip, by (comparison text, dimension, day): results/result.py
    conditions: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> MetricValue:
        return self.values[name]

    def with_derived(self, extra: Mapping[str, MetricDef], only: Collection[str] | None = None) -> ChipMetrics:
        """These metrics plus a round's own derived ones (the sheet's metrics are computed once for every round);
        with `only`, just those of them and the ones they are computed from, without their basis (compute_metrics)."""
        if only is not None:
            wanted = with_operands(only, extra)
            extra = {n: m for n, m in extra.items() if n in wanted}
        if not extra:
            return self
        values = dict(self.values)
        _derive_all(extra, values, words=only is None)
        return ChipMetrics(values, self.assumptions, self.warnings, self.concerns)

    def base_inputs(self, name: str, metric_defs: Mapping[str, MetricDef]) -> list[str]:
        """The sheet-level metrics a metric rests on (itself, if it is read from the sheet)."""
        metric = metric_defs[name]
        if not metric.derived:
            return [name]
        return [base for operand in metric.operands for base in self.base_inputs(operand, metric_defs)]


def _tpp(spec: ChipSpec, definitions: Definitions, out: ChipMetrics) -> MetricValue:
    best: tuple[Fraction, str, str | None] | None = None
    plain_best: Fraction | None = None  # the highest TPP from operations whose bit length is no interpretation
    for key, entry in (spec.throughput or {}).items():
        bits = entry.bits if entry.bits is not None else definitions.bit_lengths[key]
        rate = entry.rate.value
        note = f"throughput.{key} {entry.rate.text}"
        if entry.sparse:
            rate = rate * definitions.sparse_factor
            text = (
                f"throughput.{key} is published only with sparsity ({entry.rate.text}); "
                f"counted as dense {format_number(rate)} TOPS"
            )
            out.assumptions.append(text)
            out.concerns[text] = "tpp"
            note += " (sparse, halved)"
        product = rate * bits
        interpreted = entry.bits is None and f"bit_lengths.{key}" in definitions.interpretations
        if not interpreted and (plain_best is None or product > plain_best):
            plain_best = product
        if best is None or product > best[0]:
            best = (product, f"{note} x {bits} bits", key if entry.bits is None else None)
    published = spec.tpp.value if spec.tpp is not None else None
    if best is None:
        if published is None:
            return MetricValue("tpp", None, "dimensionless")
        return MetricValue("tpp", published, "dimensionless", f"published tpp {spec.tpp}")
    derived, basis, operation = best
    reading = definitions.interpretations.get(f"bit_lengths.{operation}") if operation else None
    if reading and (plain_best is None or plain_best < derived):
        # the TPP rests on an operation whose bit length is an interpretation (TF32): no other operation ties it
        text = f"tpp {format_number(derived)} is from throughput.{operation}: {' '.join(reading.split())}"  # one line
        out.assumptions.append(text)
        out.concerns[text] = "tpp"
    listed = spec.throughput or {}
    usual = definitions.tpp_usually_from
    incomplete = (
        spec.kind == "accelerator"
        and bool(usual)
        and not any(
            key in usual or (entry.bits if entry.bits is not None else definitions.bit_lengths[key]) <= 16
            for key, entry in listed.items()
        )
    )
    if incomplete and published is not None:
        # the listed rates give only a lower bound; the vendor's own TPP is the figure that covers them all
        out.warnings.append(
            f"throughput lists only {', '.join(listed)} (TPP at least {format_number(derived)}); the published "
            f"tpp {format_number(published)} is used"
        )
        return MetricValue("tpp", max(published, derived), "dimensionless", f"published tpp {spec.tpp}")
    if incomplete:
        out.warnings.append(
            f"throughput lists only {', '.join(listed)}: an accelerator's highest TPP usually comes from one of "
            f"{', '.join(usual)}, which this sheet does not give; TPP is counted as at least {format_number(derived)}"
        )
        return MetricValue("tpp", None, "dimensionless", f"{basis} (a lower bound)", lower=derived)
    if published is not None and derived and abs(published - derived) > definitions.tolerance * derived:
        share = abs(published - derived) / derived * 100
        out.warnings.append(
            f"published tpp {format_number(published)} differs from derived {format_number(derived)} "
            f"({format_number(share, 3)}%); the derived value is used"
        )
    return MetricValue("tpp", derived, "dimensionless", basis)


def _die_area(spec: ChipSpec) -> MetricValue:
    if spec.die_area is not None:
        return MetricValue("die_area", spec.die_area.value, "area", f"die_area {spec.die_area}")
    if spec.dies:
        counted = [d for d in spec.dies if d.non_planar]
        total = sum((d.area.value for d in counted if d.area is not None), Fraction(0))
        basis = (
            " + ".join(f"{d.name or 'die'} {d.area if d.area is not None else 'unknown'}" for d in counted)
            or "no non-planar logic die"
        )
        if any(d.area is None for d in counted):  # a die of unknown area: the known ones give a lower bound
            return MetricValue("die_area", None, "area", basis, lower=total)
        return MetricValue("die_area", total, "area", basis)
    return MetricValue("die_area", None, "area")


def _io(spec: ChipSpec, name: str, exclude: tuple[str, ...]) -> MetricValue:
    if spec.io is None:
        return MetricValue(name, None, "bandwidth")
    links = {k: v for k, v in spec.io.items() if k not in exclude}
    known = sum((v.value for v in links.values() if v is not None), Fraction(0))
    unknown = [k for k, v in links.items() if v is None]
    basis = " + ".join(f"{k} {v.text if v else 'unknown'}" for k, v in links.items()) or "no such links"
    if unknown:
        return MetricValue(name, None, "bandwidth", basis, lower=known)
    return MetricValue(name, known, "bandwidth", basis)


def _plain(name: str, dimension: str, value: Value, text: str, path: str) -> MetricValue:
    return MetricValue(name, value, dimension, f"{path} {text}" if value is not None else "")


def _derive(name: str, metric: MetricDef, values: dict[str, MetricValue], words: bool = True) -> MetricValue:
    """A derived metric from its operands (`words`: with its basis, which formats the operands' values)."""
    operands = [values[o] for o in metric.operands]
    if metric.divide is not None:
        top, bottom = operands
        divisor = bottom.value if isinstance(bottom.value, Fraction) and bottom.value > 0 else None
        basis = f"{top.name} {top.text} / {bottom.name} {bottom.text}" if words else ""
        if isinstance(top.value, Fraction) and divisor is not None:
            return MetricValue(name, top.value / divisor, metric.dimension, basis)
        if top.value is None and top.lower is not None and divisor is not None:
            # a lower bound over an exact, positive divisor is a lower bound of the quotient
            return MetricValue(name, None, metric.dimension, basis, lower=top.lower / divisor)
        if isinstance(top.value, Fraction) and bottom.value is None and bottom.lower is not None and bottom.lower > 0:
            # an exact value over a divisor known only from below (dies of unknown area) is known from above:
            # performance density is at most TPP / the known area
            return MetricValue(name, None, metric.dimension, basis, upper=top.value / bottom.lower)
        return MetricValue(name, None, metric.dimension)
    known = [o.value for o in operands if isinstance(o.value, Fraction)]
    partial = sum((o.lower for o in operands if o.value is None and o.lower is not None), Fraction(0))
    basis = " + ".join(f"{o.name} {o.text}" for o in operands) if words else ""
    if len(known) == len(operands):
        return MetricValue(name, sum(known, Fraction(0)), metric.dimension, basis)
    return MetricValue(name, None, metric.dimension, basis, lower=sum(known, Fraction(0)) + partial)


def _quantity_of(name: str, dimension: str, read: Any, path: str) -> Any:
    """A reader of a quantity taken as it stands (`read(spec)`: the Quantity, or None)."""

    def reader(spec: ChipSpec, definitions: Definitions, out: ChipMetrics) -> MetricValue:
        figure = read(spec)
        return _plain(name, dimension, figure.value if figure is not None else None, str(figure), path)

    return reader


def _as_is(name: str, dimension: str, read: Any, path: str, text: Any = str) -> Any:
    """A reader of a flag or a text taken as it stands."""

    def reader(spec: ChipSpec, definitions: Definitions, out: ChipMetrics) -> MetricValue:
        value = read(spec)
        return _plain(name, dimension, value, text(value), path)

    return reader


def _memory(spec: ChipSpec, field: str) -> Any:
    return getattr(spec.memory, field) if spec.memory else None


def _flag(value: bool | None) -> str:
    return str(value).lower()


# How each metric read straight from a sheet is read (every other metric must be derived).
_READERS: dict[str, Callable[[ChipSpec, Definitions, ChipMetrics], MetricValue]] = {
    "tpp": _tpp,
    "die_area": lambda spec, definitions, out: _die_area(spec),
    "transistors": _quantity_of("transistors", "dimensionless", lambda s: s.transistors, "transistors"),
    "memory_bandwidth": _quantity_of(
        "memory_bandwidth", "bandwidth", lambda s: _memory(s, "bandwidth"), "memory.bandwidth"
    ),
    "memory_capacity": _quantity_of("memory_capacity", "capacity", lambda s: _memory(s, "capacity"), "memory.capacity"),
    "io_bandwidth": lambda spec, definitions, out: _io(spec, "io_bandwidth", ()),
    "interconnect_bandwidth": lambda spec, definitions, out: _io(
        spec, "interconnect_bandwidth", definitions.host_links
    ),
    "package_area": _quantity_of("package_area", "area", lambda s: s.package_area, "package_area"),
    "datacenter": _as_is("datacenter", "boolean", lambda s: s.datacenter, "datacenter", _flag),
    "commercially_available_us": _as_is(
        "commercially_available_us",
        "boolean",
        lambda s: s.commercially_available_us,
        "commercially_available_us",
        _flag,
    ),
    "memory_type": _as_is("memory_type", "text", lambda s: _memory(s, "type"), "memory.type"),
    "release_year": lambda spec, definitions, out: _plain(
        "release_year", "dimensionless", _year(spec.released), str(spec.released), "released"
    ),
    "kind": _as_is("kind", "text", lambda s: s.kind, "kind"),
    "vendor": _as_is("vendor", "text", lambda s: s.vendor, "vendor"),
    "name": _as_is("name", "text", lambda s: s.name, "name"),
}


SHEET_METRICS = tuple(_READERS)


def check_readers(definitions: Definitions, source: str) -> None:
    """A metric definition that is neither read from the sheet nor derived has no value to compare."""
    for name, metric in definitions.metrics.items():
        if not metric.derived and name not in SHEET_METRICS:
            raise RuleFileError(
                source,
                f"metrics.{name}",
                f"{name!r} is not read from spec sheets (those are {', '.join(SHEET_METRICS)}); derive it with "
                "divide or sum",
            )


def derivation_order(metrics: Mapping[str, MetricDef], known: Collection[str]) -> list[tuple[str, MetricDef]]:
    """The derived metrics in an order where each comes after those it builds on (the loader rejected cycles)."""
    pending = {n: m for n, m in metrics.items() if m.derived}
    done = set(known)
    order: list[tuple[str, MetricDef]] = []
    while pending:
        ready = [n for n, m in pending.items() if all(o in done for o in m.operands)]
        if not ready:
            raise ValueError(f"derived metrics with a cycle or unknown operand: {sorted(pending)}")
        for name in ready:
            order.append((name, pending.pop(name)))
            done.add(name)
    return order


def _derive_all(metrics: Mapping[str, MetricDef], values: dict[str, MetricValue], words: bool = True) -> None:
    """Add the derived metrics to the values; they may build on any metric already there (a round's own derived
    metric on a shared one, such as performance_density)."""
    for name, metric in _order_of(tuple(metrics.items()), frozenset(values)):
        values[name] = _derive(name, metric, values, words)


@lru_cache(maxsize=256)
def _order_of(metrics: tuple[tuple[str, MetricDef], ...], known: frozenset[str]) -> list[tuple[str, MetricDef]]:
    """derivation_order, once per set of definitions (a rule set has a handful; every chip needs one)."""
    return derivation_order(dict(metrics), known)


def _year(released: int | date | None) -> Fraction | None:
    if released is None:
        return None
    return Fraction(released.year if isinstance(released, date) else released)


def compute_metrics(
    spec: ChipSpec,
    definitions: Definitions,
    extra: Mapping[str, MetricDef] | None = None,
    only: Collection[str] | None = None,
) -> ChipMetrics:
    """Every metric of the definitions (plus a round's own derived ones in `extra`) for one chip; with `only`, just
    those metrics and what they are computed from, without the words of a derived metric's basis (the batch path's
    exact re-reading of a row near a threshold needs one or two values, and formatting them costs more).

    The definitions are the caller's (an Engine's): the bit lengths and host links a rules folder defines.
    """
    out = ChipMetrics(values={})
    metrics = {**definitions.metrics, **(extra or {})}
    wanted = with_operands(only, metrics) if only is not None else None
    for name, reader in _READERS.items():
        if wanted is None or name in wanted:
            out.values[name] = reader(spec, definitions, out)
    if wanted is not None:
        metrics = {n: m for n, m in metrics.items() if n in wanted}
    _derive_all(metrics, out.values, words=wanted is None)
    return out


def with_operands(names: Collection[str], metrics: Mapping[str, MetricDef]) -> set[str]:
    """The names and, for a derived metric, its operands, theirs, and so on (what computing them needs)."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            metric = metrics.get(name)
            if metric is not None and metric.derived:
                pending.extend(metric.operands)
    return found


def rescaled(
    metrics: ChipMetrics, factors: Mapping[str, Fraction], metric_defs: Mapping[str, MetricDef]
) -> ChipMetrics:
    """The chip with some sheet figures multiplied (`{"tpp": 2}`: twice the throughput), every derived metric
    computed again from them (performance density moves with TPP at a fixed die area). A what-if about the chip,
    not the rules: analysis.headroom asks how far a figure can move before the answer does."""
    values = dict(metrics.values)
    for name, factor in factors.items():
        old = values[name]
        value = old.value * factor if isinstance(old.value, Fraction) else old.value
        lower = old.lower * factor if old.lower is not None else None
        values[name] = MetricValue(name, value, old.dimension, f"{old.basis} x {format_number(factor)}", lower)
    derived = {name: metric for name, metric in metric_defs.items() if metric.derived and name in values}
    for name in derived:
        del values[name]
    _derive_all(derived, values)
    return ChipMetrics(values, metrics.assumptions, metrics.warnings)
