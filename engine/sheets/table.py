"""Spec sheets as table rows: the column layout, one row <-> one sheet, and readers and writers for CSV, JSON Lines,
Parquet and Excel.

A row is a spec sheet with its fields flattened into dotted column names (`memory.bandwidth`, `throughput.fp16`,
`io.nvlink`), derived from the ChipSpec model so that a YAML sheet converts to one row and back without loss. A
column may carry its unit in the header (`memory.bandwidth[GB/s]`, cells then hold plain numbers) or leave it to the
cell (`4 TB/s`). Lists (`dies`, `sources`) are JSON text in their cell. An empty cell is an absent field.

A row is validated exactly as a YAML sheet is: `row_mapping` builds the nested mapping a YAML file would give and
the same `parse_chip` reads it, so the messages are the same; they name the file, the 1-based data row and the
column. The fast columnar reading of the same cells is `sheets/columns.py`; it sends every row it cannot vouch for
here.

numpy and pyarrow are imported inside the functions that need them: `exportctl --version` and `classify` never
load them.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError, SpecSheetError
from ..core.quantities import _NUMBER as NUMBER  # the decimal text parse_quantity reads (one definition)
from .load import SUFFIXES as YAML_SUFFIXES
from .load import BitLengths, LoadReport, file_chips, find_sheet_files
from .model import ChipSpec

if TYPE_CHECKING:
    import pyarrow as pa

# Table formats by file suffix (the YAML sheets are read by sheets/load.py and turned into rows).
FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
INPUT_SUFFIXES = (*YAML_SUFFIXES, *FORMATS)

# What each column path holds. Quantity columns give their dimension (core/quantities.py DIMENSIONS).
TEXT_FIELDS = {("name",), ("vendor",), ("kind",), ("notes",), ("memory", "type")}
QUANTITY_FIELDS = {
    ("die_area",): "area",
    ("package_area",): "area",
    ("transistors",): "dimensionless",
    ("tpp",): "dimensionless",
    ("memory", "capacity"): "capacity",
    ("memory", "bandwidth"): "bandwidth",
}
JSON_FIELDS = {("dies",), ("sources",)}
# Spellings of a column accepted besides the dotted path (the metric names of the contract).
ALIASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("memory_bandwidth",): ("memory", "bandwidth"),
    ("memory_capacity",): ("memory", "capacity"),
    ("memory_type",): ("memory", "type"),
}
# The order of columns in a written table: the ChipSpec model's field order.
_ORDER = [
    "name",
    "vendor",
    "kind",
    "released",
    "datacenter",
    "commercially_available_us",
    "throughput",
    "die_area",
    "dies",
    "transistors",
    "memory",
    "io",
    "package_area",
    "tpp",
    "sources",
    "notes",
]
_MEMORY_ORDER = ["type", "capacity", "bandwidth"]

_HEADER = re.compile(r"^\s*(?P<path>[^\[\]]*?)\s*(?:\[(?P<unit>[^\[\]]*)\])?\s*$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of a table: its header as written, the field path it fills and the unit its header gives."""

    header: str
    path: tuple[str, ...]
    unit: str | None = None

    @property
    def kind(self) -> str:
        """quantity | link | text | released | boolean | sparse | bits | json | unknown"""
        return column_kind(self.path)

    @property
    def dimension(self) -> str | None:
        return quantity_dimension(self.path)


def column_kind(path: tuple[str, ...]) -> str:
    if path in TEXT_FIELDS:
        return "text"
    if path in QUANTITY_FIELDS:
        return "quantity"
    if path in JSON_FIELDS:
        return "json"
    if path == ("released",):
        return "released"
    if path in (("datacenter",), ("commercially_available_us",)):
        return "boolean"
    if len(path) >= 2 and path[0] == "throughput":
        if len(path) == 2 or (len(path) == 3 and path[2] == "rate"):
            return "quantity"
        if len(path) == 3 and path[2] in ("sparse", "bits"):
            return path[2]
    if len(path) == 2 and path[0] == "io":
        return "link"
    return "unknown"


