"""The rounds as a person reads them: the list of rounds, and one round's clause tree with its quoted text.

Every field comes from a rule file, which is untrusted: each is printed as rich Text (see outputs.table.plain).
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..rules.model import condition_text
from ..rules.program import Program
from ..rules.ruleset import RuleSet
from .in_force import in_force_text
from .table import Column, grid, plain, show, visible

# The rules list, left to right (`exportctl rules --format json|csv` has every field, destinations among them).
RULE_COLUMNS: list[Column[Program]] = [
    Column("round", lambda p: p.round.id, whole=True),
    Column("in force", lambda p: in_force_text(p.round), min_width=len("2022-10-07 .. -")),  # breaks after ".."
    Column("provenance", lambda p: p.round.provenance, whole=True),
    Column("citation", lambda p: p.round.citation),
    Column("applies to", lambda p: p.round.destinations.summary()),
    Column("title", lambda p: p.round.title),
]


def rules_list(rules: RuleSet, out: Console) -> None:
    """The rounds, one row each, and which of them apply only when asked for."""
    show(grid(RULE_COLUMNS, list(rules), out), out)
    asked = [p.round.id for p in rules if not p.round.applied_by_default]
    if asked:
        out.print()
        out.print(plain(f"Applied only when asked for (--round ID): {', '.join(asked)}"))


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
    out.print(plain(f"where: {r.destinations.summary()}"))
    if r.destinations.note:
        out.print(plain(f"  {' '.join(r.destinations.note.split())}"))
    if r.default_license_review:
        out.print(plain(f"licence review when no review clause holds: {r.default_license_review}"))
    for presumption in r.presumptions:
        out.print(plain(f"presumed where unknown: {condition_text(presumption.comparison)}"))
        out.print(plain(f"  {' '.join(presumption.text.split())}"))
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
