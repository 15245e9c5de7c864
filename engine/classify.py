"""Putting the layers together: spec sheet -> metrics -> conditions -> decision -> result."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import decision as decisions
from .conditions import ConditionResult, evaluate, pattern_of
from .definitions import Definitions, load_definitions
from .metrics import compute_metrics
from .program import Node, Program
from .result import Combined, ConditionView, Result, strictest
from .rules import RuleSet, load_rules
from .sheets import LoadedChip, load_chip
from .specsheet import ChipSpec

ChipLike = ChipSpec | LoadedChip | str | Path


def _explain(
    node: Node,
    values: dict[str, str],
    pattern: tuple[str, ...],
    nodes: dict[str, Node],
    owner: str,
    out: set[tuple[str, int]],
    seen: set[str],
) -> None:
    """Collect the (clause, comparison) pairs that justify a node's value."""
    from .decision.python import tri

    kind = node[0]
    if kind == "cmp":
        out.add((owner, node[1]))
        return
    if kind == "ref":
        if node[1] not in seen:
            seen.add(node[1])
            _explain(nodes[node[1]], values, pattern, nodes, node[1], out, seen)
        return
    if kind == "const":
        return
    if kind == "not":
        _explain(node[1], values, pattern, nodes, owner, out, seen)
        return
    value = tri(node, pattern, values)
    children = node[1]
    decisive = "F" if kind == "all" else "T"
    if value == decisive:
        chosen = [next(c for c in children if tri(c, pattern, values) == decisive)]
    elif value == "U":
        chosen = [c for c in children if tri(c, pattern, values) == "U"]
    else:
        chosen = list(children)
    for child in chosen:
        _explain(child, values, pattern, nodes, owner, out, seen)


def _first_clause(program: Program, values: dict[str, str], attribute: str) -> str | None:
    """The first clause (in program order) with this kind of outcome that holds."""
    return next((c for c in program.clauses_with(attribute) if values.get(c) == "T"), None)


def _first(program: Program, values: dict[str, str], attribute: str) -> str | None:
    clause = _first_clause(program, values, attribute)
    return None if clause is None else getattr(program.outcomes[clause], attribute)


def _status(program: Program, values: dict[str, str]) -> tuple[str, bool | None]:
    scope, ctrl, rev = values["$scope"], values["$controlled"], values["$review"]
    if scope == "F":
        return "not-controlled", False
    if ctrl == "T":
        status = "controlled"
    elif ctrl == "F" and rev == "T":
        status = "review"
    elif ctrl == "F" and rev == "F":
        status = "not-controlled"
    else:
        status = "indeterminate"
    applicable: bool | None = None if scope == "U" else True
    if program.round.catch_only and status == "not-controlled":
        applicable = False
    return status, applicable


def evaluate_chip(
    program: Program,
    spec: ChipSpec,
    source: str,
    on: date,
    memo: decisions.Memo | None = None,
    definitions: Definitions | None = None,
) -> Result:
    """One chip under one compiled round, as of a date (dated thresholds are read on that date)."""
    memo = memo or decisions.default()
    definitions = definitions or load_definitions()
    metrics = compute_metrics(spec, definitions, extra=program.derived)
    conditions = evaluate(program, metrics, on)
    pattern = pattern_of(conditions)
    values = memo.decide(program, pattern)
    status, applicable = _status(program, values)
    rule = program.round
    classification = _first(program, values, "classification") if status == "controlled" else None
    exception = _first(program, values, "license_exception") if status == "controlled" else None
    review = (
        (_first(program, values, "license_review") or rule.default_license_review) if status == "controlled" else None
    )

    nodes = program.node_map
    decisive: set[tuple[str, int]] = set()
    if status == "controlled":
        targets = [_first_clause(program, values, "classification") or "$controlled"]
        targets += [
            c
            for c in program.clauses_with("license_exception") + program.clauses_with("license_review")
            if values.get(c) in ("T", "U")
        ]
    elif values["$scope"] == "F":
        targets = ["$scope"]
    else:
        targets = ["$controlled", "$review"]
    for target in targets:
        _explain(("ref", target), values, pattern, nodes, target, decisive, set())

    views = [_view(owner, conditions[i], (owner, i) in decisive) for owner, i in program.owners]
    missing: list[str] = []
    for owner, i in sorted(decisive):
        result = conditions[i]
        if result.holds == "U":
            for name in metrics.base_inputs(result.comparison.metric, {**definitions.metrics, **program.derived}):
                if not metrics[name].known and name not in missing:
                    missing.append(name)
    deciding = [v for v in views if v.decisive]
    explanation = _sentence(status, classification, deciding, program)
    return Result(
        chip=spec.name,
        source=source,
        round=rule.id,
        status=status,
        classification=classification,
        license_exception=exception,
        license_review=review,
        applicable=applicable,
        conditions=views,
        clauses={
            nid: v
            for nid, v in values.items()
            if not nid.startswith("$") or nid in ("$scope", "$controlled", "$review")
        },
        missing=missing,
        citation=rule.citation,
        provenance=rule.provenance,
        title=rule.title,
        as_of=on,
        assumptions=list(metrics.assumptions),
        warnings=list(metrics.warnings),
        explanation=explanation,
    )


