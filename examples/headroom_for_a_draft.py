"""Headroom for a designer's draft: per round and figure, the exact factor the draft can grow by before its answer
changes, and the clause it would meet.

    python examples/headroom_for_a_draft.py [SHEET] [ROUND...]

The factor comes from the threshold arithmetic (2400 / 2240 = 15/14 for a TPP of 2240 against the 2400 line), not
by trying values; performance density moves with TPP at a fixed die area, and density alone is varied through the
die area. The default sheet is examples/draft-accelerator.yaml, the default rounds us-2023-10 and us-2022-10.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from exportctl import Engine

HERE = Path(__file__).resolve().parent


def main(sheet: str = str(HERE / "draft-accelerator.yaml"), *rounds: str) -> int:
    engine = Engine()
    chip = engine.load_chip(sheet)
    print(f"{chip.name}: headroom as of {date.today()}")
    for entry in engine.headroom(chip, list(rounds) or ["us-2023-10", "us-2022-10"]):
        exact = f" (exactly {entry.first.factor})" if entry.first and entry.first.factor.denominator != 1 else ""
        print(f"  {entry.round}: {entry.sentence().removeprefix(chip.name + ': ')}{exact}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
