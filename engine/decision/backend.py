"""What a decision backend is, and which one to use."""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING, Protocol

from ..core.logic import Tri

if TYPE_CHECKING:  # `--version` asks which backends exist without loading the rules layer
    from ..rules.program import Program


class Backend(Protocol):
    """Computes every node's Kleene value for one pattern of comparison outcomes."""

    name: str

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]: ...


def durable_installed() -> bool:
    """Whether durable-rules can be imported, without importing it (`--version` stays fast)."""
    return sys.version_info < (3, 13) and importlib.util.find_spec("durable") is not None


def available_backends() -> list[str]:
    return (["durable-rules"] if durable_installed() else []) + ["python"]


class DeferredBackend:
    """A backend made on its first decision: when every verdict needed is already known (the memo, or verdicts kept
    from an earlier run), durable-rules is never imported."""

    def __init__(self, name: str | None = None) -> None:
        if name == "durable-rules" and not durable_installed():
            make_backend(name)  # raises: say so now, not at the first decision
        self.name = name or ("durable-rules" if durable_installed() else "python")
        self._real: Backend | None = None

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]:
        if self._real is None:
            self._real = make_backend(self.name)
        return self._real.decide(program, pattern)


def make_backend(name: str | None = None) -> Backend:
    """The named backend, or durable-rules when it imports, else the pure-Python one."""
    from .kleene import KleeneBackend

    if name in (None, "durable-rules") and durable_installed():
        from . import durable

        if durable.available():
            return durable.DurableBackend()
        if name == "durable-rules":
            raise RuntimeError(f"durable-rules is not available here: {durable.import_error()}")
    if name == "durable-rules":
        raise RuntimeError("durable-rules is not available here: it is not installed (it needs Python < 3.13)")
    return KleeneBackend()
