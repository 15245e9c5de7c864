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

Rulesets live in a host of this backend's own that runs no background threads (see `_synchronous_host`): the
host durable-rules' `lang` module keeps runs a dispatch thread that raced with `post` and, under CPU load, broke
decisions with "Could not complete and start action, error code: 307".
"""

from __future__ import annotations

import itertools
import threading
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

from ..core.logic import Tri
from ..rules.program import AllNode, AnyNode, CmpNode, ConstNode, Node, NotNode, Program, RefNode

# durable-rules 2.0.28 (its last release) calls datetime.utcfromtimestamp, deprecated since Python 3.12, on every
# action: hundreds of thousands of identical warnings in a long run, about its own clock, never about a result.
warnings.filterwarnings(
    "ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning, module=r"durable\.engine"
)

try:  # durable-rules 2.0.28 does not build or import on Python >= 3.13
    from durable import engine as _engine
    from durable import lang as _lang
    from durable.engine import MessageNotHandledException as _NotHandled

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # noqa: BLE001 - any import failure means: use the Python backend
    _lang = None  # type: ignore[assignment]
    _engine = None  # type: ignore[assignment]
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


# durable-rules' limits, met by construction (observed with 2.0.28; the C engine's codes in brackets):
# - an `any`/`all` of about 70 comparisons overflows its evaluation stack [303 ERR_MAX_STACK_SIZE]: no composite
#   has more than WIDTH children (wider ones are split, exactly: Kleene `all` and `any` are associative);
# - a chain of about 60 posts, each made from the previous node's action, overflows it too [303], and rulesets of
#   hundreds of rules are refused [107]: the chain is cut into blocks of at most BLOCK nodes, each a ruleset of
#   its own, decided by one post that carries the outcomes of earlier blocks;
# - an event carries at most 254 properties [302]: a block's event carries only what the block reads, at most
#   3 + WIDTH x BLOCK + BLOCK = 219.
WIDTH = 8
BLOCK = 24
MAX_EVENT_PROPERTIES = 254


def flatten(nodes: dict[str, Node], width: int = WIDTH) -> list[tuple[str, Node]]:
    """The program's nodes with every composite nested in a composite lifted into a chain node of its own, and
    every composite of more than `width` children split into nested composites of the same kind.

    durable-rules expands each rule's expression to disjunctive normal form and refuses one that grows too large
    (error 113); with composites only over leaves, references and negations of them, every expression below
    stays linear in the number of children, and with at most `width` children it stays small.
    """
    out: list[tuple[str, Node]] = []

    def lifted(node: Node) -> RefNode:
        name = f"$~{len(out)}"  # `$` ids are reserved for the engine: no clause can be named so
        out.append((name, node))
        return RefNode(name)

    def narrow(kind: type[Composite], children: list[Node]) -> Composite:
        while len(children) > width:
            groups = [children[i : i + width] for i in range(0, len(children), width)]
            children = [group[0] if len(group) == 1 else lifted(kind(tuple(group))) for group in groups]
        return kind(tuple(children))

    def lift(node: Node, top: bool) -> Node:
        if isinstance(node, NotNode):
            return NotNode(lift(node.child, False))
        if isinstance(node, (AllNode, AnyNode)):
            flat = narrow(type(node), [lift(child, False) for child in node.children])
            return flat if top else lifted(flat)
        return node

    for nid, node in nodes.items():
        out.append((nid, lift(node, True)))
    return out


def _reads(node: Node) -> list[CmpNode | RefNode]:
    """The leaves and references a flattened node's expression reads (through negations)."""
    if isinstance(node, NotNode):
        return _reads(node.child)
    if isinstance(node, (AllNode, AnyNode)):
        return [leaf for child in node.children for leaf in _reads(child)]
    return [node] if isinstance(node, (CmpNode, RefNode)) else []


@dataclass(frozen=True)
class _Block:
    """Chain nodes [start, end) as one ruleset, and the fields its event must carry."""

    name: str
    start: int
    end: int
    comparisons: tuple[int, ...]  # pattern positions it reads
    earlier: tuple[int, ...]  # chain positions of earlier blocks' nodes it reads


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


def _synchronous_host() -> Any:
    """A durable-rules Host without its background dispatch threads.

    `durable.engine.Host.__init__` calls `Host._run`, which starts two self-rearming daemon timers:
    `dispatch_ruleset` (`Ruleset.dispatch` -> the C engine's `start_action`, every 0-0.2 s) and `dispatch_timers`.
    `start_action` takes any session of the ruleset whose action is pending, with no lock shared with `post`.
    Between `post`'s `assert_event` and its own `start_action_for_state` that thread could take the action of
    the session being decided: `post` then returned None (the session was deleted while the thread still ran its
    action chain) and a later `complete_and_start_action` failed with error 307 (ERR_NODE_DELETED: the action's
    frame already freed). CPU load widened the window. This backend uses no timers and no asynchronous actions,
    so every action runs inside `post`: no dispatch thread is needed, and with none the race cannot happen.
    """

    class _SynchronousHost(_engine.Host):  # type: ignore[name-defined,misc]
        def _run(self) -> None:  # durable-rules 2.0.28: the hook that starts the dispatch timers
            pass

    return _SynchronousHost()


