"""What users read: the table, CSV, JSON, timeline, rules list and explanations, word for word.

Each output is compared with a reviewed file in tests/golden/. After an intended change, rewrite them with
`pytest tests/test_outputs.py --update-golden` and read the diff before committing. Tables are compared exactly
(their layout is part of what users read, at the fixed width of 200 columns, or 44 where a test says so);
printed lines, with runs of spaces collapsed.
"""

from __future__ import annotations

import json
import re

import pytest
from exportctl.cli import main
from exportctl.core.errors import BackendUnavailableError
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, durable_available

# A cross-section of the catalog: controlled, escaped, caught later, not addressed, memory, and unpublished.
CHIPS = [
    "chips/nvidia/a100-sxm4-80gb.yaml",
    "chips/nvidia/a800-sxm4-80gb.yaml",
    "chips/nvidia/h20.yaml",
    "chips/nvidia/rtx-4090-d.yaml",
    "chips/nvidia/b200.yaml",
    "chips/nvidia/b30a.yaml",
    "chips/memory/skhynix-hbm3-24gb.yaml",
    "chips/nvidia/rtx-4090.yaml",
    "tests/fixtures/sheets/good-h20-like.yaml",
    "tests/fixtures/sheets/non-ascii-name.yaml",
]


@pytest.fixture
def run(capsys, monkeypatch):
    """Run the command from the repository root (so sources print as relative paths) at a fixed width."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def squeezed(text: str) -> str:
    return "".join(re.sub(r" {2,}", "  ", line).strip() + "\n" for line in text.splitlines())


def trimmed(text: str) -> str:
    """Exact, but without trailing spaces (editors strip them from golden files)."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def without_today(rows: list[dict]) -> list[dict]:
    """Per-round results without --as-of are dated today; the date is not part of what is compared."""
    return [{k: v for k, v in row.items() if k != "as_of"} for row in rows]


def test_table_per_round(run, golden):
    code, out, err = run("classify", *CHIPS)
    assert code == 0
    golden("classify-table.txt", trimmed(out))
    assert err.strip() == "10 inputs from 10 files: 10 chips evaluated, 70 results, 0 errors"


def test_table_as_of_a_date(run, golden):
    code, out, _ = run("classify", *CHIPS, "--as-of", "2025-06-01")
    assert code == 0
    golden("classify-table-2025-06-01.txt", trimmed(out))


def test_table_in_a_narrow_terminal_wraps_text_at_spaces_and_runs_long_rather_than_break_a_word(
    run, golden, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "44")
    code, out, _ = run("classify", *CHIPS, "--as-of", "2025-06-01")
    assert code == 0
    golden("classify-table-narrow.txt", trimmed(out))


def test_table_on_a_date_before_any_round_says_none_applies(run, golden):
    code, out, _ = run("classify", *CHIPS[:2], "--as-of", "2022-01-01")
    assert code == 0
    golden("classify-table-2022-01-01.txt", trimmed(out))


def test_csv(run, golden):
    code, out, _ = run("classify", *CHIPS, "--format", "csv")
    assert code == 0
    golden("classify.csv", out)


