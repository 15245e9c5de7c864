"""Rule file -> decision program: the distinct comparisons, and tri-valued nodes in dependency order.

Both decision backends run the same program, so they can be checked against each other on every pattern
of comparison outcomes. Node ids are clause ids; synthetic nodes start with `$`:
`$scope` (the round applies), `$controlled` (some control clause holds), `$review` (some review clause holds).
An overlay round imports its base round's nodes under `<base id>/`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cached_property

from .definitions import Definitions, MetricDef, check_derived
from .errors import QuantityError, RuleFileError
from .quantities import article, format_quantity, parse_quantity
from .rulebook import ORDER_OPERATORS, AllOf, AnyOf, ClauseRef, ComparisonText, Condition, NotOf, RoundFile

Threshold = Fraction | bool | str | tuple[str, ...]

# A node is ("cmp", index) | ("ref", node id) | ("all", children) | ("any", children) | ("not", child) | ("const", tri)
Node = tuple


@dataclass(frozen=True)
class Comparison:
    """One `metric op threshold` of a round, with its threshold read exactly."""

    key: str
    metric: str
    op: str
    dimension: str
    kind: str  # number | boolean | text
    threshold: Threshold | None = None  # None when the threshold is a dated parameter
    parameter: str | None = None
    dated: tuple[tuple[date, Fraction], ...] = ()

    def threshold_on(self, day: date) -> Threshold:
        if self.parameter is None:
            assert self.threshold is not None
            return self.threshold
        value = self.dated[0][1]
        for since, dated_value in self.dated:
            if since <= day:
                value = dated_value
        return value

    def threshold_text(self, day: date) -> str:
        value = self.threshold_on(day)
        if isinstance(value, Fraction):
            return format_quantity(value, self.dimension)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, tuple):
            return "[" + ", ".join(value) + "]"
        return str(value)


@dataclass(frozen=True)
class Outcome:
    status: str | None
    classification: str | None
    license_exception: str | None
    license_review: str | None


@dataclass
class Program:
    """A compiled round: what the backends evaluate and the result assembler reads."""

    round: RoundFile
    comparisons: list[Comparison]
    nodes: list[tuple[str, Node]]
    outcomes: dict[str, Outcome]
    derived: dict[str, MetricDef]
    key: str = ""

    def __post_init__(self) -> None:
        canonical = repr(([c.key for c in self.comparisons], self.nodes, sorted(self.outcomes.items())))
        self.key = hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def clauses_with(self, attribute: str) -> list[str]:
        return [nid for nid, _ in self.nodes if nid in self.outcomes and getattr(self.outcomes[nid], attribute)]

    @cached_property
    def node_map(self) -> dict[str, Node]:
        return dict(self.nodes)

    @cached_property
    def owners(self) -> list[tuple[str, int]]:
        """(clause, comparison index) pairs as written, in program order: one row each in a result."""
        pairs: list[tuple[str, int]] = []

        def walk(nid: str, node: Node) -> None:
            if node[0] == "cmp":
                if (nid, node[1]) not in pairs:
                    pairs.append((nid, node[1]))
            elif node[0] in ("all", "any"):
                for child in node[1]:
                    walk(nid, child)
            elif node[0] == "not":
                walk(nid, node[1])

        for nid, node in self.nodes:
            walk(nid, node)
        return pairs


def _suggest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


class _Compiler:
    def __init__(self, rule: RoundFile, definitions: Definitions, source: str, base: Program | None) -> None:
        self.rule = rule
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
    def tree(self, condition: Condition, field: str, refs: set[str]) -> Node:
        if isinstance(condition, ComparisonText):
            return ("cmp", self.comparison(condition, field))
        if isinstance(condition, ClauseRef):
            refs.add(condition.clause)
            return ("ref", condition.clause)
        if isinstance(condition, AllOf):
            return ("all", tuple(self.tree(c, f"{field}.all[{i}]", refs) for i, c in enumerate(condition.all)))
        if isinstance(condition, AnyOf):
            return ("any", tuple(self.tree(c, f"{field}.any[{i}]", refs) for i, c in enumerate(condition.any)))
        assert isinstance(condition, NotOf)
        return ("not", self.tree(condition.not_, f"{field}.not", refs))

    def compile(self) -> Program:
        rule = self.rule
        base = self.base
        raw: dict[str, tuple[Node, set[str]]] = {}
        outcomes: dict[str, Outcome] = {}
        order: list[str] = []
        if base:
            prefix_base = f"{base.round.id}/"
            for nid, node in base.nodes:
                renamed = _prefixed(node, prefix_base)
                raw[prefix_base + nid] = (renamed, _refs(renamed))
                order.append(prefix_base + nid)
            outcomes.update({prefix_base + k: v for k, v in base.outcomes.items()})
        for i, clause in enumerate(rule.clauses):
            refs: set[str] = set()
            raw[clause.id] = (self.tree(clause.when, f"clauses[{i}] ({clause.id}).when", refs), refs)
            order.append(clause.id)
            if clause.outcome:
                o = clause.outcome
                outcomes[clause.id] = Outcome(o.status, o.classification, o.license_exception, o.license_review)
        own = [c.id for c in rule.clauses]
        prefix = f"{base.round.id}/" if base else ""
        if base:
            scope: Node = ("ref", f"{prefix}$controlled")
        elif rule.applies_to:
            refs = set()
            scope = self.tree(rule.applies_to.when, "applies_to.when", refs)
        else:
            scope = ("const", "T")
        controlled = [c for c in own if c in outcomes and outcomes[c].status == "controlled"]
        review = [c for c in own if c in outcomes and outcomes[c].status == "review"]
        if base:
            control_node: Node = ("ref", f"{prefix}$controlled")
            review_node: Node = ("ref", f"{prefix}$review")
        else:
            control_node = (
                ("all", (("ref", "$scope"), ("any", tuple(("ref", c) for c in controlled))))
                if controlled
                else ("const", "F")
            )
            review_node = (
                ("all", (("ref", "$scope"), ("any", tuple(("ref", c) for c in review)))) if review else ("const", "F")
            )
        for nid, node in (("$scope", scope), ("$controlled", control_node), ("$review", review_node)):
            raw[nid] = (node, _refs(node))
            order.append(nid)
        for nid, (_, refs) in raw.items():
            for ref in refs:
                if ref not in raw:
                    where = next(
                        (f"clauses[{i}] ({c.id}).when" for i, c in enumerate(rule.clauses) if c.id == nid), nid
                    )
                    raise RuleFileError(
                        self.source, where, f"refers to unknown clause {ref!r}{_suggest(ref, sorted(raw))}"
                    )
        nodes = _topological(raw, order, self.source, rule)
        return Program(rule, self.comparisons, nodes, outcomes, {**(base.derived if base else {}), **rule.derived})


def _prefixed(node: Node, prefix: str) -> Node:
    """The same tree with every clause reference moved under an imported round's prefix."""
    kind = node[0]
    if kind == "ref":
        return ("ref", prefix + node[1])
    if kind in ("all", "any"):
        return (kind, tuple(_prefixed(c, prefix) for c in node[1]))
    if kind == "not":
        return ("not", _prefixed(node[1], prefix))
    return node


def _refs(node: Node) -> set[str]:
    kind = node[0]
    if kind == "ref":
        return {node[1]}
    if kind in ("all", "any"):
        return set().union(*(_refs(c) for c in node[1]))
    if kind == "not":
        return _refs(node[1])
    return set()


def _topological(
    raw: dict[str, tuple[Node, set[str]]], order: list[str], source: str, rule: RoundFile
) -> list[tuple[str, Node]]:
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
        for ref in sorted(raw[nid][1]):
            visit(ref)
        visiting.pop()
        done[nid] = raw[nid][0]

    for nid in order:
        visit(nid)
    return list(done.items())


def compile_round(rule: RoundFile, definitions: Definitions, source: str, base: Program | None = None) -> Program:
    """Check a round against the metric definitions and compile it (raises RuleFileError)."""
    check_derived(rule.derived, definitions.metrics, source, "derived")
    return _Compiler(rule, definitions, source, base).compile()
