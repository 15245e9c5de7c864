"""The rounds as a person reads them: the list of rounds, and one round's clause tree with its quoted text."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..rules.model import condition_text
from ..rules.ruleset import RuleSet


def rules_list(rules: RuleSet, out: Console) -> None:
    grid = Table(pad_edge=False)
    for column in ("round", "citation", "provenance", "in force", "title"):
        grid.add_column(column, overflow="fold")  # in a narrow terminal a long word folds; nothing is cut off
    for program in rules:
        r = program.round
        until = r.dates.ends.isoformat() if r.dates.ends else "-"
        extra = "" if r.applied_by_default else " (not applied by default)"
        grid.add_row(r.id, r.citation, r.provenance, f"{r.dates.effective} .. {until}{extra}", r.title)
    out.print(grid)


def explain_round(rules: RuleSet, round_id: str, out: Console) -> None:
    program = rules[round_id]
    r = program.round
    out.print(f"[bold]{escape(r.id)}[/]  {escape(r.citation)}  ({r.provenance})\n{escape(r.title)}")
    out.print(f"in force {r.dates.effective} .. {r.dates.ends or '-'}")
    if r.applies_to:
        when, text = escape(condition_text(r.applies_to.when)), escape(r.applies_to.text)
        out.print(f"\n[bold]applies to[/]: {when}\n  {text}")
    for clause in r.clauses:
        outcome = ""
        if clause.outcome:
            o = clause.outcome
            outcome = " -> " + ", ".join(
                x for x in (o.status, o.classification, o.license_exception, o.license_review) if x
            )
        when, text = escape(condition_text(clause.when)), escape(clause.text.strip())
        out.print(f"\n[bold]{escape(clause.id)}[/]{escape(outcome)}\n  when {when}\n  text: {text}")
