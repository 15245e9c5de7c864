"""Batch evaluation (issue 12): one result row per input row and round, the same answers as single evaluation.

The columnar path computes metrics in float64 and decides each distinct pattern once; these tests hold it to the
single-chip path (Engine.classify / classify_as_of) row for row, on random rows dense in values exactly on a line.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import subprocess
import sys
import threading
from datetime import date
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from exportctl import Engine, Status
from exportctl.cli import main
from exportctl.core.errors import InputError
from exportctl.sheets.table import parse_header, row_mapping, spec_row
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import CATALOG, ROOT, durable_available, shipped_engine
from tests.synthetic import DENSITY_LINES, catalog, typed_catalog

DAY = date(2026, 1, 1)
BACKENDS = [
    "python",
    pytest.param(
        "durable-rules", marks=pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed")
    ),
]


def sheets_of(engine: Engine, table: pa.Table) -> list:
    """Each row of a table read as a sheet by the scalar path (None: the row is invalid)."""
    columns = [parse_header(h) for h in table.column_names]
    plain = pa.table(
        [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns], names=table.column_names
    )
    out = []
    for cells in plain.to_pylist():
        try:
            out.append(engine.parse_chip(row_mapping(zip(columns, cells.values(), strict=True), "<row>")))
        except InputError:
            out.append(None)
    return out


def single_rows(engine: Engine, table: pa.Table, rounds: list[str] | None = None, as_of: bool = False, sheets=None):
    """What single evaluation (classify, or classify_as_of) says for each row of a table, as the fields of a batch
    row; an invalid row gives None."""
    out = []
    for spec in sheets if sheets is not None else sheets_of(engine, table):
        if spec is None:
            out.append(None)
            continue
        if as_of:
            data = engine.classify_as_of(spec, DAY, rounds).to_dict()
            out.append(
                [
                    (
                        data["status"],
                        data["classification"],
                        data["license_exception"],
                        data["license_review"],
                        ";".join(data["undetermined"]),
                    )
                ]
            )
            continue
        rows = []
        for result in engine.classify(spec, rounds, DAY):
            program = engine.rules[result.round]
            decisive = result.basis.verdict.decisive
            clauses = ";".join(dict.fromkeys(o for o, i in program.owners if (o, i) in decisive))
            rows.append(
                (
                    result.round,
                    str(result.status),
                    result.classification,
                    result.license_exception,
                    result.license_review,
                    ";".join(result.undetermined),
                    ";".join(result.missing),
                    clauses,
                    result.destinations.summary() if result.destinations else "",
                )
            )
        out.append(rows)
    return out


def batch_rows(out: pa.Table, as_of: bool = False):
    """The batch output grouped by input row, in the same fields (None for an error row)."""
    grouped: dict[int, list] = {}
    order: list[int] = []
    plain = pa.table(
        [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in out.columns], names=out.column_names
    )
    for row in plain.to_pylist():
        if row["row"] not in grouped:
            order.append(row["row"])
            grouped[row["row"]] = []
        if row["error"] is not None:
            grouped[row["row"]] = None
            continue
        if as_of:
            fields = (
                row["status"],
                row["classification"],
                row["license_exception"],
                row["license_review"],
                row["undetermined"] or "",
            )
        else:
            fields = (
                row["round"],
                row["status"],
                row["classification"],
                row["license_exception"],
                row["license_review"],
                row["undetermined"] or "",
                row["missing"],
                row["decisive"],
                row["destinations"],
            )
        grouped[row["row"]].append(fields)
    return [grouped[r] for r in order]


def assert_agree(single, batch):
    assert len(single) == len(batch)
    wrong = [(i + 1, s, b) for i, (s, b) in enumerate(zip(single, batch, strict=True)) if s != b]
    assert wrong == [], f"{len(wrong)} rows differ, e.g. row {wrong[0][0]}: single {wrong[0][1]}, batch {wrong[0][2]}"


# --- agreement with single evaluation ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def random_rows(request):
    """Random rows, a third of them with figures on (or a hair off) a line, some invalid; read once as sheets. The
    README's `pytest` checks 10,000; the exhaustive run (CI, after it) the 100,000 of the issue."""
    size = request.param
    table = catalog(size, seed=12, dictionary=False, boundary=0.35, bad=0.0005 if size >= 100_000 else 0.005)
    return table, sheets_of(shipped_engine(), table)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "random_rows", [10_000, pytest.param(100_000, marks=pytest.mark.exhaustive)], indirect=True, ids=["10k", "100k"]
)
def test_batch_and_single_evaluation_agree_on_random_rows_dense_in_exact_boundary_values(backend, random_rows):
    table, sheets = random_rows
    engine = Engine.from_ruleset(shipped_engine().rules, backend)
    out = engine.evaluate_table(table, as_of=DAY)
    single = single_rows(engine, table, sheets=sheets)
    assert sum(s is None for s in single) >= (2 if len(single) < 100_000 else 10)  # invalid rows: error rows
    assert_agree(single, batch_rows(out))


