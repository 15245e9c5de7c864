"""A sweep: the October 2023 TPP line from 2000 to 8000 in steps of 10, the catalog chips controlled at each value,
and a step plot of it.

    python examples/sweep_tpp_line.py [PICTURE.png|.svg]

Each value is a what-if Engine (`Engine.with_parameters`) sharing the shipped Engine's memo: moving a line changes
no structure, so the 601 points decide almost nothing anew. Prints the values at which the set of controlled chips
changes, and writes the picture (default: sweep-tpp-line.png in the current folder).
"""

from __future__ import annotations

import sys

from exportctl import Engine
from exportctl.analysis.sweep import parse_range
from exportctl.core.paths import catalog_dir


def main(picture: str = "sweep-tpp-line.png") -> int:
    engine = Engine()
    chips = engine.load_chips([catalog_dir()]).chips
    found = engine.sweep(chips, "us-2023-10", "us-2023-10.tpp_line", parse_range("2000:8000:10", "dimensionless"))
    first, last = found.points[0], found.points[-1]
    print(f"us-2023-10, tpp_line from {first.value} to {last.value}: {len(found.points)} values")
    print(f"  at {first.value}: {len(first.controlled)} of {first.total} chips controlled")
    for value, came, left in found.changes():
        moved = [f"+{name}" for name in came] + [f"-{name}" for name in left]
        print(f"  at {value}: {', '.join(moved)}")
    print(f"  at {last.value}: {len(last.controlled)} of {last.total} chips controlled")
    engine.plot_sweep(found).savefig(picture, bbox_inches="tight")
    print(f"wrote {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:2]))