def quantity_dimension(path: tuple[str, ...]) -> str | None:
    if path in QUANTITY_FIELDS:
        return QUANTITY_FIELDS[path]
    if path[0] == "throughput" and column_kind(path) == "quantity":
        return "throughput"
    if column_kind(path) == "link":
        return "bandwidth"
    return None


def rate_path(path: tuple[str, ...]) -> tuple[str, ...]:
    """`throughput.fp16.rate` is the long form of `throughput.fp16`: both fill the same field."""
    return path[:2] if path[0] == "throughput" and len(path) == 3 and path[2] == "rate" else path


@lru_cache(maxsize=4096)
def parse_header(header: str) -> Column:
    """A header such as `memory.bandwidth[GB/s]` as the field it fills and the unit of its cells."""
    match = _HEADER.match(header)
    text, unit = (match.group("path"), match.group("unit")) if match else (header, None)
    path: tuple[str, ...] = tuple(part.strip() for part in text.split("."))
    path = rate_path(ALIASES.get(path, path))
    return Column(header, path, unit.strip() if unit is not None and unit.strip() else None)


# --- cells -----------------------------------------------------------------------------------------------------


def cell_text(value: Any) -> Any:
    """A cell as the value a YAML sheet would hold: text stays text, a number becomes its shortest decimal text
    (`repr(float)`: what was typed), a float NaN or an empty or blank text is absent (None); booleans, dates,
    lists and mappings stay as they are."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, (date, list, dict)):
        return value
    try:  # numpy scalars (a float32's shortest text is its own, not the float64's), Decimal
        import numpy as np

        if isinstance(value, np.floating):
            return None if np.isnan(value) else str(value)
        if isinstance(value, np.integer):
            return str(int(value))
        if isinstance(value, np.bool_):
            return bool(value)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return str(value)


def _with_unit(column: Column, value: Any, label: str) -> Any:
    """A quantity cell with the header's unit applied: `4.0` under `[TB/s]` is `4.0 TB/s`."""
    if column.unit is None or not isinstance(value, str):
        return value
    match = NUMBER.match(value)
    if not match:
        return value  # not a number: parse_quantity says what it is
    if match.group(2):
        raise SpecSheetError(
            label,
            column.header,
            f"the header gives the unit ({column.unit}), so a cell holds a number only; got {value.strip()!r}",
        )
    return f"{match.group(1)} {column.unit}"


def _json_cell(column: Column, value: Any, label: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value, parse_float=str, parse_int=str)  # numbers as text, as the YAML reader keeps them
    except ValueError as exc:
        raise SpecSheetError(
            label, column.header, f'expected JSON text (a list such as [{{"title": ...}}]): {exc}'
        ) from None


