"""Verdicts by (program structure, pattern): the same structure and pattern always give the same verdict.

Thresholds are not part of the key, so what-if variants that only move a line share every verdict. The memo is
bounded (least recently used entries go first), so a long-running service or a sweep cannot grow it without end.
"""

from __future__ import annotations

from collections import OrderedDict

from ..core import cache
from ..core.logic import Tri
from ..rules.program import Program
from .backend import Backend
from .verdict import Verdict, verdict


class Memo:
    """An Engine's verdict cache, in front of its decision backend."""

    def __init__(self, backend: Backend, max_entries: int = 100_000) -> None:
        self.backend = backend
        self.max_entries = max_entries
        self.cache: OrderedDict[tuple[str, tuple[Tri, ...]], Verdict] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def load(self) -> None:
        """Add the verdicts this backend gave in earlier runs (the cache folder; exportctl.core.cache)."""
        kept = cache.load("verdicts", self.backend.name)
        if isinstance(kept, dict):
            for key, found in list(kept.items())[-self.max_entries :]:
                if isinstance(found, Verdict):
                    self.cache.setdefault(key, found)

    def save(self) -> None:
        """Keep the verdicts for later runs, if this run decided any."""
        if self.misses:
            cache.store("verdicts", self.backend.name, dict(self.cache))

    def verdict(self, program: Program, pattern: tuple[Tri, ...]) -> Verdict:
        key = (program.structure_key, pattern)
        found = self.cache.get(key)
        if found is not None:
            self.hits += 1
            self.cache.move_to_end(key)
            return found
        self.misses += 1
        found = self.cache[key] = verdict(program, pattern, self.backend.decide(program, pattern))
        if len(self.cache) > self.max_entries:
            self.cache.popitem(last=False)
        return found