def test_jsonl_per_round(run, golden):
    code, out, _ = run("classify", *CHIPS, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and all(row["as_of"] for row in rows)
    golden("classify.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in without_today(rows)))


def test_csv_as_of_a_date_has_a_row_per_round_in_force(run, golden):
    code, out, _ = run("classify", *CHIPS, "--as-of", "2025-06-01", "--format", "csv")
    assert code == 0
    golden("classify-2025-06-01.csv", out)


def test_before_any_round_nothing_is_controlled_and_no_round_decides(run):
    code, out, _ = run("classify", CHIPS[0], "--as-of", "2020-01-01", "--format", "json")
    (row,) = json.loads(out)
    assert code == 0
    assert (row["status"], row["classification"], row["deciding_rounds"], row["rounds"]) == (
        "not-controlled",
        None,
        [],
        [],
    )


def test_names_are_written_as_they_are_not_escaped(run):
    for fmt in ("json", "jsonl", "csv"):
        _, out, _ = run("classify", "tests/fixtures/sheets/non-ascii-name.yaml", "--format", fmt)
        assert "Fixture 昇腾-like µarch" in out, fmt


def test_json_as_of_a_date(run, golden):
    code, out, _ = run("classify", *CHIPS, "--as-of", "2025-06-01", "--format", "json")
    assert code == 0
    golden("classify-2025-06-01.json", out)


def test_as_of_today_is_the_same_as_the_date_of_today(run):
    from datetime import date

    _, today, _ = run("classify", CHIPS[2], "--as-of", "today", "--format", "json")
    _, dated, _ = run("classify", CHIPS[2], "--as-of", date.today().isoformat(), "--format", "json")
    assert today == dated and json.loads(today)[0]["as_of"] == date.today().isoformat()


def test_a_malformed_date_is_a_usage_error(run, capsys):
    with pytest.raises(SystemExit) as stop:
        run("classify", CHIPS[2], "--as-of", "2025-13-01")
    assert stop.value.code == 2 and "not an ISO date (YYYY-MM-DD): '2025-13-01'" in capsys.readouterr().err


def test_timeline_table(run, golden):
    code, out, _ = run("timeline", *CHIPS)
    assert code == 0
    golden("timeline.txt", squeezed(out))


def test_timeline_json(run, golden):
    code, out, _ = run("timeline", *CHIPS, "--format", "json")
    assert code == 0
    golden("timeline.json", out)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_timeline_for_scripts_has_one_record_per_change(run, golden, fmt):
    code, out, _ = run("timeline", *CHIPS, "--format", fmt)
    assert code == 0
    golden(f"timeline.{fmt}", out)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_rules_for_scripts(run, golden, fmt):
    code, out, _ = run("rules", "--format", fmt)
    assert code == 0
    golden(f"rules.{fmt}", out)


def test_timeline_reports_a_bad_sheet_and_still_shows_the_good_one(run):
    code, out, err = run("timeline", "tests/fixtures/bad/negative.yaml", CHIPS[2])
    assert code == 2 and "negative.yaml" in err and "die_area: must not be negative" in err
    assert "H20" in out and "from 2025-04-09: controlled" in out


def test_rules_list(run, golden):
    code, out, _ = run("rules")
    assert code == 0
    golden("rules.txt", trimmed(out))


def test_rules_list_in_a_narrow_terminal_wraps_at_spaces_and_cuts_nothing_off(run, golden, monkeypatch):
    monkeypatch.setenv("COLUMNS", "44")
    code, out, _ = run("rules")
    assert code == 0
    golden("rules-narrow.txt", trimmed(out))


@pytest.mark.parametrize("round_id", ["us-2022-08", "us-2023-10", "us-2024-12", "us-2025-04", "us-2026-01"])
def test_explain(run, golden, round_id):
    code, out, _ = run("explain", round_id)
    assert code == 0
    golden(f"explain-{round_id}.txt", squeezed(out))


@pytest.mark.parametrize(
    "argv, plain",
    [
        (("explain", "us-2023-10"), "in force 2023-11-17 .. -"),
        (("timeline", "chips/nvidia/h20.yaml"), "from 2025-04-09: controlled  (us-2025-04)"),
    ],
)
def test_in_colour_only_headings_are_styled_never_figures_or_dates(run, monkeypatch, argv, plain):
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = run(*argv)
    styled = re.findall(r"\x1b\[[0-9;]*m([^\x1b]*)\x1b\[0m", out)
    assert code == 0 and styled  # colour is on
    # headings (round and clause ids, chip names) contain letters; highlighted numbers, dates and brackets do not
    assert all(re.search(r"[A-Za-z]", text) for text in styled), styled
    assert plain in out


def test_version(run):
    code, out, _ = run("--version")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "exportctl 0.1.0"
    assert re.fullmatch(r"rules: \S+ \(9 rounds: us-2022-08, us-2022-10, .*, us-2026-01\)", lines[1])
    from exportctl.decision import durable

    if durable.available():
        assert lines[2] == "decision backend: durable-rules (available: durable-rules, python)"
    else:
        assert lines[2] == "decision backend: python (available: python)"


def test_where_durable_rules_does_not_import_the_python_backend_decides_and_asking_for_durable_says_why(
    run, monkeypatch
):
    # as on Python 3.13, where durable-rules 2.0.28 does not build
    from exportctl import decision
    from exportctl.decision import backend

    monkeypatch.setattr(backend, "durable_installed", lambda: False)
    assert decision.available_backends() == ["python"]
    assert decision.make_backend().name == "python"
    code, out, _ = run("--version")
    assert code == 0 and out.splitlines()[2] == "decision backend: python (available: python)"
    with pytest.raises(RuntimeError, match=r"durable-rules is not available here: it is not installed"):
        decision.make_backend("durable-rules")  # (a BackendUnavailableError, still a RuntimeError as it was)


def test_where_durable_rules_is_installed_but_does_not_import_the_python_backend_decides(monkeypatch):
    from exportctl import decision
    from exportctl.decision import backend, durable

    monkeypatch.setattr(backend, "durable_installed", lambda: True)
    monkeypatch.setattr(durable, "_lang", None)
    monkeypatch.setattr(durable, "_IMPORT_ERROR", "ImportError: broken build")
    assert decision.make_backend().name == "python"
    with pytest.raises(
        BackendUnavailableError,
        match=r"^durable-rules is not available here: it does not import on this Python \(ImportError: broken build\); "
        r"use the python backend \(--backend python\)",
    ):
        decision.make_backend("durable-rules")


@pytest.mark.parametrize(
    "backend",
    [
        "python",
        pytest.param(
            "durable-rules",
            marks=pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed here"),
        ),
    ],
)
def test_each_backend_prints_the_same_results(run, backend):
    _, default, _ = run("classify", *CHIPS, "--as-of", "2025-06-01", "--format", "json")
    code, chosen, _ = run("classify", *CHIPS, "--as-of", "2025-06-01", "--format", "json", "--backend", backend)
    assert code == 0 and chosen == default


def test_no_command_prints_help_and_exit_2(run):
    code, out, _ = run()
    assert code == 2 and "usage: exportctl" in out and "classify" in out


def test_classify_with_no_paths_is_a_usage_error(run):
    code, out, err = run("classify")
    assert code == 2 and out == "" and "give spec-sheet files or folders, or --catalog" in err


def test_an_unknown_round_is_an_error_naming_it(run):
    code, _, err = run("classify", CHIPS[2], "--round", "us-2099-01")
    assert code == 2 and "us-2099-01" in err


@pytest.mark.parametrize("command", ["", "classify", "batch", "convert", "schema", "timeline", "rules", "explain"])
def test_help(run, golden, capsys, monkeypatch, command):
    from exportctl.decision import backend

    monkeypatch.setattr(backend, "durable_installed", lambda: True)  # the default it names is this Python's
    with pytest.raises(SystemExit) as stop:
        run(*([command] if command else []), "--help")
    assert stop.value.code == 0
    golden(f"help-{command or 'exportctl'}.txt", squeezed(capsys.readouterr().out))


def test_every_hostile_sheet_gets_its_own_exact_message(run, golden):
    # the error lines, word for word: file, line or field, and what is wrong (tests/fixtures/bad)
    code, out, err = run("classify", "tests/fixtures/bad", "--format", "json")
    assert code == 2 and json.loads(out) == []
    golden("errors-bad-sheets.txt", err)


def test_every_hostile_rule_folder_gets_its_own_exact_message(run, golden):
    lines = []
    for folder in sorted((ROOT / "tests" / "fixtures" / "bad-rules").iterdir()):
        code, _, err = run("--rules", str(folder.relative_to(ROOT)), "classify", CHIPS[-1])
        assert code == 2
        lines.append(err)
    golden("errors-bad-rules.txt", "".join(lines))


@given(
    st.lists(st.tuples(st.integers(1, 80), st.integers(1, 80)), min_size=1, max_size=8),
    st.integers(0, 400),
)
def test_column_widths_fit_the_room_and_none_is_narrower_than_its_longest_word(columns, room):
    from exportctl.outputs.table import narrowed

    natural = [max(a, b) for a, b in columns]  # what the column's cells need on one line
    least = [min(a, b) for a, b in columns]  # its longest word (its longest cell, for an id)
    widths = narrowed(natural, least, room)
    assert all(low <= width <= most for low, width, most in zip(least, widths, natural, strict=True))
    if sum(least) > room:
        assert widths == least  # too narrow for the longest words: lines run long, no word is broken
        return
    assert sum(widths) == min(room, sum(natural))  # the room is used, up to what the cells need
    # the widest are narrowed first, to a common width: no column is wider than that by more than one
    # unless it needs no more (natural) or may not be narrower (least)
    cut = [w for w, low, most in zip(widths, least, natural, strict=True) if low < w < most]
    for w, low, most in zip(widths, least, natural, strict=True):
        assert not cut or w <= min(cut) + 1 or w in (low, most)