def row_mapping(cells: Iterable[tuple[Column, Any]], label: str) -> dict[str, Any]:
    """The mapping a YAML sheet would give for one row (absent cells left out); raises SpecSheetError naming the
    column for what only a table can get wrong (a unit in both header and cell, two columns for one field, bad JSON).
    """
    out: dict[str, Any] = {}
    seen: dict[tuple[str, ...], str] = {}
    for column, raw in cells:
        value = cell_text(raw)
        if value is None:
            continue
        path = column.path
        if path in seen:
            raise SpecSheetError(
                label, column.header, f"columns {seen[path]!r} and {column.header!r} give the same field; keep one"
            )
        seen[path] = column.header
        kind = column.kind
        if column.unit is not None and kind not in ("quantity", "link"):
            raise SpecSheetError(label, column.header, f"{'.'.join(path)} takes no unit; remove [{column.unit}]")
        if kind in ("quantity", "link"):
            if kind == "link" and isinstance(value, str) and value.strip().lower() == "unknown":
                pass
            else:
                value = _with_unit(column, value, label)
        elif kind == "json":
            value = _json_cell(column, value, label)
        if path[0] == "throughput" and len(path) >= 2:
            entries = out.setdefault("throughput", {})
            if not isinstance(entries, dict):
                raise SpecSheetError(label, column.header, "throughput is given both as a column and as its entries")
            entry = entries.get(path[1])
            if len(path) == 2:
                if isinstance(entry, dict):
                    entry["rate"] = value
                else:
                    entries[path[1]] = value
            else:
                long = entry if isinstance(entry, dict) else ({} if entry is None else {"rate": entry})
                long[path[2]] = value
                entries[path[1]] = long
            continue
        target = out
        for part in path[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise SpecSheetError(label, column.header, f"{part} is given both as a column and as its fields")
            target = nested
        target[path[-1]] = value
    return out


def error_column(error: InputError, columns: Sequence[Column]) -> tuple[str | None, str]:
    """The column a model error belongs to, and its message (with the part of the field path beyond the column)."""
    field_path = error.field
    if field_path is None:
        return None, error.message
    parts = [p for p in re.sub(r"\[\d+\]", "", field_path).split(".") if p]
    best: Column | None = None
    for column in columns:
        # the error's field path is the column's, or below it (throughput.fp16.rate is column throughput.fp16)
        if tuple(parts[: len(column.path)]) == column.path and (best is None or len(column.path) > len(best.path)):
            best = column
    if best is None:
        return field_path, error.message
    if best.path == tuple(parts) or (best.path[0] == "throughput" and tuple(parts) == (*best.path, "rate")):
        return best.header, error.message
    rest = field_path[len(best.path[0]) :] if best.path == (parts[0],) else field_path
    return best.header, f"{rest.lstrip('.')}: {error.message}"


# --- a sheet as a row -------------------------------------------------------------------------------------------


def spec_row(spec: ChipSpec) -> dict[str, str]:
    """One sheet as a row of text cells, units in the cells as the sheet wrote them (`convert`)."""
    data = spec.model_dump(mode="json", exclude_none=True)
    row: dict[str, str] = {}
    for key in _ORDER:
        if key not in data:
            continue
        value = data[key]
        if key == "throughput":
            for op, entry in value.items():
                if isinstance(entry, dict):
                    row[f"throughput.{op}"] = entry["rate"]
                    if entry.get("sparse"):
                        row[f"throughput.{op}.sparse"] = "true"
                    if "bits" in entry:
                        row[f"throughput.{op}.bits"] = str(entry["bits"])
                else:
                    row[f"throughput.{op}"] = entry
        elif key == "memory":
            for part in _MEMORY_ORDER:
                if part in value:
                    row[f"memory.{part}"] = value[part]
        elif key == "io":
            for link, rate in value.items():
                row[f"io.{link}"] = rate
        elif key in ("dies", "sources"):
            if value:
                row[key] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            row[key] = "true" if value else "false"
        else:
            row[key] = str(value)
    return row


def layout_order(headers: Iterable[str]) -> list[str]:
    """Headers in the layout's order (the model's field order; entries of a mapping in the order first seen)."""
    seen = list(dict.fromkeys(headers))

    def rank(header: str) -> tuple[int, int]:
        top = parse_header(header).path[0]
        position = _ORDER.index(top) if top in _ORDER else len(_ORDER)
        return position, seen.index(header)

    return sorted(seen, key=rank)


# --- reading tables ---------------------------------------------------------------------------------------------


@dataclass
class RowError:
    """A row that could not be read as a sheet (or a file that could not be read at all: row None)."""

    source: str
    row: int | None
    chip: str | None
    message: str


@dataclass
class Chunk:
    """Some consecutive rows of one or more inputs: the cells, and where each row came from."""

    table: pa.Table  # columns named by the files' headers
    sources: list[str]  # per row (one entry when every row comes from the same file)
    rows: Any  # numpy int64 array: each row's 1-based data-row number in its file
    errors: list[RowError] = field(default_factory=list)  # rows that could not be split into cells

    def source_of(self, index: int) -> str:
        return self.sources[0] if len(self.sources) == 1 else self.sources[index]


@dataclass
class ReadCounts:
    """What the readers saw: every input row is either in a chunk or an error."""

    files: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


def find_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[InputError]]:
    """The sheet files and tables under the paths (folders searched recursively, as `classify` does)."""
    return find_sheet_files(paths, INPUT_SUFFIXES)


