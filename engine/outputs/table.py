"""The readable table of results (rich): grouped by status, strictest first, with the decisive condition.

Also what every terminal table and output shares:

- Tables are made of `Column`s, each a heading, the text of its cell for a row, and whether it is an identifier
  (a round id: kept on one line). A table uses the width it has; no word is ever broken, so an
  id, a metric name or a figure is always whole: free text wraps at spaces, and where even a column's longest word
  does not fit, the line is longer than the terminal (it wraps there) rather than cut or folded.
- Names, sources and rule text are untrusted, so they are printed as rich Text (never parsed as markup or emoji
  codes) after `visible`, which shows control characters as escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich.console import Console
from rich.measure import Measurement
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


Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """A table column: its heading, its cell's text for a row, and whether that text is an identifier (`whole`:
    one line, as a round id), or free text that wraps at spaces. Either way no word is broken."""

    header: str
    cell: Callable[[Row], str]
    whole: bool = False
    min_width: int = 0  # a floor, where the text has a natural break wider than a word (`2022-10-07 ..`)


@dataclass(frozen=True)
class Heading:
    """A row that heads a group of rows (`CONTROLLED (16)`): its text in the first column."""

    text: str
    style: str = ""


GAP = 2  # spaces between columns (rich's padding of one either side; none at the table's edges)


def grid(columns: Sequence[Column[Row]], rows: Iterable[Row | Heading], console: Console) -> Table:
    """A rich Table of the rows at the console's width, no column narrower than its longest word (its longest cell
    if `whole`), so that rich never has to fold one. Print it with `show`, which never crops a line."""
    cells: list[list[Text]] = []
    for row in rows:
        if isinstance(row, Heading):
            # a heading reads whole across the row, whatever the first column's width
            cells.append([Text(row.text, style=row.style)] + [Text("") for _ in columns[1:]])
        else:
            cells.append([plain(column.cell(row)) for column in columns])
    natural, least = [], []
    for index, column in enumerate(columns):
        sizes = [Measurement.get(console, console.options, Text(column.header))]
        sizes += [Measurement.get(console, console.options, row[index]) for row in cells]
        natural.append(max(size.maximum for size in sizes))
        word = max(sizes[0].minimum, *(s.maximum if column.whole else s.minimum for s in sizes[1:]))
        least.append(min(natural[-1], max(word, column.min_width)))
    widths = narrowed(natural, least, console.width - GAP * (len(columns) - 1))
    # the widths are chosen here because rich narrows the widest columns without regard to their longest words
    table = Table(pad_edge=False, box=None, width=sum(widths) + GAP * (len(columns) - 1))
    for column, width in zip(columns, widths, strict=True):
        table.add_column(column.header, width=width, no_wrap=column.whole, overflow="fold")
    for row_cells in cells:
        table.add_row(*row_cells)
    return table


def narrowed(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths that fit the room where they can: the widest columns are narrowed first, to a common width
    (as rich does), but none below its least width. Where even the least widths do not fit, those."""
    if sum(natural) <= room:
        return list(natural)

    def capped(cap: int) -> list[int]:
        return [max(low, min(width, cap)) for width, low in zip(natural, least, strict=True)]

    low, high = 0, max(natural)  # the widest common width that fits lies in [low, high)
    if sum(capped(low)) > room:
        return capped(low)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if sum(capped(middle)) <= room else (low, middle)
    widths = capped(low)
    spare = room - sum(widths)  # fewer than the columns held at the cap: one more for each of the first
    for index, width in enumerate(natural):
        if spare and widths[index] == low < width:
            widths[index] += 1
            spare -= 1
    return widths


def show(table: Table, console: Console) -> None:
    """Print a table whole: where its narrowest layout is wider than the console, the lines run longer (a terminal
    wraps them) instead of being cut at the edge."""
    console.print(table, crop=False)


@dataclass(frozen=True)
class ResultRow:
    """A row of the results table: a chip's result under a round, or combined as of a date, with what is shown
    for it (`lead`: the result that decided it)."""

    item: Result | Combined
    lead: Result | None
    rounds: str
    why: str


