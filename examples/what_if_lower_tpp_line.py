"""A what-if: lower the October 2023 TPP line from 4800 to 4000 and list the catalog chips whose status changes.

    python examples/what_if_lower_tpp_line.py [NEW_LINE]

Rules are data: the what-if is a copy of the shipped rule file with one number changed, loaded from a folder of
its own. Nothing else differs, so every difference in the output is the effect of that one line.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from exportctl import classify, load_chips, load_rules
from exportctl.core.paths import catalog_dir, rules_dir


def main(new_line: str = "4000") -> int:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        shutil.copy(rules_dir() / "_metrics.yaml", folder)
        text = (rules_dir() / "us-2023-10.yaml").read_text()
        # every comparison against the line moves: `tpp >= 4800` and `tpp < 4800` alike
        (folder / "us-2023-10.yaml").write_text(re.sub(r"(tpp [<>]=? )4800\b", rf"\g<1>{new_line}", text))
        shipped, what_if = load_rules(), load_rules(folder)
        chips = load_chips([catalog_dir()]).chips
        print(f"us-2023-10 with the TPP line at {new_line} instead of 4800:")
        changed = 0
        for chip in chips:
            (before,) = classify(chip, ["us-2023-10"], rules=shipped)
            (after,) = classify(chip, ["us-2023-10"], rules=what_if)
            if before.status != after.status:
                changed += 1
                print(f"  {chip.spec.name}: {before.status} -> {after.status}")
        print(f"{changed} of {len(chips)} catalog chips change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:2]))
