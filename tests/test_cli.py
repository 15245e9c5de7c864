"""The command line (contract section 4): formats, exit codes, and bad input that loses nothing."""

from __future__ import annotations

import json

import pytest
from exportctl.cli import main

from tests.conftest import CATALOG, FIXTURES, default_rounds

GOOD = FIXTURES / "sheets" / "good-h20-like.yaml"
BAD = FIXTURES / "bad"


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_has_the_contract_fields(capsys):
    code, out, _ = run(capsys, "classify", str(GOOD), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["round"] for r in rows} == set(default_rounds())
    for row in rows:
        for key in (
            "chip",
            "source",
            "round",
            "status",
            "classification",
            "license_exception",
            "conditions",
            "missing",
        ):
            assert key in row
        assert row["source"].endswith("good-h20-like.yaml")


def test_round_option_limits_the_rounds(capsys):
    code, out, _ = run(capsys, "classify", str(GOOD), "--round", "us-2023-10", "--format", "jsonl")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 1 and json.loads(lines[0])["status"] == "not-controlled"


def test_csv_has_a_header_and_a_row_per_result(capsys):
    code, out, _ = run(capsys, "classify", str(GOOD), "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("chip,source,round,status") and len(lines) == 1 + len(default_rounds())


def test_table_is_the_default_and_names_the_decisive_condition(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(capsys, "classify", str(GOOD), "--round", "us-2023-10")
    assert code == 0 and "tpp 2368 >= 4800" in out


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("wrong-dimension.yaml", "memory.bandwidth: expected a bandwidth"),
        (
            "wrong-dimension-area.yaml",
            "die_area: expected an area (e.g. 814 mm^2 or 8.14 cm^2), got a unit of bandwidth",
        ),
        (
            "wrong-dimension-speed.yaml",
            "throughput.fp16.rate: expected a throughput (e.g. 296 TOPS or 148 TFLOPS), got",
        ),
        ("wrong-dimension-density.yaml", "package_area: expected an area (e.g. 814 mm^2 or 8.14 cm^2), got a unit of"),
        ("unknown-key.yaml", "memory.bandwith: unknown field 'bandwith'; did you mean 'bandwidth'?"),
        ("missing-name.yaml", "name: required field is missing"),
        ("negative.yaml", "die_area: must not be negative"),
        ("nan.yaml", "io.nvlink: not a finite number"),
        ("malformed.yaml", "malformed YAML"),
        ("python-tag.yaml", "unsupported YAML tag"),
        ("duplicate-key.yaml", "line 4: duplicate key 'die_area' (first given on line 3)"),
        ("alias-bomb.yaml", "YAML aliases (*a) are not allowed"),
        ("empty.yaml", "file is empty"),
        ("binary.yaml", "binary file (contains NUL bytes), not YAML text"),
        ("invalid-utf8.yaml", "not valid UTF-8"),
        ("zero-area.yaml", "die_area: must be greater than zero"),
        ("inf.yaml", "throughput.fp16.rate: not a finite number"),
        ("huge-exponent.yaml", "memory.bandwidth: number out of range"),
        ("unknown-unit.yaml", "io.nvlink: unknown unit"),
        (
            "unknown-key-no-match.yaml",
            "zzzz: unknown field 'zzzz'; known fields: commercially_available_us, datacenter, die_area, dies, io,",
        ),
        ("die-typo.yaml", "dies[1].non_planer: unknown field 'non_planer'; did you mean 'non_planar'?"),
        ("rate-typo.yaml", "throughput.fp8.sparce: unknown field 'sparce'; did you mean 'sparse'?"),
        ("source-typo.yaml", "sources[0].feilds: unknown field 'feilds'; did you mean 'fields'?"),
        ("not-a-mapping.yaml", "memory: expected a mapping (key: value), got int"),
        ("throughput-list.yaml", "throughput: expected a mapping (key: value), got list"),
        ("top-level-list.yaml", "expected a mapping of fields at the top level, got list"),
        ("bad-key.yaml", "io: key 'NVLink' must be lower-case letters, digits and underscores"),
        ("impossible-date.yaml", "line 3: cannot read '2023-13-45': month must be in 1..12"),
        ("huge-integer.yaml", "line 3: cannot read '9999999999999999999999999999999999999999...': Exceeds the limit"),
        ("control-character.yaml", "line 2: control character U+0007 is not allowed in YAML text"),
        ("list-as-key.yaml", "line 3: a mapping key must be plain text"),
        ("duplicate-directive.yaml", "line 2: malformed YAML: found duplicate YAML directive"),
        ("blank-name.yaml", "name: must not be blank"),
        ("both-areas.yaml", "dies: give die_area or dies, not both"),
        (
            "memory-with-throughput.yaml",
            "throughput: a kind: memory sheet describes an HBM stack or package and has no",
        ),
        ("null-link.yaml", "io.pcie: no value given; write the figure with a unit, or `unknown` if no source gives it"),
        ("zero-bits.yaml", "throughput.custom.bits: Input should be greater than 0"),
        ("deep-nesting.yaml", "YAML nested too deeply"),
        ("released-words.yaml", "released: expected a year (e.g. 2023) or a date (e.g. 2023-10-17), got 'next spring'"),
        ("hex-tpp.yaml", "tpp: '0x12C0' is not a decimal number (hexadecimal); write the figure in decimal"),
        ("base-60-tpp.yaml", "tpp: '80:00' is not a decimal number (base 60, as in a time of day)"),
        ("grouped-digits.yaml", "transistors: '80_000_000_000' is not a decimal number (digits grouped with '_')"),
        ("bytes-as-tpp.yaml", "tpp: expected a plain number with no unit (e.g. 2368), got a unit of capacity ('byte')"),
        (
            "radians-as-tpp.yaml",
            "tpp: expected a plain number with no unit (e.g. 2368), got a unit of angle ('radian')",
        ),
        ("pi-as-tpp.yaml", "tpp: expected a plain number with no unit (e.g. 2368), got the unit 'pi'"),
        ("bits-as-transistors.yaml", "transistors: expected a plain number with no unit (e.g. 2368), got a unit of"),
        (
            "percent-as-capacity.yaml",
            "memory.capacity: expected a capacity (e.g. 96 GB), got 'percent', a plain number",
        ),
        (
            "terahertz-as-bandwidth.yaml",
            "memory.bandwidth: expected a bandwidth (e.g. 900 GB/s or 4.0 TB/s), got a unit of frequency (a clock",
        ),
        (
            "clock-as-bandwidth.yaml",
            "memory.bandwidth: expected a bandwidth (e.g. 900 GB/s or 4.0 TB/s), got a unit of",
        ),
        ("unit-power-bomb.yaml", "memory.bandwidth: unit 'GB/s*(ks/s)**100000000': '100000000' is not a power"),
        ("unit-repeated-power.yaml", "raises second to the power -6; exportctl accepts whole powers up to 4"),
        (
            "long-integer.yaml",
            "tpp: number too long (400 digits; at most 40): '9999999999999999999999999999999999999999...'",
        ),
        ("known-bits-override.yaml", "throughput.fp8.bits: fp8 is 8 bits in the rules' bit-length table, which a spec"),
        ("boolean-bits.yaml", "throughput.custom.bits: expected a whole number of bits (e.g. 9), got true"),
    ],
)
def test_a_bad_sheet_gets_one_clear_error_exit_2_and_the_good_one_is_still_evaluated(capsys, name, fragment):
    code, out, err = run(capsys, "classify", str(BAD / name), str(GOOD), "--format", "json")
    assert code == 2
    assert f"{BAD / name}" in err and fragment in err
    assert [r["chip"] for r in json.loads(out)] == ["Fixture H20-like"] * len(default_rounds())
    assert f"2 inputs from 2 files: 1 chips evaluated, {len(default_rounds())} results, 1 errors" in err


