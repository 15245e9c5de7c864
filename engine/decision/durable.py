"""The durable-rules decision backend.

Each program becomes one ruleset. An evaluation is one session: an event carries the pattern of comparison
outcomes (strings T/F/U, never raw numbers: durable-rules compares doubles and rejects JSON exponents) and
each node's rule fires in dependency order, posting the event on with that node's value added, so the
engine chains clause outcomes (3A090.b only when not 3A090.a, then NAC/ACA, then the status nodes).

Traps handled here: session state is itself matchable, so every rule requires the event marker and results
are written under names no rule reads; ruleset names are unique per program (one name per host); every
session is deleted after use (1024 live sessions per ruleset) and every event has a unique id (the fact
hash is 32-bit); post_batch is not used (asynchronous across sessions).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, ClassVar

from ..program import Node, Program
from . import Decision

try:  # durable-rules 2.0.28 does not build or import on Python >= 3.13
    from durable import lang as _lang

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # noqa: BLE001 - any import failure means: use the Python backend
    _lang = None  # type: ignore[assignment]
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"


def available() -> bool:
    return _lang is not None


def import_error() -> str | None:
    return _IMPORT_ERROR


def _field(i: int) -> str:
    return f"c{i}"


def _node_field(j: int) -> str:
    return f"n{j}"


class _Exprs:
    """Durable-rules expressions for T(node), F(node) and U(node) (Kleene logic)."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids
        self.m = _lang.m  # type: ignore[union-attr]

    def leaf(self, name: str, value: str) -> Any:
        return getattr(self.m, name) == value

    def name(self, node: Node) -> str:
        return _field(node[1]) if node[0] == "cmp" else _node_field(self.ids[node[1]])

    def expr(self, node: Node, want: str) -> Any:
        kind = node[0]
        if kind in ("cmp", "ref"):
            return self.leaf(self.name(node), want)
        if kind == "const":
            # a constant still needs an expression: compare the marker, true or false as wanted
            return (self.m.t == "ev") if node[1] == want else (self.m.t == "never")
        if kind == "not":
            return self.expr(node[1], {"T": "F", "F": "T", "U": "U"}[want])
        children = node[1]
        conj = kind == "all"
        decisive, absorbing = ("F", "T") if conj else ("T", "F")
        if want == absorbing:
            return _fold(lambda a, b: a & b, [self.expr(c, want) for c in children])
        if want == decisive:
            return _fold(lambda a, b: a | b, [self.expr(c, want) for c in children])
        not_decisive = [self.expr(c, absorbing) | self.expr(c, "U") for c in children]
        some_unknown = _fold(lambda a, b: a | b, [self.expr(c, "U") for c in children])
        return _fold(lambda a, b: a & b, not_decisive) & some_unknown


def _fold(op: Any, items: list[Any]) -> Any:
    out = items[0]
    for item in items[1:]:
        out = op(out, item)
    return out


class DurableBackend:
    name = "durable-rules"
    _compiled: ClassVar[dict[str, str]] = {}
    _lock = threading.Lock()
    _counter = itertools.count()

    def _ruleset(self, program: Program) -> str:
        name = f"exportctl_{program.round.id.replace('-', '_')}_{program.key}"
        with self._lock:
            if program.key in self._compiled:
                return name
            assert _lang is not None
            m = _lang.m
            ids = {nid: j for j, (nid, _) in enumerate(program.nodes)}
            exprs = _Exprs(ids)
            with _lang.ruleset(name):
                previous = None
                for j, (nid, node) in enumerate(program.nodes):
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

            self._compiled[program.key] = name
        return name

    retries = 0  # sessions re-run under fresh ids after a hash collision (see decide)
    max_attempts = 5

    def decide(self, program: Program, pattern: tuple[str, ...]) -> Decision:
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
            event.update({_field(i): v for i, v in enumerate(pattern)})
            with self._lock:
                try:
                    state = _lang.post(name, event)
                finally:
                    _lang.delete_state(name, sid)
            if state and state.get("r_done"):
                return {nid: state[f"r_{_node_field(j)}"] for j, (nid, _) in enumerate(program.nodes)}
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
