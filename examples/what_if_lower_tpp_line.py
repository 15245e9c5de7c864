"""A what-if: lower the October 2023 TPP line from 4800 to 4000 and list the catalog chips whose status changes.

    python examples/what_if_lower_tpp_line.py [NEW_LINE]

Rules are data: the what-if is an overlay, a small document laid over the shipped round that moves one named
parameter (`tpp_line`, which every comparison against the line uses: `tpp >= $tpp_line` and `tpp < $tpp_line`
alike). Nothing else differs, so every difference in the output is the effect of that one line. The same
overlay as a file is `examples/tpp-line-4000.yaml` (`exportctl --overlay examples/tpp-line-4000.yaml ...`).
"""

from __future__ import annotations

import sys
from datetime import date

from exportctl import Engine
from exportctl.core.paths import catalog_dir


def main(new_line: str = "4000") -> int:
    shipped = Engine()
    what_if = shipped.with_overlay(
        {"overlay": f"tpp-line-{new_line}", "base": "us-2023-10", "parameters": {"tpp_line": new_line}}
    )
    chips = shipped.load_chips([catalog_dir()]).chips
    day = date.today()
    print(f"us-2023-10 with the TPP line at {new_line} instead of 4800:")
    changed = 0
    for chip in chips:
        (before,) = shipped.classify(chip, ["us-2023-10"], day)
        (after,) = what_if.classify(chip, ["us-2023-10"], day)  # the base's id finds its what-if
        if before.status != after.status:
            changed += 1
            print(f"  {chip.spec.name}: {before.status} -> {after.status}")
    print(f"{changed} of {len(chips)} catalog chips change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:2]))
