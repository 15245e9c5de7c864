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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .cache import cache_dir, code_stamp
from .errors import QuantityError

# Operations are their own dimension so a throughput can never be confused with a bandwidth. (Information is not
# redefined here: pint's bit is a dimensionless base unit; the dimension check below counts it, see _base_dimensions.)
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


# pint's registry is not safe to parse with from several threads (hgrecco/pint#2039), and batch evaluation reads
# units in threads: every use of it (and the factor file it fills) goes through this lock.
_PINT = threading.RLock()


@cache
def _registry() -> Any:
    return _build_registry()


def registry() -> Any:
    """The unit registry, built on first use (only when a factor is not in the cache file)."""
    with _PINT:
        return _registry()


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
        # a factor is only stored once its unit passed the dimension check: the table is part of the key
        accepts = repr([(d.name, d.accepts) for d in DIMENSIONS.values()])
        key = hashlib.sha256(
            f"{origin}|{stamp.st_size}|{stamp.st_mtime_ns}|{'|'.join(UNIT_DEFINITIONS)}|{accepts}|{code_stamp()}".encode()
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
                json.dump(dict(self.factors), out)  # (a copy: another thread may be adding one)
            os.replace(temporary, self.path)
        except OSError:
            self.path = None  # read-only or full: go on without the file


@cache
def _factors() -> _FactorCache:
    return _FactorCache()


Dimensions = tuple[tuple[str, int], ...]


def _dims(**powers: int) -> Dimensions:
    return tuple(sorted(powers.items()))


@dataclass(frozen=True)
class Dimension:
    """A physical kind of quantity, the unit values are stored in, and the base dimensions a unit must have."""

    name: str
    canonical: str
    example: str
    accepts: Dimensions


# The one table of what each kind of figure accepts, used for spec sheets and rule thresholds alike. The base
# dimensions are pint's ([length], [time], our [computation]) plus the units pint counts as plain numbers: bit
# (information), radian (angle) and count. pint alone would take `600 byte` as a TPP, `4 THz` as a bandwidth
# (GB/s is 1/time to pint) or `96 percent` as a capacity; a plain number takes no unit at all.
DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("throughput", "TOPS", "296 TOPS or 148 TFLOPS", _dims(computation=1, time=-1)),
        Dimension("bandwidth", "GB/s", "900 GB/s or 4.0 TB/s", _dims(information=1, time=-1)),
        Dimension("area", "mm^2", "814 mm^2 or 8.14 cm^2", _dims(length=2)),
        Dimension("capacity", "GB", "96 GB", _dims(information=1)),
        Dimension("bandwidth_density", "GB/s/mm^2", "2 GB/s/mm^2", _dims(information=1, time=-1, length=-2)),
        Dimension("density", "1/mm^2", "5.92 (TPP per mm^2)", _dims(length=-2)),
        Dimension("dimensionless", "", "2368", _dims()),
    )
}

# Other dimensions a wrong unit often has, named for the message.
_NAMED: dict[Dimensions, str] = {
    _dims(time=-1): "frequency (a clock rate, not a data rate)",
    _dims(angle=1): "angle",
    _dims(time=1): "time",
    _dims(length=1): "length",
}

