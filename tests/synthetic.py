"""Synthetic catalogs in the table layout, dense in values exactly on (and a hair either side of) every threshold of
the shipped rounds: the agreement tests and benchmarks/batch.py draw from the same pools.

Every cell is drawn from a small pool per column, so a table of any size is made from indices (dictionary arrays)
without per-row Python. The pools mix units in the cell (`0.6 POPS` is 600 TOPS) and in the header
(`throughput.fp16[TFLOPS]` as float64), decimal text whose float is not exact (`240.2 TOPS` x 8 / 600.5 mm^2 is exactly
3.2), unknown figures (empty cells, `unknown` links), sparse-only rates, published TPPs and memory stacks.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pyarrow as pa

TPP_LINES = [Fraction(x) for x in (1600, 2400, 4800, 4992, 21000)]
DENSITY_LINES = [Fraction(8, 5), Fraction(16, 5), Fraction(148, 25)]
DIES = [Fraction(814), Fraction(800), Fraction(6005, 10), Fraction(294), Fraction(1230)]
HAIR = Fraction(1, 10**12)


def _decimal(value: Fraction, digits: int = 18) -> str:
    """A Fraction's exact decimal text (its denominator has only 2s and 5s), or rounded to `digits` places."""
    scaled = value * 10**digits
    whole = scaled.numerator // scaled.denominator
    text = str(whole).rjust(digits + 1, "0")
    text = f"{text[:-digits]}.{text[-digits:]}".rstrip("0").rstrip(".")
    return text


def _near(value: Fraction) -> list[Fraction]:
    return [value, value * (1 - HAIR), value * (1 + HAIR)]


def _rates() -> list[str]:
    """fp8 rates (TOPS) whose TPP (x 8) sits on, or a hair off, a TPP line, or whose density (over the pool's die
    areas) sits on a density line; and plain ones."""
    out: list[Fraction] = []
    for line in TPP_LINES:
        out += _near(line / 8)
    for density in DENSITY_LINES:
        for die in DIES:
            out += _near(density * die / 8)
    out += [Fraction(x) for x in (50, 148, 296, 1000, 2500, 3958)]
    texts = [f"{_decimal(r)} TOPS" for r in out]
    # the same figures in other units: 600 TOPS is 0.6 POPS and 600000 GOPS
    texts += [f"{_decimal(r / 1000)} POPS" for r in out[:6]] + [f"{_decimal(r * 1000)} GOPS" for r in out[6:12]]
    return texts


def _pools() -> dict[str, list[str | None]]:
    bandwidth_lines = [Fraction(1400), Fraction(6500), Fraction(1700), Fraction(600), Fraction(1100)]
    memory = [f"{_decimal(v)} GB/s" for line in bandwidth_lines for v in _near(line)]
    memory += ["4 TB/s", "1.4 TB/s", "6.5 TB/s", "819 GB/s", "3.35 TB/s", "820 GiB/s"]
    links = [f"{_decimal(v)} GB/s" for line in (Fraction(600), Fraction(1100), Fraction(300)) for v in _near(line)]
    links += ["900 GB/s", "0.9 TB/s", "unknown", "1.8 TB/s", "400 GB/s"]
    return {
        "name": [
            "NVIDIA A100 SXM",
            "NVIDIA H100 PCIe",
            "NVIDIA H20",
            "NVIDIA DGX H100",
            "AMD Instinct MI250X",
            "AMD Instinct MI308X",
            "AMD MI250",
            "Acme X1",
            "Acme X2 (A1000)",
            "Intel Gaudi 3",
            "HBM3 stack",
        ],
        "vendor": ["NVIDIA", "AMD", "Intel", "Acme", "Huawei"],
        "kind": ["accelerator", "accelerator", "accelerator", "memory", None],
        "datacenter": ["true", "false", None, "true"],
        "throughput.fp8": [*_rates(), None, None],
        "throughput.int8": ["296 TOPS", "600 TOPS", "1979 TOPS", None, None, None],
        "throughput.fp32": ["40 TFLOPS", "60 TFLOPS", "600 TFLOPS", None, None],
        "throughput.fp4": ["2375 TOPS", "1200 TOPS", "2400 TOPS", None, None, None, None],
        "throughput.fp4.sparse": ["true", None, None],
        "tpp": ["4800", "2400", "16384", None, None, None, None, None],
        "die_area": [f"{_decimal(d)} mm^2" for d in DIES] + ["8.14 cm^2", None, None],
        "memory.bandwidth": [*memory, None],
        "memory.capacity": ["96 GB", "80 GB", None],
        "io.nvlink": [*links, None, None],
        "io.pcie": ["128 GB/s", "64 GB/s", "unknown", None],
        "package_area": ["121 mm^2", "110 mm^2", "700 mm^2", None, None],
        "transistors": ["80e9", "30e9", "29999999999", None],
    }