def read_chunks(
    paths: Iterable[str | Path], bit_lengths: BitLengths, counts: ReadCounts, chunk_rows: int = 65_536
) -> Iterator[Chunk]:
    """Every input row, a chunk at a time; unreadable files and rows become errors (in the chunk or in counts)."""
    files, errors = find_inputs(paths)
    for error in errors:
        counts.errors.append(RowError(error.source, None, None, error.message))
    pending: list[tuple[dict[str, str], str, int]] = []  # rows of YAML sheets, gathered across files
    for path in files:
        counts.files += 1
        suffix = path.suffix.lower()
        if suffix in YAML_SUFFIXES:
            pending.extend(_yaml_rows(path, bit_lengths, counts))
            if len(pending) >= chunk_rows:
                yield _rows_chunk(pending)
                pending = []
            continue
        if pending:
            yield _rows_chunk(pending)
            pending = []
        try:
            for chunk in _table_chunks(path, FORMATS[suffix], chunk_rows):
                counts.rows += chunk.table.num_rows + len(chunk.errors)
                yield chunk
        except InputError as exc:
            counts.errors.append(RowError(exc.source, None, None, exc.message))
    if pending:
        yield _rows_chunk(pending)


def _yaml_rows(path: Path, bit_lengths: BitLengths, counts: ReadCounts) -> list[tuple[dict[str, str], str, int]]:
    report = LoadReport()
    chips = file_chips(path, report, bit_lengths)
    source = str(path)
    for error in report.errors:
        label = error.source
        match = re.search(r": chips\[(\d+)\]$", label)
        counts.rows += 1
        where = f"{error.field}: {error.message}" if error.field else error.message
        counts.errors.append(RowError(source, int(match.group(1)) + 1 if match else None, None, where))
    counts.rows += len(chips)
    return [(spec_row(c.spec), source, (c.index or 0) + 1) for c in chips]


def _rows_chunk(rows: list[tuple[dict[str, str], str, int]]) -> Chunk:
    import numpy as np
    import pyarrow as pa

    headers = layout_order(h for row, _, _ in rows for h in row)
    table = pa.table({h: pa.array([row.get(h) for row, _, _ in rows], pa.string()) for h in headers})
    return Chunk(table, [s for _, s, _ in rows], np.array([n for _, _, n in rows], dtype=np.int64))


def _table_chunks(path: Path, fmt: str, chunk_rows: int) -> Iterator[Chunk]:
    source = str(path)
    try:
        if fmt == "parquet":
            yield from _parquet_chunks(path, source, chunk_rows)
        elif fmt == "csv":
            yield from _csv_chunks(path, source, chunk_rows)
        elif fmt == "jsonl":
            yield from _jsonl_chunks(path, source, chunk_rows)
        else:
            yield from _xlsx_chunks(path, source, chunk_rows)
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or exc}") from None


