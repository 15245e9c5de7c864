"""Outputs: a readable table (rich) and machine formats (json, jsonl, csv) of results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from .result import SEVERITY, Combined, Result

STYLE = {"controlled": "bold red", "review": "yellow", "indeterminate": "magenta", "not-controlled": "green"}


def _decisive_text(result: Result) -> str:
    decisive = result.decisive
    if not decisive:
        return "outside the round's scope" if result.applicable is False else ""
    # prefer a condition that held (controlled) or failed (not controlled), the one that decided
    want = {"controlled": True, "not-controlled": False}.get(result.status)
    chosen = next((c for c in decisive if c.holds is want), decisive[0])
    return chosen.sentence()


def table(results: Sequence[Result | Combined], console: Console) -> None:
    """One row per chip and round, grouped by status (strictest first)."""
    ordered = sorted(results, key=lambda r: (-SEVERITY[r.status], r.chip))
    grid = Table(show_lines=False, expand=False, pad_edge=False)
    grid.add_column("status", no_wrap=True)
    grid.add_column("chip", overflow="fold", max_width=26)
    grid.add_column("round", no_wrap=True)
    grid.add_column("class", no_wrap=True)
    grid.add_column("why (decisive condition)", overflow="fold")
    for item in ordered:
        if isinstance(item, Combined):
            first = item.deciding[0] if item.deciding else None
            rounds = ",".join(r.round for r in item.deciding) or "-"
            cls = (first.classification or "") if first else ""
            if first and first.license_exception:
                cls += f" {first.license_exception}"
            why = _decisive_text(first) if first else "no round in force applies"
            grid.add_row(f"[{STYLE[item.status]}]{item.status}[/]", item.chip, rounds, cls, why)
        else:
            cls = item.classification or ""
            if item.license_exception:
                cls += f" {item.license_exception}"
            why = _decisive_text(item)
            if item.missing:
                why += f" [missing: {', '.join(item.missing)}]"
            grid.add_row(f"[{STYLE[item.status]}]{item.status}[/]", item.chip, item.round, cls, why)
    console.print(grid)


def to_dicts(results: Sequence[Result | Combined]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in results]


def as_json(results: Sequence[Result | Combined]) -> str:
    return json.dumps(to_dicts(results), indent=2, ensure_ascii=False)


def as_jsonl(results: Sequence[Result | Combined]) -> str:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in to_dicts(results))


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


def as_csv(results: Sequence[Result | Combined]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for item in results:
        rows = item.results if isinstance(item, Combined) else [item]
        for r in rows:
            writer.writerow(
                {
                    "chip": r.chip,
                    "source": r.source,
                    "round": r.round,
                    "status": r.status,
                    "classification": r.classification or "",
                    "license_exception": r.license_exception or "",
                    "license_review": r.license_review or "",
                    "decisive": " | ".join(c.sentence() for c in r.decisive),
                    "missing": ";".join(r.missing),
                    "citation": r.citation,
                    "provenance": r.provenance,
                }
            )
    return out.getvalue()
