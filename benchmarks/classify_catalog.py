"""Benchmark: classify the shipped catalog under every default round, per backend, cold and memoized.

Run: python benchmarks/classify_catalog.py [repeats]. Results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time

from exportctl import Engine, Tri
from exportctl.core.paths import catalog_dir
from exportctl.decision import make_backend


def run(backend: str, repeats: int) -> None:
    engine = Engine(backend=backend)
    memo = engine.memo
    chips = engine.load_chips([catalog_dir()]).chips
    start = time.perf_counter()
    results = 0
    for _ in range(repeats):
        for chip in chips:
            results += len(engine.classify(chip))
    elapsed = time.perf_counter() - start
    print(
        f"{backend:14s} {results:6d} results in {elapsed:6.2f} s = {elapsed / results * 1e6:7.0f} us/result; "
        f"decisions: {memo.misses} computed, {memo.hits} memoized"
    )


def decide_only(backend: str, count: int) -> None:
    import random

    program = Engine(backend="python").rules["us-2023-10"]
    engine = make_backend(backend)
    chooser = random.Random(1)
    patterns = [tuple(chooser.choice(list(Tri)) for _ in program.comparisons) for _ in range(count)]
    start = time.perf_counter()
    for pattern in patterns:
        engine.decide(program, pattern)
    elapsed = time.perf_counter() - start
    print(f"{backend:14s} {count} un-memoized us-2023-10 decisions: {elapsed / count * 1e6:7.0f} us each")


if __name__ == "__main__":
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for name in ("durable-rules", "python"):
        run(name, repeats)
        decide_only(name, 5000)