def _check_regular(path: Path) -> None:
    """A table is read from a regular file: a pipe or device is refused without being opened (as YAML is)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(str(path), None, f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise InputError(str(path), None, "not a regular file; tables are read from files")


def _check_headers(source: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(source, "header", f"column {name!r} appears twice")
        seen.add(name)
        if not name.strip():
            raise InputError(source, "header", "a column has no name")


def _parquet_chunks(path: Path, source: str, chunk_rows: int) -> Iterator[Chunk]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check_regular(path)
    try:
        schema = pq.read_schema(path)
        strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        handle = pq.ParquetFile(path, read_dictionary=strings)
    except (pa.ArrowException, ValueError) as exc:
        raise InputError(source, None, f"not a readable Parquet file: {exc}") from None
    _check_headers(source, handle.schema_arrow.names)
    first = 1
    for batch in handle.iter_batches(batch_size=chunk_rows):
        table = pa.Table.from_batches([batch])
        yield Chunk(table, [source], np.arange(first, first + table.num_rows, dtype=np.int64))
        first += table.num_rows


def _csv_chunks(path: Path, source: str, chunk_rows: int) -> Iterator[Chunk]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    _check_regular(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:  # (a spreadsheet's export may start with a BOM)
        try:
            header = next(csv.reader(handle), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(source, "header", f"cannot read the header: {exc}") from None
    if not header:
        raise InputError(source, None, "file is empty")
    names = [_unquote(h) for h in header]
    _check_headers(source, names)
    bad: list[tuple[int | None, str]] = []

    def invalid(row: Any) -> str:
        bad.append((row.number, f"expected {row.expected_columns} cells, got {row.actual_columns}"))
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=max(1 << 20, chunk_rows * 256), use_threads=False
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,  # an empty cell is an absent field
                null_values=[""],
            ),
        )
    except pa.ArrowException as exc:
        raise InputError(source, None, f"not a readable CSV file: {exc}") from None
    done = 0  # data rows so far, the skipped ones included
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowException as exc:
            raise InputError(source, f"after row {done}", f"cannot read the rest of the file: {exc}") from None
        table = pa.Table.from_batches([batch])
        table = _unescape_formulas(table)
        errors = []
        # rows pyarrow skipped (wrong number of cells): numbered by their line in the file, 1 = the header
        skipped = [(number, message) for number, message in bad if number is not None]
        rows = np.arange(done + 1, done + 1 + table.num_rows, dtype=np.int64)
        for number, message in skipped:
            data_row = number - 1
            errors.append(RowError(source, data_row, None, message))
            rows[rows >= data_row] += 1
        unnumbered = len(bad) - len(skipped)
        for _ in range(unnumbered):
            errors.append(RowError(source, None, None, "a row " + bad[0][1]))
        bad.clear()
        done += table.num_rows + len(errors)
        yield Chunk(table, [source], rows, errors)


def _unquote(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _unescape_formulas(table: pa.Table) -> pa.Table:
    """A cell written as `'=...` (a spreadsheet formula neutralised by `convert` or the CSV outputs) reads `=...`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    changed = False
    for column in table.columns:
        if pa.types.is_string(column.type) and pc.any(pc.starts_with(column, "'")).as_py():
            quoted = pc.match_substring_regex(column, r"^'[=+\-@\t\r]")
            if pc.any(quoted).as_py():
                column = pc.if_else(quoted, pc.utf8_slice_codeunits(column, 1), column)
                changed = True
        columns.append(column)
    return pa.table(columns, names=table.column_names) if changed else table


