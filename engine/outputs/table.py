"""The readable table of results (rich): grouped by status, strictest first, with the decisive condition.

Also what every terminal output shares: names, sources and rule text are untrusted, so they are printed as rich
Text (never parsed as markup or emoji codes) after `visible`, which shows control characters as escapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.logic import SEVERITY
from ..results.result import Combined, Result
from .formats import escaped_char

STYLE = {"controlled": "bold red", "review": "yellow", "indeterminate": "magenta", "not-controlled": "green"}

# What a terminal would act on or a reader would misplace, rather than show: C0 and C1 controls (ESC starts colour,
# hyperlink and title sequences; CR and BS overwrite; LF starts a fake row), DEL, line and paragraph separators,
# the bidirectional embeddings, overrides and isolates (they reorder the text around them), and lone surrogates
# (undecodable file-name bytes, which no UTF-8 terminal can be sent).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    """The text with every character a terminal would act on shown as an escape (ESC as `\\x1b`)."""
    return _UNSAFE.sub(lambda m: escaped_char(m.group()), text)


def plain(text: str, style: str = "") -> Text:
    """Untrusted text as a rich Text: printed as it reads, with no markup, emoji codes or control characters."""
    return Text(visible(text), style=style)


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
            grid.add_row(Text(f"{current.upper()} ({counts[current]})", style=STYLE[current]))
        if isinstance(item, Combined):
            first = item.lead
            rounds = first.round if first else "-"
            if len(item.deciding) > 1:
                rounds += f" +{len(item.deciding) - 1}"
            why = _decisive_text(first) if first else "no round in force applies"
            if first and first.missing:
                why += f" [missing: {', '.join(first.missing)}]"
        else:
            first, rounds = item, item.round
            why = _decisive_text(item)
            if item.missing:
                why += f" [missing: {', '.join(item.missing)}]"
        grid.add_row(plain(item.chip), plain(rounds), plain(_class(first)), plain(why))
    console.print(grid)
    # one line per chip (a chip can be indeterminate under several rounds), naming every figure that would decide it
    wanted: dict[tuple[str, str], set[str]] = {}
    for item in results:
        if item.status == "indeterminate":
            rows = item.results if isinstance(item, Combined) else [item]
            missing = {m for r in rows if r.status == "indeterminate" for m in r.missing}
            wanted.setdefault((item.chip, item.source), set()).update(missing)
    if wanted:
        console.print(
            Text.assemble("\n", ("Indeterminate: these figures, once published, would decide them", "magenta"))
        )
        for (chip, _), missing in sorted(wanted.items()):
            console.print(plain(f"  {chip}: {', '.join(sorted(missing))}"))


def _class(result: Result | None) -> str:
    if result is None or result.status != "controlled":
        return ""
    text = result.classification or f"licence ({result.provenance})"
    if result.license_exception:
        text += f" {result.license_exception}"
    return text
