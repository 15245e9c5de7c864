"""Conditions -> decision: node values from a pattern of comparison outcomes, and the verdict built on them.

Two backends run the same compiled program: durable-rules (the rule engine, where installed) and a small
pure-Python Kleene evaluator (fallback, and cross-check in tests). Verdicts are memoized by program structure
and condition pattern, which is what makes batch evaluation cheap: a catalog has few distinct patterns.

Names are imported on first use, so that asking which backends exist (`exportctl --version`) loads none of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Backend": ".backend",
    "available_backends": ".backend",
    "make_backend": ".backend",
    "Memo": ".memo",
    "Verdict": ".verdict",
}

if TYPE_CHECKING:
    from .backend import Backend, available_backends, make_backend
    from .memo import Memo
    from .verdict import Verdict


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Backend", "Memo", "Verdict", "available_backends", "make_backend"]