@pytest.mark.parametrize("random_rows", [10_000], indirect=True, ids=["10k"])
def test_a_chunk_cut_into_parts_evaluated_side_by_side_gives_the_rows_one_part_gives(random_rows, monkeypatch):
    import exportctl.batch.run as batch_run

    table, _ = random_rows
    engine = shipped_engine()
    whole = engine.evaluate_table(table, as_of=DAY, threads=1)
    monkeypatch.setattr(batch_run, "PART_ROWS", 700)  # 10,000 rows: up to 14 parts
    chunk = batch_run.Chunk(table, ["<t>"], np.arange(1, table.num_rows + 1))
    for threads in (2, 5):
        assert len(batch_run._parts(chunk, threads)) == threads
        out = engine.evaluate_table(table, as_of=DAY, threads=threads)
        assert out.num_rows == whole.num_rows
        assert batch_rows(out) == batch_rows(whole)
        assert out.column("error").to_pylist() == whole.column("error").to_pylist()
        assert out.column("row").to_pylist() == whole.column("row").to_pylist()
    counted = engine.evaluator(as_of=DAY, threads=4)
    counted.evaluate(chunk)
    serial = engine.evaluator(as_of=DAY, threads=1)
    serial.evaluate(chunk)
    assert counted.counts == serial.counts


@pytest.mark.parametrize("backend", BACKENDS)
def test_typed_columns_in_memory_agree_with_single_evaluation_and_float64_alone_would_not(backend):
    engine = Engine.from_ruleset(shipped_engine().rules, backend)
    table = typed_catalog(20_000, seed=3, boundary=0.2)
    out = engine.evaluate_table(table, ["us-2023-10"], DAY)
    assert_agree(single_rows(engine, table, ["us-2023-10"]), batch_rows(out))
    # float64 alone puts some of these rows on the wrong side of a density line: the exact re-reading is what
    # makes them agree
    rates = table.column("throughput.fp8[TOPS]").to_numpy(zero_copy_only=False)
    dies = table.column("die_area[mm^2]").to_numpy(zero_copy_only=False)
    wrong = 0
    for rate, die in zip(rates, dies, strict=True):
        if not (np.isnan(rate) or np.isnan(die)):
            exact = Fraction(repr(float(rate))) * 8 / Fraction(repr(float(die)))
            wrong += sum((rate * 8 / die >= float(line)) != (exact >= line) for line in DENSITY_LINES)
    assert wrong > 0


def test_combined_as_of_a_date_agrees_with_classify_as_of():
    engine = shipped_engine()
    table = catalog(5_000, seed=5, boundary=0.7)
    out = engine.evaluate_table(table, as_of=DAY, combine=True)
    assert set(out.column("round").to_pylist()) == {"combined"}
    assert_agree(single_rows(engine, table, as_of=True), batch_rows(out, as_of=True))


def test_the_shipped_catalog_gives_what_classify_gives_for_every_chip_and_round():
    engine = shipped_engine()
    report = engine.load_chips([CATALOG])
    rows = [spec_row(c.spec) for c in report.chips]
    headers = list(dict.fromkeys(h for r in rows for h in r))
    table = pa.table({h: pa.array([r.get(h) for r in rows], pa.string()) for h in headers})
    out = engine.evaluate_table(table, as_of=DAY, source="catalog")
    assert_agree(single_rows(engine, table), batch_rows(out))
    h20 = [r for r in out.to_pylist() if r["chip"] == "NVIDIA H20" and r["round"] == "us-2023-10"]
    assert h20[0]["destinations"] == ("D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered in D:5, MO (anywhere)")


