"""The pure-Python decision backend: Kleene three-valued logic over the compiled nodes."""

from __future__ import annotations

from ..program import Node, Program
from . import Decision


def tri(node: Node, pattern: tuple[str, ...], values: dict[str, str]) -> str:
    kind = node[0]
    if kind == "cmp":
        return pattern[node[1]]
    if kind == "ref":
        return values[node[1]]
    if kind == "const":
        return str(node[1])
    if kind == "not":
        inner = tri(node[1], pattern, values)
        return {"T": "F", "F": "T"}.get(inner, "U")
    children = [tri(child, pattern, values) for child in node[1]]
    if kind == "all":
        return "F" if "F" in children else ("U" if "U" in children else "T")
    return "T" if "T" in children else ("U" if "U" in children else "F")


class PythonBackend:
    name = "python"

    def decide(self, program: Program, pattern: tuple[str, ...]) -> Decision:
        values: dict[str, str] = {}
        for nid, node in program.nodes:
            values[nid] = tri(node, pattern, values)
        return values
