"""Table cells -> typed columns, fast, for the rows whose cells are certainly valid; every other row is `slow`.

The fast reading accepts a cell only in forms it can vouch for: a plain decimal with a unit whose conversion factor
`conversion_factor` gives (the function parse_quantity uses), a number column of the table, a text or boolean that
the model's own validator accepted for that distinct value. Anything else (a negative figure, a hexadecimal number,
an unknown column, two columns for one field, a kind: memory sheet with throughput, ...) marks the row slow, and a
slow row is read by `sheets/table.py` and the same `parse_chip` as a YAML sheet: it is then valid after all, or its
error is the one a YAML sheet would get. So the fast reading never accepts a row the model refuses, and the values
it gives are those the model gives, within float rounding: quantities are float64 here, and the rows whose float is
near a threshold are re-decided exactly from their decimal text (conditions/columns.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.arrays import BLOCK, by_code, lookup, scan
from ..core.errors import InputError, QuantityError
from ..core.quantities import conversion_factor
from .load import BitLengths, parse_chip
from .model import ChipSpec
from .table import Column, cell_text, parse_header

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# A cell the fast reading parses: a decimal (at most 40 digits, an exponent of at most two digits) and a unit of at
# most 30 letters, digits and / ^ *, with a little space around (at most 99 characters, under parse_quantity's
# limit of 100). The split into number and unit is the one parse_quantity's pattern makes of the same text.
_FAST = (
    r"^[ \t]{0,8}(?P<num>[0-9]{1,20}(?:\.[0-9]{1,20})?)(?:[eE](?P<exp>[+-]?[0-9]{1,2}))?"
    r"[ \t]{0,8}(?P<unit>(?:[A-Za-z\x{00B5}][A-Za-z0-9\x{00B5}/^*]{0,29})?)[ \t]{0,8}$"
)
_NOT_DECIMAL = r"^[ \t]*0[xXoObB]"  # 0x1F, 0o17, 0b1: parse_quantity refuses them before reading a unit
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")  # ChipSpec's key rule for throughput and io entries
# Beyond these magnitudes a float's shortest text may take an exponent parse_quantity refuses (over 30).
_SMALLEST, _LARGEST = 1e-25, 1e25


@dataclass
class Quantity:
    """One quantity field over the rows: float64 in the dimension's canonical unit, NaN where not a number."""

    values: np.ndarray
    present: np.ndarray  # the row gives the field (an io link given as `unknown` included)
    unknown: np.ndarray | None = None  # io links: given as `unknown`


@dataclass
class Coded:
    """A text-like field over the rows: an index per row (-1: absent) into the distinct validated values."""

    codes: np.ndarray
    values: list[Any]

    @property
    def present(self) -> np.ndarray:
        return self.codes >= 0


@dataclass
class SheetColumns:
    """A chunk's cells as typed columns, with the rows that need the scalar reading (`slow`)."""

    rows: int
    columns: list[Column]
    slow: np.ndarray
    quantities: dict[tuple[str, ...], Quantity] = field(default_factory=dict)
    coded: dict[tuple[str, ...], Coded] = field(default_factory=dict)
    # the columns whose cells a metric depends on (numbers, units, sparse flags, dies, kind): the key of the exact
    # re-reading of a row near a threshold
    metric_columns: list[int] = field(default_factory=list)

    def throughput_ops(self) -> list[str]:
        return [p[1] for p in self.quantities if p[0] == "throughput"]

    def links(self) -> list[str]:
        return [p[1] for p in self.quantities if p[0] == "io"]


def _array(column: Any) -> pa.Array:
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return column.chunk(0)
        if column.num_chunks == 0:
            return pa.array([], column.type)
        return pa.concat_arrays(column.chunks) if not pa.types.is_dictionary(column.type) else column.combine_chunks()
    return column


