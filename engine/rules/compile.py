"""Rule file -> program: every comparison checked against the metric definitions and read exactly, every clause
tree turned into typed nodes in dependency order, the synthetic `$scope`, `$controlled` and `$review` nodes added.
"""

from __future__ import annotations

import difflib
import importlib
import re
import typing
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from ..core.errors import QuantityError, RuleFileError
from ..core.logic import Status, Tri
from ..core.quantities import article, parse_quantity
from ..metrics.definitions import Definitions, MetricDef, check_derived
from ..sheets.model import ChipSpec
from .calendar import in_force_on
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
    Presumed,
    Program,
    RefNode,
    Threshold,
    references,
    renamed,
)


def _suggest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def _or(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]


def closed_values(metric: str) -> tuple[str, ...] | None:
    """The only values a text metric read from a sheet can take, when the sheet model fixes them (`kind`)."""
    field = ChipSpec.model_fields.get(metric)
    if field is None or typing.get_origin(field.annotation) is not Literal:
        return None
    return tuple(str(v) for v in typing.get_args(field.annotation))


# --- text in conditions -------------------------------------------------------------------------------------------

_QUOTES = "'\""


def text_value(rhs: str) -> str:
    """`NVIDIA`, `'Acme, Inc.'` or `"it's"`: the text, unquoted; raises ValueError for unbalanced quotes."""
    if rhs[:1] in _QUOTES and rhs:
        quote = rhs[0]
        if len(rhs) < 2 or rhs[-1] != quote or quote in rhs[1:-1]:
            raise ValueError(f"unbalanced quotes in {rhs}: a quoted text starts and ends with the same quote mark")
        value = rhs[1:-1]
    elif rhs[-1:] in _QUOTES:
        raise ValueError(f"unbalanced quotes in {rhs}: a quoted text starts and ends with the same quote mark")
    else:
        value = rhs
    if not value.strip():
        raise ValueError("compares with empty text")
    return value


def text_list(rhs: str) -> tuple[str, ...]:
    """`[NVIDIA, 'Acme, Inc.', "O'Neil"]`: the items, each bare (commas end it) or quoted (commas kept)."""
    inner = rhs[1:-1]
    items: list[str] = []
    i = 0
    while True:
        while i < len(inner) and inner[i].isspace():
            i += 1
        if i == len(inner):
            if items and inner.rstrip().endswith(","):
                break  # one trailing comma, as YAML allows
            raise ValueError(f"`in` takes a non-empty list of values: {rhs}")
        if inner[i] in _QUOTES:
            end = inner.find(inner[i], i + 1)
            if end < 0:
                raise ValueError(f"unbalanced quotes in {rhs}: {inner[i:]} is never closed")
            item = inner[i + 1 : end]
            i = end + 1
            while i < len(inner) and inner[i].isspace():
                i += 1
            if i < len(inner) and inner[i] != ",":
                raise ValueError(f"expected a comma after {inner[:i].strip()!r} in {rhs}")
        else:
            end = inner.find(",", i)
            end = len(inner) if end < 0 else end
            item = inner[i:end].strip()
            i = end
            if not item:
                raise ValueError(f"an empty value in the list {rhs}")
            if item[-1] in _QUOTES or any(c in item for c in "[]"):
                raise ValueError(f"unbalanced quotes or brackets in {rhs} (at {item!r}); quote a value with commas")
        if not item.strip():
            raise ValueError(f"an empty value in the list {rhs}")
        items.append(item)
        if i == len(inner):
            break
        i += 1  # the comma
    return tuple(items)