# --- exact at the edges, unknown is not no ----------------------------------------------------------------------


def test_a_performance_density_of_exactly_3_2_computed_in_float64_as_3_1999999999999997_is_still_3A090_b():
    table = pa.table(
        {
            "name": ["edge"],
            "vendor": ["Acme"],
            "datacenter": [True],
            "throughput.fp8[TOPS]": [240.2],
            "die_area[mm^2]": [600.5],
        }
    )
    assert 240.2 * 8 / 600.5 == 3.1999999999999997  # what float64 alone decides on
    (row,) = shipped_engine().evaluate_table(table, ["us-2023-10"], DAY).to_pylist()
    assert (row["status"], row["classification"], row["license_exception"]) == ("controlled", "3A090.b", "NAC/ACA")


def test_a_missing_figure_gives_indeterminate_naming_it_and_a_lower_bound_still_decides():
    table = pa.table(
        {
            "name": ["no die", "big, no die", "links unknown"],
            "vendor": ["Acme", "Acme", "Intel"],
            "datacenter": ["true"] * 3,
            "throughput.fp8": ["375 TOPS", "750 TOPS", "375 TOPS"],
            "io.nvlink": [None, None, "unknown"],
            "io.pcie": [None, None, "700 GB/s"],
            "memory.bandwidth": [None, None, "1000 GB/s"],
        }
    )
    out = shipped_engine().evaluate_table(table, ["us-2023-10", "us-2025-04"], DAY).to_pylist()
    by = {(r["chip"], r["round"]): r for r in out}
    assert (by["no die", "us-2023-10"]["status"], by["no die", "us-2023-10"]["missing"]) == (
        "indeterminate",
        "die_area",
    )
    assert by["big, no die", "us-2023-10"]["classification"] == "3A090.a"  # TPP 6000: decided without the die area
    # DRAM 1000 GB/s plus at least 700 GB/s of I/O is at least 1700: controlled although one link is unknown
    assert by["links unknown", "us-2025-04"]["status"] == "controlled"


# --- bad input loses nothing -----------------------------------------------------------------------------------


def test_a_bad_row_in_a_million_row_parquet_file_is_one_error_row_and_the_other_999999_are_evaluated(tmp_path, capsys):
    table = typed_catalog(1_000_000, seed=9)
    areas = table.column("die_area[mm^2]").to_numpy(zero_copy_only=False).copy()
    areas[499_999] = -5.0
    table = table.set_column(table.schema.get_field_index("die_area[mm^2]"), "die_area[mm^2]", pa.array(areas))
    path = tmp_path / "million.parquet"
    pq.write_table(table, path, row_group_size=200_000)
    out = tmp_path / "results.parquet"
    assert main(["batch", str(path), "--round", "us-2023-10", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}: row 500000: die_area[mm^2]: must not be negative: '-5.0 mm^2'" in err
    assert "1000000 rows read from 1 files: 999999 evaluated, 999999 results, 1 errors" in err
    results = pq.read_table(out, columns=["row", "status", "error"])
    assert results.num_rows == 1_000_000
    errors = results.filter(pc.is_valid(results.column("error"))).to_pylist()
    assert errors == [{"row": 500_000, "status": None, "error": "die_area[mm^2]: must not be negative: '-5.0 mm^2'"}]
    assert results.column("row").to_pylist()[499_998:500_001] == [499_999, 500_000, 500_001]


def test_a_bad_row_names_file_row_and_column_with_the_message_a_yaml_sheet_gets(tmp_path):
    (tmp_path / "sheet.yaml").write_text("name: X\nvendor: Y\nmemory:\n  bandwidth: 4 THz\n")
    yaml_error = Engine(backend="python").load_chips([tmp_path / "sheet.yaml"]).errors[0]
    table = pa.table({"name": ["ok", "X"], "vendor": ["Y", "Y"], "memory.bandwidth": ["4 TB/s", "4 THz"]})
    out = shipped_engine().evaluate_table(table, ["us-2023-10"], DAY, source="parts.csv").to_pylist()
    assert [r["status"] for r in out] == ["indeterminate", None]
    assert (out[1]["source"], out[1]["row"], out[1]["chip"]) == ("parts.csv", 2, "X")
    assert out[1]["error"] == f"memory.bandwidth: {yaml_error.message}"


def test_a_column_the_layout_does_not_know_refuses_only_the_rows_that_fill_it_with_a_did_you_mean():
    table = pa.table({"name": ["a", "b"], "vendor": ["v", "v"], "memory.bandwith": [None, "4 TB/s"]})
    out = shipped_engine().evaluate_table(table, ["us-2023-10"], DAY).to_pylist()
    assert out[0]["error"] is None
    assert out[1]["error"] == "memory.bandwith: unknown field 'bandwith'; did you mean 'bandwidth'?"


# --- formats and the command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl", ".xlsx"])
def test_the_shipped_catalog_as_one_table_gives_the_same_results_as_its_yaml_sheets(tmp_path, suffix):
    table = tmp_path / f"catalog{suffix}"
    assert main(["convert", str(CATALOG), "--out", str(table)]) == 0
    from_yaml, from_table = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["batch", str(CATALOG), "--as-of", "2026-01-01", "--out", str(from_yaml)]) == 0
    assert main(["batch", str(table), "--as-of", "2026-01-01", "--out", str(from_table)]) == 0

    def drop_source(text: str) -> list[list[str]]:  # (a YAML file's row is 1: each sheet is its own file)
        return [row[2:] for row in csv.reader(io.StringIO(text))]

    rows = drop_source(from_yaml.read_text())
    assert len(rows) == 1 + len(list(CATALOG.rglob("*.yaml")))  # a header and one combined row per chip
    assert rows == drop_source(from_table.read_text())


