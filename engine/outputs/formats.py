"""Machine formats of results, rounds and timelines: JSON, JSON Lines and CSV, written as results are produced
(nothing is held).

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
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from ..results.result import Combined, Result
from ..results.timeline import Change
from ..rules.program import Program
from ..sheets.load import LoadedChip
from .in_force import periods

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
    "as_of",
    "status",
    "classification",
    "license_exception",
    "license_review",
    "undetermined",
    "deciding_rounds",
    "reason",
    "decisive",
    "missing",
    "destinations",
    "assumptions",
    "citation",
    "provenance",
]


def csv_record(item: Item) -> dict[str, str]:
    """One CSV row: a result under its round, or a chip combined as of a date (round `combined`, as in JSON). Lists
    are `;`-separated; a combined row's citation and provenance are its deciding rounds', `|`-separated."""
    shared = {
        "chip": item.chip,
        "source": item.source,
        "as_of": item.as_of.isoformat(),
        "status": str(item.status),
        "classification": item.classification or "",
        "license_exception": item.license_exception or "",
        "license_review": item.license_review or "",
        "undetermined": ";".join(item.undetermined),
        "reason": item.reason,
        "missing": ";".join(item.missing),
        "assumptions": " | ".join(item.assumptions),
    }
    if isinstance(item, Combined):
        deciding = item.deciding
        own = {
            "round": "combined",
            "deciding_rounds": ";".join(item.deciding_rounds),
            "decisive": " | ".join(f"[{r.round}] {c.sentence()}" for r in deciding for c in r.decisive),
            "destinations": item.destinations_text,
            "citation": " | ".join(r.citation for r in deciding),
            "provenance": " | ".join(r.provenance for r in deciding),
        }
    else:
        own = {
            "round": item.round,
            "deciding_rounds": item.round if item.applicable is not False else "",
            "decisive": " | ".join(c.sentence() for c in item.decisive),
            "destinations": item.destinations.summary() if item.destinations else "",
            "citation": item.citation,
            "provenance": item.provenance,
        }
    record = {**shared, **own}
    return {name: record[name] for name in CSV_FIELDS}


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting like a formula (`=`, `+`, `-`, `@`, tab or carriage
    return) gets a leading single quote, the usual neutralisation, which spreadsheets hide and treat as "text".
    A reader of the CSV as data sees the quote: `'-5` is the cell `-5`."""
    text = readable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(results: Iterable[Item], out: TextIO) -> int:
    """One row per result: per chip and round, or with a date per chip, combined (the same rows as JSON and the
    table); returns the count.

    Every cell goes through spreadsheet_cell. The csv module quotes a cell holding a line feed, but not one holding
    a bare carriage return when the line terminator is a line feed, and a reader would end the row there: a row
    with one is written with every cell quoted.
    """
    return _cells(CSV_FIELDS, (csv_record(item) for item in results), out)


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


# --- the rounds and timelines, for scripts -------------------------------------------------------------------------


def _cells(fields: Sequence[str], values: Iterable[dict[str, str]], out: TextIO) -> int:
    """CSV rows of text cells, each made safe as in write_csv (formula start neutralised, a CR row quoted)."""
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    quoted = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    count = 0
    for value in values:
        row = {name: spreadsheet_cell(text) for name, text in value.items()}
        (quoted if any("\r" in text for text in row.values()) else writer).writerow(row)
        count += 1
    return count


def rule_record(program: Program) -> dict[str, Any]:
    """A round as data: what `exportctl rules` lists, with its dates, enforcement and destinations."""
    r = program.round
    d = r.destinations
    return {
        "id": r.id,
        "title": r.title,
        "citation": r.citation,
        "provenance": r.provenance,
        "effective": r.dates.effective.isoformat(),
        "ends": r.dates.ends.isoformat() if r.dates.ends else None,
        "enforcement": [{"since": e.since.isoformat(), "status": e.status} for e in r.enforcement],
        # the spans of days in force, each ending (like `ends`) on its first day out of force; null: in force still
        "in_force": [{"effective": a.isoformat(), "ends": b.isoformat() if b else None} for a, b in periods(r)],
        "applied_by_default": r.applied_by_default,
        "supersedes": list(r.supersedes),
        "destinations": d.to_dict(),
    }