# Columns given as float64 numbers under a header unit: the same pools, as a Parquet or pandas user would store them.
FLOAT_COLUMNS = {"throughput.fp16[TFLOPS]": None, "memory.bandwidth[GB/s]": "memory.bandwidth"}


# Random figures for the rows not drawn from the boundary pools: float64 columns with the unit in the header, each
# value rounded to one decimal (its shortest text, what a user would have typed).
RANDOM = {
    "throughput.fp8[TOPS]": (10.0, 5000.0),
    "throughput.int8[TOPS]": (10.0, 5000.0),
    "throughput.fp32[TFLOPS]": (1.0, 200.0),
    "die_area[mm^2]": (80.0, 900.0),
    "io.nvlink[GB/s]": (0.0, 1800.0),
    "io.pcie[GB/s]": (16.0, 128.0),
    "package_area[mm^2]": (90.0, 800.0),
}
THROUGHPUT = ("throughput.fp8", "throughput.int8", "throughput.fp32", "throughput.fp4", "throughput.fp4.sparse")


def catalog(rows: int, seed: int = 0, *, dictionary: bool = True, bad: float = 0.0, boundary: float = 1.0) -> pa.Table:
    """A synthetic table of `rows` chips.

    `boundary`: the share of rows whose figures come from the boundary-dense pools (the others get random figures,
    in float64 columns). `bad`: the share of rows given an invalid figure (a clock rate as a bandwidth), each of
    which must come back as an error row. Memory stacks get no throughput, so every other row is a valid sheet.
    """
    rng = np.random.default_rng(seed)
    pools = _pools()
    on_line = rng.random(rows) < boundary
    kinds = pools["kind"]
    kind = rng.integers(0, len(kinds), rows)
    memory = np.array([k == "memory" for k in kinds])[kind]
    columns: dict[str, pa.Array] = {"kind": _column(kinds, kind, dictionary)}
    for name, pool in pools.items():
        if name in ("memory.bandwidth", "kind"):
            continue
        indices = rng.integers(0, len(pool), rows)
        absent = pool.index(None) if None in pool else None
        if absent is not None and name not in ("name", "vendor", "datacenter", "throughput.fp4.sparse"):
            indices = np.where(on_line, indices, absent)
            if name in THROUGHPUT:
                indices = np.where(memory, absent, indices)
        if name == "throughput.fp4":
            fp4 = np.array([v is not None for v in pool])[indices]
        if name == "throughput.fp4.sparse":
            indices = np.where(fp4, indices, pool.index(None))  # a sparse flag goes with a rate
        columns[name] = _column(pool, indices, dictionary)
    for name, (low, high) in RANDOM.items():
        values = np.round(rng.uniform(low, high, rows), 1)
        values[rng.random(rows) < 0.1] = np.nan  # unknown figures
        values = np.where(on_line, np.nan, values)
        if name.startswith("throughput."):
            values = np.where(memory, np.nan, values)
        columns[name] = pa.array(values, pa.float64())
    # a float64 column with its unit in the header: fp16 rates, on and off the lines (x 16)
    fp16 = np.array([float(line / 16) for line in TPP_LINES] + [148.0, 989.5, 0.1 + 0.2, 50.0, np.nan, np.nan])
    values = fp16[rng.integers(0, len(fp16), rows)]
    columns["throughput.fp16[TFLOPS]"] = pa.array(np.where(on_line & ~memory, values, np.nan), pa.float64())
    # memory bandwidth: as float64 GB/s for about half the rows, as text with units (its alias column) for the rest
    bandwidth = pools["memory.bandwidth"]
    numbers = np.array([float(text.split()[0]) if text and text.endswith(" GB/s") else np.nan for text in bandwidth])
    as_number = rng.random(rows) < 0.5
    chosen = np.where(on_line, numbers[rng.integers(0, len(numbers), rows)], np.round(rng.uniform(100, 9000, rows)))
    columns["memory.bandwidth[GB/s]"] = pa.array(np.where(as_number, chosen, np.nan), pa.float64())
    indices = np.where(as_number | ~on_line, len(bandwidth) - 1, rng.integers(0, len(bandwidth), rows))  # last: None
    columns["memory_bandwidth"] = _column(bandwidth, indices, dictionary)
    table = pa.table(columns)
    if bad:
        chosen_bad = rng.random(rows) < bad
        table = table.append_column(
            "io.infinity_fabric", _column(["4 THz", None], np.where(chosen_bad, 0, 1), dictionary)
        )
    return table