def read_columns(table: pa.Table, bit_lengths: BitLengths) -> SheetColumns:
    """The table's cells as typed columns; rows the fast reading cannot vouch for are marked slow."""
    import numpy as np

    n = table.num_rows
    columns = [parse_header(name) for name in table.column_names]
    out = SheetColumns(n, columns, np.zeros(n, dtype=bool))
    by_path: dict[tuple[str, ...], list[int]] = {}
    for index, column in enumerate(columns):
        by_path.setdefault(column.path, []).append(index)
    for path, indices in by_path.items():
        read = [_read(_array(table.column(i)), columns[i], bit_lengths, out.slow) for i in indices]
        parts = [p for p in read if p is not None]
        if not parts:
            continue
        if len(parts) > 1:  # two columns for one field: the rows where both are given are refused (slow)
            count = np.sum([p.present for p in parts], axis=0)
            out.slow |= count > 1
        merged: Quantity | Coded = parts[0]
        for other in parts[1:]:
            merged = _merge(merged, other)
        if isinstance(merged, Quantity):
            out.quantities[path] = merged
        elif isinstance(merged, Coded):
            out.coded[path] = merged
        kind = columns[indices[0]].kind
        if kind in ("quantity", "link", "sparse", "bits") or path in (("dies",), ("kind",)):
            out.metric_columns.extend(indices)
    _cross_checks(out)
    return out


def _merge(a: Quantity | Coded, b: Quantity | Coded) -> Quantity | Coded:
    import numpy as np

    if isinstance(a, Quantity) and isinstance(b, Quantity):
        unknown = None
        if a.unknown is not None or b.unknown is not None:
            ua = a.unknown if a.unknown is not None else np.zeros_like(a.present)
            ub = b.unknown if b.unknown is not None else np.zeros_like(b.present)
            unknown = np.where(a.present, ua, ub)
        return Quantity(np.where(a.present, a.values, b.values), a.present | b.present, unknown)
    assert isinstance(a, Coded) and isinstance(b, Coded)
    offset = len(a.values)
    codes = np.where(a.codes >= 0, a.codes, np.where(b.codes >= 0, b.codes + offset, -1))
    return Coded(codes.astype(np.int32), a.values + b.values)


def _cross_checks(out: SheetColumns) -> None:
    """What the model checks across fields, and the required fields: rows that break them are slow."""
    import numpy as np

    n = out.rows
    for required in (("name",), ("vendor",)):
        coded = out.coded.get(required)
        out.slow |= ~coded.present if coded is not None else np.ones(n, dtype=bool)
    rates = [q.present for p, q in out.quantities.items() if p[0] == "throughput"]
    kind = out.coded.get(("kind",))
    if kind is not None and rates:
        memory = _where_value(kind, "memory")
        listed = rates[0].copy()
        for given in rates[1:]:
            listed |= given
        out.slow |= memory & listed
    dies = out.coded.get(("dies",))
    area = out.quantities.get(("die_area",))
    if dies is not None and area is not None:
        out.slow |= dies.present & area.present
    for path, coded in out.coded.items():
        if len(path) == 3 and path[0] == "throughput" and path[2] == "sparse":
            rate = out.quantities.get(path[:2])
            out.slow |= coded.present & (~rate.present if rate is not None else True)


def _where_value(coded: Coded, value: Any) -> np.ndarray:
    import numpy as np

    hits = np.array([v == value for v in coded.values] + [False], dtype=bool)
    return lookup(hits, coded.codes)


def _read(array: pa.Array, column: Column, bit_lengths: BitLengths, slow: np.ndarray) -> Quantity | Coded | None:
    """One column: its typed values, marking slow the rows whose cell the fast reading does not accept."""
    import pyarrow as pa

    kind = column.kind
    path = column.path
    if kind == "unknown" or kind == "bits":
        slow |= _present(array)  # the model says what is wrong (an unknown field), or the bit length is checked per row
        return None
    if kind in ("quantity", "link"):
        key = path[1] if len(path) > 1 and path[0] in ("throughput", "io") else None
        if key is not None and (not _KEY.match(key) or (path[0] == "throughput" and key not in bit_lengths)):
            slow |= _present(array)  # a key the model refuses, or an operation type whose bit length the row must give
            return None
        assert column.dimension is not None
        return _quantity(array, column, column.dimension, kind == "link", slow)
    if column.unit is not None:
        slow |= _present(array)  # a unit in the header of a column that takes none
        return None
    if kind == "sparse" and not _KEY.match(path[1]):
        slow |= _present(array)
        return None
    if kind == "json":
        checker = _json_probe(path[0])
    else:
        checker = _CHECKS[kind if kind != "text" else _TEXT_KIND.get(path, "text")]
    if pa.types.is_boolean(array.type):  # two values: codes without a dictionary encoding (its hash pass)
        return _coded(_bool_codes(array), [False, True], checker, bit_lengths, slow)
    encoded = _encoded(array)
    return _coded(_indices(encoded), encoded.dictionary.to_pylist(), checker, bit_lengths, slow)