def test_several_errors_in_one_sheet_are_named_first_three_more_and_a_count_of_the_rest(capsys):
    code, _, err = run(capsys, "classify", str(BAD / "many-errors.yaml"))
    assert code == 2
    assert (
        "many-errors.yaml: released: not a plausible year: 1800; also die_area: expected an area (e.g. 814 mm^2 or"
        " 8.14 cm^2), got a unit of bandwidth ('GB/s'); transistors: must not be negative: '-5'; memory.bandwidth:"
        " expected a bandwidth (e.g. 900 GB/s or 4.0 TB/s), got a unit of area ('mm^2'); and 2 more\n"
    ) in err


def test_a_python_tag_is_refused_and_never_run(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the tag would run `touch pwned-by-yaml` here
    code, _, err = run(capsys, "classify", str((BAD / "python-tag.yaml").resolve()))
    assert code == 2 and "unsupported YAML tag !!python/object/apply:os.system; tags are never executed" in err
    assert list(tmp_path.iterdir()) == []


def test_whole_bad_folder_counts_every_input(capsys):
    code, out, err = run(capsys, "classify", str(BAD), "--format", "json")
    files = len(list(BAD.glob("*.yaml")))
    assert code == 2 and json.loads(out) == []
    assert f"{files} inputs from {files} files: 0 chips evaluated, 0 results, {files} errors" in err


def test_catalog_option_classifies_the_shipped_catalog(capsys):
    code, out, _ = run(capsys, "classify", "--catalog", "--round", "us-2023-10", "--format", "json")
    files = len(list(CATALOG.rglob("*.yaml")))
    assert code == 0 and len(json.loads(out)) == files


def test_classify_without_paths_says_what_to_give(capsys):
    code, out, err = run(capsys, "classify")
    assert (code, out) == (2, "")
    assert err == "exportctl classify: give spec-sheet files or folders, or --catalog\n"


def test_missing_path_is_an_input_error(capsys):
    code, _, err = run(capsys, "classify", "/no/such/file.yaml", str(GOOD))
    assert code == 2 and "no such file or folder" in err


def test_version_names_package_rules_and_backend(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "exportctl" in out and "us-2023-10" in out and "decision backend:" in out


@pytest.mark.parametrize("what, field", [("chip", "throughput"), ("rules", "clauses")])
def test_schema_prints_json_schema(capsys, what, field):
    code, out, _ = run(capsys, "schema", what)
    assert code == 0 and field in json.loads(out)["properties"]


def test_explain_prints_the_quoted_rule_text(capsys):
    code, out, _ = run(capsys, "explain", "us-2023-10")
    assert code == 0 and "does not apply to items that are not designed or marketed" in out


def test_a_50_mb_file_is_refused_without_being_parsed(capsys, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: x\nvendor: y\nnotes: '" + b"a" * (50 * 1024 * 1024) + b"'\n")
    code, out, err = run(capsys, "classify", str(big), str(GOOD), "--format", "json")
    assert code == 2 and f"{big}: file too large (52.4 MB; the limit is 8 MB)" in err
    assert len(json.loads(out)) == len(default_rounds())
