"""The pure-Python decision backend: Kleene three-valued logic over the compiled nodes (the reference)."""

from __future__ import annotations

from ..core.logic import Tri, all_of, any_of
from ..rules.program import AllNode, CmpNode, ConstNode, Node, NotNode, Program, RefNode


def tri(node: Node, pattern: tuple[Tri, ...], values: dict[str, Tri]) -> Tri:
    """A node's value, given the comparison outcomes and the values of the nodes it refers to."""
    if isinstance(node, CmpNode):
        return pattern[node.index]
    if isinstance(node, RefNode):
        return values[node.target]
    if isinstance(node, ConstNode):
        return node.value
    if isinstance(node, NotNode):
        return tri(node.child, pattern, values).negate()
    children = [tri(child, pattern, values) for child in node.children]
    return all_of(children) if isinstance(node, AllNode) else any_of(children)


class KleeneBackend:
    """`--backend python`. Evaluates every node in dependency order; microseconds per decision, no limits on size or depth of chains."""

    name = "python"

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]:
        values: dict[str, Tri] = {}
        for nid, node in program.nodes.items():
            values[nid] = tri(node, pattern, values)
        return values