def test_every_output_format_holds_the_same_rows_and_stays_safe_for_spreadsheets_and_line_readers(tmp_path):
    table = pa.table({"name": ["=HYPERLINK(1)", "line\u2028separator"], "vendor": ["v", "v"], "tpp": ["6000", "10"]})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    for suffix in (".csv", ".jsonl", ".parquet"):
        assert main(["batch", str(path), "--round", "us-2023-10", "--out", str(tmp_path / f"out{suffix}")]) == 0
    csv_text = (tmp_path / "out.csv").read_text()
    assert '"\'=HYPERLINK(1)"' in csv_text
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 3 and "\\u2028" in lines[1]
    assert [json.loads(line)["status"] for line in lines[:2]] == ["controlled", "not-controlled"]
    assert pq.read_table(tmp_path / "out.parquet").column("chip").to_pylist() == table.column("name").to_pylist()


def test_a_malformed_csv_line_is_an_error_row_and_the_rows_around_it_are_evaluated(tmp_path, capsys):
    path = tmp_path / "parts.csv"
    path.write_text("name,vendor,tpp\nA,Acme,6000\nB,Acme,10,extra\nC,Acme,100\n")
    out = tmp_path / "out.csv"
    assert main(["batch", str(path), "--round", "us-2023-10", "--out", str(out)]) == 2
    rows = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)).to_pylist()
    assert [(r["row"], r["chip"], r["status"]) for r in rows] == [
        (1, "A", "controlled"),
        (2, None, None),
        (3, "C", "not-controlled"),
    ]
    assert rows[1]["error"] == "expected 3 cells, got 4"
    assert "3 rows read from 1 files: 2 evaluated, 2 results, 1 errors" in capsys.readouterr().err


def test_a_csv_saved_by_a_spreadsheet_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbfname,vendor,tpp\nA,Acme,6000\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(path), "--round", "us-2023-10", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["chip"] == "A"


def test_explanations_are_added_on_request_per_distinct_pattern():
    table = pa.table({"name": ["a", "b"], "vendor": ["v", "v"], "tpp": ["6000", "7000"], "datacenter": ["true"] * 2})
    rows = shipped_engine().evaluate_table(table, ["us-2023-10"], DAY, explain=True).to_pylist()
    assert rows[0]["explanation"] == rows[1]["explanation"]
    assert rows[0]["explanation"].startswith("controlled (3A090.a): ")
    assert "[3A090.a.1] tpp >= 4800: holds" in rows[0]["explanation"]


