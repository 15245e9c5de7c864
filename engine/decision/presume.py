"""A round's presumptions, applied to a condition pattern before it is decided.

A presumption is the rule text settling a comparison no sheet figure can ("All HBM stacks currently in production
exceed this threshold", 89 FR 96790). It turns an unknown comparison true only where its own condition is known
to hold, never a known one; the result lists it among its assumptions where the verdict rests on it.
"""

from __future__ import annotations

from datetime import date

from ..conditions.compare import Pattern, line_text
from ..core.logic import Tri
from ..rules.program import Program
from .kleene import tri


def presume(program: Program, found: Pattern, on: date | None = None) -> tuple[Pattern, dict[int, str]]:
    """The pattern with the presumptions applied, and by comparison index the assumption text of each applied."""
    if not program.presumptions:
        return found, {}
    applied = {
        p.index: p.text
        for p in program.presumptions
        if found[p.index] is Tri.U and (p.when is None or tri(p.when, found, {}) is Tri.T)
    }
    if not applied:
        return found, {}
    changed = list(found)
    for i in applied:
        changed[i] = Tri.T
    # the line as it reads that day (`$density_line` as `2 GB/s/mm^2`)
    texts = {
        i: f"presumed: {line_text(program.comparisons[i], on)}, as the rule states: {t}" for i, t in applied.items()
    }
    return tuple(changed), texts
