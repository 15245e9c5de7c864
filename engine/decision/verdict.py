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
    # outcomes of a controlled chip that an unknown figure leaves open ("classification", "license_exception",
    # "license_review"): their value above is None, which must not read as "none applies"
    undetermined: tuple[str, ...] = ()
    # clauses that held and, negated, kept a control clause from holding (the Note to 3A090 for a consumer card):
    # what excluded a chip that is not controlled
    exclusions: tuple[str, ...] = ()


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


def _first(program: Program, values: Mapping[str, Tri], attribute: str) -> tuple[str | None, bool]:
    """The outcome of the first clause (in program order) of this kind that holds, and whether it is decided.

    Clauses are read in order, as the rule text lists them: an earlier clause that is unknown could hold, so a
    later one that holds does not decide, and when none holds, an unknown one leaves the outcome open. Unknown is
    not no: an open licence exception is not "no exception", an open review policy is not the default.
    """
    for clause in program.clauses_with(attribute):
        value = values.get(clause)
        if value is Tri.T:
            return getattr(program.outcomes[clause], attribute), True
        if value is Tri.U:
            return None, False
    return None, True


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


def _exclusions(program: Program, pattern: tuple[Tri, ...], values: dict[str, Tri]) -> tuple[str, ...]:
    """Clauses whose holding made a control clause fail through a `not`: `all: [..., not: clause X]` is false
    because X is true. The first false part of the conjunction is what decided it (as in _justify)."""
    found: list[str] = []
    for clause in program.clauses_with("status"):
        node = program.nodes[clause]
        if not isinstance(node, AllNode) or values.get(clause) is not Tri.F:
            continue
        first = next((c for c in node.children if tri(c, pattern, values) is Tri.F), None)
        if isinstance(first, NotNode) and isinstance(first.child, RefNode):
            target = first.child.target
            if values.get(target) is Tri.T and target not in found:
                found.append(target)
    return tuple(found)


def verdict(program: Program, pattern: tuple[Tri, ...], values: Mapping[str, Tri]) -> Verdict:
    """The verdict, from the node values a backend computed for this pattern."""
    values = {nid: Tri(v) for nid, v in values.items()}
    status, applicable = _status(program, values)
    controlled = status is Status.CONTROLLED
    classification = exception = review = None
    undetermined: list[str] = []
    if controlled:
        classification, known = _first(program, values, "classification")
        if not known:
            undetermined.append("classification")
        exception, known = _first(program, values, "license_exception")
        if not known:
            undetermined.append("license_exception")
        review, known = _first(program, values, "license_review")
        if not known:
            undetermined.append("license_review")
        elif review is None:  # no review clause holds: the round's default policy, if it states one
            review = program.round.default_license_review
    if controlled:
        targets = [_first_clause(program, values, "classification") or "$controlled"]
        targets += [
            c
            for c in program.clauses_with("license_exception") + program.clauses_with("license_review")
            if values.get(c) in (Tri.T, Tri.U)
        ]
        if "classification" in undetermined:  # the unknown classification clauses say what would decide it
            targets += [c for c in program.clauses_with("classification") if values.get(c) is Tri.U]
    elif values["$scope"] is Tri.F:
        targets = ["$scope"]
    else:
        targets = ["$controlled", "$review"]
    clauses = {nid: v for nid, v in values.items() if not nid.startswith("$") or nid in REPORTED}
    return Verdict(
        status,
        applicable,
        classification,
        exception,
        review,
        _justify(program, pattern, values, targets),
        clauses,
        tuple(undetermined),
        () if controlled else _exclusions(program, pattern, values),
    )
