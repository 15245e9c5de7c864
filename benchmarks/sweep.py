"""Issue 13's sweep target: 1,000 values of a line over the catalog in under 10 s, against the baseline of a
what-if before overlays (copy the rules folder, edit the number, load the copy), measured in the same run.

    python benchmarks/sweep.py [--points N] [--baseline-variants N] [--backend durable-rules|python]

- baseline: per variant, copy rules/ to a new folder, move us-2023-10's TPP line in the file, `Engine(folder)`
  (compile and load-time checks; the cache cannot help, a new folder is new content) and classify the catalog under
  us-2023-10; the mean of --baseline-variants variants, times --points.
- now: `Engine.sweep` over the same catalog and round, --points values of us-2023-10.tpp_line, CPU and wall time,
  with the decisions computed (memo misses) and the durable-rules rule sets registered before and after.
- identity: at every 100th point, the sweep's controlled chips equal those of a hand-edited copy of the folder.

Each run prints the machine, so figures can be compared within a run, not across machines or hours.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from fractions import Fraction
from pathlib import Path

from machine import describe  # benchmarks/machine.py: a script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
LINE = 'values: {2023-11-17: "4800"}'  # us-2023-10's tpp_line in its rule file
DAY = date(2026, 1, 1)


def machine() -> str:
    return describe(ROOT)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copied_variant(scratch: Path, value: Fraction, index: int) -> Path:
    folder = scratch / f"variant-{index}"
    shutil.copytree(ROOT / "rules", folder, ignore=shutil.ignore_patterns("README.md"))
    rule = folder / "us-2023-10.yaml"
    rule.write_text(rule.read_text().replace(LINE, LINE.replace("4800", str(value))))
    return folder


def controlled(engine, chips, round_id: str) -> list[str]:
    from exportctl import Status

    return [c.spec.name for c in chips if engine.classify(c, [round_id], DAY)[0].status is Status.CONTROLLED]


def rulesets() -> int | None:
    """durable-rules rule sets registered in this process (None without durable-rules)."""
    try:
        from exportctl.decision.durable import DurableBackend, available
    except ImportError:
        return None
    return sum(len(blocks) for blocks in DurableBackend._compiled.values()) if available() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--baseline-variants", type=int, default=3)
    parser.add_argument("--backend", choices=("durable-rules", "python"), default=None)
    args = parser.parse_args()
    os.environ.setdefault("EXPORTCTL_CACHE_DIR", tempfile.mkdtemp(prefix="exportctl-bench-cache-"))

    from exportctl import Engine
    from exportctl.analysis.sweep import Range

    print(machine())
    engine = Engine(backend=args.backend)
    chips = engine.load_chips([ROOT / "chips"]).chips
    engine.classify(chips[0], ["us-2023-10"], DAY)  # the rule set loaded, the backend made
    print(f"catalog: {len(chips)} chips; round us-2023-10; backend {engine.backend.name}")

    # baseline: a copied, edited, loaded folder per variant
    with tempfile.TemporaryDirectory() as scratch:
        started_cpu, started = cpu(), time.perf_counter()
        for i in range(args.baseline_variants):
            folder = copied_variant(Path(scratch), Fraction(4000 + i), i)
            controlled(Engine(folder, backend=args.backend), chips, "us-2023-10")
        per_variant = (time.perf_counter() - started) / args.baseline_variants
        per_variant_cpu = (cpu() - started_cpu) / args.baseline_variants
    print(
        f"baseline (copy + edit + load a folder, classify the catalog): {per_variant:.2f} s per variant "
        f"({per_variant_cpu:.2f} s CPU); x {args.points} points = {per_variant * args.points / 60:.1f} min"
    )

    # now: the sweep
    values = Range(Fraction(1000), Fraction(1000 + 10 * (args.points - 1)), Fraction(10))
    misses, sets, rss = engine.memo.misses, rulesets(), rss_mib()
    started_cpu, started = cpu(), time.perf_counter()
    found = engine.sweep(chips, "us-2023-10", "us-2023-10.tpp_line", values, DAY)
    wall, used = time.perf_counter() - started, cpu() - started_cpu
    after_sets = rulesets()
    print(
        f"now (Engine.sweep, {len(found.points)} points x {len(chips)} chips): {wall:.2f} s wall, {used:.2f} s CPU "
        f"({wall / len(found.points) * 1000:.2f} ms per point); target < 10 s: {'met' if wall < 10 else 'NOT met'}"
    )
    print(
        f"  decisions computed during the sweep: {engine.memo.misses - misses}; durable-rules rule sets: "
        f"{sets} before, {after_sets} after; peak RSS {rss:.0f} -> {rss_mib():.0f} MiB"
    )
    print(f"  speed-up over the baseline: {per_variant * len(found.points) / wall:.0f}x")

    # identity: a sample of points against hand-edited folders
    from exportctl import RuleFileError

    refused = []
    with tempfile.TemporaryDirectory() as scratch:
        sample = found.points[:: max(1, len(found.points) // 10)]
        for i, point in enumerate(sample):
            folder = copied_variant(Path(scratch), point.value, i)
            try:
                copy = Engine(folder, backend="python")
            except RuleFileError as exc:  # a folder is checked as a new rule file: a clause no chip reaches fails
                refused.append(f"{point.value}: {exc.field}: {exc.message}")
                continue
            assert controlled(copy, chips, "us-2023-10") == point.controlled, point.value
    print(f"identity: {len(sample) - len(refused)} of {len(sample)} sampled points equal to a hand-edited copy")
    for reason in refused:
        print(f"  the copied folder is refused at tpp_line {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
