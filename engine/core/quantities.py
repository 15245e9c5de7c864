"""Exact quantities: decimal text with a unit, read by pint, kept as Fractions.

Thresholds are legal lines, so nothing here touches binary floating point: the number is read from its
decimal text into a Fraction, and the unit's conversion factor comes from a pint registry whose
non-integer type is Fraction, so `0.6 TB/s` is exactly 600 GB/s and `1.1 TB/s / 550 mm^2` is exactly
2 GB/s per mm^2.

pint is the authority for every factor, but importing it and building its registry costs more than the rest
of a classification. So each factor pint computes is kept in a small cache file (exact, as a fraction), keyed
by pint's installed unit definitions and ours: a warm start reads the file and never imports pint.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .cache import cache_dir
from .errors import QuantityError

# Operations are their own dimension so a throughput can never be confused with a bandwidth.
UNIT_DEFINITIONS = (
    "operation = [computation] = op",
    "OPS = operation / second",
    "FLOPS = operation / second",
)


def _build_registry() -> Any:
    import pint

    folder = cache_dir()
    options: dict[str, Any] = {"non_int_type": Fraction}
    if folder is not None:
        options["cache_folder"] = folder / "pint"
    try:
        registry: Any = pint.UnitRegistry(**options)
    except OSError:  # an unwritable cache folder: build without it
        registry = pint.UnitRegistry(non_int_type=Fraction)
    for definition in UNIT_DEFINITIONS:
        registry.define(definition)
    return registry


@cache
def registry() -> Any:
    """The unit registry, built on first use (only when a factor is not in the cache file)."""
    return _build_registry()


class _FactorCache:
    """Conversion factors pint has computed, by (unit text, dimension), kept in one JSON file."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.factors: dict[str, str] = {}
        folder = cache_dir()
        if folder is None:
            return
        spec = importlib.util.find_spec("pint")
        origin = Path(spec.origin) if spec and spec.origin else None
        try:
            stamp = os.stat(origin.parent / "default_en.txt") if origin else None
        except OSError:
            stamp = None
        if stamp is None:
            return
        key = hashlib.sha256(
            f"{origin}|{stamp.st_size}|{stamp.st_mtime_ns}|{'|'.join(UNIT_DEFINITIONS)}".encode()
        ).hexdigest()[:16]
        self.path = folder / f"units-{key}.json"
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.factors = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}
        except (OSError, ValueError):
            pass

    def get(self, unit: str, dimension: str) -> Fraction | None:
        text = self.factors.get(f"{dimension}|{unit}")
        if text is None:
            return None
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            return None

    def put(self, unit: str, dimension: str, factor: Fraction) -> None:
        self.factors[f"{dimension}|{unit}"] = str(factor)
        if self.path is None:
            return
        import tempfile

        try:  # write a whole new file and rename it into place: readers never see half a file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".units-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self.factors, out)
            os.replace(temporary, self.path)
        except OSError:
            self.path = None  # read-only or full: go on without the file


@cache
def _factors() -> _FactorCache:
    return _FactorCache()


@dataclass(frozen=True)
class Dimension:
    """A physical kind of quantity, with the unit values are stored in."""

    name: str
    canonical: str
    example: str

    @property
    def dimensionality(self) -> Any:
        return _dimensionality(self.canonical)


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("throughput", "TOPS", "296 TOPS or 148 TFLOPS"),
        Dimension("bandwidth", "GB/s", "900 GB/s or 4.0 TB/s"),
        Dimension("area", "mm^2", "814 mm^2 or 8.14 cm^2"),
        Dimension("capacity", "GB", "96 GB"),
        Dimension("bandwidth_density", "GB/s/mm^2", "2 GB/s/mm^2"),
        Dimension("density", "1/mm^2", "5.92 (TPP per mm^2)"),
        Dimension("dimensionless", "", "2368"),
    )
}

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")
_NONFINITE = re.compile(r"^\s*[+-]?(nan|inf|infinity)\b", re.IGNORECASE)
# Anything beyond this many powers of ten is a typo or an attack, not a chip figure.
_MAX_EXPONENT = 30