# pint's dimensionless base units, and the dimension each stands for here
_PLAIN_BASES = {"bit": "information", "radian": "angle", "count": "count"}

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")
_NONFINITE = re.compile(r"^\s*[+-]?(nan|inf|infinity)\b", re.IGNORECASE)
# Numbers YAML 1.1 or a spreadsheet would read but a legal threshold must not be guessed from: the YAML reader
# leaves them as text (engine/core/yamlsafe.py), and they are refused here by name.
_NOT_DECIMAL = (
    (re.compile(r"^\s*[+-]?0[xX][0-9a-fA-F]"), "hexadecimal"),
    (re.compile(r"^\s*[+-]?0[oO][0-7]"), "octal"),
    (re.compile(r"^\s*[+-]?0[bB][01]+\b"), "binary"),
    (re.compile(r"^\s*[+-]?\d+(?::\d+)+"), "base 60, as in a time of day"),
    (re.compile(r"^\s*[+-]?\d+(?:_\d+)+"), "digits grouped with '_'"),
    (re.compile(r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?!\d)"), "digits grouped with ','"),
    (re.compile(r"^\s*[+-]?\d+,\d+(?![\d,])"), "a comma for the decimal point"),
)
# How each of those is usually meant, for the refusal's "did you mean": separators dropped, a decimal comma as a
# point. (A suggestion, never a reading: `4,000` is 4000 to some readers and 4 to others.)
_GROUPED = re.compile(r"^(\s*[+-]?)(\d+(?:[,_]\d+)+)")
_COMMA_NOTE = " (a comma is neither a thousands nor a decimal separator here)"
# Bounds on the work one figure may cause. Anything beyond this many powers of ten, or digits, is a typo or an
# attack, not a chip figure. A unit is a few symbols (GB/s/mm^2) with small whole powers; a long unit, or a huge
# power such as (ks/s)**100000000, would make the exact conversion factor a number of millions of digits.
_MAX_EXPONENT = 30
_MAX_DIGITS = 40
_MAX_TEXT = 100
_MAX_UNIT = 40
_MAX_POWER = 4
_LEADING_DIGITS = re.compile(r"\s*[+-]?(\d*)(?:\.(\d*))?")
_UNIT_NUMBER = re.compile(r"(?<![A-Za-z_])\d[\d.]*(?:[eE][+-]?\d+)?")


def _prefix(letter: str) -> str:
    """An SI prefix as pint spells it: `k` for kilo, the others in capitals (`t` -> `T`)."""
    return "k" if letter in ("k", "K") else letter.upper()


# Unit spellings pint does not know but spec sheets often have, and the spelling usually meant. None is ever
# accepted (the sheet must say what it means); a refusal suggests the respelling when that is a unit of the
# field's kind: `unknown unit 'mm2'; did you mean 'mm^2'?`.
_RESPELLINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    # TFLOPs, Tflops, TFLOP/s -> TFLOPS
    (re.compile(r"(?<![a-z])([kmgtpe]?)flop(?:s|/s)?(?![a-z])", re.IGNORECASE), lambda m: _prefix(m[1]) + "FLOPS"),
    # TOPs, Tops, TOP/s -> TOPS (not a bare `op`, which is pint's operation)
    (re.compile(r"(?<![a-z])([kmgtpe]?)op(?:s|/s)(?![a-z])", re.IGNORECASE), lambda m: _prefix(m[1]) + "OPS"),
    # GBps, TBps -> GB/s, TB/s (bytes: `Gbps`, gigabits per second, is a unit pint knows)
    (re.compile(r"(?<![A-Za-z])([kKMGTPE]?)Bps(?![A-Za-z])"), lambda m: _prefix(m[1]) + "B/s"),
    # a power without its caret: mm2 -> mm^2, GB/s/mm2 -> GB/s/mm^2
    (re.compile(r"(?<=[A-Za-z])([2-4])(?![0-9.^])"), lambda m: "^" + m[1]),
)


def _unit_suggestion(unit: str, dimension: str) -> str:
    """`; did you mean 'mm^2'?` when a respelling of an unknown unit is a unit of the dimension, else nothing."""
    candidate = unit
    for pattern, respelt in _RESPELLINGS:
        candidate = pattern.sub(respelt, candidate)
    if candidate == unit:
        return ""
    try:
        _conversion_factor(candidate, dimension, suggest=False)
    except QuantityError:
        return ""
    return f"; did you mean {candidate!r}?"


@lru_cache(maxsize=4096)
def conversion_factor(unit: str, dimension: str) -> Fraction:
    """Exact factor taking a value in `unit` to the dimension's canonical unit."""
    return _conversion_factor(unit, dimension, suggest=True)


def _conversion_factor(unit: str, dimension: str, suggest: bool) -> Fraction:
    _check_unit_text(unit)  # before the cache too: an entry never lets through a unit these checks refuse
    cached = _factors().get(unit, dimension)
    if cached is not None:
        return cached
    with _PINT:
        return _pint_factor(unit, dimension, suggest)


def _pint_factor(unit: str, dimension: str, suggest: bool) -> Fraction:
    dim = DIMENSIONS[dimension]
    try:
        parsed = registry().parse_units(unit) if unit else registry().dimensionless
    except Exception as exc:  # pint raises several unrelated types for junk
        raise QuantityError(f"unknown unit {unit!r}{_unit_suggestion(unit, dimension) if suggest else ''}") from exc
    for name, power in registry().Quantity(1, parsed).unit_items():
        if power != int(power) or abs(power) > _MAX_POWER:
            raise QuantityError(
                f"unit {unit!r} raises {name} to the power {format_number(Fraction(power))}; "
                f"exportctl accepts whole powers up to {_MAX_POWER}, such as the 2 in mm^2"
            )
    got = _base_dimensions(parsed)
    if dimension == "dimensionless" and unit:
        kind = f"a unit of {describe_dimension(got)} ({unit!r})" if got else f"the unit {unit!r}"
        raise QuantityError(f"expected a plain number with no unit (e.g. {dim.example}), got {kind}")
    if got != dim.accepts:
        kind = f"a unit of {describe_dimension(got)} ({unit!r})" if got else f"{unit!r}, a plain number, not a unit"
        raise QuantityError(f"expected {article(dim.name)} (e.g. {dim.example}), got {kind}")
    factor = Fraction(registry().Quantity(Fraction(1), parsed).to(dim.canonical or registry().dimensionless).magnitude)
    _factors().put(unit, dimension, factor)
    return factor


