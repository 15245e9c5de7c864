"""Conditions -> decision: tri-valued clause values from a pattern of comparison outcomes.

Two backends run the same compiled program: durable-rules (the rule engine, where installed) and a small
pure-Python evaluator (fallback, and cross-check in tests). Decisions are memoized by condition pattern,
which is what makes batch evaluation of millions of rows cheap: a catalog has few distinct patterns.
"""

from __future__ import annotations

from typing import Protocol

from ..program import Program

Decision = dict[str, str]


class Backend(Protocol):
    name: str

    def decide(self, program: Program, pattern: tuple[str, ...]) -> Decision: ...


class Memo:
    """Decisions by (program, pattern): the same pattern always yields the same decision."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.cache: dict[tuple[str, tuple[str, ...]], Decision] = {}
        self.hits = 0
        self.misses = 0

    def decide(self, program: Program, pattern: tuple[str, ...]) -> Decision:
        key = (program.key, pattern)
        found = self.cache.get(key)
        if found is None:
            self.misses += 1
            found = self.cache[key] = self.backend.decide(program, pattern)
        else:
            self.hits += 1
        return found


def available_backends() -> list[str]:
    from . import durable

    return (["durable-rules"] if durable.available() else []) + ["python"]


def make_backend(name: str | None = None) -> Backend:
    """The named backend, or durable-rules when it imports, else the pure-Python one."""
    from . import durable, python

    if name in (None, "durable-rules") and durable.available():
        return durable.DurableBackend()
    if name == "durable-rules":
        raise RuntimeError(f"durable-rules is not available here: {durable.import_error()}")
    return python.PythonBackend()


_default: Memo | None = None


def default() -> Memo:
    global _default
    if _default is None:
        _default = Memo(make_backend())
    return _default
