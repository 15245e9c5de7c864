"""The rounds as a person reads them: the list of rounds, and one round's clause tree with its quoted text.

Every field comes from a rule file, which is untrusted: each is printed as rich Text (see outputs.table.plain).
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.text import Text

from ..rules.model import Parameter, condition_text
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


def _values(parameter: Parameter) -> str:
    """A parameter's value, or its values from their dates on."""
    items = sorted(parameter.values.items())
    if len(items) == 1:
        return items[0][1]
    return ", ".join(f"{value} from {since}" for since, value in items)


def _with_values(text: str, parameters: dict[str, Parameter]) -> str:
    """`tpp >= $tpp_line` as `tpp >= $tpp_line (4800)`: the name a what-if moves, and the line it stands for."""
    return re.sub(
        r"\$([A-Za-z_][A-Za-z0-9_]*)",
        lambda m: f"{m.group()} ({_values(parameters[m.group(1)])})" if m.group(1) in parameters else m.group(),
        text,
    )


def explain_round(rules: RuleSet, round_id: str, out: Console) -> None:
    program = rules[round_id]
    r = program.round
    out.print(
        Text.assemble(
            (visible(r.id), "bold"), f"  {visible(r.citation)}  ({visible(r.provenance)})\n{visible(r.title)}"
        )
    )
    out.print(plain(f"in force {r.dates.effective} .. {r.dates.ends or '-'}"))
    if program.variant is not None:
        out.print(plain(f"what-if made from {program.variant.base}: " + "; ".join(program.variant.changes)))
    out.print(plain(f"where: {r.destinations.summary()}"))
    if r.destinations.note:
        out.print(plain(f"  {' '.join(r.destinations.note.split())}"))
    if r.default_license_review:
        out.print(plain(f"licence review when no review clause holds: {r.default_license_review}"))
    for presumption in r.presumptions:
        text = _with_values(condition_text(presumption.comparison), r.parameters)
        out.print(plain(f"presumed where unknown: {text}"))
        out.print(plain(f"  {' '.join(presumption.text.split())}"))
    if r.parameters:
        out.print(Text.assemble("\n", ("parameters", "bold"), " (a what-if moves one with --set ROUND.NAME=VALUE)"))
        for name, parameter in r.parameters.items():
            about = f": {_quoted(parameter.description.strip(), '    ')}" if parameter.description else ""
            out.print(plain(f"  ${name} = {_values(parameter)}{about}"))
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
        when = visible(_with_values(condition_text(clause.when), r.parameters))
        text = _quoted(clause.text.strip(), " " * 8)
        out.print(
            Text.assemble("\n", (visible(clause.id), "bold"), f"{visible(outcome)}\n  when {when}\n  text: {text}")
        )
