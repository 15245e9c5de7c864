"""Issue 12's targets: batch evaluation against the alternatives, on the same rows and thresholds, in one run.

    python benchmarks/batch.py [--rows N] [--sample N] [--big N] [--skip big,csv,...]

One synthetic catalog (tests/synthetic.py `typed_catalog`: every figure given, float64 columns with units in the
headers, 0.1% of the rows exactly on or a hair off a line of us-2023-10) is evaluated under us-2023-10 by:

- the batch path from in-memory columns (`Engine.evaluate_table` on the Arrow table), exact, on the machine's cores
  and on one thread; then in new processes on the catalog read from Parquet, with glibc's malloc as it starts and
  with `keep_freed_memory()` (what `exportctl batch` does);
- `exportctl batch` end to end, from Parquet and from CSV, to Parquet (a new process, wall time, peak RSS, best of
  3), after its start-up alone (10 rows);
- per-chip `Engine.classify` (on `--sample` rows: it is slow);
- durable-rules used directly, one event per chip (`--sample` rows);
- GoRules zen-engine (its PyPI package), a decision table with the same lines, per chip and in `evaluate_batch`
  (`--sample` rows);
- numpy over float64 columns: the limit, and what float arithmetic alone decides.

Every approach's (status, classification) is checked against the exact answer: the same decision in Fractions over
each float's shortest decimal (`repr`), itself checked against `Engine.classify` on the sample. Then `--big` rows
(default 10 million) go through `exportctl batch` from Parquet, with the default rounds and with one, for
results/s at scale and peak RSS. Figures are chip-round evaluations per
second (wall); the baselines and the batch path run in this process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from machine import describe  # benchmarks/machine.py: a script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic import typed_catalog

DAY = date(2026, 1, 1)
ROUND = "us-2023-10"
CLI = [sys.executable, "-c", "import sys; from exportctl.cli import main; sys.exit(main())"]
Outcome = tuple[str, str | None]
NOT = ("not-controlled", None)
A = ("controlled", "3A090.a")
B = ("controlled", "3A090.b")


def machine() -> str:
    return f"{describe(ROOT)}; numpy {np.__version__}, pyarrow {pa.__version__}"


# --- the inputs every approach reads --------------------------------------------------------------------------


class Inputs:
    """The catalog's figures as plain columns (canonical units), for the baselines."""

    def __init__(self, table: pa.Table) -> None:
        def column(name: str) -> np.ndarray:
            return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

        self.fp8 = column("throughput.fp8[TOPS]")
        self.fp16 = column("throughput.fp16[TFLOPS]")
        self.fp32 = column("throughput.fp32[TFLOPS]")
        self.die = column("die_area[mm^2]")
        self.datacenter = np.asarray(table.column("datacenter").to_numpy(zero_copy_only=False), dtype=bool)
        kind = table.column("kind").combine_chunks()
        self.accelerator = np.asarray(kind.cast(pa.string()).to_numpy(zero_copy_only=False) == "accelerator")
        self.rows = table.num_rows


def decide(tpp: float, pd: float, datacenter: bool, accelerator: bool) -> Outcome:
    """us-2023-10 for a chip with every figure known (two-valued): what each baseline encodes."""
    if not accelerator:
        return NOT
    if tpp >= 4800 or (tpp >= 1600 and pd >= Fraction(148, 25) and datacenter):
        return A
    b1 = 2400 <= tpp < 4800 and Fraction(8, 5) <= pd < Fraction(148, 25)
    b2 = tpp >= 1600 and Fraction(16, 5) <= pd < Fraction(148, 25)
    return B if datacenter and (b1 or b2) else NOT


