"""Machine formats of results: JSON, JSON Lines and CSV, written as results are produced (nothing is held).

JSON Lines and CSV stream row by row; JSON is one array, written element by element.

Names, sources and rule text are untrusted, so each format keeps them data: every output is valid UTF-8 (a file
name's undecodable bytes are shown as `\\xff`), a JSON Lines record is one line for any reader, and a CSV cell
is never a spreadsheet formula and never splits its row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..results.result import Combined, Result

Item = Result | Combined


# Lone surrogates: a file name's undecodable bytes (os.fsdecode's surrogateescape) or a caller's malformed text.
# No UTF-8 writer can encode them.
_SURROGATE = re.compile("[\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw but some line-oriented readers split on (str.splitlines and
# JavaScript among them), plus lone surrogates.
_JSON_UNSAFE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


def escaped_char(char: str) -> str:
    """A character as visible text: an undecodable file-name byte as `\\xff` (what it was on disk), anything
    else as Python writes it in a string literal (`\\x1b`, `\\n`, `\\u202e`)."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return repr(char)[1:-1]


def readable(text: str) -> str:
    """The text with lone surrogates shown as escapes, so that it can be written as UTF-8."""
    if text.isascii():  # (the common case, and much faster to tell than a search)
        return text
    return _SURROGATE.sub(lambda m: escaped_char(m.group()), text)


def _json_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\x85\u2028\u2029":
        return f"\\u{ord(char):04x}"  # a JSON escape: the value is unchanged
    return "\\" + escaped_char(char)  # an escaped backslash: the value reads `\xff`


def _json(data: Any, indent: int | None = None) -> str:
    """json.dumps without raw line separators or unencodable surrogates (they occur only inside strings)."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return text if text.isascii() else _JSON_UNSAFE.sub(_json_char, text)


def to_dicts(results: Sequence[Item]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in results]


def write_json(results: Iterable[Item], out: TextIO) -> int:
    """A JSON array, one element at a time (the same text as json.dumps(..., indent=2)); returns the count."""
    count = 0
    for item in results:
        text = _json(item.to_dict(), indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if count == 0 else ",\n  ") + text)
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def write_jsonl(results: Iterable[Item], out: TextIO) -> int:
    count = 0
    for item in results:
        out.write(_json(item.to_dict()) + "\n")
        count += 1
    return count


CSV_FIELDS = [
    "chip",
    "source",
    "round",
    "status",
    "classification",
    "license_exception",
    "license_review",
    "decisive",
    "missing",
    "citation",
    "provenance",
]


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting like a formula (`=`, `+`, `-`, `@`, tab or carriage
    return) gets a leading single quote, the usual neutralisation, which spreadsheets hide and treat as "text".
    A reader of the CSV as data sees the quote: `'-5` is the cell `-5`."""
    text = readable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(results: Iterable[Item], out: TextIO) -> int:
    """One row per chip and round (a combined result gives one row per round behind it); returns the count.

    Every cell goes through spreadsheet_cell. The csv module quotes a cell holding a line feed, but not one holding
    a bare carriage return when the line terminator is a line feed, and a reader would end the row there: a row
    with one is written with every cell quoted.
    """
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    quoted = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    count = 0
    for item in results:
        count += 1
        rows = item.results if isinstance(item, Combined) else [item]
        for r in rows:
            row = {
                name: spreadsheet_cell(value)
                for name, value in {
                    "chip": r.chip,
                    "source": r.source,
                    "round": r.round,
                    "status": str(r.status),
                    "classification": r.classification or "",
                    "license_exception": r.license_exception or "",
                    "license_review": r.license_review or "",
                    "decisive": " | ".join(c.sentence() for c in r.decisive),
                    "missing": ";".join(r.missing),
                    "citation": r.citation,
                    "provenance": r.provenance,
                }.items()
            }
            (quoted if any("\r" in value for value in row.values()) else writer).writerow(row)
    return count


WRITERS = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}


def render(results: Sequence[Item], fmt: str) -> str:
    """The whole output of a format as one string (library callers and tests)."""
    out = io.StringIO()
    WRITERS[fmt](results, out)
    return out.getvalue()


def as_json(results: Sequence[Item]) -> str:
    return render(results, "json")


def as_jsonl(results: Sequence[Item]) -> str:
    return render(results, "jsonl")


def as_csv(results: Sequence[Item]) -> str:
    return render(results, "csv")