# --- patterns -----------------------------------------------------------------------------------------------------
#
# Python's re backtracks: `(a+)+$` against a long name takes exponential time, and a long chain of `a*a*a*...`
# polynomial time of high degree. A rule file's pattern is therefore limited to a subset in which every attempt
# at one position of the name can only try a bounded number of ways, fixed at load time:
#   - literals, classes ([A-Z], \d, \w, .), anchors and word boundaries (^ $ \b \B \A \Z), groups, alternation;
#   - repeats only with an upper bound of at most MAX_REPEAT (`X?`, `\d{1,4}`; not `*`, `+` or `{2,}`), and never
#     a repeat inside a repeat (`(a+)+`, `(\d{1,3}){1,3}`);
#   - no backreferences, lookahead/lookbehind, conditionals or atomic groups;
#   - at most MAX_PATTERN_LENGTH characters and MAX_GROUPS groups, and at most MAX_TRIES ways to try the pattern
#     at one position (the product, over the sequence, of each alternation's ways and each repeat's counts).
# Every way is a path of at most (pattern width) steps, so re's search costs at most MAX_TRIES x width per
# position of the name: linear in the name's length, whatever the name.

MAX_PATTERN_LENGTH = 200
MAX_GROUPS = 20
MAX_REPEAT = 100
MAX_TRIES = 10_000

_SINGLE = {"LITERAL", "NOT_LITERAL", "ANY", "IN"}
_REFUSED = {
    "GROUPREF": "backreferences (\\1, (?P=name))",
    "GROUPREF_EXISTS": "conditional groups ((?(1)...))",
    "ASSERT": "lookahead and lookbehind ((?=...), (?<=...))",
    "ASSERT_NOT": "negative lookahead and lookbehind ((?!...), (?<!...))",
    "ATOMIC_GROUP": "atomic groups ((?>...))",
}