def exact_answers(inputs: Inputs) -> list[Outcome]:
    """The decision in Fractions over each float's shortest decimal (what the user typed) for every row whose float
    TPP or density lies within 10^-6 of a line; float64 decides the others, which are a million times farther from a
    line than its rounding error. (Checked against Engine.classify on the sample below.)"""

    def exact(value: float) -> Fraction | None:
        return None if math.isnan(value) else Fraction(repr(float(value)))

    tpp = np.fmax(np.fmax(inputs.fp8 * 8, inputs.fp16 * 16), inputs.fp32 * 32)
    with np.errstate(invalid="ignore", divide="ignore"):
        pd = tpp / inputs.die
        near = np.zeros(inputs.rows, dtype=bool)
        for line in (1600, 2400, 4800):
            near |= np.abs(tpp - line) <= 1e-6 * line
        for line in (1.6, 3.2, 5.92):
            near |= np.abs(pd - line) <= 1e-6 * line
    out = [(NOT, A, B)[c] for c in numpy_codes(inputs)]
    for i in np.flatnonzero(near):
        rates = [exact(inputs.fp8[i]), exact(inputs.fp16[i]), exact(inputs.fp32[i])]
        products = [r * bits for r, bits in zip(rates, (8, 16, 32), strict=True) if r is not None]
        exact_tpp = max(products) if products else Fraction(0)
        die = exact(inputs.die[i])
        density = exact_tpp / die if die else Fraction(0)
        out[i] = decide(exact_tpp, density, bool(inputs.datacenter[i]), bool(inputs.accelerator[i]))
    return out


def wrong(found: list[Outcome], exact: list[Outcome]) -> int:
    return sum(a != b for a, b in zip(found, exact, strict=True))


def rate(label: str, evaluations: int, seconds: float, wrong_rows: int | None, note: str = "") -> float:
    per_second = evaluations / seconds
    shown = "" if wrong_rows is None else f"  wrong rows: {wrong_rows:,}"
    print(f"  {label:54s} {per_second:14,.0f}/s  ({evaluations:,} in {seconds:.3f} s){shown}{note}")
    return per_second