def _jsonl_chunks(path: Path, source: str, chunk_rows: int) -> Iterator[Chunk]:
    import numpy as np
    import pyarrow as pa

    _check_regular(path)
    number = 0
    with open(path, encoding="utf-8", errors="strict") as handle:
        while True:
            records: list[dict[str, Any]] = []
            rows: list[int] = []
            errors: list[RowError] = []
            try:
                for line in handle:
                    if not line.strip():
                        continue
                    number += 1
                    try:
                        data = json.loads(line, parse_float=str, parse_int=str)
                    except ValueError as exc:
                        errors.append(RowError(source, number, None, f"not a JSON object: {exc}"))
                        continue
                    if not isinstance(data, dict):
                        errors.append(
                            RowError(source, number, None, f"expected a JSON object, got {type(data).__name__}")
                        )
                        continue
                    records.append(_flatten(data))
                    rows.append(number)
                    if len(records) >= chunk_rows:
                        break
            except UnicodeDecodeError as exc:
                raise InputError(source, f"after row {number}", f"not valid UTF-8 text: {exc.reason}") from None
            if not records and not errors:
                return
            headers = list(dict.fromkeys(h for r in records for h in r))
            table = pa.table({h: pa.array([_text_cell(r.get(h)) for r in records], pa.string()) for h in headers})
            if not headers:
                table = pa.table({"name": pa.array([None] * len(records), pa.string())})
            yield Chunk(table, [source], np.array(rows, dtype=np.int64), errors)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested JSON object (the YAML structure) as dotted columns; lists stay whole (JSON text in their cell)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _text_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _xlsx_chunks(path: Path, source: str, chunk_rows: int) -> Iterator[Chunk]:
    import numpy as np
    import pyarrow as pa

    _check_regular(path)
    try:
        import openpyxl
    except ImportError:
        raise InputError(source, None, "reading .xlsx needs openpyxl: pip install 'exportctl[batch]'") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds for a file that is not a workbook)
        raise InputError(source, None, f"not a readable .xlsx workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        if header is None:
            raise InputError(source, None, "the first worksheet is empty")
        names = [str(h) if h is not None else "" for h in header]
        while names and not names[-1]:
            names.pop()
        _check_headers(source, names)
        number = 0
        batch: list[list[Any]] = []
        rows: list[int] = []
        for cells in values:
            number += 1
            if all(c is None for c in cells):
                continue
            batch.append([_excel_cell(c) for c in cells[: len(names)]] + [None] * (len(names) - len(cells)))
            rows.append(number)
            if len(batch) >= chunk_rows:
                yield _xlsx_chunk(names, batch, rows, source, pa, np)
                batch, rows = [], []
        if batch:
            yield _xlsx_chunk(names, batch, rows, source, pa, np)
    finally:
        book.close()


def _excel_cell(value: Any) -> str | None:
    text = cell_text(value)
    if text is None or isinstance(text, str):
        return text
    if isinstance(text, bool):
        return "true" if text else "false"
    if isinstance(text, date):
        return text.isoformat()
    return str(text)


def _xlsx_chunk(names: list[str], batch: list[list[Any]], rows: list[int], source: str, pa: Any, np: Any) -> Chunk:
    table = pa.table({n: pa.array([r[i] for r in batch], pa.string()) for i, n in enumerate(names)})
    return Chunk(table, [source], np.array(rows, dtype=np.int64))


def table_row_cells(table: pa.Table, index: int, columns: Sequence[Column]) -> list[tuple[Column, Any]]:
    """One row's cells as Python values, by column."""
    return [(column, table.column(i)[index].as_py()) for i, column in enumerate(columns)]


# --- writing sheets as a table (`exportctl convert`) -------------------------------------------------------------


def write_sheets(rows: Sequence[Mapping[str, str]], path: Path) -> None:
    """Rows of text cells to a table file chosen by suffix (.csv, .jsonl, .parquet, .xlsx)."""
    headers = layout_order(h for row in rows for h in row)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(headers)
            for row in rows:
                writer.writerow([_formula_safe(row.get(h, "")) for h in headers])
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({h: row[h] for h in headers if h in row}, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({h: pa.array([row.get(h) for row in rows], pa.string()) for h in headers}), path)
    elif fmt == "xlsx":
        import openpyxl
        from openpyxl.cell import WriteOnlyCell

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("chips")
        sheet.append(headers)
        for row in rows:
            cells = []
            for h in headers:
                cell = WriteOnlyCell(sheet, value=row.get(h))
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            sheet.append(cells)
        book.save(path)
    else:
        raise ValueError(f"unknown table format {path.suffix!r}")


def _formula_safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
