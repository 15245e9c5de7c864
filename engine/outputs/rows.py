"""Batch result rows to a file, a chunk at a time: CSV, JSON Lines or Parquet, chosen by the file's suffix.

The same protections as the other outputs (formats.py): a CSV cell that a spreadsheet would run as a formula gets
a leading `'` (each distinct text is escaped once: the columns are dictionary-encoded), every CSV text cell is
quoted (so a carriage return never splits a row), and a JSON Lines record is one line for any reader. The file is
written under a temporary name and renamed when complete: a run that stops half-way leaves no half a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .formats import _json, spreadsheet_cell

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


class RowWriter:
    """Writes result tables (all of one schema) to one file."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        import pyarrow as pa

        fmt = output_format(path)
        if fmt is None:
            raise ValueError(f"unknown output format {path.suffix!r}; use .csv, .jsonl or .parquet")
        self.path = path
        self.format = fmt
        self.schema = schema
        self.rows = 0
        self._temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
        self._writer: Any = None
        self._handle: BinaryIO | None = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            # statistics of the text columns cost as much as writing them, and no reader filters on them by range;
            # the row numbers are all distinct: a dictionary of them is tried in vain (a third of the writing time)
            text = [f.name for f in schema if pa.types.is_dictionary(f.type)]
            self._writer = pq.ParquetWriter(
                self._temporary, schema, write_statistics=["row", "as_of"], use_dictionary=text
            )
        elif fmt == "csv":
            import pyarrow.csv as pacsv

            plain = pa.schema([(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in schema])
            self._writer = pacsv.CSVWriter(self._temporary, plain)
            self._plain = plain
        else:
            self._handle = open(self._temporary, "wb")  # noqa: SIM115 (closed in close())

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.format == "parquet":
            self._writer.write_table(table)
        elif self.format == "csv":
            self._writer.write_table(_csv_safe(table, self._plain))
        else:
            assert self._handle is not None
            self._handle.write(_jsonl(table))

    def close(self, keep: bool = True) -> None:
        """Finish the file and put it in place (or, `keep=False`, remove what was written)."""
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
        if keep:
            os.replace(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)


def _csv_safe(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Text columns as plain strings, each distinct text neutralised for spreadsheets once."""
    import pyarrow as pa

    columns = []
    for column in table.columns:
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_dictionary(array.type):
            safe = pa.array(
                [None if v is None else spreadsheet_cell(v) for v in array.dictionary.to_pylist()], pa.string()
            )
            array = pa.DictionaryArray.from_arrays(array.indices, safe).cast(pa.string())
        elif pa.types.is_string(array.type):
            array = pa.array([None if v is None else spreadsheet_cell(v) for v in array.to_pylist()], pa.string())
        columns.append(array)
    return pa.table(columns, schema=schema)


def _jsonl(table: pa.Table) -> bytes:
    """One JSON object per row; each row's text is escaped the way formats.py writes JSON Lines."""
    rows = table.to_pylist()
    lines = []
    for row in rows:
        if row.get("as_of") is not None:
            row["as_of"] = row["as_of"].isoformat()
        lines.append(_json(row))
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
