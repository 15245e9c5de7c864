"""Reusable hypothesis strategies for exportctl property tests.

A chip is drawn in two steps: first its *values* (exact Fractions in each dimension's canonical unit, any of
them possibly missing), then its *text* (each value written in a randomly chosen equivalent unit, with the
decimal chosen so it is exact). Two renderings of the same values describe the same chip.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from exportctl.core.quantities import conversion_factor
from hypothesis import strategies as st

# Units accepted for each dimension (all exact powers of ten, or an eighth for bits, of the canonical unit).
UNITS: dict[str, tuple[str, ...]] = {
    "bandwidth": ("MB/s", "GB/s", "TB/s", "PB/s", "Gbit/s", "Tbit/s"),
    "area": ("mm^2", "cm^2"),
    "throughput": ("GOPS", "TOPS", "POPS", "TFLOPS"),
}

THROUGHPUT_KEYS = ("fp16", "fp8", "int8")
LINK_KEYS = ("nvlink", "pcie", "chip_to_chip")
NAMES = ("Test Accelerator", "H20 Lite", "A100 Variant", "MI308X", "Example X1", "DGX Node")
VENDORS = ("NVIDIA", "AMD", "Intel", "Acme")


def is_terminating(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def decimal_text(value: Fraction) -> str:
    """Plain decimal text (no exponent) whose exact value is `value`; `value` must be a terminating decimal."""
    if not is_terminating(value):
        raise ValueError(f"{value} has no finite decimal expansion")
    sign = "-" if value < 0 else ""
    value = abs(value)
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str((value * 10**places).numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


@st.composite
def exact_decimal(draw: st.DrawFn, value: Fraction) -> str:
    """Some exact decimal spelling of `value`: plain, with trailing zeros, or in e-notation."""
    plain = decimal_text(value)
    style = draw(st.sampled_from(("plain", "zeros", "exponent")))
    if style == "zeros":
        extra = draw(st.integers(1, 3))
        return (plain if "." in plain else plain + ".") + "0" * extra
    if style == "exponent":
        # mantissa * 10^exp == value, with the mantissa itself exact
        exp = draw(st.integers(-6, 6))
        return f"{decimal_text(value / Fraction(10) ** exp)}e{exp}"
    return plain


@st.composite
def written_quantity(draw: st.DrawFn, value: Fraction, dimension: str) -> str:
    """`value` (canonical unit of `dimension`) written in a random equivalent unit, exactly."""
    unit = draw(st.sampled_from(UNITS[dimension]))
    number = value / conversion_factor(unit, dimension)
    text = draw(exact_decimal(number))
    space = draw(st.sampled_from((" ", "  ")))
    return f"{text}{space}{unit}"


def decimals(low: int, high: int, places: int = 2) -> st.SearchStrategy[Fraction]:
    """Terminating decimals in [low, high] with at most `places` decimal places."""
    return st.builds(
        lambda n, d: Fraction(n, 10**d),
        st.integers(low * 10**places, high * 10**places),
        st.just(places),
    ) | st.integers(low, high).map(Fraction)


def near(thresholds: list[Fraction], scale: Fraction = Fraction(1)) -> st.SearchStrategy[Fraction]:
    """Values exactly on, or just either side of, the given lines (boundaries are where bugs live)."""
    return st.builds(
        lambda t, e: max(Fraction(0), t * scale + e),
        st.sampled_from(thresholds),
        st.sampled_from((Fraction(0), Fraction(1, 100), Fraction(-1, 100), Fraction(1), Fraction(-1))),
    )


# TPP lines are 1600, 2400, 4800, 4992, 21000: TOPS = TPP / bits.
_TPP_LINES = [Fraction(t) for t in (1600, 2400, 4800, 4992, 21000)]


def throughput_value(key: str) -> st.SearchStrategy[Fraction]:
    bits = 16 if key == "fp16" else 8
    return decimals(0, 3000) | near(_TPP_LINES, Fraction(1, bits))


AREA = decimals(20, 1200) | st.sampled_from([Fraction(814), Fraction(826), Fraction(500)])
MEMORY_BANDWIDTH = decimals(0, 9000) | near([Fraction(t) for t in (1400, 1700, 6500)])
LINK = decimals(0, 1200) | near([Fraction(t) for t in (300, 550, 600, 1100)])
TRANSISTORS = st.integers(0, 200).map(lambda b: Fraction(b * 10**9)) | near([Fraction(30 * 10**9)])


@dataclass(frozen=True)
class ChipValues:
    """A chip's figures as exact canonical values; None means the field is missing."""

    name: str
    vendor: str
    datacenter: bool | None = None
    throughput: dict[str, Fraction] | None = None
    die_area: Fraction | None = None
    memory_bandwidth: Fraction | None = None
    io: dict[str, Fraction | None] | None = None  # a None link rate is written as `unknown`
    transistors: Fraction | None = None
    package_area: Fraction | None = None
    kind: str = "accelerator"
    extra: dict[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> ChipValues:
        return replace(self, **changes)


def _optional(strategy: st.SearchStrategy[Any], missing: bool) -> st.SearchStrategy[Any]:
    return st.none() | strategy if missing else strategy


@st.composite
def chip_values(
    draw: st.DrawFn,
    missing: bool = True,
    datacenter: st.SearchStrategy[bool | None] | None = None,
    unknown_links: bool = True,
) -> ChipValues:
    """Exact values of a random accelerator; with `missing`, each field may be absent."""
    throughput: dict[str, Fraction] | None = None
    if not missing or draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(THROUGHPUT_KEYS), min_size=1, max_size=3, unique=True))
        throughput = {k: draw(throughput_value(k)) for k in keys}
    link_value = (st.none() | LINK) if unknown_links else LINK
    io = draw(_optional(st.dictionaries(st.sampled_from(LINK_KEYS), link_value, max_size=3), missing))
    return ChipValues(
        name=draw(st.sampled_from(NAMES)),
        vendor=draw(st.sampled_from(VENDORS)),
        datacenter=draw(datacenter if datacenter is not None else _optional(st.booleans(), missing)),
        throughput=throughput,
        die_area=draw(_optional(AREA, missing)),
        memory_bandwidth=draw(_optional(MEMORY_BANDWIDTH, missing)),
        io=io,
        transistors=draw(_optional(TRANSISTORS, missing)),
    )