def _view(owner: str, result: ConditionResult, decisive: bool) -> ConditionView:
    c = result.comparison
    holds = {"T": True, "F": False}.get(result.holds)
    return ConditionView(
        owner,
        c.key,
        c.metric,
        c.op,
        result.threshold,
        result.value.display(),
        holds,
        result.margin,
        result.value.basis,
        decisive,
    )


def _sentence(status: str, classification: str | None, deciding: list[ConditionView], program: Program) -> str:
    head = {
        "controlled": f"controlled ({classification})" if classification else "controlled",
        "not-controlled": "not controlled",
        "indeterminate": "indeterminate",
        "review": "review",
    }[status]
    if not deciding:
        return head
    shown = "; ".join(f"[{v.clause}] {v.sentence()}" for v in deciding[:4])
    more = f"; +{len(deciding) - 4} more" if len(deciding) > 4 else ""
    return f"{head}: {shown}{more}"


def _as_loaded(chip: ChipLike) -> LoadedChip:
    if isinstance(chip, LoadedChip):
        return chip
    if isinstance(chip, ChipSpec):
        return LoadedChip(chip, "<library>")
    return LoadedChip(load_chip(chip), str(chip))


def classify(
    chip: ChipLike,
    rounds: list[str] | None = None,
    as_of: date | None = None,
    rules: RuleSet | None = None,
    memo: decisions.Memo | None = None,
) -> list[Result]:
    """A chip under each round asked for (default: every round applied by default), as of a date (default today)."""
    rules = rules or load_rules()
    loaded = _as_loaded(chip)
    on = as_of or date.today()
    ids = rounds or [p.round.id for p in rules if p.round.applied_by_default]
    return [evaluate_chip(rules[r], loaded.spec, loaded.source, on, memo, rules.definitions) for r in ids]


def in_force(rules: RuleSet, on: date, rounds: list[str] | None = None) -> list[Program]:
    """Rounds in force on a date; only those asked for, if any (even those not applied by default)."""
    chosen = rounds or [p.round.id for p in rules if p.round.applied_by_default]
    return [rules[r] for r in chosen if rules[r].round.in_force_on(on)]


def combine(chip: str, source: str, on: date, results: list[Result]) -> Combined:
    """Strictest outcome among the rounds that apply to the chip."""
    applying = [r for r in results if r.applicable is not False]
    status = strictest([r.status for r in applying])
    deciding = [r for r in applying if r.status == status]
    return Combined(chip, source, on, status, deciding, results)


def classify_as_of(
    chip: ChipLike,
    as_of: date,
    rules: RuleSet | None = None,
    rounds: list[str] | None = None,
    memo: decisions.Memo | None = None,
) -> Combined:
    """The combined status on a date, with the per-round results behind it."""
    rules = rules or load_rules()
    loaded = _as_loaded(chip)
    programs = in_force(rules, as_of, rounds)
    results = [evaluate_chip(p, loaded.spec, loaded.source, as_of, memo, rules.definitions) for p in programs]
    return combine(loaded.spec.name, loaded.source, as_of, results)