@cache
def _dimensionality(unit: str) -> Any:
    return registry().parse_units(unit).dimensionality if unit else registry().dimensionless.dimensionality


@lru_cache(maxsize=4096)
def conversion_factor(unit: str, dimension: str) -> Fraction:
    """Exact factor taking a value in `unit` to the dimension's canonical unit."""
    cached = _factors().get(unit, dimension)
    if cached is not None:
        return cached
    dim = DIMENSIONS[dimension]
    try:
        parsed = registry().parse_units(unit) if unit else registry().dimensionless
    except Exception as exc:  # pint raises several unrelated types for junk
        raise QuantityError(f"unknown unit {unit!r}") from exc
    if parsed.dimensionality != dim.dimensionality:
        got = describe_dimension(parsed.dimensionality)
        raise QuantityError(f"expected {article(dim.name)} (e.g. {dim.example}), got a unit of {got} ({unit!r})")
    factor = Fraction(registry().Quantity(Fraction(1), parsed).to(dim.canonical or registry().dimensionless).magnitude)
    _factors().put(unit, dimension, factor)
    return factor


def article(name: str) -> str:
    """A dimension in words, for messages: 'an area', 'a bandwidth density', 'a plain number'."""
    word = "plain number" if name == "dimensionless" else name.replace("_", " ")
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def describe_dimension(dimensionality: Any) -> str:
    for dim in DIMENSIONS.values():
        if dim.dimensionality == dimensionality:
            return dim.name.replace("_", " ")
    return " * ".join(
        name.strip("[]") + ("" if power == 1 else f"^{format_number(Fraction(power))}")
        for name, power in dict(dimensionality).items()
    )


def parse_number(text: str) -> Fraction:
    """Exact value of decimal text such as '4.0', '1978.9' or '80e9'."""
    match = _NUMBER.match(text)
    if not match or match.group(2):
        raise QuantityError(f"not a number: {text!r}")
    return _exact(match.group(1), text)


def _exact(number: str, text: str) -> Fraction:
    _, _, exponent = number.lower().partition("e")
    if exponent and abs(int(exponent)) > _MAX_EXPONENT:
        raise QuantityError(f"number out of range: {text!r}")
    return Fraction(number)


def parse_quantity(value: object, dimension: str) -> Fraction:
    """Exact value, in the dimension's canonical unit, of text such as '4.0 TB/s'.

    A bare number is accepted only for a dimensionless quantity.
    """
    if isinstance(value, bool):
        raise QuantityError(f"expected {article(dimension)}, got {value!r}")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, float):
        # YAML floats never reach here (the loader keeps them as text); a float from a library caller
        # is converted through its shortest repr, which is the decimal the caller wrote.
        value = repr(value)
    if not isinstance(value, str):
        raise QuantityError(f"expected text such as {DIMENSIONS[dimension].example!r}, got {type(value).__name__}")
    if _NONFINITE.match(value):
        raise QuantityError(f"not a finite number: {value!r}")
    match = _NUMBER.match(value)
    if not match:
        raise QuantityError(f"expected a number with a unit, such as {DIMENSIONS[dimension].example!r}, got {value!r}")
    number, unit = match.group(1), match.group(2)
    if not unit and dimension != "dimensionless":
        raise QuantityError(f"{value!r} has no unit; write it with one, such as {DIMENSIONS[dimension].example!r}")
    magnitude = _exact(number, value)
    if magnitude < 0:
        raise QuantityError(f"must not be negative: {value!r}")
    return magnitude * conversion_factor(unit, dimension)


def format_number(value: Fraction, digits: int = 6) -> str:
    """Short human form of an exact value; exact when it is a short decimal, else rounded for display."""
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = _terminating_decimal(value)
    if as_decimal is not None and len(as_decimal) <= digits + 6:
        return as_decimal
    return f"{float(value):.{digits}g}"


def _terminating_decimal(value: Fraction) -> str | None:
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    scaled = value * 10**places
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


def format_quantity(value: Fraction, dimension: str) -> str:
    unit = DIMENSIONS[dimension].canonical
    if dimension == "density":
        unit = "per mm^2"
    return f"{format_number(value)} {unit}".strip()
