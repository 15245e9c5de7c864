"""The rounds as a person reads them: the list of rounds, and one round's clause tree with its quoted text.

Every field comes from a rule file, which is untrusted: each is printed as rich Text (see outputs.table.plain).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules.model import condition_text
from ..rules.ruleset import RuleSet
from .table import plain, visible


def rules_list(rules: RuleSet, out: Console) -> None:
    grid = Table(pad_edge=False)
    for column in ("round", "citation", "provenance", "in force", "title"):
        grid.add_column(column, overflow="fold")  # in a narrow terminal a long word folds; nothing is cut off
    for program in rules:
        r = program.round
        until = r.dates.ends.isoformat() if r.dates.ends else "-"
        extra = "" if r.applied_by_default else " (not applied by default)"
        dates = f"{r.dates.effective} .. {until}{extra}"
        grid.add_row(*(plain(text) for text in (r.id, r.citation, r.provenance, dates, r.title)))
    out.print(grid)


def _quoted(text: str, indent: str) -> str:
    """Quoted rule text over several lines (a YAML block) keeps its lines, each indented to where the text began,
    so that no line of it can read as a heading, a `when` or another clause."""
    return f"\n{indent}".join(visible(line) for line in text.split("\n"))


def explain_round(rules: RuleSet, round_id: str, out: Console) -> None:
    program = rules[round_id]
    r = program.round
    out.print(
        Text.assemble(
            (visible(r.id), "bold"), f"  {visible(r.citation)}  ({visible(r.provenance)})\n{visible(r.title)}"
        )
    )
    out.print(plain(f"in force {r.dates.effective} .. {r.dates.ends or '-'}"))
    if r.applies_to:
        when, text = visible(condition_text(r.applies_to.when)), _quoted(r.applies_to.text, "  ")
        out.print(Text.assemble("\n", ("applies to", "bold"), f": {when}\n  {text}"))
    for clause in r.clauses:
        outcome = ""
        if clause.outcome:
            o = clause.outcome
            outcome = " -> " + ", ".join(
                x for x in (o.status, o.classification, o.license_exception, o.license_review) if x
            )
        when, text = visible(condition_text(clause.when)), _quoted(clause.text.strip(), " " * 8)
        out.print(
            Text.assemble("\n", (visible(clause.id), "bold"), f"{visible(outcome)}\n  when {when}\n  text: {text}")
        )
