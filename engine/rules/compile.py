"""Rule file -> program: every comparison checked against the metric definitions and read exactly, every clause
tree turned into typed nodes in dependency order, the synthetic `$scope`, `$controlled` and `$review` nodes added.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from fractions import Fraction

from ..core.errors import QuantityError, RuleFileError
from ..core.logic import Status, Tri
from ..core.quantities import article, parse_quantity
from ..metrics.definitions import Definitions, MetricDef, check_derived
from .model import ORDER_OPERATORS, AllOf, AnyOf, ClauseRef, ComparisonText, Condition, NotOf, RoundFile
from .program import (
    AllNode,
    AnyNode,
    ClauseOutcome,
    CmpNode,
    Comparison,
    ConstNode,
    Node,
    NotNode,
    Program,
    RefNode,
    Threshold,
    references,
    renamed,
)


def _suggest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


class _Compiler:
    def __init__(self, rule: RoundFile, definitions: Definitions, source: str, base: Program | None) -> None:
        self.rule = rule
        self.definitions = definitions
        self.source = source
        self.metrics: dict[str, MetricDef] = {**definitions.metrics, **rule.derived}
        self.comparisons: list[Comparison] = list(base.comparisons) if base else []
        self.keys = {c.key: i for i, c in enumerate(self.comparisons)}
        self.base = base

    # -- comparisons -----------------------------------------------------------------------------------------
    def comparison(self, text: ComparisonText, field: str) -> int:
        metric = self.metrics.get(text.metric)
        if metric is None:
            raise RuleFileError(
                self.source, field, f"unknown metric {text.metric!r}{_suggest(text.metric, sorted(self.metrics))}"
            )
        op, rhs = text.op, text.rhs.strip()
        threshold: Threshold | None = None
        parameter = None
        dated: tuple[tuple[date, Fraction], ...] = ()
        if metric.kind == "boolean":
            if op not in ("==", "!=") or rhs.lower() not in ("true", "false"):
                raise RuleFileError(
                    self.source, field, f"{text.metric} is true/false: write `{text.metric} == true` or `== false`"
                )
            threshold = rhs.lower() == "true"
        elif metric.kind == "text":
            if op in ORDER_OPERATORS:
                raise RuleFileError(self.source, field, f"{text.metric} is text: use ==, !=, in or matches")
            if op == "in":
                inner = rhs.strip()
                if not (inner.startswith("[") and inner.endswith("]")):
                    raise RuleFileError(self.source, field, "`in` takes a list: `vendor in [NVIDIA, AMD]`")
                threshold = tuple(v.strip().strip("'\"") for v in inner[1:-1].split(",") if v.strip())
            else:
                threshold = rhs.strip("'\"")
                if op == "matches":
                    try:
                        re.compile(threshold)
                    except re.error as exc:
                        raise RuleFileError(self.source, field, f"bad pattern {threshold!r}: {exc}") from None
        else:
            if op not in ORDER_OPERATORS + ("==", "!="):
                raise RuleFileError(self.source, field, f"{text.metric} is a number: use >=, >, <, <=, == or !=")
            if rhs.startswith("$"):
                parameter = rhs[1:]
                param = self.rule.parameters.get(parameter)
                if param is None:
                    raise RuleFileError(
                        self.source,
                        field,
                        f"unknown parameter {rhs!r}{_suggest(parameter, sorted(self.rule.parameters))}",
                    )
                if param.dimension != metric.dimension:
                    raise RuleFileError(
                        self.source,
                        field,
                        f"parameter {rhs} is {article(param.dimension)}, but {text.metric} is "
                        f"{article(metric.dimension)}",
                    )
                dated = tuple(
                    (since, self.number(value, metric.dimension, f"parameters.{parameter}.values.{since}"))
                    for since, value in sorted(param.values.items())
                )
            else:
                threshold = self.number(rhs, metric.dimension, field)
        key = f"{text.metric} {op} {rhs}"
        if key not in self.keys:
            self.keys[key] = len(self.comparisons)
            self.comparisons.append(
                Comparison(key, text.metric, op, metric.dimension, metric.kind, threshold, parameter, dated)
            )
        return self.keys[key]

    def number(self, text: str, dimension: str, field: str) -> Fraction:
        try:
            if dimension in ("density", "dimensionless") and re.fullmatch(r"[\d.eE+-]+", text.strip()):
                return parse_quantity(text.strip() + (" 1/mm^2" if dimension == "density" else ""), dimension)
            return parse_quantity(text, dimension)
        except QuantityError as exc:
            raise RuleFileError(self.source, field, f"threshold {text!r}: {exc}") from None

    # -- trees -----------------------------------------------------------------------------------------------
    def tree(self, condition: Condition, field: str) -> Node:
        if isinstance(condition, ComparisonText):
            return CmpNode(self.comparison(condition, field))
        if isinstance(condition, ClauseRef):
            return RefNode(condition.clause)
        if isinstance(condition, AllOf):
            return AllNode(tuple(self.tree(c, f"{field}.all[{i}]") for i, c in enumerate(condition.all)))
        if isinstance(condition, AnyOf):
            return AnyNode(tuple(self.tree(c, f"{field}.any[{i}]") for i, c in enumerate(condition.any)))
        assert isinstance(condition, NotOf)
        return NotNode(self.tree(condition.not_, f"{field}.not"))

    def compile(self) -> Program:
        rule = self.rule
        base = self.base
        raw: dict[str, Node] = {}
        outcomes: dict[str, ClauseOutcome] = {}
        if base:
            prefix_base = f"{base.round.id}/"
            for nid, node in base.nodes.items():
                raw[prefix_base + nid] = renamed(node, prefix_base)
            outcomes.update({prefix_base + k: v for k, v in base.outcomes.items()})
        for i, clause in enumerate(rule.clauses):
            raw[clause.id] = self.tree(clause.when, f"clauses[{i}] ({clause.id}).when")
            if clause.outcome:
                o = clause.outcome
                status = Status(o.status) if o.status else None
                outcomes[clause.id] = ClauseOutcome(status, o.classification, o.license_exception, o.license_review)
        own = [c.id for c in rule.clauses]
        prefix = f"{base.round.id}/" if base else ""
        if base:
            scope: Node = RefNode(f"{prefix}$controlled")
        elif rule.applies_to:
            scope = self.tree(rule.applies_to.when, "applies_to.when")
        else:
            scope = ConstNode(Tri.T)
        controlled = [c for c in own if c in outcomes and outcomes[c].status == Status.CONTROLLED]
        review = [c for c in own if c in outcomes and outcomes[c].status == Status.REVIEW]
        if base:
            control_node: Node = RefNode(f"{prefix}$controlled")
            review_node: Node = RefNode(f"{prefix}$review")
        else:
            control_node = _scoped(controlled)
            review_node = _scoped(review)
        raw.update({"$scope": scope, "$controlled": control_node, "$review": review_node})
        for nid, node in raw.items():
            for ref in sorted(references(node)):
                if ref not in raw:
                    where = next(
                        (f"clauses[{i}] ({c.id}).when" for i, c in enumerate(rule.clauses) if c.id == nid), nid
                    )
                    raise RuleFileError(
                        self.source, where, f"refers to unknown clause {ref!r}{_suggest(ref, sorted(raw))}"
                    )
        nodes = _topological(raw, self.source, rule)
        derived = {**(base.derived if base else {}), **rule.derived}
        metric_defs = {**self.definitions.metrics, **derived}
        return Program(rule, self.source, tuple(self.comparisons), nodes, outcomes, derived, metric_defs)


def _scoped(clauses: list[str]) -> Node:
    """`$scope and (any of the clauses)`, or false when there are none."""
    if not clauses:
        return ConstNode(Tri.F)
    return AllNode((RefNode("$scope"), AnyNode(tuple(RefNode(c) for c in clauses))))


def _topological(raw: dict[str, Node], source: str, rule: RoundFile) -> dict[str, Node]:
    """The nodes with every reference before its user (raises RuleFileError for a cycle)."""
    done: dict[str, Node] = {}
    visiting: list[str] = []

    def visit(nid: str) -> None:
        if nid in done:
            return
        if nid in visiting:
            cycle = visiting[visiting.index(nid) :] + [nid]
            where = next((f"clauses[{i}] ({c.id}).when" for i, c in enumerate(rule.clauses) if c.id == nid), nid)
            raise RuleFileError(source, where, "clauses refer to each other in a cycle: " + " -> ".join(cycle))
        visiting.append(nid)
        for ref in sorted(references(raw[nid])):
            visit(ref)
        visiting.pop()
        done[nid] = raw[nid]

    for nid in raw:
        visit(nid)
    return done


def compile_round(rule: RoundFile, definitions: Definitions, source: str, base: Program | None = None) -> Program:
    """Check a round against the metric definitions and compile it (raises RuleFileError)."""
    check_derived(rule.derived, definitions.metrics, source, "derived")
    return _Compiler(rule, definitions, source, base).compile()
