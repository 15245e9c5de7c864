"""What-if analyses as people and programs read them: diffs, headroom and sweeps as a table, JSON or CSV.

Chip names, sources and rule text are untrusted, as everywhere: the terminal gets them through `plain` (no markup,
control characters escaped), CSV cells through `spreadsheet_cell`, JSON with every string made writable.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.diff import FIELDS, Diff
from ..analysis.headroom import Headroom, shown_factor
from ..analysis.sweep import Sweep
from ..core.quantities import format_number
from .formats import readable, spreadsheet_cell
from .table import STYLE, plain

_LABEL = {
    "status": "status",
    "classification": "classification",
    "license_exception": "licence exception",
    "license_review": "review policy",
}


def _clean(data: Any) -> Any:
    """Every string writable as UTF-8 (a file name's undecodable bytes shown as `\\xff`)."""
    if isinstance(data, str):
        return readable(data)
    if isinstance(data, dict):
        return {_clean(k): _clean(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


def write_json(data: Any, out: TextIO) -> None:
    # ASCII JSON: line and paragraph separators are escaped, so any reader sees the same lines
    out.write(json.dumps(_clean(data), indent=2) + "\n")


def _csv(out: TextIO, header: list[str], rows: list[list[str]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        cells = [spreadsheet_cell(cell) for cell in row]
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)


# --- diff ---------------------------------------------------------------------------------------------------------


def diff_table(found: Diff, console: Console) -> None:
    """The totals, then the chips grouped by their main change (status first), each with what flipped or, when
    the sides share no comparison (two different rounds), what decided each side."""
    console.print(
        plain(f"{found.a} -> {found.b}: {len(found.chips)} of {found.compared} chips change", "bold"), soft_wrap=True
    )
    if found.chips:
        totals = ", ".join(f"{_LABEL[name]} {n}" for name, n in found.totals.items() if n)
        console.print(plain(f"changes: {totals}"), soft_wrap=True)
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for chip in found.chips:
        main = chip.changed[0]
        groups.setdefault((main, chip.a.get(main) or "-", chip.b.get(main) or "-"), []).append(chip)
    for (main, before, after), chips in sorted(groups.items(), key=lambda g: (FIELDS.index(g[0][0]), -len(g[1]))):
        style = STYLE.get(after, "") if main == "status" else ""
        heading = f"{_LABEL[main]} {before} -> {after} ({len(chips)})"
        console.print(Text.assemble("\n", plain(heading.upper() if main == "status" else heading, style)))
        for chip in sorted(chips, key=lambda c: c.chip):
            others = [n for n in chip.changed if n != main]
            also = "; ".join(f"{_LABEL[n]} {chip.a.get(n) or '-'} -> {chip.b.get(n) or '-'}" for n in others)
            console.print(
                Text.assemble("  ", plain(chip.chip, "bold"), plain(f"  ({also})" if also else "")), soft_wrap=True
            )
            if chip.flipped:
                for flip in chip.flipped:
                    console.print(plain(f"    flipped {flip.sentence()}"), soft_wrap=True)
            else:
                for side, standing in (("A", chip.a), ("B", chip.b)):
                    why = standing.why[0] if standing.why else "no round in force applies"
                    console.print(plain(f"    {side}: {why}"), soft_wrap=True)


def diff_csv(found: Diff, out: TextIO) -> None:
    header = ["chip", "source", "changed"] + [f"{n}_{side}" for n in FIELDS for side in ("a", "b")]
    header += ["flipped", "why_a", "why_b"]
    rows = []
    for chip in found.chips:
        row = [chip.chip, chip.source, ";".join(chip.changed)]
        row += [(standing.get(n) or "") for n in FIELDS for standing in (chip.a, chip.b)]
        row += [
            " | ".join(f.sentence() for f in chip.flipped),
            chip.a.why[0] if chip.a.why else "",
            chip.b.why[0] if chip.b.why else "",
        ]
        rows.append(row)
    _csv(out, header, rows)


# --- headroom -------------------------------------------------------------------------------------------------------


def headroom_table(entries: Sequence[Headroom], console: Console) -> None:
    current = None
    for entry in entries:
        if (entry.chip, entry.source, entry.round) != current:
            current = (entry.chip, entry.source, entry.round)
            console.print(Text.assemble("\n", plain(entry.chip, "bold"), plain(f"  ({entry.round})")), soft_wrap=True)
        console.print(plain("  " + entry.sentence().removeprefix(f"{entry.chip}: ")), soft_wrap=True)


def headroom_csv(entries: Sequence[Headroom], out: TextIO) -> None:
    header = ["chip", "source", "round", "metric", "value", "direction", "factor", "factor_exact", "at", "clause"]
    header += ["line", "before", "after", "status_factor", "status_after", "reason"]
    rows = []
    for e in entries:
        first, status = e.first, e.status
        rows.append(
            [
                e.chip,
                e.source,
                e.round,
                e.metric + (f" ({e.note})" if e.note else ""),
                e.value,
                e.direction,
                shown_factor(first.factor, e.direction) if first else "",
                str(first.factor) if first else "",
                ("at" if first.at else "beyond") if first else "",
                first.clause if first else "",
                first.line if first else "",
                first.before.text() if first else "",
                first.after.text() if first else "",
                shown_factor(status.factor, e.direction) if status else "",
                status.after.text() if status else "",
                e.reason,
            ]
        )
    _csv(out, header, rows)


# --- sweep ----------------------------------------------------------------------------------------------------------


def sweep_csv(found: Sweep, out: TextIO) -> None:
    header = ["value", "controlled", "indeterminate", "review", "chips", "controlled_chips"]
    rows = [
        [
            format_number(p.value, 12),
            str(len(p.controlled)),
            str(len(p.indeterminate)),
            str(len(p.review)),
            str(p.total),
            ";".join(p.controlled),
        ]
        for p in found.points
    ]
    _csv(out, header, rows)


def sweep_table(found: Sweep, console: Console) -> None:
    shipped = ", ".join(f"{format_number(v)} from {since}" for since, v in found.shipped)
    console.print(plain(f"{found.round}: {found.parameter} swept (in the rules: {shipped})", "bold"), soft_wrap=True)
    grid = Table(pad_edge=False, box=None)
    for column in ("value", "controlled", "indeterminate", "review", "became controlled", "no longer controlled"):
        grid.add_column(column, overflow="fold")
    changes = {value: (came, left) for value, came, left in found.changes()}
    for i, p in enumerate(found.points):
        came, left = changes.get(p.value, ([], []))
        if i and not came and not left and i != len(found.points) - 1:
            continue  # only the values where the answer changes (and the ends)
        grid.add_row(
            plain(format_number(p.value, 12)),
            plain(str(len(p.controlled))),
            plain(str(len(p.indeterminate))),
            plain(str(len(p.review))),
            plain(", ".join(came)),
            plain(", ".join(left)),
        )
    console.print(grid)