def timed(run: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """The best of `repeat` runs (wall): the host is shared, the best run is the least disturbed."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


# --- the approaches -------------------------------------------------------------------------------------------


def numpy_float64(inputs: Inputs) -> list[Outcome]:
    codes = numpy_codes(inputs)
    return [(NOT, A, B)[c] for c in codes]


def numpy_codes(inputs: Inputs) -> np.ndarray:
    tpp = np.fmax(np.fmax(inputs.fp8 * 8, inputs.fp16 * 16), inputs.fp32 * 32)
    pd = tpp / inputs.die
    dc, accelerator = inputs.datacenter, inputs.accelerator
    a = accelerator & ((tpp >= 4800) | ((tpp >= 1600) & (pd >= 5.92) & dc))
    b1 = (tpp >= 2400) & (tpp < 4800) & (pd >= 1.6) & (pd < 5.92)
    b2 = (tpp >= 1600) & (pd >= 3.2) & (pd < 5.92)
    b = accelerator & ~a & dc & (b1 | b2)
    return np.where(a, 1, np.where(b, 2, 0))


def batch_outcomes(out: pa.Table) -> list[Outcome]:
    status = out.column("status").cast(pa.string()).to_pylist()
    classification = out.column("classification").cast(pa.string()).to_pylist()
    return list(zip(status, classification, strict=True))


def classify_baseline(engine: object, table: pa.Table) -> tuple[float, list[Outcome]]:
    from exportctl.sheets.table import parse_header, row_mapping

    columns = [parse_header(h) for h in table.column_names]
    plain = pa.table(
        [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns], names=table.column_names
    )
    mappings = [row_mapping(zip(columns, row.values(), strict=True), "<row>") for row in plain.to_pylist()]

    def run() -> list[Outcome]:
        out = []
        for data in mappings:
            (result,) = engine.classify(data, [ROUND], DAY)  # type: ignore[attr-defined]
            out.append((str(result.status), result.classification))
        return out

    seconds, found = timed(run, repeat=1)
    return seconds, found  # type: ignore[return-value]


def facts(inputs: Inputs, i: int) -> dict[str, object]:
    """One chip's inputs to a rule engine: TPP and performance density computed in float64, as a rule engine's
    caller would (a memory stack has neither: 0)."""
    rates = [inputs.fp8[i] * 8, inputs.fp16[i] * 16, inputs.fp32[i] * 32]
    tpp = max((float(r) for r in rates if not math.isnan(r)), default=0.0)
    die = float(inputs.die[i])
    return {
        "kind": "accelerator" if inputs.accelerator[i] else "memory",
        "tpp": tpp,
        "pd": tpp / die if not math.isnan(die) and die > 0 else 0.0,
        "dc": bool(inputs.datacenter[i]),
    }


def durable_baseline(inputs: Inputs, rows: int) -> tuple[float, list[Outcome]] | None:
    try:
        from durable.lang import m, post, ruleset, when_all
    except Exception as exc:  # noqa: BLE001 (not installed on Python 3.13, or not built)
        print(f"  durable-rules: not available here ({exc})")
        return None
    found: dict[int, Outcome] = {}
    name = f"bench{os.getpid()}"

    def record(outcome: Outcome) -> Callable[[object], None]:
        def action(c: object) -> None:
            found[int(c.m.id)] = outcome  # type: ignore[attr-defined]

        return action

    accel = m.kind == "accelerator"
    low = (m.tpp >= 1600) & (m.tpp < 4800)
    with ruleset(name):
        when_all(accel & (m.tpp >= 4800))(record(A))
        when_all(accel & low & (m.pd >= 5.92) & (m.dc == True))(record(A))
        when_all(accel & (m.tpp >= 2400) & (m.tpp < 4800) & (m.pd >= 1.6) & (m.pd < 5.92) & (m.dc == True))(record(B))
        when_all(accel & (m.tpp >= 1600) & (m.tpp < 2400) & (m.pd >= 3.2) & (m.pd < 5.92) & (m.dc == True))(record(B))
        when_all(m.kind == "memory")(record(NOT))
        when_all(accel & (m.tpp < 1600))(record(NOT))
        when_all(accel & low & (m.dc == False))(record(NOT))
        when_all(accel & low & (m.dc == True) & (m.pd < 1.6))(record(NOT))
        when_all(accel & (m.tpp >= 1600) & (m.tpp < 2400) & (m.dc == True) & (m.pd >= 1.6) & (m.pd < 3.2))(record(NOT))
    events = [{"id": i, **facts(inputs, i)} for i in range(rows)]
    start = time.perf_counter()
    for event in events:
        post(name, event)  # one event per chip (a batch of thousands loses actions: design notes)
    seconds = time.perf_counter() - start
    return seconds, [found.get(i, ("(no rule fired)", None)) for i in range(rows)]


def zen_graph() -> dict[str, object]:
    inputs = [("kind", "kind"), ("tpp", "tpp"), ("pd", "pd"), ("dc", "dc")]
    rules = [
        ('"accelerator"', ">= 4800", "", "", "controlled", "3A090.a"),
        ('"accelerator"', "[1600..4800)", ">= 5.92", "true", "controlled", "3A090.a"),
        ('"accelerator"', "[2400..4800)", "[1.6..5.92)", "true", "controlled", "3A090.b"),
        ('"accelerator"', "[1600..4800)", "[3.2..5.92)", "true", "controlled", "3A090.b"),
        ("", "", "", "", "not-controlled", None),
    ]
    table_rules = []
    for i, (kind, tpp, pd, dc, status, classification) in enumerate(rules):
        rule: dict[str, str] = {"_id": f"r{i}", "kind": kind, "tpp": tpp, "pd": pd, "dc": dc}
        rule["status"] = f'"{status}"'
        rule["classification"] = f'"{classification}"' if classification else "null"
        table_rules.append(rule)
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "us-2023-10",
                "position": {"x": 1, "y": 0},
                "content": {
                    "hitPolicy": "first",
                    "inputs": [{"id": i, "type": "expression", "field": f, "name": f} for i, f in inputs],
                    "outputs": [
                        {"id": "status", "type": "expression", "field": "status", "name": "status"},
                        {"id": "classification", "type": "expression", "field": "classification", "name": "c"},
                    ],
                    "rules": table_rules,
                },
            },
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 2, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }


def zen_baseline(inputs: Inputs, rows: int) -> dict[str, tuple[float, list[Outcome]]] | None:
    try:
        import zen
    except ImportError:
        print("  zen-engine: not installed (pip install 'exportctl[bench]')")
        return None
    graph = json.dumps(zen_graph())
    engine = zen.ZenEngine({"loader": lambda key: graph})
    contexts = [facts(inputs, i) for i in range(rows)]
    engine.evaluate("us-2023-10", contexts[0])  # loaded and prepared once
    out: dict[str, tuple[float, list[Outcome]]] = {}
    start = time.perf_counter()
    found = [engine.evaluate("us-2023-10", c)["result"] for c in contexts]
    out["per chip (ZenEngine.evaluate)"] = (
        time.perf_counter() - start,
        [(r["status"], r.get("classification")) for r in found],
    )
    start = time.perf_counter()
    batch = engine.evaluate_batch([{"key": "us-2023-10", "context": c} for c in contexts])
    seconds = time.perf_counter() - start
    out["evaluate_batch"] = (
        seconds,
        [(r["data"]["result"]["status"], r["data"]["result"].get("classification")) for r in batch],
    )
    return out


# --- exportctl batch, end to end ------------------------------------------------------------------------------


def checkout_env() -> dict[str, str]:
    """A child process's environment that imports exportctl from this checkout (benchmarks/.shim)."""
    path = os.pathsep.join([str(ROOT / "benchmarks" / ".shim"), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path)


def run_cli(args: list[str]) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS MiB, exit code, stderr's last line) of one `exportctl batch` process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", report.name, *CLI, *args],
            capture_output=True,
            text=True,
            check=False,
            env=checkout_env(),
        )
        wall, rss_kb = report.read().split()[-2:]
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return float(wall), int(rss_kb) // 1024, done.returncode, last


FRESH = """
import sys, time
from datetime import date
import pyarrow.parquet as pq
from exportctl import Engine
from exportctl.batch.memory import keep_freed_memory
if sys.argv[2] == "keep":
    keep_freed_memory()
table = pq.read_table(sys.argv[1])
engine = Engine(backend="python")
engine.evaluate_table(table.slice(0, 1000), ["us-2023-10"], date(2026, 1, 1))
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    engine.evaluate_table(table, ["us-2023-10"], date(2026, 1, 1))
    best = min(best, time.perf_counter() - start)
print(best)
"""


def fresh_process(parquet: Path, keep: bool) -> float:
    """The in-memory batch path's best time in a new process: the allocator's history is the process's own."""
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(parquet), "keep" if keep else "as-is"],
        capture_output=True,
        text=True,
        check=True,
        env=checkout_env(),
    )
    return float(done.stdout.strip().splitlines()[-1])