@st.composite
def memory_values(draw: st.DrawFn, missing: bool = True) -> ChipValues:
    """Exact values of a random HBM stack (kind: memory), the subject of us-2024-12."""
    return ChipValues(
        name=draw(st.sampled_from(("Test HBM3 stack", "HBM2E 8-high"))),
        vendor=draw(st.sampled_from(("SK hynix", "Samsung", "Acme"))),
        memory_bandwidth=draw(_optional(decimals(0, 2000) | near([Fraction(t) for t in (220, 410, 819)]), missing)),
        package_area=draw(_optional(decimals(20, 400) | near([Fraction(t) for t in (110, 121)]), missing)),
        kind="memory",
        # the year decides whether us-2024-12's presumption (HBM "currently in production") may apply
        extra=draw(st.sampled_from(({}, {"released": 2021}, {"released": 2024}, {"released": 2030}))),
    )


def any_values(missing: bool = True) -> st.SearchStrategy[ChipValues]:
    """An accelerator or a memory stack: what every round, us-2024-12 included, has something to say about."""
    return chip_values(missing=missing) | memory_values(missing=missing)


@st.composite
def render(draw: st.DrawFn, values: ChipValues) -> dict[str, Any]:
    """A spec-sheet mapping for the values, every figure in a random equivalent unit."""
    out: dict[str, Any] = {"name": values.name, "vendor": values.vendor, "kind": values.kind}
    if values.datacenter is not None:
        out["datacenter"] = values.datacenter
    if values.throughput is not None:
        out["throughput"] = {k: draw(written_quantity(v, "throughput")) for k, v in values.throughput.items()}
    if values.die_area is not None:
        out["die_area"] = draw(written_quantity(values.die_area, "area"))
    if values.memory_bandwidth is not None:
        out["memory"] = {"type": "HBM3", "bandwidth": draw(written_quantity(values.memory_bandwidth, "bandwidth"))}
    if values.transistors is not None:
        out["transistors"] = draw(exact_decimal(values.transistors))
    if values.package_area is not None:
        out["package_area"] = draw(written_quantity(values.package_area, "area"))
    if values.io is not None:
        out["io"] = {
            k: "unknown" if v is None else draw(written_quantity(v, "bandwidth")) for k, v in values.io.items()
        }
    out.update(values.extra)
    return out


