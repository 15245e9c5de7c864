"""The durable-rules decision backend.

Each program becomes one ruleset. An evaluation is one session: an event carries the pattern of comparison
outcomes (strings T/F/U, never raw numbers: durable-rules compares doubles and rejects JSON exponents) and
each node's rule fires in dependency order, posting the event on with that node's value added, so the
engine chains clause outcomes (3A090.b only when not 3A090.a, then NAC/ACA, then the status nodes).

Traps handled here: session state is itself matchable, so every rule requires the event marker and results
are written under names no rule reads; a ruleset is registered once per program *structure* (durable-rules'
host is one per process, and a ruleset cannot be released), so what-if variants that only move thresholds add
none; every session is deleted after use (1024 live sessions per ruleset) and every event has a unique id (the
fact hash is 32-bit); post_batch is not used (asynchronous across sessions).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, ClassVar

from ..core.logic import Tri
from ..rules.program import AllNode, AnyNode, CmpNode, ConstNode, Node, NotNode, Program, RefNode

try:  # durable-rules 2.0.28 does not build or import on Python >= 3.13
    from durable import lang as _lang
    from durable.engine import MessageNotHandledException as _NotHandled

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # noqa: BLE001 - any import failure means: use the Python backend
    _lang = None  # type: ignore[assignment]
    _NotHandled = Exception  # never raised: decide() is not called without durable-rules
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"


def available() -> bool:
    return _lang is not None


def import_error() -> str | None:
    return _IMPORT_ERROR


def _field(i: int) -> str:
    return f"c{i}"


def _node_field(j: int) -> str:
    return f"n{j}"


FLIP = {"T": "F", "F": "T", "U": "U"}
Composite = AllNode | AnyNode


def flatten(nodes: dict[str, Node]) -> list[tuple[str, Node]]:
    """The program's nodes with every composite nested in a composite lifted into a chain node of its own.

    durable-rules expands each rule's expression to disjunctive normal form and refuses one that grows too large
    (error 113); with composites only over leaves, references and negations of them, every expression below
    stays linear in the number of children.
    """
    out: list[tuple[str, Node]] = []

    def lift(node: Node, top: bool) -> Node:
        if isinstance(node, NotNode):
            return NotNode(lift(node.child, False))
        if isinstance(node, (AllNode, AnyNode)):
            flat = type(node)(tuple(lift(child, False) for child in node.children))
            if top:
                return flat
            name = f"~{len(out)}"
            out.append((name, flat))
            return RefNode(name)
        return node

    for nid, node in nodes.items():
        out.append((nid, lift(node, True)))
    return out


class _Exprs:
    """Durable-rules expressions for T(node), F(node) and U(node) (Kleene logic) over direct children."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids
        self.m = _lang.m  # type: ignore[union-attr]

    def name(self, node: CmpNode | RefNode) -> str:
        return _field(node.index) if isinstance(node, CmpNode) else _node_field(self.ids[node.target])

    def is_(self, node: Node, value: str, negate: bool = False) -> Any:
        """A leaf, reference, constant or negation of one has (or, with negate, has not) this value."""
        if isinstance(node, NotNode):
            return self.is_(node.child, FLIP[value], negate)
        if isinstance(node, ConstNode):
            # a constant still needs an expression: compare the marker, true or false as wanted
            return (self.m.t == "ev") if (node.value == value) != negate else (self.m.t == "never")
        assert isinstance(node, (CmpNode, RefNode)), "flatten() lifts every nested composite"
        field = getattr(self.m, self.name(node))
        return (field != value) if negate else (field == value)

    def expr(self, node: Node, want: str) -> Any:
        if not isinstance(node, (AllNode, AnyNode)):
            return self.is_(node, want)
        children = node.children
        decisive, absorbing = ("F", "T") if isinstance(node, AllNode) else ("T", "F")
        if want == absorbing:  # every child is
            return _fold(lambda a, b: a & b, [self.is_(c, want) for c in children])
        if want == decisive:  # some child is
            return _fold(lambda a, b: a | b, [self.is_(c, want) for c in children])
        # unknown: no child decisive, some child unknown
        none_decisive = _fold(lambda a, b: a & b, [self.is_(c, decisive, negate=True) for c in children])
        return none_decisive & _fold(lambda a, b: a | b, [self.is_(c, "U") for c in children])


def _fold(op: Any, items: list[Any]) -> Any:
    out = items[0]
    for item in items[1:]:
        out = op(out, item)
    return out


class DurableBackend:
    name = "durable-rules"
    _compiled: ClassVar[dict[str, str]] = {}
    # chain position of each of a program's own nodes (lifted nodes come before their parents), by program key
    _positions: ClassVar[dict[str, dict[str, int]]] = {}
    _lock = threading.Lock()
    _counter = itertools.count()

    def _ruleset(self, program: Program) -> str:
        key = program.structure_key
        name = f"exportctl_{key}"
        with self._lock:
            if key in self._compiled:
                return name
            assert _lang is not None
            m = _lang.m
            chain = flatten(program.nodes)
            ids = {nid: j for j, (nid, _) in enumerate(chain)}
            self._positions[key] = {nid: ids[nid] for nid in program.nodes}
            exprs = _Exprs(ids)
            with _lang.ruleset(name):
                previous = None
                for j, (_nid, node) in enumerate(chain):
                    for value in ("T", "F", "U"):
                        ready = (m.t == "ev") & -getattr(m, _node_field(j))
                        if previous is not None:
                            ready = ready & +getattr(m, previous)
                        _lang.when_all(ready & exprs.expr(node, value))(_action(j, value))
                    previous = _node_field(j)
                last = previous or _node_field(0)

                @_lang.when_all((m.t == "ev") & +getattr(m, last))
                def _done(c: Any) -> None:
                    c.s.r_done = True

            self._compiled[key] = name
        return name

    retries = 0  # sessions re-run under fresh ids after a hash collision (see decide)
    max_attempts = 5

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]:
        """Run the chain in a fresh session.

        durable-rules hashes session and event ids to 32 bits; after tens of thousands of sessions a new id
        can collide with an old one and the engine then silently drops the event (post returns None). Such a
        run is detected (the chain did not finish) and repeated under fresh ids; a deterministic failure
        still raises after a few attempts.
        """
        assert _lang is not None
        name = self._ruleset(program)
        state: Any = None
        for _attempt in range(self.max_attempts):
            serial = next(self._counter)
            sid = f"s{serial}"
            event: dict[str, Any] = {"sid": sid, "id": f"e{serial}", "t": "ev"}
            event.update({_field(i): str(v) for i, v in enumerate(pattern)})
            with self._lock:
                try:
                    state = _lang.post(name, event)
                except _NotHandled:  # no rule matched: no session was made, and deleting one would crash the host
                    state = None
                else:
                    _lang.delete_state(name, sid)
            if state and state.get("r_done"):
                positions = self._positions[program.structure_key]
                return {nid: Tri(state[f"r_{_node_field(j)}"]) for nid, j in positions.items()}
            DurableBackend.retries += 1
        detail = state.get("exception", state) if isinstance(state, dict) else state
        raise RuntimeError(f"durable-rules did not finish the decision chain for {pattern}: {detail}")


def _action(j: int, value: str) -> Any:
    field = _node_field(j)

    def act(c: Any) -> None:
        c.s[f"r_{field}"] = value
        message = dict(c.m._d)
        message[field] = value
        message["id"] = f"{message['id']}.{j}"
        c.post(message)

    act.__name__ = f"node{j}_{value}"
    return act
