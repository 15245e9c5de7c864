"""The compiled round: typed condition nodes, the distinct comparisons, and the keys decisions are memoized by.

Both decision backends run the same program, so they can be checked against each other on every pattern of
comparison outcomes. Node ids are clause ids; synthetic nodes start with `$`: `$scope` (the round applies),
`$controlled` (some control clause holds), `$review` (some review clause holds). An overlay round imports its
base round's nodes under `<base id>/`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from ..core.logic import Status, Tri
from ..metrics.definitions import MetricDef
from .model import RoundFile

Threshold = Fraction | bool | str | tuple[str, ...]


# --- nodes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CmpNode:
    """The outcome of comparison number `index` of the program."""

    index: int


@dataclass(frozen=True, slots=True)
class RefNode:
    """The value of another node (a clause, or a synthetic `$` node)."""

    target: str


@dataclass(frozen=True, slots=True)
class AllNode:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyNode:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class NotNode:
    child: Node


@dataclass(frozen=True, slots=True)
class ConstNode:
    value: Tri


Node = CmpNode | RefNode | AllNode | AnyNode | NotNode | ConstNode


def children(node: Node) -> tuple[Node, ...]:
    """A node's direct sub-nodes: the one way every walker in exportctl descends a tree."""
    if isinstance(node, (AllNode, AnyNode)):
        return node.children
    if isinstance(node, NotNode):
        return (node.child,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children, children in order (iteratively: no recursion limit)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def references(node: Node) -> set[str]:
    return {n.target for n in walk(node) if isinstance(n, RefNode)}


def _rebuild(node: Node, leaf: Callable[[Node], Any], branch: Callable[[Node, list[Any]], Any]) -> Any:
    """Fold a tree bottom-up with an explicit stack (no recursion limit): leaf(node) for a node without children,
    branch(node, folded children) for the others."""
    result: list[Any] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        subs = children(current)
        if not subs:
            result.append(leaf(current))
        elif expanded:
            folded = result[len(result) - len(subs) :]
            del result[len(result) - len(subs) :]
            result.append(branch(current, folded))
        else:
            stack.append((current, True))
            stack.extend((sub, False) for sub in reversed(subs))
    return result[0]


def renamed(node: Node, prefix: str) -> Node:
    """The same tree with every clause reference moved under an imported round's prefix."""

    def leaf(n: Node) -> Node:
        return RefNode(prefix + n.target) if isinstance(n, RefNode) else n

    def branch(n: Node, subs: list[Any]) -> Node:
        if isinstance(n, AllNode):
            return AllNode(tuple(subs))
        if isinstance(n, AnyNode):
            return AnyNode(tuple(subs))
        return NotNode(subs[0])

    return _rebuild(node, leaf, branch)  # type: ignore[no-any-return]


def _leaf_shape(node: Node) -> str:
    if isinstance(node, CmpNode):
        return f"c{node.index}"
    if isinstance(node, RefNode):
        return f"@{node.target!r}"  # quoted: an id may hold any of the characters that separate the others
    if isinstance(node, ConstNode):
        return str(node.value)
    name = "all" if isinstance(node, AllNode) else "any"  # an empty all/any (never compiled from a rule file)
    return f"{name}()"


def _branch_shape(node: Node, subs: list[Any]) -> str:
    if isinstance(node, NotNode):
        return f"not({subs[0]})"
    name = "all" if isinstance(node, AllNode) else "any"
    return f"{name}({','.join(subs)})"


def shape(node: Node) -> str:
    """A node as compact, unambiguous text for structural keys: `all(c0,not(c1),@'3A090.a')`."""
    return _rebuild(node, _leaf_shape, _branch_shape)  # type: ignore[no-any-return]


# --- comparisons and outcomes -----------------------------------------------------------------------------------


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

    def thresholds(self) -> list[Threshold]:
        """Every value the threshold takes (one, or one per date of a dated parameter)."""
        if self.parameter is None:
            assert self.threshold is not None
            return [self.threshold]
        return [value for _, value in self.dated]


@dataclass(frozen=True)
class ClauseOutcome:
    """What a clause decides when it holds (compiled from the rule file's `outcome`)."""

    status: Status | None
    classification: str | None
    license_exception: str | None
    license_review: str | None


OUTCOME_FIELDS = ("classification", "license_exception", "license_review")


@dataclass(frozen=True)
class Presumed:
    """A compiled presumption: comparison `index` counts as true where it is unknown and `when` (a tree of
    comparisons only, or None) is true; `text` is the rule text that says so."""

    index: int
    text: str
    when: Node | None = None


@dataclass(frozen=True)
class Variant:
    """What makes a program a what-if (rules/overlay.py): the round it was made from, under what name, and each
    change in words, so that every result of it can say what was changed."""

    base: str  # the id of the round as its rules folder defines it
    name: str  # the overlay's name, or the `--set` text
    changes: tuple[str, ...]


@dataclass
class Program:
    """A compiled round: what the backends evaluate and the verdict reads."""

    round: RoundFile
    source: str
    comparisons: tuple[Comparison, ...]
    nodes: dict[str, Node]  # in dependency order: every reference points to an earlier node
    outcomes: dict[str, ClauseOutcome]
    derived: dict[str, MetricDef]

    def _structure_key(self) -> str:
        """What a verdict depends on: the shape of the program, not its thresholds or its round's id.

        Variants that move a legal line share it, and so share memoized verdicts and durable-rules rule sets.
        """
        parts = [
            # repr of tuples: every id quoted, so no two programs share an encoding (ids may hold ; = , ( and ))
            repr([(c.metric, c.op, c.kind) for c in self.comparisons]),
            repr([(nid, shape(node)) for nid, node in self.nodes.items()]),
            repr(
                sorted(
                    (k, v.status, v.classification, v.license_exception, v.license_review)
                    for k, v in self.outcomes.items()
                )
            ),
            f"catch_only={self.round.catch_only};default_review={self.round.default_license_review}",
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]

    def _content_key(self) -> str:
        """The structure and every threshold: what a load-time analysis of the program depends on."""
        thresholds = repr([(c.key, c.threshold, c.dated) for c in self.comparisons])
        return hashlib.sha256(f"{self.structure_key}\n{thresholds}".encode()).hexdigest()[:20]

    metric_defs: dict[str, MetricDef] = field(default_factory=dict)  # the rule set's metrics and the round's own
    # an unknown comparison the rule text itself settles as true, where its condition holds (rules/model.py)
    presumptions: tuple[Presumed, ...] = ()
    variant: Variant | None = None  # set for a what-if made from a round of the folder
    # computed once, when compiled (read on every evaluation)
    structure_key: str = field(init=False)
    content_key: str = field(init=False)
    owners: list[tuple[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.structure_key = self._structure_key()
        self.content_key = self._content_key()
        self.owners = self._owners()

    def reachable(self, root: str) -> frozenset[str]:
        """The clause and every clause it refers to, directly or through others (remembered per root)."""
        cache: dict[str, frozenset[str]] = self.__dict__.setdefault("_reachable", {})
        found = cache.get(root)
        if found is None:
            seen, stack = {root}, [root]
            while stack:
                node = self.nodes.get(stack.pop())
                for ref in references(node) if node is not None else ():
                    if ref not in seen:
                        seen.add(ref)
                        stack.append(ref)
            found = cache[root] = frozenset(seen)
        return found

    @property
    def origin(self) -> str:
        """The round's id in its rules folder: a variant's base. An overlay round imports a base's nodes under this
        prefix, so a variant of the base leaves the overlay's structure (and its memoized verdicts) unchanged."""
        return self.variant.base if self.variant else self.round.id

    @property
    def changes(self) -> tuple[str, ...]:
        return self.variant.changes if self.variant else ()

    def clauses_with(self, attribute: str) -> list[str]:
        """Clause ids, in program order, whose outcome sets this attribute."""
        return [nid for nid in self.nodes if nid in self.outcomes and getattr(self.outcomes[nid], attribute)]

    def _owners(self) -> list[tuple[str, int]]:
        """(clause, comparison index) pairs as written, in program order: one row each in a result."""
        pairs: dict[tuple[str, int], None] = {}
        for nid, node in self.nodes.items():
            for sub in walk(node):
                if isinstance(sub, CmpNode):
                    pairs.setdefault((nid, sub.index), None)
        return list(pairs)