def _check_unit_text(unit: str) -> None:
    """Refuse a unit whose text alone could make pint's work unbounded, before pint reads it."""
    if len(unit) > _MAX_UNIT:
        raise QuantityError(f"unit too long ({len(unit)} characters; at most {_MAX_UNIT}): {_shown(unit)!r}")
    for number in _UNIT_NUMBER.findall(unit):
        if not (number.isdigit() and int(number) <= _MAX_POWER):
            raise QuantityError(
                f"unit {unit!r}: {number!r} is not a power exportctl accepts "
                f"(whole numbers up to {_MAX_POWER}, such as the 2 in mm^2)"
            )


def _base_dimensions(unit: Any) -> Dimensions:
    """The unit's base dimensions, counting pint's dimensionless base units (bit, radian, count) as their own."""
    _, root = registry().get_root_units(unit)
    powers: dict[str, int] = {}
    for name, power in registry().Quantity(1, root).unit_items():
        physical = dict(registry().get_dimensionality(name))
        for base, times in physical.items() or [(_PLAIN_BASES.get(name, name), 1)]:
            key = base.strip("[]")
            powers[key] = powers.get(key, 0) + int(power * times)
    return tuple(sorted((k, p) for k, p in powers.items() if p))


def article(name: str) -> str:
    """A dimension in words, for messages: 'an area', 'a bandwidth density', 'a plain number'."""
    word = "plain number" if name == "dimensionless" else name.replace("_", " ")
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def describe_dimension(dims: Dimensions) -> str:
    """A unit's base dimensions in words: one of our kinds, a common other one, or the powers themselves."""
    for dim in DIMENSIONS.values():
        if dim.accepts == dims:
            return dim.name.replace("_", " ")
    if dims in _NAMED:
        return _NAMED[dims]
    order = ("computation", "information", "length", "time")  # so that m/s reads 'length * time^-1'
    ranked = sorted(dims, key=lambda d: (d[1] < 0, order.index(d[0]) if d[0] in order else len(order), d[0]))
    return " * ".join(name + ("" if power == 1 else f"^{power}") for name, power in ranked)


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def parse_number(text: str) -> Fraction:
    """Exact value of decimal text such as '4.0', '1978.9' or '80e9'."""
    _check_digits(text)
    match = _NUMBER.match(text) if len(text) <= _MAX_TEXT else None
    if not match or match.group(2):
        raise QuantityError(f"not a number: {_shown(text)!r}")
    return _exact(match.group(1), text)


def _check_digits(text: str) -> None:
    match = _LEADING_DIGITS.match(text)
    digits = len(match.group(1)) + len(match.group(2) or "") if match else 0
    if digits > _MAX_DIGITS:
        raise QuantityError(f"number too long ({digits} digits; at most {_MAX_DIGITS}): {_shown(text.strip())!r}")


def _exact(number: str, text: str) -> Fraction:
    """The exact value of decimal text already matched by _NUMBER, in integer arithmetic (Fraction's own parser
    runs a regular expression in Python: twice the cost, on every figure of every sheet)."""
    _check_digits(number)
    mantissa, _, exponent = number.lower().partition("e")
    if exponent and abs(int(exponent)) > _MAX_EXPONENT:
        raise QuantityError(f"number out of range: {_shown(text)!r}")
    whole, _, decimals = mantissa.partition(".")
    digits = int(whole.lstrip("+-") + decimals or "0")
    scale = (int(exponent) if exponent else 0) - len(decimals)
    signed = -digits if whole.startswith("-") else digits
    return Fraction(signed * 10**scale) if scale >= 0 else Fraction(signed, 10**-scale)


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
    _check_digits(value)
    if len(value) > _MAX_TEXT:
        raise QuantityError(f"too long for a figure ({len(value)} characters; at most {_MAX_TEXT}): {_shown(value)!r}")
    for pattern, reason in _NOT_DECIMAL:
        if pattern.match(value):
            raise QuantityError(
                f"{value.strip()!r} is not a decimal number ({reason}); {_decimal_hint(value, dimension)}"
            )
    match = _NUMBER.match(value)
    if not match:
        raise QuantityError(f"expected a number with a unit, such as {DIMENSIONS[dimension].example!r}, got {value!r}")
    number, unit = match.group(1), match.group(2)
    if not unit and dimension != "dimensionless":
        raise QuantityError(f"{value!r} has no unit; write it with one, such as {DIMENSIONS[dimension].example!r}")
    magnitude = _exact(number, value)
    if magnitude.numerator < 0:
        raise QuantityError(f"must not be negative: {value!r}")
    return magnitude * conversion_factor(unit, dimension)


