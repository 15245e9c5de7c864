"""Clause values -> the verdict: status, outcomes and the decisive comparisons, as a pure function of the
program's structure and the condition pattern (so it is memoized by exactly that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..core.logic import Status, Tri
from ..rules.program import AllNode, CmpNode, ConstNode, Node, NotNode, Program, RefNode
from .kleene import tri

# The synthetic nodes a result reports; the others (`$`-prefixed helpers of overlays) stay internal.
REPORTED = ("$scope", "$controlled", "$review")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a round decides for one condition pattern, before any chip-specific text is attached."""

    status: Status
    applicable: bool | None  # False: the round does not address the chip (out of scope, or a letter not caught)
    classification: str | None
    license_exception: str | None
    license_review: str | None
    decisive: frozenset[tuple[str, int]]  # (owning clause, comparison index) pairs that justify the status
    clauses: Mapping[str, Tri]  # the value of every clause (and of $scope, $controlled, $review)


def _status(program: Program, values: Mapping[str, Tri]) -> tuple[Status, bool | None]:
    scope, ctrl, rev = values["$scope"], values["$controlled"], values["$review"]
    if scope is Tri.F:
        return Status.NOT_CONTROLLED, False
    if ctrl is Tri.T:
        status = Status.CONTROLLED
    elif ctrl is Tri.F and rev is Tri.T:
        status = Status.REVIEW
    elif ctrl is Tri.F and rev is Tri.F:
        status = Status.NOT_CONTROLLED
    else:
        status = Status.INDETERMINATE
    applicable: bool | None = None if scope is Tri.U else True
    if program.round.catch_only and status is Status.NOT_CONTROLLED:
        applicable = False
    return status, applicable


def _first_clause(program: Program, values: Mapping[str, Tri], attribute: str) -> str | None:
    """The first clause (in program order) with this kind of outcome that holds."""
    return next((c for c in program.clauses_with(attribute) if values.get(c) is Tri.T), None)


def _first(program: Program, values: Mapping[str, Tri], attribute: str) -> str | None:
    clause = _first_clause(program, values, attribute)
    return None if clause is None else getattr(program.outcomes[clause], attribute)


def _justify(
    program: Program, pattern: tuple[Tri, ...], values: Mapping[str, Tri], targets: list[str]
) -> frozenset[tuple[str, int]]:
    """The (clause, comparison) pairs that justify the targets' values.

    A decided conjunction or disjunction is justified by its first decisive child, an unknown one by its unknown
    children, any other by all of them; a reference by the referenced clause's own justification.
    """
    out: set[tuple[str, int]] = set()
    seen: set[str] = set()
    stack: list[tuple[Node, str]] = [(RefNode(t), t) for t in reversed(targets)]
    plain = dict(values)  # tri() reads a plain dict
    while stack:
        node, owner = stack.pop()
        if isinstance(node, CmpNode):
            out.add((owner, node.index))
        elif isinstance(node, RefNode):
            if node.target not in seen:
                seen.add(node.target)
                stack.append((program.nodes[node.target], node.target))
        elif isinstance(node, NotNode):
            stack.append((node.child, owner))
        elif not isinstance(node, ConstNode):
            value = tri(node, pattern, plain)
            decisive = Tri.F if isinstance(node, AllNode) else Tri.T
            if value is decisive:
                chosen = [next(c for c in node.children if tri(c, pattern, plain) is decisive)]
            elif value is Tri.U:
                chosen = [c for c in node.children if tri(c, pattern, plain) is Tri.U]
            else:
                chosen = list(node.children)
            stack.extend((child, owner) for child in reversed(chosen))
    return frozenset(out)


def verdict(program: Program, pattern: tuple[Tri, ...], values: Mapping[str, Tri]) -> Verdict:
    """The verdict, from the node values a backend computed for this pattern."""
    values = {nid: Tri(v) for nid, v in values.items()}
    status, applicable = _status(program, values)
    controlled = status is Status.CONTROLLED
    classification = _first(program, values, "classification") if controlled else None
    exception = _first(program, values, "license_exception") if controlled else None
    review = (_first(program, values, "license_review") or program.round.default_license_review) if controlled else None
    if controlled:
        targets = [_first_clause(program, values, "classification") or "$controlled"]
        targets += [
            c
            for c in program.clauses_with("license_exception") + program.clauses_with("license_review")
            if values.get(c) in (Tri.T, Tri.U)
        ]
    elif values["$scope"] is Tri.F:
        targets = ["$scope"]
    else:
        targets = ["$controlled", "$review"]
    clauses = {nid: v for nid, v in values.items() if not nid.startswith("$") or nid in REPORTED}
    return Verdict(
        status, applicable, classification, exception, review, _justify(program, pattern, values, targets), clauses
    )
