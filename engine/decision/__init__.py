"""Conditions -> decision: node values from a pattern of comparison outcomes, and the verdict built on them.

Two backends run the same compiled program: durable-rules (the rule engine, where installed) and a small
pure-Python Kleene evaluator (fallback, and cross-check in tests). Verdicts are memoized by program structure
and condition pattern, which is what makes batch evaluation cheap: a catalog has few distinct patterns.
"""

from .backend import Backend, available_backends, make_backend
from .memo import Memo
from .verdict import Verdict

__all__ = ["Backend", "Memo", "Verdict", "available_backends", "make_backend"]