def _present(array: pa.Array) -> np.ndarray:
    """Cells that give a value: not null, not NaN, not empty text (blank text is decided by the scalar reading)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(array.type):
        present = np.isnan(np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64))
        return np.logical_not(present, out=present)
    if pa.types.is_dictionary(array.type):
        values = array.dictionary
        indices = _indices(array)
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            empty = np.asarray(pc.equal(pc.utf8_length(values), 0).to_numpy(zero_copy_only=False), dtype=bool)
        elif pa.types.is_floating(values.type):
            empty = np.isnan(np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64))
        else:
            empty = np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
        return ~by_code(np.append(empty, True), indices)
    valid = pc.is_valid(array)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        valid = pc.and_(valid, pc.not_equal(pc.utf8_length(array), 0))
    return np.asarray(pc.fill_null(valid, False).to_numpy(zero_copy_only=False), dtype=bool)


def _bool_codes(array: pa.Array) -> np.ndarray:
    """A boolean column as codes into [False, True], -1 where null."""
    import numpy as np

    filled = array.fill_null(False) if array.null_count else array
    codes = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool).astype(np.int32)
    if array.null_count:
        codes[np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = -1
    return codes


def _indices(array: pa.DictionaryArray) -> np.ndarray:
    """A dictionary array's indices as int32, -1 where null."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    indices = array.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return np.asarray(pc.cast(indices, pa.int32()).to_numpy(zero_copy_only=False), dtype=np.int32)


def _encoded(array: pa.Array) -> pa.DictionaryArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type):
        return array
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type) or pa.types.is_boolean(array.type)):
        array = pc.cast(array, pa.string())
    return pc.dictionary_encode(array)


def _coded(
    indices: np.ndarray,
    distinct: list[Any],
    checker: Callable[[Any, BitLengths], tuple[bool, Any]],
    bit_lengths: BitLengths,
    slow: np.ndarray,
) -> Coded:
    """Per distinct value: the validated value, or refused (its rows slow); absent cells keep code -1."""
    import numpy as np

    values: list[Any] = []
    remap = np.full(len(distinct) + 1, -1, dtype=np.int32)
    refused = np.zeros(len(distinct) + 1, dtype=bool)
    for i, raw in enumerate(distinct):
        value = cell_text(raw)
        if value is None:
            continue  # absent
        ok, checked = checker(value, bit_lengths)
        if not ok:
            refused[i] = True
            continue
        if checked is _ABSENT:
            continue
        remap[i] = len(values)
        values.append(checked)
    if refused.any():
        slow |= by_code(refused, indices)
    if len(values) == len(distinct) and (remap[:-1] == np.arange(len(distinct))).all():
        return Coded(indices, values)  # every distinct value valid, in order: the indices as they are
    return Coded(by_code(remap, indices), values)


_ABSENT = object()
_PROBE = {"name": "probe", "vendor": "probe"}


def _probe(data: dict[str, Any], bit_lengths: BitLengths) -> ChipSpec | None:
    """The model's own verdict on one value, in a sheet that has nothing else to refuse."""
    try:
        return parse_chip({**_PROBE, **data}, "<probe>", bit_lengths)
    except InputError:
        return None


