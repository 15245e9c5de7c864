"""What a batch result row says for one condition pattern: built once per distinct pattern, filled in per row.

`pattern_row` is the one place that turns a round's verdict into output columns; `combined_row` does the same for
the rounds in force on a date, through `results.combine` (the strictest outcome wins, as for a single chip).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..conditions.compare import line_text
from ..core.logic import Status, Tri
from ..decision.verdict import Verdict
from ..results.combine import combine
from ..results.result import Combined, Result
from ..rules.program import Program

# The columns of a result row, in order (`explanation` only with --explain; `deciding_rounds` only combined).
ROUND_COLUMNS = (
    "status",
    "classification",
    "license_exception",
    "license_review",
    "undetermined",
    "decisive",
    "missing",
    "destinations",
)
LIST_SEPARATOR = ";"


def decisive_clauses(program: Program, verdict: Verdict) -> list[str]:
    """The clauses owning the decisive comparisons, in program order."""
    return list(dict.fromkeys(owner for owner, index in program.owners if (owner, index) in verdict.decisive))


def pattern_row(program: Program, verdict: Verdict, missing: list[str]) -> dict[str, Any]:
    """The output columns of one round for one pattern (and the missing figures of the rows that have it)."""
    return {
        "round": program.round.id,
        "status": str(verdict.status),
        "classification": verdict.classification,
        "license_exception": verdict.license_exception,
        "license_review": verdict.license_review,
        # outcomes an unknown figure leaves open: None above is then "undetermined", not "none"
        "undetermined": LIST_SEPARATOR.join(verdict.undetermined),
        "decisive": LIST_SEPARATOR.join(decisive_clauses(program, verdict)),
        "missing": LIST_SEPARATOR.join(missing),
        "destinations": program.round.destinations.summary(),
    }


_HEADS = {Status.NOT_CONTROLLED: "not controlled", Status.INDETERMINATE: "indeterminate", Status.REVIEW: "review"}
_HOLDS = {Tri.T: "holds", Tri.F: "fails", Tri.U: "unknown"}


def explanation(program: Program, verdict: Verdict, found: tuple[Tri, ...], on: date | None = None) -> str:
    """The status and every decisive comparison with its outcome, for a pattern (the values are the row's own)."""
    head = _HEADS.get(verdict.status) or (
        f"controlled ({verdict.classification})" if verdict.classification else "controlled"
    )
    shown = [
        f"[{owner}] {line_text(program.comparisons[index], on)}: {_HOLDS[found[index]]}"
        for owner, index in program.owners
        if (owner, index) in verdict.decisive
    ]
    return f"{head}: {'; '.join(shown)}" if shown else head


def round_result(program: Program, verdict: Verdict, missing: list[str], on: date) -> Result:
    """A Result with no chip attached (what results.combine reads), for a pattern."""
    rule = program.round
    return Result(
        chip="",
        source="",
        round=rule.id,
        status=verdict.status,
        classification=verdict.classification,
        license_exception=verdict.license_exception,
        license_review=verdict.license_review,
        applicable=verdict.applicable,
        clauses=dict(verdict.clauses),
        missing=missing,
        citation=rule.citation,
        provenance=rule.provenance,
        title=rule.title,
        as_of=on,
        destinations=rule.destinations,
        undetermined=verdict.undetermined,
    )


def combined_row(results: list[Result], rows: list[dict[str, Any]], on: date) -> dict[str, Any]:
    """The output columns as of a date: the strictest of the rounds in force (`rows`: their pattern rows)."""
    combined: Combined = combine("", "", on, results)
    lead = combined.lead
    deciding = [rows[results.index(r)] for r in combined.deciding]
    missing = list(dict.fromkeys(m for row in deciding for m in row["missing"].split(LIST_SEPARATOR) if m))
    out = {
        "round": "combined",
        "status": str(combined.status),
        "classification": lead.classification if lead else None,
        "license_exception": lead.license_exception if lead else None,
        "license_review": combined.license_review,
        "undetermined": LIST_SEPARATOR.join(combined.undetermined),
        "decisive": " | ".join(f"{row['round']}: {row['decisive']}" for row in deciding if row["decisive"]),
        "missing": LIST_SEPARATOR.join(missing),
        "destinations": " | ".join(f"{row['round']}: {row['destinations']}" for row in deciding),
        "deciding_rounds": LIST_SEPARATOR.join(r.round for r in combined.deciding),
    }
    if deciding and "explanation" in deciding[0]:
        first = rows[results.index(lead)] if lead else deciding[0]
        out["explanation"] = f"{first['round']}: {first['explanation']}"
    elif rows and "explanation" in rows[0]:
        out["explanation"] = "no round in force applies" if not results else "not controlled under any round in force"
    return out