def test_nested_json_lines_read_like_the_yaml_structure(tmp_path):
    path = tmp_path / "chips.jsonl"
    line = {"name": "J", "vendor": "V", "datacenter": True, "throughput": {"fp8": "600 TOPS"}, "die_area": "814 mm^2"}
    path.write_text(json.dumps(line) + "\nnot json\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(path), "--round", "us-2023-10", "--out", str(out)]) == 2
    first, second = (json.loads(x) for x in out.read_text().splitlines())
    assert (first["chip"], first["classification"]) == ("J", "3A090.a")
    assert (second["row"], second["error"].split(":")[0]) == (2, "not a JSON object")


# --- the library: pandas, Dask, threads, pickling ---------------------------------------------------------------------


def test_evaluate_frame_is_pandas_in_pandas_out_with_the_frames_index_as_row():
    frame = typed_catalog(500, seed=4).to_pandas()
    frame.index = frame.index + 1000
    out = shipped_engine().evaluate_frame(frame, ["us-2023-10"], DAY)
    assert len(out) == 500 and out["row"].tolist() == list(range(1000, 1500))
    assert set(out["status"]) <= {str(s) for s in Status}
    assert shipped_engine().evaluate_frame(frame.iloc[:0], ["us-2023-10"], DAY).columns.tolist() == out.columns.tolist()


def test_an_engine_pickles_and_evaluates_alike_in_threads():
    engine = Engine.from_ruleset(shipped_engine().rules, "python")
    table = typed_catalog(2_000, seed=6)
    expected = engine.evaluate_table(table, as_of=DAY).to_pylist()
    assert pickle.loads(pickle.dumps(engine)).evaluate_table(table, as_of=DAY).to_pylist() == expected
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(engine.evaluate_table(table, as_of=DAY))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(t.to_pylist() == expected for t in found) and len(found) == 4


def test_dask_map_partitions_on_a_local_cluster_of_two_workers_gives_the_same_rows():
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    frame = typed_catalog(20_000, seed=8).to_pandas()  # its index numbers the rows across partitions
    engine = Engine.from_ruleset(shipped_engine().rules, "python")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        frames = dd.from_pandas(frame, npartitions=4)
        meta = engine.evaluate_frame(frame.iloc[:0], as_of=DAY)
        found = frames.map_partitions(engine.evaluate_frame, as_of=DAY, meta=meta).compute(timeout=120)
        assert len(client.scheduler_info()["workers"]) == 2
    expected = engine.evaluate_frame(frame, as_of=DAY)
    key = ["row", "round"]
    found = found.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    assert found[["round", "status", "classification", "missing"]].equals(
        expected[["round", "status", "classification", "missing"]]
    )


def test_version_and_classify_do_not_import_numpy_or_pyarrow():
    code = (
        "import sys; from exportctl.cli import main; main(['--version']); "
        f"main(['classify', r'{ROOT / 'chips' / 'nvidia' / 'h20.yaml'}', '--format', 'json']); "
        "print(sorted({'numpy', 'pyarrow', 'pandas'} & set(sys.modules)))"
    )
    # (a cold cache folder has pint compute unit factors, and pint imports numpy: the second start is the one
    # that counts, as for every start-up figure)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_batch_command_does_not_import_pandas_and_main_inside_a_program_leaves_pyarrow_as_it_was(tmp_path):
    """pyarrow would import pandas (a third of a second) on its first conversion; `exportctl batch` as a command
    tells it pandas is absent, and pandas is still imported when asked for. Called as main([...]) inside a program,
    batch changes nothing process-wide: pyarrow still reads a pandas Series as one (NaN as null)."""
    out = tmp_path / "out.parquet"
    sheet = ROOT / "chips" / "nvidia" / "h20.yaml"
    command = (
        f"import sys; sys.argv = ['exportctl', 'batch', r'{sheet}', '--out', r'{out}']; "
        "from exportctl.cli import main; main(); "
        "print('pandas' in sys.modules); "
        f"import pyarrow.parquet as pq; frame = pq.read_table(r'{out}').to_pandas(); "
        "print(type(frame).__name__, len(frame), frame['status'].iloc[0])"
    )
    done = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True, cwd=ROOT)
    imported, frame = done.stdout.strip().splitlines()[-2:]
    assert imported == "False"
    name, rows, status = frame.split()
    assert name == "DataFrame" and int(rows) >= 1 and status in {s.value for s in Status}
    inside = (
        "import math, pandas as pd, pyarrow as pa; from exportctl.cli import main; "
        f"main(['batch', r'{sheet}', '--out', r'{out}']); "
        "print(pa.array(pd.Series([1.0, math.nan])).null_count)"
    )
    done = subprocess.run([sys.executable, "-c", inside], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "1"


def test_result_tables_convert_to_pandas_with_distinct_categories():
    """A dictionary column holds each text once (pandas refuses a category listed twice)."""
    engine = shipped_engine()
    table = typed_catalog(3_000, seed=8, boundary=0.2)
    out = engine.evaluate_table(table, None, DAY)
    for name in out.column_names:
        column = out.column(name)
        if pa.types.is_dictionary(column.type):
            for chunk in column.chunks:
                values = chunk.dictionary.to_pylist()
                assert len(values) == len(set(values)), name
    frame = out.to_pandas()
    assert len(frame) == out.num_rows
    assert list(frame["status"].astype(str)) == out.column("status").cast(pa.string()).to_pylist()


def test_a_name_or_error_text_shared_by_several_rows_is_one_category():
    engine = shipped_engine()
    rows = [
        {"name": "Same", "vendor": "V", "throughput.fp8[TOPS]": "100", "die_area[mm^2]": "500"},
        {"name": "Same", "vendor": "V", "throughput.fp8[TOPS]": "-1", "die_area[mm^2]": "500"},  # scalar: an error
        {"name": "Same", "vendor": "V", "throughput.fp8[TOPS]": "-2", "die_area[mm^2]": "500"},
        {"name": "Same", "vendor": "V", "throughput.fp8[TOPS]": "1e3", "die_area[mm^2]": "500"},  # scalar: read
    ]
    out = engine.evaluate_table(pa.Table.from_pylist(rows), ["us-2023-10"], DAY)
    chip = out.column("chip").combine_chunks()
    assert chip.to_pylist() == ["Same"] * 4
    assert chip.dictionary.to_pylist() == ["Same"]
    errors = out.column("error").to_pylist()
    assert errors[0] is None and errors[3] is None and errors[1] and errors[2]
    frame = out.to_pandas()
    assert list(frame["chip"].astype(str)) == ["Same"] * 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc options")
def test_glibc_accepts_the_settings_that_keep_freed_memory():
    code = "from exportctl.batch.memory import keep_freed_memory; print(keep_freed_memory())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    import platform

    expected = platform.libc_ver()[0] == "glibc"
    assert done.stdout.strip() == str(expected)


def test_a_writer_that_fails_stops_the_run_with_its_error_and_an_aborted_one_writes_nothing_more():
    from exportctl.batch.pipeline import Behind, ahead

    written: list[int] = []

    def write(item: int) -> None:
        if item == 3:
            raise OSError("disk full")
        written.append(item)

    behind = Behind(write)
    with pytest.raises(OSError, match="disk full"):
        for item in range(100):
            behind.put(item)
        behind.close()
    assert written == [0, 1, 2]
    with pytest.raises(RuntimeError):
        behind.put(5)  # closed
    slow = threading.Event()
    dropped: list[int] = []
    behind = Behind(lambda item: (slow.wait(5), dropped.append(item)))
    behind.put(1)
    behind.put(2)
    slow.set()
    behind.abort()
    assert len(dropped) <= 1  # the one being written when the run stopped, no more

    def chunks():
        yield 1
        raise ValueError("row 2 unreadable")

    got = []
    with pytest.raises(ValueError, match="row 2"):
        got.extend(ahead(chunks()))  # (extend keeps what came before the error)
    assert got == [1]


@given(
    table=st.lists(st.integers(0, 3), min_size=1, max_size=4),
    codes=st.lists(st.integers(-1, 3), max_size=200),
)
def test_a_small_table_looked_up_by_packed_bytes_gives_what_indexing_gives(table, codes):
    """by_code and packed_lookup read entry `code` of a table per row, the last entry for code -1 (unknown)."""
    from exportctl.core.arrays import by_code, packed_lookup, shifts

    codes = [c for c in codes if c < len(table) - 1 or c == -1]
    entries = np.array(table, dtype=np.int8)
    column = np.array(codes, dtype=np.int32)
    expected = np.array([table[c] for c in codes], dtype=np.int8)
    assert by_code(entries, column).tolist() == expected.tolist()
    offsets = shifts(column)
    if len(column) == 0 or column.max() <= 2:
        assert offsets is not None
        assert packed_lookup(entries, offsets).tolist() == expected.tolist()
        assert packed_lookup(entries.astype(bool), offsets).tolist() == expected.astype(bool).tolist()
    else:
        assert offsets is None  # (codes beyond 2 do not fit a packed byte)


def test_comparisons_computed_in_blocks_mark_the_rows_near_a_line_on_either_side_of_a_block_edge():
    """ComparisonColumns.prepare reads a metric in blocks of rows: values on, a hair under and a hair over a line,
    placed at the last row of a block and the first of the next, compare and are marked near as one pass over the
    whole column would."""
    from exportctl.conditions import columns as cc
    from exportctl.metrics.columns import MetricColumn

    engine = shipped_engine()
    (program,) = [p for p in engine.rules if p.round.id == "us-2023-10"]
    rows = 3 * cc.BLOCK + 7
    rng = np.random.default_rng(5)
    tpp = rng.uniform(100, 9000, rows)
    tpp[rng.random(rows) < 0.05] = np.nan
    for i, at in enumerate((cc.BLOCK - 1, cc.BLOCK, 2 * cc.BLOCK - 1, 2 * cc.BLOCK, rows - 1)):
        tpp[at] = 4800.0 * (1 + (i % 3 - 1) * 1e-12)  # (after the unknown ones: these are given)
    metrics = {
        name: MetricColumn(name, "number", "dimensionless", value=values)
        for name, values in (("tpp", tpp), ("performance_density", tpp / 800.0))
    }
    metrics["datacenter"] = MetricColumn(
        "datacenter", "boolean", "boolean", codes=np.zeros(rows, dtype=np.int32), values=[True]
    )
    metrics["kind"] = MetricColumn("kind", "text", "text", codes=np.zeros(rows, dtype=np.int32), values=["accelerator"])
    blocked = cc.ComparisonColumns(rows)
    blocked.prepare(program, metrics, DAY)
    whole = cc.ComparisonColumns(rows)  # (for the boolean and text comparisons, which no block touches)
    near = {name: np.zeros(rows, dtype=bool) for name in ("tpp", "performance_density")}
    for comparison in program.comparisons:
        metric = metrics[comparison.metric]
        threshold = cc.threshold_on(comparison, DAY)
        if metric.kind == "number":  # one pass over the whole column, in numpy itself
            t = float(threshold)
            with np.errstate(invalid="ignore"):
                holds = cc.compare_floats(comparison.op, metric.value, t).astype(np.int8)
                near[comparison.metric] |= np.abs(metric.value - t) <= cc.BAND * abs(t)
            expected = np.where(np.isnan(metric.value), 2, holds)
        else:
            expected = whole._compute(comparison, metric, threshold)
        assert blocked.tri(comparison, metric, threshold).tolist() == expected.tolist()
    assert set(blocked.near) == set(near)
    for name in blocked.near:
        assert blocked.near[name].tolist() == near[name].tolist()
    assert blocked.near["tpp"][[cc.BLOCK - 1, cc.BLOCK, 2 * cc.BLOCK - 1, 2 * cc.BLOCK, rows - 1]].all()


def test_a_row_near_a_round_s_own_metric_derived_from_a_shared_derived_one_is_re_read_exactly(tmp_path):
    """A round may derive a metric from a shared derived one (twice the performance density, here a line of its
    own at 7 that makes a chip 3A090.a): a row exactly on that line, and one a hair under it, are re-read from their
    decimal text with the shared metric computed too, and batch says what single evaluation says."""
    import shutil

    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder)
    text = (ROOT / "rules" / "us-2023-10.yaml").read_text()
    edits = [
        (
            "\nclauses:\n",
            (
                "\nderived:\n  dens2:\n    dimension: density\n    description: twice\n"
                "    sum: [performance_density, performance_density]\nclauses:\n"
            ),
        ),
        ("  - id: 3A090.a\n", "  - id: x.dens\n    when: dens2 >= 7\n    text: twice the density\n  - id: 3A090.a\n"),
        ("any: [clause 3A090.a.1, clause 3A090.a.2]", "any: [clause 3A090.a.1, clause 3A090.a.2, clause x.dens]"),
    ]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    (folder / "us-2023-10.yaml").write_text(text)
    engine = Engine(folder, backend="python")
    table = pa.table(
        {
            "name": ["on", "under"],
            "vendor": ["Acme", "Acme"],
            "datacenter": [True, True],
            "throughput.fp8[TOPS]": [350.0, 349.99999999999],
            "die_area[mm^2]": [800.0, 800.0],
        }
    )
    evaluator = engine.evaluator(["us-2023-10"], DAY)
    from exportctl.sheets.table import Chunk

    out = evaluator.evaluate(Chunk(table, ["<table>"], np.arange(1, 3)))
    assert evaluator.counts.exact == 2  # both near the dens2 line
    assert batch_rows(out) == single_rows(engine, table, ["us-2023-10"])
    assert [rows[0][2] for rows in batch_rows(out)] == ["3A090.a", "3A090.b"]  # (on the line: a; under it: b)