_HOST: Any = None  # one per process, like durable-rules' own: a ruleset, once registered, cannot be released


def host() -> Any:
    """This backend's host (made on first use)."""
    global _HOST
    if _HOST is None:
        _HOST = _synchronous_host()
    return _HOST


def register(name: str) -> None:
    """Move a ruleset just declared with `durable.lang.ruleset(name)` from lang (whose host runs the dispatch
    threads) into this backend's host."""
    full_name, definition = _lang._rulesets.pop(name).define()  # type: ignore[union-attr]
    host().register_rulesets({full_name: definition})


class DurableBackend:
    """`--backend durable-rules`: each program structure a chain of rulesets (blocks), each decision one session
    per block, chained node by node."""

    name = "durable-rules"
    _compiled: ClassVar[dict[str, list[_Block]]] = {}
    # chain position of each of a program's own nodes (lifted nodes come before their parents), by program key
    _positions: ClassVar[dict[str, dict[str, int]]] = {}
    _lock = threading.Lock()
    _counter = itertools.count()

    def _blocks(self, program: Program) -> list[_Block]:
        key = program.structure_key
        with self._lock:
            if key in self._compiled:
                return self._compiled[key]
            chain = flatten(program.nodes)
            ids = {nid: j for j, (nid, _) in enumerate(chain)}
            assert len(ids) == len(chain), "a lifted node's name is also a program node's"
            blocks = []
            for start in range(0, len(chain), BLOCK):
                end = min(start + BLOCK, len(chain))
                reads = [leaf for _, node in chain[start:end] for leaf in _reads(node)]
                comparisons = sorted({leaf.index for leaf in reads if isinstance(leaf, CmpNode)})
                earlier = sorted({ids[r.target] for r in reads if isinstance(r, RefNode) and ids[r.target] < start})
                block = _Block(f"exportctl_{key}_{start}", start, end, tuple(comparisons), tuple(earlier))
                properties = 3 + len(comparisons) + len(earlier) + (end - start)
                assert properties <= MAX_EVENT_PROPERTIES, f"{properties} event properties: see WIDTH and BLOCK"
                self._declare(block, chain[start:end], _Exprs(ids))
                blocks.append(block)
            self._positions[key] = {nid: ids[nid] for nid in program.nodes}
            self._compiled[key] = blocks
        return blocks

    @staticmethod
    def _declare(block: _Block, nodes: list[tuple[str, Node]], exprs: _Exprs) -> None:
        """One ruleset: the block's nodes fire in order, each once its predecessor in the block has a value."""
        assert _lang is not None
        m = _lang.m
        with _lang.ruleset(block.name):
            previous = None
            for j, (_nid, node) in enumerate(nodes, start=block.start):
                for value in ("T", "F", "U"):
                    ready = (m.t == "ev") & -getattr(m, _node_field(j))
                    if previous is not None:
                        ready = ready & +getattr(m, previous)
                    _lang.when_all(ready & exprs.expr(node, value))(_action(j, value))
                previous = _node_field(j)

            @_lang.when_all((m.t == "ev") & +getattr(m, _node_field(block.end - 1)))
            def _done(c: Any) -> None:
                c.s.r_done = True

        register(block.name)

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]:
        """Run each block's chain in a fresh session (fresh session and event ids), then delete the session.

        A chain that does not finish is an error, never retried: with no dispatch thread nothing else can take a
        session's actions, so an unfinished chain means a defect to report, not a race to paper over.
        """
        values: dict[int, str] = {}
        for block in self._blocks(program):
            serial = next(self._counter)
            sid = f"s{serial}"
            event: dict[str, Any] = {"sid": sid, "id": f"e{serial}", "t": "ev"}
            event.update({_field(i): str(pattern[i]) for i in block.comparisons})
            event.update({_node_field(j): values[j] for j in block.earlier})
            with self._lock:
                try:
                    state = host().post(block.name, event)
                except _NotHandled:  # no rule matched: no session was made, and deleting one would crash the host
                    state = None
                else:
                    host().delete_state(block.name, sid)
            if not (state and state.get("r_done")):
                detail = state.get("exception", state) if isinstance(state, dict) else state
                raise RuntimeError(f"durable-rules did not finish the decision chain for {pattern}: {detail}")
            values.update({j: state[f"r_{_node_field(j)}"] for j in range(block.start, block.end)})
        positions = self._positions[program.structure_key]
        return {nid: Tri(values[j]) for nid, j in positions.items()}


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