def chip_dicts(**kwargs: Any) -> st.SearchStrategy[dict[str, Any]]:
    """A random spec-sheet mapping (each field optionally missing)."""
    return chip_values(**kwargs).flatmap(render)


_DELTA = st.sampled_from([Fraction(0), Fraction(1, 100), Fraction(1)]) | decimals(0, 3000)


@st.composite
def raised(
    draw: st.DrawFn,
    values: ChipValues,
    throughput: bool = True,
    io: bool = False,
    memory: bool = False,
    transistors: bool = False,
) -> ChipValues:
    """The same chip with some figures raised (or, where missing, added); nothing lowered."""
    changes: dict[str, Any] = {}
    if memory and values.memory_bandwidth is not None:
        changes["memory_bandwidth"] = values.memory_bandwidth + draw(_DELTA)
    if transistors and values.transistors is not None:
        changes["transistors"] = values.transistors + draw(st.integers(0, 10**11))
    if throughput and values.kind == "accelerator":
        rates = dict(values.throughput or {})
        for key in THROUGHPUT_KEYS:
            if key in rates:
                rates[key] += draw(_DELTA)
            elif draw(st.booleans()):
                rates[key] = draw(throughput_value(key))
        changes["throughput"] = rates or values.throughput
    if io:
        links = dict(values.io or {})
        for key in LINK_KEYS:
            if key in links:
                if links[key] is not None:
                    links[key] += draw(_DELTA)
            elif values.io is not None and draw(st.booleans()):
                links[key] = draw(LINK)
        changes["io"] = links if values.io is not None else None
    return values.with_(**changes)


# --- rule files and condition trees -------------------------------------------------------------------------------

# Leaves a rule author writes: (metric, unit written after the threshold, strategy for the threshold in that unit).
_NUMBER_LEAVES = [
    ("tpp", "", decimals(0, 6000) | near(_TPP_LINES)),
    ("die_area", " mm^2", AREA),
    ("memory_bandwidth", " GB/s", MEMORY_BANDWIDTH),
    ("io_bandwidth", " GB/s", LINK),
]
ORDER = (">=", ">", "<", "<=", "==", "!=")


@st.composite
def comparison_text(draw: st.DrawFn) -> str:
    """One leaf of a condition tree, as written in a rule file: `metric op threshold`."""
    kind = draw(st.sampled_from(("number", "number", "number", "boolean", "text")))
    if kind == "boolean":
        return f"datacenter {draw(st.sampled_from(('==', '!=')))} {draw(st.sampled_from(('true', 'false')))}"
    if kind == "text":
        if draw(st.booleans()):
            return f"vendor {draw(st.sampled_from(('==', '!=')))} {draw(st.sampled_from(VENDORS))}"
        chosen = draw(st.lists(st.sampled_from(VENDORS), min_size=1, max_size=3, unique=True))
        return f"vendor in [{', '.join(chosen)}]"
    metric, unit, values = draw(st.sampled_from(_NUMBER_LEAVES))
    return f"{metric} {draw(st.sampled_from(ORDER))} {decimal_text(draw(values))}{unit}"


def condition_trees(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Condition trees in rule-file form: a leaf, or {all: [...]}, {any: [...]}, {not: ...}."""
    return st.recursive(
        comparison_text(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=max_leaves,
    )


def rule_file(when: Any, round_id: str = "test-generated") -> dict[str, Any]:
    """A minimal round whose one clause controls what `when` describes."""
    return {
        "id": round_id,
        "title": "generated round",
        "instrument": "test",
        "citation": "none",
        "provenance": "published",
        "dates": {"effective": "2020-01-01"},
        "destinations": {"countries": ["CN"]},
        "sources": [{"title": "hypothesis"}],
        "clauses": [{"id": "c", "when": when, "outcome": {"status": "controlled"}, "text": "generated"}],
    }


def rule_files() -> st.SearchStrategy[dict[str, Any]]:
    return condition_trees().map(rule_file)