def test_number_columns_read_and_combined_in_blocks_give_what_single_evaluation_gives_at_every_block_edge(
    monkeypatch,
):
    """The sheet reading (NaN, range checks), TPP (the largest rate x bit length, sparse-only rates, a published
    TPP, rows listing only unusual rates) and quotients run over blocks of rows; with blocks of 37 rows, figures
    the fast reading refuses (0 as an area, negative, infinite, beyond 1e25 or under 1e-25) and figures on a line
    fall on every side of a block edge, and each row's results are the single evaluation's."""
    from exportctl.conditions import columns as cc
    from exportctl.core import arrays
    from exportctl.metrics import columns as mc
    from exportctl.sheets import columns as sc

    for module in (arrays, cc, mc, sc):
        monkeypatch.setattr(module, "BLOCK", 37)
    rows = 37 * 12 + 5
    rng = np.random.default_rng(11)
    odd = [np.nan, 0.0, -5.0, np.inf, 1e30, 1e-30]

    def figures(normal: list[float]) -> pa.Array:
        """Mostly usual figures, a fifth of them ones the fast reading refuses."""
        pick = np.where(rng.random(rows) < 0.2, rng.choice(odd, rows), rng.choice(normal, rows))
        return pa.array(pick, pa.float64())

    memory = rng.random(rows) < 0.1
    table = pa.table(
        {
            "name": [f"chip {i}" for i in range(rows)],
            "vendor": ["Acme"] * rows,
            "kind": pa.array(np.where(memory, "memory", "accelerator")),
            "datacenter": pa.array(rng.random(rows) < 0.7),
            "throughput.fp8[TOPS]": figures([300.0, 600.0, 2400.0, np.nan, np.nan]),
            "throughput.fp16[TFLOPS]": figures([150.0, 300.0, 148.0, np.nan, np.nan]),
            "throughput.fp32[TFLOPS]": figures([75.0, 19.5, 600.0]),
            "throughput.fp4[TFLOPS]": figures([np.nan, np.nan, 1200.0, 9000.0]),
            "throughput.fp4.sparse": pa.array(np.where(rng.random(rows) < 0.5, True, None), pa.bool_()),
            "tpp": figures([np.nan, np.nan, 4800.0, 1600.0]),
            "die_area[mm^2]": figures([800.0, 750.0, 1500.0, np.nan]),
            "memory.bandwidth[GB/s]": figures([4000.0, 1400.0, 100.0]),
            "io.nvlink[GB/s]": figures([600.0, 0.0, 900.0, np.nan]),
        }
    )
    engine = shipped_engine()
    out = engine.evaluate_table(table, as_of=DAY, threads=1)
    single = single_rows(engine, table)
    assert sum(s is None for s in single) > 20  # refused figures and memory stacks with rates: error rows
    assert sum(s is not None for s in single) > 100
    assert_agree(single, batch_rows(out))