def _required_text(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
    if not isinstance(value, str) or not value.strip():
        return False, None  # blank: the scalar reading says so
    return True, value.strip()  # what ChipSpec's validator keeps


def _free_text(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
    return (True, value) if isinstance(value, str) else (False, None)


def _kind(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
    return (True, value) if value in ("accelerator", "memory") else (False, None)


def _field_probe(name: str) -> Callable[[Any, BitLengths], tuple[bool, Any]]:
    def check(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
        spec = _probe({name: value}, bit_lengths)
        return (False, None) if spec is None else (True, getattr(spec, name))

    return check


def _sparse(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
    spec = _probe({"throughput": {"fp16": {"rate": "1 TOPS", "sparse": value}}}, bit_lengths)
    return (False, None) if spec is None else (True, spec.throughput["fp16"].sparse)  # type: ignore[index]


def _json_probe(name: str) -> Callable[[Any, BitLengths], tuple[bool, Any]]:
    import json

    def check(value: Any, bit_lengths: BitLengths) -> tuple[bool, Any]:
        try:
            parsed = json.loads(value, parse_float=str, parse_int=str) if isinstance(value, str) else value
        except ValueError:
            return False, None
        spec = _probe({name: parsed}, bit_lengths)
        return (False, None) if spec is None else (True, spec)  # the probe sheet: metrics read its dies

    return check


_TEXT_KIND: dict[tuple[str, ...], str] = {("name",): "required", ("vendor",): "required", ("kind",): "kind"}
_CHECKS: dict[str, Callable[[Any, BitLengths], tuple[bool, Any]]] = {
    "required": _required_text,
    "text": _free_text,
    "kind": _kind,
    "boolean": _field_probe("datacenter"),
    "released": _field_probe("released"),
    "sparse": _sparse,
}


def _quantity(
    array: pa.Array, column: Column, dimension: str, link: bool, slow: np.ndarray, distinct: bool = False
) -> Quantity:
    """A quantity column as float64 in the canonical unit; cells outside the fast forms are slow (`distinct`: the
    values are a dictionary's, each once)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(array)
    if pa.types.is_integer(array.type) or pa.types.is_float64(array.type):
        return _numbers(array, column, dimension, link, slow)
    present = _present(array)
    if pa.types.is_dictionary(array.type):
        # a categorical column: read each distinct value once, then spread
        inner_slow = np.zeros(len(array.dictionary), dtype=bool)
        inner = _quantity(array.dictionary, column, dimension, link, inner_slow, distinct=True)
        indices = _indices(array)
        slow |= present & by_code(np.append(inner_slow, False), indices)
        values = by_code(np.append(inner.values, np.nan), indices)
        unknown = by_code(np.append(inner.unknown, False), indices) if inner.unknown is not None else None
        return Quantity(values, present, unknown)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        if pa.types.is_boolean(array.type) or pa.types.is_temporal(array.type):
            slow |= present  # parse_quantity refuses these; the scalar reading words it
            return Quantity(np.full(n, np.nan), present, np.zeros(n, dtype=bool) if link else None)
        array = pc.cast(array, pa.string())  # float32, decimals: their own shortest decimal text
    return _quantity_text(array, column, dimension, link, present, slow, distinct)


def _numbers(array: pa.Array, column: Column, dimension: str, link: bool, slow: np.ndarray) -> Quantity:
    """A column of numbers (integer or float64; nulls are NaN) in the canonical unit: a number cell has no unit of
    its own, so the header must give it (or none, for a dimensionless one). Read from memory once (`scan`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(array)
    if pa.types.is_integer(array.type):
        array = pc.cast(array, pa.float64())
    values = np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
    present, low, high = scan(values)
    if dimension == "dimensionless":
        factor = 1.0 if column.unit is None else None
    else:
        factor = _factor(column.unit, dimension) if column.unit is not None else None
    if factor is None:
        slow |= present
        return Quantity(np.full(n, np.nan), present, np.zeros(n, dtype=bool) if link else None)
    if not (low >= _SMALLEST and high <= _LARGEST) and present.any():  # perhaps a figure the fast reading refuses
        bad = _outside(values, present, zero=dimension != "area")
        if bad.any():
            slow |= bad
            values = np.where(bad, np.nan, values)
    out = values * factor if factor != 1.0 else values
    return Quantity(out, present, np.zeros(n, dtype=bool) if link else None)


def _outside(values: np.ndarray, present: np.ndarray, zero: bool) -> np.ndarray:
    """Given cells outside 1e-25..1e25 (or 0, where `zero` is allowed; negative, infinite), over cache-sized blocks:
    their shortest text may be one parse_quantity refuses, so the scalar reading decides them."""
    import numpy as np

    bad = np.empty(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        for start in range(0, len(values), BLOCK):
            block, out = values[start : start + BLOCK], bad[start : start + BLOCK]
            np.greater_equal(block, _SMALLEST, out=out)
            out &= block <= _LARGEST
            if zero:
                out |= block == 0
            np.logical_not(out, out=out)
            out &= present[start : start + BLOCK]
    return bad


def _plain_numbers(array: pa.Array, present: np.ndarray, dimension: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Cells under a header unit, which hold plain numbers, parsed by Arrow's own cast; None when some cell is not
    one (the general reading then takes the column).

    Arrow reads more than parse_quantity accepts, so a value is kept only in the forms both read alike: at most 40
    characters (parse_quantity's digit limit), no exponent (its bound on exponents), finite, not negative (nor zero
    for an area), and within 1e-25..1e25; anything else is slow, and the scalar reading decides it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.any(pc.match_substring(array, "e", ignore_case=True)).as_py():
        return None
    try:
        values = np.asarray(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    short = np.asarray(pc.fill_null(pc.less_equal(pc.utf8_length(array), 40), False).to_numpy(zero_copy_only=False))
    with np.errstate(invalid="ignore"):
        ok = present & short & ((values == 0) | ((values >= _SMALLEST) & (values <= _LARGEST)))
        if dimension == "area":
            ok &= values != 0
    return values, ok


def _quantity_text(
    array: pa.Array,
    column: Column,
    dimension: str,
    link: bool,
    present: np.ndarray,
    slow: np.ndarray,
    distinct: bool = False,
) -> Quantity:
    """Text cells. Under a header unit (cells are plain numbers) each cell is matched and cast; otherwise each
    distinct text is split into number and unit once (a catalog repeats its figures), and spread to the rows."""
    import numpy as np
    import pyarrow.compute as pc

    if column.unit is not None and dimension != "dimensionless" and not link:
        plain = _plain_numbers(array, present, dimension)
        factor = _factor(column.unit, dimension)
        if plain is not None and factor is not None:
            values, ok = plain
            slow |= present & ~ok
            return Quantity(np.where(ok, values * factor, np.nan), present, None)
    if not distinct and len(array) > 64:
        return _quantity(pc.dictionary_encode(array), column, dimension, link, slow)
    return _quantity_cells(array, column, dimension, link, present, slow)


def _quantity_cells(
    array: pa.Array, column: Column, dimension: str, link: bool, present: np.ndarray, slow: np.ndarray
) -> Quantity:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    unknown = None
    if link:
        unknown = np.asarray(
            pc.fill_null(pc.equal(pc.utf8_lower(array), "unknown"), False).to_numpy(zero_copy_only=False), dtype=bool
        )
    parts = pc.extract_regex(pc.fill_null(array, ""), _FAST)
    matched = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
    hexlike = np.asarray(
        pc.fill_null(pc.match_substring_regex(array, _NOT_DECIMAL), False).to_numpy(zero_copy_only=False), dtype=bool
    )
    ok = matched & ~hexlike
    number = pc.struct_field(parts, "num")
    exponent = pc.struct_field(parts, "exp")
    unit = pc.struct_field(parts, "unit")
    text = pc.if_else(pc.equal(exponent, ""), number, pc.binary_join_element_wise(number, exponent, "e"))
    text = pc.if_else(pa.array(ok), text, "0")
    values = np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False))
    exp_text = pc.if_else(pc.equal(exponent, ""), "0", exponent)
    exps = np.asarray(pc.cast(pc.if_else(pa.array(ok), exp_text, "0"), pa.int32()).to_numpy(zero_copy_only=False))
    ok &= np.abs(exps) <= 30
    # the unit of each cell: its own, or the header's (a cell under a header unit holds a number only)
    units = pc.dictionary_encode(unit)
    factors = np.full(len(units.dictionary) + 1, np.nan)
    for i, text_unit in enumerate(units.dictionary.to_pylist()):
        if column.unit is not None:
            factor = _factor(column.unit, dimension) if text_unit == "" and dimension != "dimensionless" else None
        elif text_unit == "" and dimension != "dimensionless":
            factor = None  # parse_quantity: "has no unit"
        else:
            factor = _factor(text_unit, dimension)
        if factor is not None:
            factors[i] = factor
    per_row = factors[pc.fill_null(units.indices, len(units.dictionary)).to_numpy(zero_copy_only=False)]
    ok &= ~np.isnan(per_row)
    values = values * per_row
    if dimension == "area":
        ok &= values != 0
    if unknown is not None:
        ok |= unknown
    slow |= present & ~ok
    good = present & ok & (~unknown if unknown is not None else True)
    return Quantity(np.where(good, values, np.nan), present, unknown & present if unknown is not None else None)


@lru_cache(maxsize=4096)
def _factor(unit: str, dimension: str) -> float | None:
    """The unit's exact conversion factor as a float (None: the unit is refused for this dimension)."""
    try:
        factor: Fraction = conversion_factor(unit, dimension)
    except QuantityError:
        return None
    return float(factor)