def csv_table(table: pa.Table) -> pa.Table:
    """The catalog as a CSV writer takes it: text for the dictionaries, an empty cell (not `nan`) for a missing figure."""
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        elif pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def write_big_parquet(path: Path, rows: int, chunk: int = 1_000_000) -> None:
    """`rows` synthetic rows, written a million at a time (the generator never holds them all)."""
    writer = None
    for start in range(0, rows, chunk):
        table = typed_catalog(min(chunk, rows - start), seed=1000 + start // chunk)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=262_144)
    assert writer is not None
    writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the catalog (default: %(default)s)")
    parser.add_argument("--sample", type=int, default=10_000, help="rows for the slow baselines (default: %(default)s)")
    parser.add_argument("--big", type=int, default=10_000_000, help="rows of the RSS run (default: %(default)s)")
    parser.add_argument("--skip", default="", help="parts to leave out: big,cli,csv,baselines")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    # exportctl from this checkout, whatever is installed
    shim = ROOT / "benchmarks" / ".shim"
    shim.mkdir(exist_ok=True)
    if not (shim / "exportctl").exists():
        (shim / "exportctl").symlink_to(ROOT / "engine", target_is_directory=True)
    sys.path.insert(0, str(shim))
    from exportctl import Engine

    # byte-compiled, as an installed package is (this sandbox may set PYTHONDONTWRITEBYTECODE)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine")], check=False, capture_output=True)
    print(f"machine: {machine()}")
    table = typed_catalog(args.rows, seed=2026, boundary=0.001, complete=True)
    inputs = Inputs(table)
    print(f"catalog: {args.rows:,} rows (0.1% on or a hair off a us-2023-10 line), every figure given; round {ROUND}")
    start = time.perf_counter()
    exact = exact_answers(inputs)
    print(f"exact answers (Fractions over each float's shortest decimal): {time.perf_counter() - start:.1f} s\n")

    engine = Engine(backend="python")
    sample = min(args.sample, args.rows)
    rates: dict[str, float] = {}

    from exportctl.batch.run import _cpus

    print("in this process, chip-round evaluations per second (wall, best of 5 for the fast ones):")
    print(f"    (the batch path cuts a large chunk into parts, one per core: {_cpus()} here; numpy runs on one)")
    engine.evaluate_table(table.slice(0, 1000), [ROUND], DAY)  # rules loaded, verdicts of the common patterns
    seconds, out = timed(lambda: engine.evaluate_table(table, [ROUND], DAY), repeat=5)
    rates["batch"] = rate(
        "exportctl batch path, in-memory columns (exact)",
        args.rows,
        seconds,
        wrong(batch_outcomes(out), exact),  # type: ignore[arg-type]
    )
    seconds, out = timed(lambda: engine.evaluate_table(table, [ROUND], DAY, threads=1), repeat=5)
    rate("  the same on one thread", args.rows, seconds, wrong(batch_outcomes(out), exact))  # type: ignore[arg-type]
    evaluator = engine.evaluator([ROUND], DAY)
    from exportctl.sheets.table import Chunk

    evaluator.evaluate(Chunk(table, ["<table>"], np.arange(1, args.rows + 1)))
    print(f"    rows re-decided exactly (near a line): {evaluator.counts.exact:,}")
    seconds, out = timed(lambda: engine.evaluate_table(table, None, DAY))
    rounds = len(engine.rules.default_ids())
    rate(f"  the same, the {rounds} rounds applied by default", args.rows * rounds, seconds, None)
    seconds, _ = timed(lambda: numpy_codes(inputs), repeat=5)
    rates["numpy"] = rate(
        "numpy over float64 columns (the limit)", args.rows, seconds, wrong(numpy_float64(inputs), exact)
    )

    if "baselines" not in skip:
        head = table.slice(0, sample)
        head_inputs = Inputs(head)
        seconds, found = classify_baseline(engine, head)
        rates["classify"] = rate(
            f"Engine.classify per chip ({sample:,} rows)", sample, seconds, wrong(found, exact[:sample])
        )
        reference = found
        assert wrong(reference, exact[:sample]) == 0, "the exact answers disagree with Engine.classify"
        durable = durable_baseline(head_inputs, sample)
        if durable is not None:
            rates["durable"] = rate(
                f"durable-rules directly, one event per chip ({sample:,})",
                sample,
                durable[0],
                wrong(durable[1], exact[:sample]),
            )
        zen = zen_baseline(head_inputs, sample)
        if zen is not None:
            for label, (seconds, found) in zen.items():
                rates[f"zen {label}"] = rate(
                    f"zen-engine decision table, {label}", sample, seconds, wrong(found, exact[:sample])
                )
            rates["zen"] = max(v for k, v in rates.items() if k.startswith("zen "))

    if "numpy" in rates:
        slower = rates["numpy"] / rates["batch"]
        print(
            f"\nnumpy float64 over the batch path: {slower:.2f}x "
            f"(target: within 5x: {'MET' if slower <= 5 else 'NOT MET'})"
        )
    print("ratios (in-memory batch path over ...):")
    for key, label in (
        ("zen", "zen-engine, faster of its two (target: over 100x)"),
        ("durable", "durable-rules directly"),
        ("classify", "Engine.classify per chip"),
    ):
        if key in rates:
            print(f"  {label:52s} {rates['batch'] / rates[key]:10.3f}x")
    print(
        f"  target >= 10,000,000/s exact: {'MET' if rates['batch'] >= 10_000_000 else 'NOT MET'} ({rates['batch']:,.0f}/s)"
    )

    scratch = Path(tempfile.mkdtemp(prefix="exportctl-batch-bench-"))
    try:
        if "cli" not in skip:
            print(
                "\nexportctl batch, end to end (a new process: start-up, reading, evaluating, writing; wall, best of 3):"
            )
            parquet = scratch / "catalog.parquet"
            pq.write_table(table, parquet, row_group_size=262_144)
            print("  in-memory columns in a new process (the catalog read from Parquet first), best of 5:")
            for _ in range(2):  # alternated: the host is shared
                for keep in (False, True):
                    best = fresh_process(parquet, keep)
                    label = "freed memory kept (keep_freed_memory())" if keep else "glibc malloc as it starts"
                    print(f"    {label:44s} {args.rows / best:12,.0f}/s  ({best * 1e3:.0f} ms)")
            tiny = scratch / "ten.parquet"
            pq.write_table(table.slice(0, 10), tiny)
            starts = [
                run_cli(["batch", str(tiny), "--round", ROUND, "--out", str(scratch / "t.parquet")])[0]
                for _ in range(3)
            ]
            print(f"  start-up (10 rows, one round: imports, rules from the cache, writing): {min(starts):.2f} s")
            sources = [("Parquet", parquet)]
            if "csv" not in skip:
                import pyarrow.csv as pacsv

                csv_path = scratch / "catalog.csv"
                pacsv.write_csv(csv_table(table), csv_path)
                sources.append(("CSV", csv_path))
            for label, path in sources:
                for rounds_args, per_row in (([], rounds), (["--round", ROUND], 1)):
                    wall, rss, code, last = min(  # the best of 3 (wall): the host is shared
                        run_cli(["batch", str(path), *rounds_args, "--out", str(scratch / "out.parquet")])
                        for _ in range(3)
                    )
                    results = args.rows * per_row
                    target = 1_000_000 if label == "Parquet" else 300_000
                    which = f"{per_row} round{'s' if per_row > 1 else ''}"
                    met = "MET" if results / wall >= target else "NOT MET"
                    print(
                        f"  {label:8s} -> Parquet, {which:9s} {results / wall:12,.0f} results/s  ({results:,} in {wall:.1f} s, peak RSS {rss} MiB, exit {code}; >= {target:,}/s: {met})"
                    )
                    print(f"             {last}")
        if "big" not in skip:
            big = scratch / "big.parquet"
            start = time.perf_counter()
            write_big_parquet(big, args.big)
            print(
                f"\n{args.big:,} rows written to Parquet in {time.perf_counter() - start:.0f} s ({big.stat().st_size / 1e6:.0f} MB)"
            )
            for rounds_args, per_row in (([], rounds), (["--round", ROUND], 1)):
                wall, rss, code, last = run_cli(
                    ["batch", str(big), *rounds_args, "--out", str(scratch / "big-out.parquet")]
                )
                results = args.big * per_row
                which = f"{per_row} round{'s' if per_row > 1 else ''}"
                met = "MET" if results / wall >= 1_000_000 else "NOT MET"
                print(
                    f"  exportctl batch, {which}: {results / wall:,.0f} results/s ({results:,} in {wall:.1f} s; >= 1,000,000/s: {met}), peak RSS {rss} MiB, exit {code}"
                )
                print(f"  peak RSS < 500 MB: {'MET' if rss * 1.048576 < 500 else 'NOT MET'}")
                print(f"  {last}")
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
