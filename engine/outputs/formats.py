"""Machine formats of results: JSON, JSON Lines and CSV, written as results are produced (nothing is held).

JSON Lines and CSV stream row by row; JSON is one array, written element by element.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..results.result import Combined, Result

Item = Result | Combined


def to_dicts(results: Sequence[Item]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in results]


def write_json(results: Iterable[Item], out: TextIO) -> int:
    """A JSON array, one element at a time (the same text as json.dumps(..., indent=2)); returns the count."""
    count = 0
    for item in results:
        text = json.dumps(item.to_dict(), indent=2, ensure_ascii=False).replace("\n", "\n  ")
        out.write(("[\n  " if count == 0 else ",\n  ") + text)
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def write_jsonl(results: Iterable[Item], out: TextIO) -> int:
    count = 0
    for item in results:
        out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
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


def write_csv(results: Iterable[Item], out: TextIO) -> int:
    """One row per chip and round (a combined result gives one row per round behind it); returns the count."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for item in results:
        count += 1
        rows = item.results if isinstance(item, Combined) else [item]
        for r in rows:
            writer.writerow(
                {
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
                }
            )
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
