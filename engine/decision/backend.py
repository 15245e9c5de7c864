"""What a decision backend is, and which one to use."""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING, Protocol

from ..core.errors import ArgumentError, BackendUnavailableError
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


BACKENDS = ("durable-rules", "python")


def available_backends() -> list[str]:
    """The backends this Python can run, the default first (checked without importing durable-rules)."""
    return (["durable-rules"] if durable_installed() else []) + ["python"]


def default_backend() -> str:
    """The backend used when none is asked for: durable-rules where it is installed, else the Python one."""
    return available_backends()[0]


def _unavailable(reason: str) -> BackendUnavailableError:
    return BackendUnavailableError(
        f"durable-rules is not available here: {reason}; use the python backend (--backend python), which decides "
        "every round alike"
    )


def _not_installed() -> BackendUnavailableError:
    here = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    if sys.version_info >= (3, 13):
        return _unavailable(f"it is not installed (durable-rules 2.0.28, its latest release, does not build on {here})")
    return _unavailable(f"it is not installed on this {here} (pip install durable-rules)")


class DeferredBackend:
    """A backend made on its first decision: when every verdict needed is already known (the memo, or verdicts kept
    from an earlier run), durable-rules is never imported."""

    def __init__(self, name: str | None = None) -> None:
        if name is not None and name not in BACKENDS:
            raise ArgumentError("backend", f"unknown decision backend {name!r}; known: {', '.join(BACKENDS)}")
        if name == "durable-rules" and not durable_installed():
            raise _not_installed()  # say so now, not at the first decision
        self.name = name or default_backend()
        self._real: Backend | None = None

    def decide(self, program: Program, pattern: tuple[Tri, ...]) -> dict[str, Tri]:
        if self._real is None:
            self._real = make_backend(self.name)
        return self._real.decide(program, pattern)


def make_backend(name: str | None = None) -> Backend:
    """The named backend, or durable-rules when it imports, else the pure-Python one.

    Asking for durable-rules where it cannot run raises BackendUnavailableError, saying why."""
    from .kleene import KleeneBackend

    if name in (None, "durable-rules") and durable_installed():
        from . import durable

        if durable.available():
            return durable.DurableBackend()
        if name == "durable-rules":
            raise _unavailable(f"it does not import on this Python ({durable.import_error()})")
    if name == "durable-rules":
        raise _not_installed()
    return KleeneBackend()
