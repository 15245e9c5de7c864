"""Conditions -> decision: node values from a pattern of comparison outcomes, and the verdict built on them.

Two backends run the same compiled program: durable-rules (the rule engine, where installed) and a small
pure-Python Kleene evaluator (fallback, and cross-check in tests). Verdicts are memoized by program structure
and condition pattern, which is what makes batch evaluation cheap: a catalog has few distinct patterns.

Names are imported on first use, so that asking which backends exist (`exportctl --version`) loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import lazy

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


__getattr__ = lazy.exports(__name__, _EXPORTS, globals())


__all__ = ["Backend", "Memo", "Verdict", "available_backends", "make_backend"]
