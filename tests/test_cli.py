"""The command line (contract section 4): formats, exit codes, and bad input that loses nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest
from exportctl.cli import main

from tests.conftest import CATALOG, FIXTURES, ROOT, ROUND_IDS, default_rounds, shipped_rules

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
    assert (
        code == 0 and lines[0].startswith("chip,source,round,as_of,status") and len(lines) == 1 + len(default_rounds())
    )


def test_table_is_the_default_and_names_the_decisive_condition(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(capsys, "classify", str(GOOD), "--round", "us-2023-10")
    # the reason is the line it is nearest to flipping, with the factor it would need
    assert code == 0 and "[3A090.b.1] tpp 2368 >= 2400: fails (flips at x1.01352)" in out


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
        ("unit-mm2.yaml", "die_area: unknown unit 'mm2'; did you mean 'mm^2'?\n"),
        ("unit-tflops.yaml", "throughput.fp16.rate: unknown unit 'TFLOPs'; did you mean 'TFLOPS'?\n"),
        (
            "comma-grouped-bandwidth.yaml",
            (
                "memory.bandwidth: '4,000 GB/s' is not a decimal number (digits grouped with ','); did you mean "
                "'4000 GB/s'? (a comma is neither a thousands nor a decimal separator here)\n"
            ),
        ),
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


@pytest.mark.parametrize("command", ["classify", "timeline"])
@pytest.mark.parametrize("given", ["empty folder", "folder without sheets", "missing path"])
def test_an_input_that_holds_no_sheet_is_an_error_not_an_empty_answer(capsys, tmp_path, command, given):
    # issue 11: an empty folder exited 0 silently, which reads as "nothing here is controlled"
    folder = tmp_path / "sheets"
    if given != "missing path":
        folder.mkdir()
    if given == "folder without sheets":
        (folder / "README.md").write_text("spec sheets go here")
    code, out, err = run(capsys, command, str(folder))
    reason = (
        "no such file or folder"
        if given == "missing path"
        else "no spec sheets found in this folder or its subfolders (looked for *.yaml, *.yml)"
    )
    what = "results" if command == "classify" else "changes"
    assert (code, out) == (2, "")
    assert err == f"error: {folder}: {reason}\n1 inputs from 0 files: 0 chips evaluated, 0 {what}, 1 errors\n"


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


# --- issue 11: rounds asked for that were not in force, an unavailable backend --------------------------------------

H100 = str(CATALOG / "nvidia" / "h100-sxm5.yaml")
DIFFUSION_GONE = (
    "us-2025-01-diffusion was not in force on 2025-06-01 "
    "(in force 2025-01-13 .. 2025-05-13, not enforced since 2025-05-13)"
)


def test_a_round_asked_for_that_was_not_in_force_is_an_error_before_any_chip_is_read(capsys):
    # it printed the H100 as not controlled ("no round in force applies")
    code, out, err = run(capsys, "classify", H100, "--round", "us-2025-01-diffusion", "--as-of", "2025-06-01")
    assert (code, out, err) == (2, "", f"error: {DIFFUSION_GONE}\n")


def test_of_the_rounds_asked_for_those_in_force_are_combined_and_the_others_named_once(capsys):
    argv = ["classify", H100, CATALOG / "nvidia" / "h20.yaml", "--as-of", "2025-06-01", "--format", "json"]
    code, out, err = run(capsys, *map(str, argv), "--round", "us-2025-01-diffusion", "--round", "us-2023-10")
    assert code == 0
    assert err.splitlines() == [
        f"warning: {DIFFUSION_GONE}; the results combine the other rounds asked for",
        "2 inputs from 2 files: 2 chips evaluated, 2 results, 0 errors",
    ]
    rows = json.loads(out)
    assert [(r["chip"], r["status"], r["deciding_rounds"]) for r in rows] == [
        ("NVIDIA H100 SXM5 80GB", "controlled", ["us-2023-10"]),
        ("NVIDIA H20", "not-controlled", ["us-2023-10"]),
    ]


def test_an_unknown_round_is_refused_before_any_chip_is_read(capsys):
    code, out, err = run(capsys, "classify", str(BAD / "negative.yaml"), "--round", "us-2099-01")
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown round 'us-2099-01'; known: us-2022-08,") and err.count("\n") == 1


def test_durable_rules_asked_for_where_it_is_not_installed_is_one_line_saying_what_to_use(capsys, monkeypatch):
    from exportctl.decision import backend

    monkeypatch.setattr(backend, "durable_installed", lambda: False)  # as on Python 3.13
    code, out, err = run(capsys, "classify", str(GOOD), "--backend", "durable-rules")
    assert (code, out) == (2, "")
    assert err.startswith("error: durable-rules is not available here: it is not installed")
    assert err.endswith("; use the python backend (--backend python), which decides every round alike\n")
    assert err.count("\n") == 1


def test_durable_rules_that_does_not_import_is_one_line_too(capsys, monkeypatch):
    from exportctl.decision import backend, durable

    monkeypatch.setenv("EXPORTCTL_CACHE_DIR", "")  # no verdicts kept from earlier runs: a decision is needed
    monkeypatch.setattr(backend, "durable_installed", lambda: True)
    monkeypatch.setattr(durable, "_lang", None)
    monkeypatch.setattr(durable, "_IMPORT_ERROR", "ImportError: broken build")
    code, _, err = run(capsys, "classify", str(GOOD), "--backend", "durable-rules", "--format", "jsonl")
    assert code == 2
    assert err == (
        "error: durable-rules is not available here: it does not import on this Python (ImportError: broken build);"
        " use the python backend (--backend python), which decides every round alike\n"
    )


@pytest.mark.parametrize("installed, default", [(True, "durable-rules"), (False, "python")])
def test_help_names_the_default_backend_of_the_python_it_runs_on(capsys, monkeypatch, installed, default):
    from exportctl.decision import backend

    monkeypatch.setattr(backend, "durable_installed", lambda: installed)
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    assert f"decision backend (default here: {default}; durable-rules needs Python < 3.13)" in capsys.readouterr().out


def _exportctl(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a child process, its output a pipe (as for `exportctl rules | grep ...`)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE")}
    environment.update(env)
    command = [sys.executable, "-m", "exportctl.cli", *argv]
    return subprocess.run(command, check=False, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300)


def test_help_and_version_load_no_rules_models_terminal_library_or_rule_engine():
    script = (
        "import runpy, sys\n"
        "for argv in (['--help'], ['classify', '--help'], ['--version']):\n"
        "    sys.argv = ['exportctl', *argv]\n"
        "    try:\n"
        "        runpy.run_module('exportctl.cli', run_name='__main__')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('rich', 'pydantic', 'pint', 'durable', 'yaml', 'exportctl.rules', 'exportctl.sheets')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


# --- issue 11: tables that never break an id or a metric name ---------------------------------------------------------


def test_rules_piped_to_grep_finds_each_round_whole_on_one_line():
    done = _exportctl("rules")
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if "us-2025-01-foundry" in line.split()[:1]]
    assert line.split()[:5] == ["us-2025-01-foundry", "2025-01-16", "..", "-", "published"]
    assert (
        "Implementation of Additional Due Diligence Measures for Advanced Computing Integrated Circuits; "
        "Amendments and Clarifications; and Extension of Comment Period"
    ) in line
    firsts = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("us-")]
    assert firsts == [p.round.id for p in shipped_rules()]  # in the rule set's order (by date in force)


def _table(capsys, monkeypatch, width: str, *argv: str) -> list[str]:
    monkeypatch.setenv("COLUMNS", width)
    code, out, _ = run(capsys, "classify", str(CATALOG), *argv)
    assert code == 0
    return out.splitlines()


@pytest.mark.parametrize("argv", [(), ("--as-of", "2025-06-01")])
def test_at_80_columns_the_table_fits_and_no_word_is_broken_round_ids_and_metric_names_among_them(
    capsys, monkeypatch, argv
):
    narrow = _table(capsys, monkeypatch, "80", *argv)
    wide = _table(capsys, monkeypatch, str(100_000), *argv)  # no row wraps
    assert max(len(line) for line in narrow) <= 80 < max(len(line) for line in wide)
    # wrapped at spaces only: the same words, none split in two (`us-2025-01-dif` + `fusion`) or cut short
    assert Counter(word for line in narrow for word in line.split()) == Counter(
        word for line in wide for word in line.split()
    )
    # (a round's clause reads `us-2023-10/3A090.a.1`; the list of destinations `us-2023-10:`)
    words = {word.strip("[],;:").split("/")[0] for line in narrow for word in line.split()}
    assert {word for word in words if word.startswith("us-20")} <= set(ROUND_IDS)
    assert {"memory_bandwidth", "performance_density", "tpp"} <= words


def test_at_200_columns_a_long_chip_name_and_its_reason_share_one_line(capsys, monkeypatch):
    lines = _table(capsys, monkeypatch, "200", "--as-of", "2025-06-01")
    assert max(len(line) for line in lines) <= 200
    (row,) = [line for line in lines if "GB200" in line]
    assert row.startswith("NVIDIA GB200 (per Blackwell GPU in the GB200 superchip)  us-2023-10, us-2025-04 ")
    assert row.rstrip().endswith("tpp 40000 >= 4800: holds (flips below x0.12)")


def test_piped_without_a_width_each_row_is_one_line(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    code, out, _ = run(capsys, "classify", str(CATALOG), "--as-of", "2025-06-01")
    assert code == 0
    (row,) = [line for line in out.splitlines() if "GB200" in line]
    assert row.split()[:10] == [
        "NVIDIA",
        "GB200",
        "(per",
        "Blackwell",
        "GPU",
        "in",
        "the",
        "GB200",
        "superchip)",
        "us-2023-10,",
    ]
    assert row.rstrip().endswith("tpp 40000 >= 4800: holds (flips below x0.12)")


# --- issue 11: `rules` and `timeline` for scripts ------------------------------------------------------------------


def test_rules_as_json_has_each_round_with_its_dates_enforcement_and_destinations(capsys):
    code, out, _ = run(capsys, "rules", "--format", "json")
    rounds = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and list(rounds) == [p.round.id for p in shipped_rules()]
    assert {k: v for k, v in rounds["us-2025-01-diffusion"].items() if k not in ("title", "destinations")} == {
        "id": "us-2025-01-diffusion",
        "citation": "90 FR 4544",
        "provenance": "published",
        "effective": "2025-01-13",
        "ends": None,
        "enforcement": [{"since": "2025-05-13", "status": "not-enforced"}],
        "in_force": [{"effective": "2025-01-13", "ends": "2025-05-13"}],
        "applied_by_default": False,
        "supersedes": [],
    }
    october_2023 = rounds["us-2023-10"]
    assert october_2023["supersedes"] == ["us-2022-10"] and october_2023["in_force"] == [
        {"effective": "2023-11-17", "ends": None}
    ]
    destinations = {k: v for k, v in october_2023["destinations"].items() if k != "note"}
    assert destinations == {
        "summary": "D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered in D:5, MO (anywhere)",
        "countries": ["MO"],
        "country_groups": ["D:1", "D:4", "D:5"],
        "except_groups": ["A:5", "A:6"],
        "headquartered_in": ["D:5", "MO"],
        "worldwide": False,
    }


def test_rules_as_csv_has_one_row_per_round_with_destinations_as_compact_text(capsys):
    code, out, _ = run(capsys, "rules", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["id"] for r in rows] == [p.round.id for p in shipped_rules()]
    assert out.splitlines()[0] == (
        "id,title,citation,provenance,effective,ends,enforcement,in_force,applied_by_default,supersedes,destinations"
    )
    by_id = {r["id"]: r for r in rows}
    assert by_id["us-2023-10"]["destinations"] == (
        "D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered in D:5, MO (anywhere)"
    )
    assert (by_id["us-2025-01-diffusion"]["enforcement"], by_id["us-2025-01-diffusion"]["destinations"]) == (
        "not-enforced since 2025-05-13",
        "worldwide",
    )
    assert (by_id["us-2022-10"]["ends"], by_id["us-2022-10"]["applied_by_default"]) == ("2023-11-17", "true")


def test_text_from_a_rule_file_stays_data_in_rules_json_and_csv(capsys, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "us-2026-01.yaml"
    title = "Revision to License Review Policy for Advanced Computing Commodities"
    path.write_text(path.read_text().replace(f"title: {title}", "title: '=HYPERLINK(\"http://x\")\u2028[bold]x'"))
    _, out, _ = run(capsys, "--rules", str(folder), "rules", "--format", "csv")
    (row,) = [r for r in csv.DictReader(io.StringIO(out)) if r["id"] == "us-2026-01"]
    assert row["title"] == '\'=HYPERLINK("http://x")\u2028[bold]x'  # a spreadsheet shows it as text
    _, out, _ = run(capsys, "--rules", str(folder), "rules", "--format", "json")
    assert "\u2028" not in out and "\\u2028" in out
    assert {r["id"]: r["title"] for r in json.loads(out)}["us-2026-01"] == '=HYPERLINK("http://x")\u2028[bold]x'


def test_timeline_as_jsonl_and_csv_has_one_record_per_change_the_same_as_the_json(capsys):
    sheets = [str(CATALOG / "nvidia" / name) for name in ("h20.yaml", "a100-sxm4-80gb.yaml")]
    _, nested, _ = run(capsys, "timeline", *sheets, "--format", "json")
    flat = [{"chip": c["chip"], "source": c["source"], **change} for c in json.loads(nested) for change in c["changes"]]
    code, out, err = run(capsys, "timeline", *sheets, "--format", "jsonl")
    assert code == 0 and [json.loads(line) for line in out.splitlines()] == flat
    assert err == f"2 inputs from 2 files: 2 chips evaluated, {len(flat)} changes, 0 errors\n"
    code, out, _ = run(capsys, "timeline", *sheets, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and out.splitlines()[0] == (
        "chip,source,since,released,status,classification,license_exception,license_review,rounds"
    )
    # the same records, an absent value as an empty cell and the rounds `;`-separated
    assert rows == [
        {**{k: "" if v is None else v for k, v in change.items()}, "rounds": ";".join(change["rounds"])}
        for change in flat
    ]


def test_a_chip_name_that_reads_as_a_formula_stays_text_in_the_timeline_csv(capsys, tmp_path):
    path = tmp_path / "formula.yaml"
    path.write_text("name: '=cmd|'' /C calc''!A0'\nvendor: X\nkind: accelerator\ntpp: '6000'\n")
    code, out, _ = run(capsys, "timeline", str(path), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["chip"] for r in rows} == {"'=cmd|' /C calc'!A0"}
