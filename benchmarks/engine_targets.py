"""Issue 9's four targets, each measured against its baseline in the same run.

    python benchmarks/engine_targets.py [--baseline REV] [--sheets N] [--runs N] [--parts startup,library,cli,identity]

- start-up: `exportctl --version` and `exportctl classify chips/nvidia/h20.yaml` in a new process, CPU time (user +
  system) as a multiple of `python3 -c pass` on the same interpreter; median of --runs.
- library: the shipped catalog under the default rounds, every result's explanation read, results per CPU second.
- CLI: a folder of --sheets YAML sheets (copies of the catalog under new names), `--format jsonl`: sheets per
  second (wall) and peak resident memory.
- identity: every result on the whole catalog (every round, seven as-of dates, timelines) equal field for field.

The baseline (default: 268c256, the last commit before issue 9) is checked out into a temporary git worktree and
imported through a folder that maps `exportctl` to its `engine/`, so both run on this interpreter and machine.
Both trees are byte-compiled first, as an installed package is (`pip install` compiles a wheel; an editable
checkout is compiled on its first run unless PYTHONDONTWRITEBYTECODE is set, as it is in some sandboxes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from machine import describe  # benchmarks/machine.py: a script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def machine() -> str:
    return describe(ROOT)


def shim(engine: Path, where: Path) -> dict[str, str]:
    """An environment in which `import exportctl` imports the given engine/ folder."""
    where.mkdir(parents=True, exist_ok=True)
    link = where / "exportctl"
    if not link.exists():
        link.symlink_to(engine, target_is_directory=True)
    subprocess.run([PY, "-m", "compileall", "-q", str(engine)], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(where))
    env.pop("COLUMNS", None)
    return env


def cpu_of(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """CPU seconds (user + system) of one child process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(argv: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    cpu_of(argv, env, cwd)  # bytecode and caches as a second run finds them
    return statistics.median(cpu_of(argv, env, cwd) for _ in range(runs))


CLI = ["-c", "import sys; from exportctl.cli import main; sys.exit(main())"]

LIBRARY = textwrap.dedent(
    """
    import json, sys, time
    from datetime import date
    import exportctl
    day = date(2026, 12, 1)
    if hasattr(exportctl, "Engine"):
        engine = exportctl.Engine()
        from exportctl.core.paths import catalog_dir
        chips = engine.load_chips([catalog_dir()]).chips
        run = lambda chip: engine.classify(chip, as_of=day)
    else:
        from exportctl import classify, load_chips, load_rules, decision
        from exportctl.resources import catalog_dir
        rules = load_rules()
        memo = decision.Memo(decision.make_backend())
        chips = load_chips([catalog_dir()]).chips
        run = lambda chip: classify(chip, None, day, rules, memo)
    def explained(reps):
        n = 0
        for _ in range(reps):
            for chip in chips:
                for r in run(chip):
                    r.explanation
                    n += 1
        return n
    def dicts(reps):
        return sum(len(r.to_dict()) > 0 for _ in range(reps) for chip in chips for r in run(chip))
    out = {}
    for name, fn in (("explained", explained), ("to_dict", dicts)):
        fn(1)
        start = time.process_time()
        n = fn(int(sys.argv[1]))
        out[name] = (n, time.process_time() - start)
    print(json.dumps(out))
    """
)

SNAPSHOT = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    import exportctl
    from exportctl import classify, classify_as_of, load_chips, load_rules
    rules = load_rules()
    if hasattr(exportctl, "Engine"):
        engine = exportctl.Engine.from_ruleset(rules)
        timeline = lambda chip: engine.timeline(chip)
    else:
        from exportctl.timeline import timeline as old_timeline
        timeline = lambda chip: old_timeline(chip, rules)
    out = []
    for chip in load_chips([sys.argv[1]]).chips:  # the same sheets for both (a worktree has its own copy)
        out += [r.to_dict() for r in classify(chip, rules.ids(), date(2026, 12, 1), rules)]
        for day in ("2022-09-01", "2023-01-01", "2023-11-01", "2024-12-31", "2025-03-01", "2025-06-01", "2026-02-01"):
            out.append(classify_as_of(chip, date.fromisoformat(day), rules).to_dict())
        out.append([c.to_dict() for c in timeline(chip)])
    json.dump(out, sys.stdout, sort_keys=True)
    """
)


def make_sheets(folder: Path, count: int) -> None:
    catalog = sorted((ROOT / "chips").rglob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in catalog]
    folder.mkdir(parents=True)
    for i in range(count):
        text = texts[i % len(texts)]
        lines = text.splitlines(keepends=True)
        renamed = "".join(
            line.replace("name: ", f"name: copy {i} of ", 1) if line.startswith("name: ") else line for line in lines
        )
        (folder / f"sheet-{i:06d}.yaml").write_text(renamed, encoding="utf-8")


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS MiB, exit code) of a command, via /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", report.name, *argv],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall, user, system, rss_kb = report.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kb) // 1024, done.returncode


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="268c256", help="git revision to compare with (default: %(default)s)")
    parser.add_argument("--sheets", type=int, default=10_000, help="sheets in the CLI run (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=15, help="start-up runs per command (default: %(default)s)")
    parser.add_argument("--reps", type=int, default=20, help="passes over the catalog (default: %(default)s)")
    parser.add_argument("--parts", default="startup,library,cli,identity", help="what to measure (default: all)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    print(f"machine: {machine()}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set here: both trees are byte-compiled first, as an installed package is")
    scratch = Path(tempfile.mkdtemp(prefix="exportctl-bench-"))
    base_tree = scratch / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base_tree), args.baseline],
        check=True,
        capture_output=True,
    )
    try:
        now_env = shim(ROOT / "engine", scratch / "now")
        base_env = shim(base_tree / "engine", scratch / "base")
        now_env["EXPORTCTL_CACHE_DIR"] = str(scratch / "cache")
        print(f"baseline: {args.baseline} (git worktree {base_tree}); current: {ROOT}\n")

        # 1. start-up ----------------------------------------------------------------------------------------------
        plain = median_cpu([PY, "-c", "pass"], now_env, ROOT, args.runs)
        if "startup" in parts:
            startup(args, plain, base_env, now_env, scratch)
        if "library" in parts:
            library(args, base_env, now_env)
        if "cli" in parts:
            cli(args, base_env, now_env, scratch)
        if "identity" in parts:
            identity(base_env, now_env)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def startup(
    args: argparse.Namespace, plain: float, base_env: dict[str, str], now_env: dict[str, str], scratch: Path
) -> None:
    print(f"start-up, CPU per process (median of {args.runs}); python3 -c pass: {plain * 1000:.0f} ms")
    fresh = dict(now_env, EXPORTCTL_CACHE_DIR=str(scratch / "empty-cache"))
    print(f"  {'command':44s} {'baseline':>12s} {'now':>12s} {'first run':>12s}  target")
    for label, argv, limit in (
        ("exportctl --version", ["--version"], 3),
        ("exportctl classify chips/nvidia/h20.yaml", ["classify", "chips/nvidia/h20.yaml"], 10),
    ):
        base = median_cpu([PY, *CLI, *argv], base_env, ROOT, args.runs)
        now = median_cpu([PY, *CLI, *argv], now_env, ROOT, args.runs)
        shutil.rmtree(scratch / "empty-cache", ignore_errors=True)
        first = cpu_of([PY, *CLI, *argv], fresh, ROOT)  # no cache folder yet (unit factors, rule checks)
        print(
            f"  {label:44s} {base / plain:10.1f}x {now / plain:10.1f}x {first / plain:10.1f}x  "
            f"<= {limit}x: {verdict(now / plain <= limit)} ({now * 1000:.0f} ms; baseline {base * 1000:.0f} ms)"
        )


def library(args: argparse.Namespace, base_env: dict[str, str], now_env: dict[str, str]) -> None:
    print(f"\nlibrary: shipped catalog x {args.reps} under the default rounds, per CPU second (one core)")
    found = {}
    for name, env in (("baseline", base_env), ("now", now_env)):
        done = subprocess.run(
            [PY, "-c", LIBRARY, str(args.reps)], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        found[name] = json.loads(done.stdout)
    for kind, label in (("explained", "results with explanation"), ("to_dict", "results as full dicts")):
        rates = {k: v[kind][0] / v[kind][1] for k, v in found.items()}
        target = f"  >= 20,000: {verdict(rates['now'] >= 20_000)}" if kind == "explained" else ""
        print(
            f"  {label:28s} baseline {rates['baseline']:9,.0f}/s   now {rates['now']:9,.0f}/s"
            f"   x{rates['now'] / rates['baseline']:.1f}{target}"
        )


def cli(args: argparse.Namespace, base_env: dict[str, str], now_env: dict[str, str], scratch: Path) -> None:
    sheets = scratch / "sheets"
    make_sheets(sheets, args.sheets)
    print(f"\nCLI: exportctl classify FOLDER --format jsonl over {args.sheets:,} YAML sheets")
    for name, env in (("baseline", base_env), ("now", now_env)):
        wall, cpu, rss, code = timed([PY, *CLI, "classify", str(sheets), "--format", "jsonl"], env, ROOT)
        rate = args.sheets / wall
        target = f"  >= 500/s: {verdict(rate >= 500)}, RSS < 200 MiB: {verdict(rss < 200)}" if name == "now" else ""
        print(
            f"  {name:9s} {wall:7.1f} s wall  {cpu:7.1f} s CPU  {rate:7.0f} sheets/s  peak RSS {rss:5d} MiB"
            f"  exit {code}{target}"
        )


def identity(base_env: dict[str, str], now_env: dict[str, str]) -> None:
    texts = {}
    for name, env in (("baseline", base_env), ("now", now_env)):
        texts[name] = subprocess.run(
            [PY, "-c", SNAPSHOT, "chips"], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    now, base = json.loads(texts["now"]), json.loads(texts["baseline"])
    same = sum(a == b for a, b in zip(now, base, strict=True))
    print(f"\nidentity: {same} of {len(now)} results and timelines on the whole catalog equal field for field")
    for a, b in zip(now, base, strict=True):  # what differs, to be said on purpose in the issue note
        if a != b and isinstance(a, dict):
            rows = a.get("rounds", [a])
            fields = sorted(k for k in a if a.get(k) != b.get(k))
            print(f"  differs: {a['chip']} {a['round']} {a.get('as_of', '')}: {', '.join(fields)}")
            for inner, old in zip(rows, b.get("rounds", [b]), strict=False):
                if inner != old:
                    changed = sorted(k for k in inner if inner.get(k) != old.get(k))
                    print(f"    {inner['round']}: {', '.join(changed)} ({old.get('status')} -> {inner.get('status')})")
        elif a != b:
            print(f"  differs: a timeline: {a} (was {b})")


if __name__ == "__main__":
    raise SystemExit(main())