def _decimal_hint(value: str, dimension: str) -> str:
    """What to write instead of a grouped or decimal-comma number: `did you mean '4000 GB/s'?` when that figure is
    one this field takes, else the general advice."""
    match = _GROUPED.match(value)
    if match:
        digits = match[2]
        grouped = re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+(?:_\d+)+", digits)
        number = digits.replace(",", "").replace("_", "") if grouped else digits.replace(",", ".", 1)
        candidate = (match[1] + number + value[match.end() :]).strip()
        try:
            parse_quantity(candidate, dimension)
        except QuantityError:
            pass
        else:
            return f"did you mean {candidate!r}?" + (_COMMA_NOTE if "," in digits else "")
    return "write the figure in decimal"


def format_number(value: Fraction, digits: int = 6) -> str:
    """Short human form of an exact value; exact when it is a short decimal, else rounded for display."""
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = _terminating_decimal(value)
    if as_decimal is not None and len(as_decimal) <= digits + 6:
        return as_decimal
    # within about 2^±990 a float shows it; beyond (where float() raises OverflowError or shows 0), decimal arithmetic
    # decides by integer bit lengths: a Fraction compared with a float would cost more than the formatting
    magnitude = abs(value.numerator).bit_length() - value.denominator.bit_length()
    if -990 < magnitude < 990:
        return f"{float(value):.{digits}g}"
    shown_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{shown_decimal:.{digits}g}"


def _terminating_decimal(value: Fraction) -> str | None:
    """The exact decimal of a value whose denominator has no prime factors but 2 and 5, else None."""
    den = value.denominator
    twos = (den & -den).bit_length() - 1
    den >>= twos
    fives = 0
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    scaled = value.numerator * 10**places // value.denominator  # exact: the denominator divides 10**places
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


def exact_text(value: Fraction) -> str:
    """A value as text that reads back to exactly it: a decimal where one is exact (`-0.0133`), else a fraction
    (`-1/75`). Machine formats carry margins and headroom this way; displays round (format_number)."""
    if value.denominator == 1:
        return str(value.numerator)
    return _terminating_decimal(value) or f"{value.numerator}/{value.denominator}"


def round_significant(value: Fraction, digits: int, up: bool) -> Fraction:
    """The value rounded to so many significant digits, toward +infinity (up) or -infinity, exactly."""
    if value == 0:
        return value
    scale = Fraction(10) ** (digits - 1 - _exponent(abs(value)))
    scaled = value * scale
    whole = -(-scaled.numerator // scaled.denominator) if up else scaled.numerator // scaled.denominator
    return Fraction(whole) / scale


def _exponent(value: Fraction) -> int:
    """floor(log10(value)) for a positive value, exactly."""
    exponent = len(str(value.numerator)) - len(str(value.denominator))
    if Fraction(10) ** exponent > value:
        exponent -= 1
    elif Fraction(10) ** (exponent + 1) <= value:
        exponent += 1
    return exponent


def format_bound(value: Fraction, dimension: str, upper: bool) -> str:
    """A bound for display, rounded outward: "at most 68.1819" for 68.1818..., so the text never claims more than
    is known (a lower bound is rounded down, an upper one up)."""
    shown = format_number(value)
    if Fraction(shown) != value and "e" not in shown:
        shown = format_number(round_significant(value, 6, upper))
    return f"{shown} {_unit_text(dimension)}".strip()


def _unit_text(dimension: str) -> str:
    return "per mm^2" if dimension == "density" else DIMENSIONS[dimension].canonical


def format_quantity(value: Fraction, dimension: str) -> str:
    unit = DIMENSIONS[dimension].canonical
    if dimension == "density":
        unit = "per mm^2"
    return f"{format_number(value)} {unit}".strip()
