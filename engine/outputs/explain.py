"""The rounds as a person reads them: the list of rounds, and one round's clause tree with its quoted text.

Every field comes from a rule file, which is untrusted: each is printed as rich Text (see outputs.table.plain).
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules.model import Parameter, condition_text
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