RULE_CSV_FIELDS = [
    "id",
    "title",
    "citation",
    "provenance",
    "effective",
    "ends",
    "enforcement",
    "in_force",
    "applied_by_default",
    "supersedes",
    "destinations",
]


def write_rules_json(rules: Iterable[Program], out: TextIO) -> int:
    records = [rule_record(p) for p in rules]
    out.write(_json(records, indent=2) + "\n")
    return len(records)


def write_rules_csv(rules: Iterable[Program], out: TextIO) -> int:
    """One row per round; lists as `;`-separated text, destinations as compact text (the JSON has them whole)."""

    def rows() -> Iterator[dict[str, str]]:
        for program in rules:
            record = rule_record(program)
            yield {
                **{key: record[key] or "" for key in ("id", "title", "citation", "provenance", "effective", "ends")},
                "enforcement": "; ".join(f"{e['status']} since {e['since']}" for e in record["enforcement"]),
                "in_force": "; ".join(f"{p['effective']} .. {p['ends'] or '-'}" for p in record["in_force"]),
                "applied_by_default": "true" if record["applied_by_default"] else "false",
                "supersedes": ";".join(record["supersedes"]),
                "destinations": record["destinations"]["summary"],
            }

    return _cells(RULE_CSV_FIELDS, rows(), out)


RULE_WRITERS = {"json": write_rules_json, "csv": write_rules_csv}


# A chip's timeline: the chip (its name and file) and each change of its combined status.
Timeline = tuple[LoadedChip, Sequence[Change]]


def _change_record(chip: LoadedChip, change: Change) -> dict[str, Any]:
    return {"chip": chip.spec.name, "source": chip.source, **change.to_dict()}


def _change_cells(chip: LoadedChip, change: Change) -> dict[str, str]:
    record = _change_record(chip, change)
    cells = {name: "" if record.get(name) is None else str(record[name]) for name in TIMELINE_CSV_FIELDS}
    cells["rounds"] = ";".join(change.rounds)
    cells["undetermined"] = ";".join(change.undetermined)
    cells["missing"] = ";".join(change.missing)
    return cells


def write_timeline_json(timelines: Iterable[Timeline], out: TextIO) -> int:
    """One element per chip, with its changes (ASCII JSON: an undecodable file-name byte would otherwise be a
    lone surrogate escape, which strict readers refuse)."""
    data = [
        {"chip": readable(c.spec.name), "source": readable(c.source), "changes": [x.to_dict() for x in changes]}
        for c, changes in timelines
    ]
    out.write(json.dumps(data, indent=2) + "\n")
    return len(data)


def write_timeline_jsonl(timelines: Iterable[Timeline], out: TextIO) -> int:
    """One line per change: chip, source, since, status, classification, rounds."""
    count = 0
    for chip, changes in timelines:
        for change in changes:
            out.write(_json(_change_record(chip, change)) + "\n")
            count += 1
    return count


TIMELINE_CSV_FIELDS = [
    "chip",
    "source",
    "since",
    "released",
    "status",
    "classification",
    "license_exception",
    "license_review",
    "undetermined",
    "missing",
    "rounds",
]


def write_timeline_csv(timelines: Iterable[Timeline], out: TextIO) -> int:
    """One row per change; the rounds that made it `;`-separated."""

    def rows() -> Iterator[dict[str, str]]:
        for chip, changes in timelines:
            for change in changes:
                yield _change_cells(chip, change)

    return _cells(TIMELINE_CSV_FIELDS, rows(), out)


TIMELINE_WRITERS = {"json": write_timeline_json, "jsonl": write_timeline_jsonl, "csv": write_timeline_csv}
