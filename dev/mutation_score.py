"""Mutation score from a mutmut 3 scratch directory: counts, the score, and the survivors.

    python dev/mutation_score.py SCRATCH_DIR [--sample FILE] [--survivors]
    python dev/mutation_score.py SCRATCH_DIR --draw N      # print a seeded sample of N mutant names

Reads mutants/**/*.meta directly (no mutmut needed). With --sample, only the mutants named in FILE count, and a
Wilson 95% interval is given for the score of the whole population they were drawn from. --draw takes the same
share of every file's mutants, so each module is represented in proportion.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

STATUS = {0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 36: "timeout", 37: "type check"}
STATUS.update({code: "timeout" for code in (24, -24, 152, 255)})
DETECTED = {"killed", "timeout"}  # a timeout is a mutant the tests did not let pass


def exit_codes(scratch: Path) -> dict[Path, dict[str, int | None]]:
    """Each mutated file's mutants and their exit codes (None: not run yet)."""
    return {
        meta: json.loads(meta.read_text())["exit_code_by_key"] for meta in sorted((scratch / "mutants").rglob("*.meta"))
    }


def results(scratch: Path) -> dict[str, str]:
    return {
        name: "not checked" if code is None else STATUS.get(code, "suspicious")
        for codes in exit_codes(scratch).values()
        for name, code in codes.items()
    }


def draw(scratch: Path, size: int, seed: int = 20261123) -> list[str]:
    by_file = exit_codes(scratch)
    share = size / sum(len(codes) for codes in by_file.values())
    chooser = random.Random(seed)
    return [name for codes in by_file.values() for name in chooser.sample(sorted(codes), round(len(codes) * share))]


def wilson(detected: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = detected / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(argv: list[str]) -> int:
    scratch = Path(argv[0])
    if "--draw" in argv:
        print("\n".join(draw(scratch, int(argv[argv.index("--draw") + 1]))))
        return 0
    found = results(scratch)
    if "--sample" in argv:
        names = Path(argv[argv.index("--sample") + 1]).read_text().split()
        print(f"sample: {len(names)} of {len(found)} mutants")
        found = {name: found[name] for name in names}
    counts = Counter(found.values())
    checked = sum(n for status, n in counts.items() if status != "not checked")
    detected = sum(counts[s] for s in DETECTED)
    print(", ".join(f"{status}: {n}" for status, n in counts.most_common()))
    if checked:
        low, high = wilson(detected, checked)
        print(f"score: {detected} of {checked} detected = {detected / checked:.1%} (95% interval {low:.1%}-{high:.1%})")
    if "--survivors" in argv:
        for name, status in sorted(found.items()):
            if status not in DETECTED and status != "not checked":
                print(f"{status}: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