def _column(pool: list[str | None], indices: np.ndarray, dictionary: bool) -> pa.Array:
    values = [v for v in pool if v is not None]
    lookup = np.array([values.index(v) if v is not None else -1 for v in pool], dtype=np.int32)
    codes = lookup[indices]
    array = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32(), mask=codes < 0), pa.array(values, pa.string()))
    return array if dictionary else array.cast(pa.string())


def typed_catalog(rows: int, seed: int = 0, *, boundary: float = 0.001, complete: bool = False) -> pa.Table:
    """A synthetic table as a pipeline holds it in memory: every figure a float64 column in the unit of its header,
    text as dictionary columns, `datacenter` boolean. `boundary`: the share of rows exactly on (or a hair off) a line
    of us-2023-10 (TPP 4800, 1600, 2400; performance density 5.92, 3.2, 1.6), whose floats are not exact (3.2 from
    240.2 TOPS x 8 over 600.5 mm^2 is 3.1999999999999997 in float64). `complete`: no figure is missing (what the
    baselines of benchmarks/batch.py, which know no three-valued logic, need)."""
    rng = np.random.default_rng(seed)
    names = _pools()["name"]
    vendors = _pools()["vendor"]
    on_line = rng.random(rows) < boundary
    memory = rng.random(rows) < 0.05
    fp8 = np.round(rng.uniform(10, 5000, rows), 1)
    die = np.round(rng.uniform(80, 900, rows), 1)
    # boundary rows: an fp8 rate whose TPP or performance density sits on a line (or a hair either side)
    lines: list[tuple[Fraction, Fraction]] = []  # (fp8 rate, die area)
    for line in TPP_LINES[:3]:
        for rate in _near(line / 8):
            lines.append((rate, Fraction(814)))
    for density in DENSITY_LINES:
        for die_area in DIES:
            for rate in _near(density * die_area / 8):
                lines.append((rate, die_area))
    pick = rng.integers(0, len(lines), rows)
    line_rate = np.array([float(r) for r, _ in lines])[pick]
    line_die = np.array([float(d) for _, d in lines])[pick]
    fp8 = np.where(on_line, line_rate, fp8)
    die = np.where(on_line, line_die, die)
    if not complete:
        fp8[(rng.random(rows) < 0.05) & ~on_line] = np.nan
        die[(rng.random(rows) < 0.08) & ~on_line] = np.nan
    fp16 = np.where(on_line, np.nan, np.round(fp8 / 2 * rng.uniform(0.5, 1.0, rows), 1))
    fp8 = np.where(memory, np.nan, fp8)
    fp16 = np.where(memory, np.nan, fp16)
    datacenter = rng.random(rows)
    return pa.table(
        {
            "name": _column(names, rng.integers(0, len(names), rows), True),
            "vendor": _column(vendors, rng.integers(0, len(vendors), rows), True),
            "kind": _column(["accelerator", "memory"], memory.astype(np.int64), True),
            "datacenter": pa.array(datacenter < 0.8, pa.bool_(), mask=None if complete else datacenter > 0.95),
            "throughput.fp8[TOPS]": pa.array(fp8, pa.float64()),
            "throughput.fp16[TFLOPS]": pa.array(fp16, pa.float64()),
            "throughput.fp32[TFLOPS]": pa.array(np.where(memory, np.nan, np.round(fp8 / 8, 1)), pa.float64()),
            "die_area[mm^2]": pa.array(np.where(memory, np.nan, die), pa.float64()),
            "memory.bandwidth[GB/s]": pa.array(np.round(rng.uniform(100, 9000, rows)), pa.float64()),
            "io.nvlink[GB/s]": pa.array(
                np.where(rng.random(rows) < 0.3, np.nan, np.round(rng.uniform(0, 1800, rows))), pa.float64()
            ),
            "io.pcie[GB/s]": pa.array(rng.choice([64.0, 128.0, np.nan], rows), pa.float64()),
            "package_area[mm^2]": pa.array(
                np.where(memory, np.round(rng.uniform(90, 800, rows), 1), np.nan), pa.float64()
            ),
        }
    )
