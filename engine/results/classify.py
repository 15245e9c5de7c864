"""Putting the layers together for one chip: metrics once, then per round a pattern, a verdict and a result."""

from __future__ import annotations

from datetime import date

from ..conditions.compare import pattern
from ..core.logic import Tri
from ..decision.memo import Memo
from ..decision.presume import presume
from ..decision.verdict import Verdict
from ..metrics.compute import ChipMetrics
from ..rules.program import Program
from ..sheets.load import LoadedChip
from .result import Basis, Result


def _assumptions(program: Program, metrics: ChipMetrics, verdict: Verdict) -> list[str]:
    """The chip's assumptions this result rests on: those about a metric a decisive comparison uses (directly or
    through a derived one, as performance density uses TPP)."""
    if not metrics.assumptions:
        return []
    used = {
        base
        for _, i in verdict.decisive
        for base in metrics.base_inputs(program.comparisons[i].metric, program.metric_defs)
    }
    return [a for a in metrics.assumptions if metrics.concerns.get(a) is None or metrics.concerns[a] in used]


def evaluate_chip(program: Program, chip: LoadedChip, on: date, memo: Memo, metrics: ChipMetrics) -> Result:
    """One chip under one compiled round, as of a date (dated thresholds are read on that date).

    `metrics` are the chip's metrics under the rule set's definitions; a round's own derived metrics are added here.
    """
    metrics = metrics.with_derived(program.derived)
    found, presumed = presume(program, pattern(program, metrics, on), on)
    verdict = memo.verdict(program, found)
    rule = program.round
    missing: list[str] = []
    for _, i in sorted(verdict.decisive):
        if found[i] is Tri.U:
            for name in metrics.base_inputs(program.comparisons[i].metric, program.metric_defs):
                if not metrics[name].known and name not in missing:
                    missing.append(name)
    return Result(
        chip=chip.spec.name,
        source=chip.source,
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
        # a presumption counts only where the verdict rests on it (not for a chip outside the round's scope)
        assumptions=_assumptions(program, metrics, verdict)
        + [text for i, text in presumed.items() if any(i == j for _, j in verdict.decisive)],
        warnings=list(metrics.warnings),
        basis=Basis(program, metrics, found, verdict),
        destinations=rule.destinations,
        undetermined=verdict.undetermined,
    )