def pattern_problem(pattern: str) -> str | None:
    """Why a `matches` pattern is outside the safe subset above (or not a pattern at all); None if it is fine."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"is {len(pattern)} characters long; a pattern may have at most {MAX_PATTERN_LENGTH}"
    parser: Any = importlib.import_module("re._parser")  # sre_parse's home since Python 3.11
    try:
        parsed = parser.parse(pattern)
    except re.error as exc:
        return str(exc)
    except OverflowError:
        return f"repeats more than {MAX_REPEAT} times; a repeat may have at most {MAX_REPEAT}"
    except RecursionError:
        return "nests groups too deeply"
    if parsed.state.groups - 1 > MAX_GROUPS:
        return f"has {parsed.state.groups - 1} groups; a pattern may have at most {MAX_GROUPS}"
    problem: list[str] = []
    _tries(parsed, False, problem)
    if problem:
        return problem[0]
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _tries(items: Any, in_repeat: bool, problem: list[str]) -> int:
    """The ways a parsed sequence can be tried at one position (capped); the first problem found goes in problem."""
    total = 1
    for op, av in items:
        name = str(op)
        ways = 1
        if name in _REFUSED:
            problem.append(f"uses {_REFUSED[name]}, which are not allowed in rule files")
        elif name in _SINGLE or name == "AT":
            ways = 1
        elif name == "SUBPATTERN":
            ways = _tries(av[3], in_repeat, problem)
        elif name == "BRANCH":
            ways = sum(_tries(branch, in_repeat, problem) for branch in av[1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = av
            if in_repeat:
                problem.append("has a repeat inside a repeat (like (a+)+), which is not allowed in rule files")
                return total
            inner = _tries(body, True, problem)
            if problem:
                return total
            if high > MAX_REPEAT:  # MAXREPEAT for *, + and {n,}
                problem.append(
                    f"has an unbounded or too large repeat; write a bound of at most {MAX_REPEAT}, e.g. \\d{{1,6}} "
                    "instead of \\d+"
                )
            else:
                ways = sum(inner**count for count in range(low, high + 1)) if inner > 1 else high - low + 1
        else:
            problem.append(f"uses {name.lower().replace('_', ' ')}, which is not allowed in rule files")
        total = min(total * max(ways, 1), MAX_TRIES + 1)
        if problem:
            return total
    if total > MAX_TRIES and not problem:
        problem.append(f"can be tried in more than {MAX_TRIES:,} ways at each position; simplify it")
    return total


def read_threshold(text: str, dimension: str, source: str, field: str) -> Fraction:
    """A threshold's exact value in its dimension's canonical unit; a density or plain number may be written bare
    (`5.92`). Raises RuleFileError naming the source and field."""
    try:
        if dimension in ("density", "dimensionless") and re.fullmatch(r"[\d.eE+-]+", text.strip()):
            return parse_quantity(text.strip() + (" 1/mm^2" if dimension == "density" else ""), dimension)
        return parse_quantity(text, dimension)
    except QuantityError as exc:
        raise RuleFileError(source, field, f"threshold {text!r}: {exc}") from None


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
            try:
                if op == "in":
                    if not (rhs.startswith("[") and rhs.endswith("]")):
                        raise RuleFileError(self.source, field, "`in` takes a list: `vendor in [NVIDIA, AMD]`")
                    threshold = text_list(rhs)
                else:
                    threshold = text_value(rhs)
            except ValueError as exc:
                raise RuleFileError(self.source, field, f"{text.metric} {op}: {exc}") from None
            if isinstance(threshold, str) and op == "matches":
                problem = pattern_problem(threshold)
                if problem:
                    raise RuleFileError(self.source, field, f"bad pattern {threshold!r}: {problem}")
            self.closed(text.metric, op, threshold, field)
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

    def closed(self, metric: str, op: str, threshold: str | tuple[str, ...], field: str) -> None:
        """A text compared with a metric whose values the sheet fixes must be one of them (a typo matches nothing)."""
        known = closed_values(metric) if not self.metrics[metric].derived else None
        if known is None:
            return
        if op == "matches":
            assert isinstance(threshold, str)
            if not any(re.search(threshold, value) for value in known):
                raise RuleFileError(
                    self.source, field, f"pattern {threshold!r} matches no {metric} a sheet can have ({_or(known)})"
                )
            return
        for value in (threshold,) if isinstance(threshold, str) else threshold:
            if value not in known:
                raise RuleFileError(
                    self.source,
                    field,
                    f"{metric} is never {value!r} (a sheet's {metric} is {_or(known)}){_suggest(value, list(known))}",
                )

    def number(self, text: str, dimension: str, field: str) -> Fraction:
        return read_threshold(text, dimension, self.source, field)

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
            prefix_base = f"{base.origin}/"
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
        prefix = f"{base.origin}/" if base else ""
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
        presumptions = list(base.presumptions) if base else []
        for i, presumed in enumerate(rule.presumptions):
            where = f"presumptions[{i}].comparison"
            used = len(self.comparisons)
            index = self.comparison(presumed.comparison, where)
            if index >= used:
                raise RuleFileError(
                    self.source,
                    where,
                    f"no clause of the round compares {self.comparisons[index].key!r}; a presumption settles a "
                    "comparison a clause makes",
                )
            when = None
            if presumed.when is not None:
                when = self.tree(presumed.when, f"presumptions[{i}].when")
                if references(when):
                    raise RuleFileError(
                        self.source,
                        f"presumptions[{i}].when",
                        "a presumption's condition compares figures; it cannot refer to a clause",
                    )
            presumptions.append(Presumed(index, " ".join(presumed.text.split()), when))
        return Program(
            rule,
            self.source,
            tuple(self.comparisons),
            nodes,
            outcomes,
            derived,
            metric_defs,
            tuple(presumptions),
        )


def _scoped(clauses: list[str]) -> Node:
    """`$scope and (any of the clauses)`, or false when there are none."""
    if not clauses:
        return ConstNode(Tri.F)
    return AllNode((RefNode("$scope"), AnyNode(tuple(RefNode(c) for c in clauses))))


def _topological(raw: dict[str, Node], source: str, rule: RoundFile) -> dict[str, Node]:
    """The nodes with every reference before its user (raises RuleFileError for a cycle).

    Depth first with an explicit stack, so a long chain of clauses referring to each other needs no recursion.
    """
    done: dict[str, Node] = {}
    for root, node in raw.items():
        if root in done:
            continue
        visiting = [root]
        pending = [iter(sorted(references(node)))]
        while pending:
            ref = next(pending[-1], None)
            if ref is None:
                nid = visiting.pop()
                pending.pop()
                done[nid] = raw[nid]
                continue
            if ref in done:
                continue
            if ref in visiting:
                cycle = visiting[visiting.index(ref) :] + [ref]
                where = next((f"clauses[{i}] ({c.id}).when" for i, c in enumerate(rule.clauses) if c.id == ref), ref)
                raise RuleFileError(source, where, "clauses refer to each other in a cycle: " + " -> ".join(cycle))
            visiting.append(ref)
            pending.append(iter(sorted(references(raw[ref]))))
    return done


def _first_day_in_force(rule: RoundFile) -> date | None:
    """The first day the round is in force (effective, not ended, enforced), or None if there is none."""
    effective, ends = rule.dates.effective, rule.dates.ends
    for day in sorted({effective, *(e.since for e in rule.enforcement if e.since > effective)}):
        if ends is not None and day >= ends:
            return None
        if in_force_on(rule, day):
            return day
    return None


def _check_dates(rule: RoundFile, source: str) -> None:
    """A round that can never be in force, or a dated threshold with no value on a day it is in force."""
    effective, ends = rule.dates.effective, rule.dates.ends
    if ends is not None and ends <= effective:
        raise RuleFileError(
            source,
            "dates.ends",
            f"the round ends on {ends}, on or before it takes effect ({effective}): it would never be in force "
            "(ends is the first day it no longer applies)",
        )
    first = _first_day_in_force(rule)
    if first is None:
        raise RuleFileError(
            source,
            "enforcement",
            f"the round is not enforced from {effective}, when it takes effect, "
            + (f"until it ends on {ends}" if ends else "and never enforced again")
            + ": it would never be in force",
        )
    for name, parameter in rule.parameters.items():
        since = min(parameter.values)
        if since > first:
            raise RuleFileError(
                source,
                f"parameters.{name}.values",
                f"no value from {first}, when the round is in force, until {since}, its first date; "
                f"give a value from {first}",
            )


def _check_redefinitions(rule: RoundFile, definitions: Definitions, base: Program | None, source: str) -> None:
    """A round's derived metric may not take the name of a sheet metric, nor change a shared one's dimension."""
    shared = {**definitions.metrics, **(base.derived if base else {})}
    for name, metric in rule.derived.items():
        known = shared.get(name)
        if known is None:
            continue
        if not known.derived:
            raise RuleFileError(
                source, f"derived.{name}", f"{name!r} is read from spec sheets; a round cannot redefine it"
            )
        if base is not None:
            # the base's clauses are imported as they are and would be computed with this formula instead
            raise RuleFileError(
                source,
                f"derived.{name}",
                f"{name!r} is a metric the base round {base.round.id} compares; an overlay cannot redefine it "
                "(choose another name)",
            )
        if (known.dimension, known.kind) != (metric.dimension, metric.kind):
            raise RuleFileError(
                source,
                f"derived.{name}",
                f"{name!r} is already defined as {article(known.dimension)}; a round cannot redefine it as "
                f"{article(metric.dimension)} (choose another name)",
            )


def compile_round(rule: RoundFile, definitions: Definitions, source: str, base: Program | None = None) -> Program:
    """Check a round against the metric definitions and compile it (raises RuleFileError)."""
    _check_dates(rule, source)
    _check_redefinitions(rule, definitions, base, source)
    check_derived(rule.derived, definitions.metrics, source, "derived")
    return _Compiler(rule, definitions, source, base).compile()
