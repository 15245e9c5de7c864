"""A procurement check: what was a chip's export status on a given day, under which round, and why?

    python examples/may_we_ship.py chips/nvidia/h20.yaml 2025-06-01

A chip that is controlled needs a licence for the destinations of the deciding round; an indeterminate one
needs the missing figures before anyone can say (exportctl never reads "unknown" as "no").
"""

from __future__ import annotations

import sys
from datetime import date

from exportctl import classify_as_of, load_chip


def main(sheet: str, day: str) -> int:
    combined = classify_as_of(load_chip(sheet), date.fromisoformat(day))
    print(f"{combined.chip} on {combined.as_of}: {combined.status}")
    for result in combined.deciding:
        print(f"  {result.round} ({result.citation}, {result.provenance}): {result.explanation}")
        if result.destinations is not None:
            print(f"  applies to: {result.destinations.summary()}")
        if result.license_review or result.undetermined:
            print(f"  licence review: {result.review_text or 'none stated'}")
        if result.missing:
            print(f"  missing figures: {', '.join(result.missing)}")
    if not combined.deciding:
        print("  no round in force that day addresses it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