def result_row(item: Result | Combined) -> ResultRow:
    if isinstance(item, Combined):
        first = item.lead
        # every deciding round, the one shown first leading: "us-2023-10, us-2025-04, us-2026-01", never "+2"
        rounds = ", ".join([first.round] + [r.round for r in item.deciding if r is not first]) if first else "-"
        why = item.reason
    else:
        first, rounds = item, item.round
        why = item.reason
    # an indeterminate chip's reason names what it needs; a controlled one's open outcomes say it in their columns
    missing = item.missing if item.status == "not-controlled" else []
    if missing and not why.startswith("needs "):
        why += f" [missing: {', '.join(missing)}]"
    return ResultRow(item, first, rounds, why)


def _terms(row: ResultRow) -> str:
    """A controlled chip's licence terms: the exception and the review policy, each as decided or "undetermined"
    (the figures that would decide it are listed under the table)."""
    item = row.item
    if item.status != "controlled":
        return ""
    open_outcomes = item.undetermined
    exception = "undetermined" if "license_exception" in open_outcomes else item.exception_text
    review = "undetermined" if "license_review" in open_outcomes else item.review_text
    parts = [f"exception: {exception}"] if exception else []
    parts += [f"review: {review}"] if review else []  # the full policy text is in JSON/CSV
    return "; ".join(parts)


def _terms_and_why(row: ResultRow) -> str:
    terms = _terms(row)
    return f"{terms}. {row.why}" if terms else row.why


# The results table, left to right: add a column here and it is shown, sized and kept whole like the others. The
# licence terms lead the reason rather than take a column: every id and metric name stays whole (a 24-character
# metric name, a 20-character round id) and the table still fits 80 columns.
RESULT_COLUMNS: list[Column[ResultRow]] = [
    Column("chip", lambda r: r.item.chip),
    Column("decided by", lambda r: r.rounds),
    Column("class", lambda r: _class(r.lead)),
    Column("licence terms; why (decisive reason)", _terms_and_why),
]


def _places(results: Sequence[Result | Combined]) -> dict[str, str]:
    """Each round shown in the table, by id in the order first shown: its citation and where it applies."""
    out: dict[str, str] = {}
    for item in results:
        for r in item.deciding if isinstance(item, Combined) else [item]:
            if r.destinations is not None and r.round not in out:
                out[r.round] = f"{r.citation}; applies to {r.destinations.summary()}"
    return out


def table(results: Sequence[Result | Combined], console: Console) -> None:
    """One row per chip (and round), grouped by status, strictest group first, with counts (nothing when there
    are no results: the summary on stderr says why)."""
    if not results:
        return
    # stable: a chip's rows keep the order of the rounds
    ordered = sorted(results, key=lambda r: (-SEVERITY[r.status], r.chip))
    counts = {status: sum(1 for r in results if r.status == status) for status in SEVERITY}
    rows: list[ResultRow | Heading] = []
    current = None
    for item in ordered:
        if item.status != current:
            current = item.status
            rows.append(Heading(f"{current.upper()} ({counts[current]})", STYLE[current]))
        rows.append(result_row(item))
    show(grid(RESULT_COLUMNS, rows, console), console)
    places = _places(results)
    if places:
        console.print(Text.assemble("\n", ("The rounds: citation, and where each one's requirement applies", "bold")))
        for round_id, where in places.items():
            console.print(plain(f"  {round_id}: {where}"))
    # one line per chip (a chip can be indeterminate under several rounds, or controlled with its licence terms
    # open), naming every figure that would decide it
    wanted: dict[tuple[str, str], set[str]] = {}
    for item in results:
        if item.status == "indeterminate" or (item.status == "controlled" and item.undetermined):
            found = item.results if isinstance(item, Combined) else [item]
            missing = {m for r in found if r.status == item.status for m in r.missing}
            wanted.setdefault((item.chip, item.source), set()).update(missing)
    if wanted:
        console.print(
            Text.assemble(
                "\n",
                ("Undetermined: these figures, once published, would decide the status or licence terms", "magenta"),
            )
        )
        for (chip, _), missing in sorted(wanted.items()):
            console.print(plain(f"  {chip}: {', '.join(sorted(missing))}"))


def _class(result: Result | None) -> str:
    """The ECCN paragraph, or for a letter's licence requirement `licence (is-informed)`; "undetermined" where an
    unknown figure leaves the paragraph open."""
    if result is None or result.status != "controlled":
        return ""
    if "classification" in result.undetermined:
        return "undetermined"
    return result.classification or f"licence ({result.provenance})"
