"""The readable table of results (rich): grouped by status, strictest first, with the decisive condition."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..core.logic import SEVERITY
from ..results.result import Combined, Result

STYLE = {"controlled": "bold red", "review": "yellow", "indeterminate": "magenta", "not-controlled": "green"}


def _decisive_text(result: Result) -> str:
    decisive = result.decisive
    if not decisive:
        return ""
    # prefer a condition that held (controlled) or failed (not controlled), the one that decided
    want = {"controlled": True, "not-controlled": False}.get(result.status)
    matching = [c for c in decisive if c.holds is want] or decisive
    # the most telling one: a measured margin, then a product name, then anything else
    chosen = min(matching, key=lambda c: (c.margin is None, c.operator != "matches"))
    return chosen.sentence()


def table(results: Sequence[Result | Combined], console: Console) -> None:
    """One row per chip (and round), grouped by status, strictest group first, with counts."""
    # stable: a chip's rows keep the order of the rounds
    ordered = sorted(results, key=lambda r: (-SEVERITY[r.status], r.chip))
    grid = Table(pad_edge=False, box=None)
    grid.add_column("chip", overflow="fold", max_width=26)
    grid.add_column("decided by", overflow="fold", max_width=16)
    grid.add_column("class", overflow="fold", max_width=16)
    grid.add_column("why (decisive condition)", overflow="fold")
    counts = {status: sum(1 for r in results if r.status == status) for status in SEVERITY}
    current = None
    for item in ordered:
        if item.status != current:
            current = item.status
            grid.add_row(f"[{STYLE[current]}]{current.upper()} ({counts[current]})[/]")
        if isinstance(item, Combined):
            first = item.lead
            rounds = first.round if first else "-"
            if len(item.deciding) > 1:
                rounds += f" +{len(item.deciding) - 1}"
            why = _decisive_text(first) if first else "no round in force applies"
            if first and first.missing:
                why += f" [missing: {', '.join(first.missing)}]"
            grid.add_row(escape(item.chip), rounds, escape(_class(first)), escape(why))
        else:
            why = _decisive_text(item)
            if item.missing:
                why += f" [missing: {', '.join(item.missing)}]"
            grid.add_row(escape(item.chip), item.round, escape(_class(item)), escape(why))
    console.print(grid)
    # one line per chip (a chip can be indeterminate under several rounds), naming every figure that would decide it
    wanted: dict[tuple[str, str], set[str]] = {}
    for item in results:
        if item.status == "indeterminate":
            rows = item.results if isinstance(item, Combined) else [item]
            missing = {m for r in rows if r.status == "indeterminate" for m in r.missing}
            wanted.setdefault((item.chip, item.source), set()).update(missing)
    if wanted:
        console.print("\n[magenta]Indeterminate: these figures, once published, would decide them[/]")
        for (chip, _), missing in sorted(wanted.items()):
            console.print(escape(f"  {chip}: {', '.join(sorted(missing))}"))


def _class(result: Result | None) -> str:
    if result is None or result.status != "controlled":
        return ""
    text = result.classification or f"licence ({result.provenance})"
    if result.license_exception:
        text += f" {result.license_exception}"
    return text
