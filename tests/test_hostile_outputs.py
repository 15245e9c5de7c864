"""Hostile text in outputs (issue 10): a spec sheet's or rule file's text is data wherever it is printed.

It never crashes an output, is never read as rich markup, emoji codes or terminal control sequences, never
changes the meaning of a row or a record, and never turns a CSV cell into a spreadsheet formula. A value shown
beside a threshold never reads equal to it when the exact values differ. In every run the other inputs are
still printed and counted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from exportctl import Engine
from exportctl.cli import main
from exportctl.outputs import formats

from tests.conftest import FIXTURES, ROOT

GOOD = (FIXTURES / "sheets" / "good-h20-like.yaml").read_text()
AS_OF = ("--as-of", "2025-06-01")  # one row per chip


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    """The command in tmp_path, wide enough that no cell folds. capsys writes strict UTF-8, as a terminal does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "1000")
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def sheet(folder: Path, filename: str | bytes, name_yaml: str) -> None:
    """The good H20-like sheet with its name replaced by a YAML scalar (double quotes decode `\\e`, `\\x1b`)."""
    text = GOOD.replace("name: Fixture H20-like", f"name: {name_yaml}")
    with open(os.path.join(os.fsencode(folder), os.fsencode(filename)), "w", encoding="utf-8") as f:
        f.write(text)


def summary(err: str) -> str:
    return err.strip().splitlines()[-1]


def no_control_characters(text: str) -> bool:
    """Nothing a terminal acts on: no C0/C1 control other than line feed, no bidi override, no surrogate."""
    return not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", text)


# -- the table, the rules list, explain and the timeline: markup and control characters are shown, not acted on

# name in the sheet (YAML) -> what the table shows
HOSTILE_NAMES = {
    "'[/bold]x'": "[/bold]x",
    "'[link=file:///etc]x[/link]'": "[link=file:///etc]x[/link]",
    "':warning: chip'": ":warning: chip",
    '"\\e[31mred\\e[0m"': "\\x1b[31mred\\x1b[0m",
    '"\\e]8;;http://x\\a"': "\\x1b]8;;http://x\\x07",
    '"back\\bspace"': "back\\x08space",
    '"over\\rwrite"': "over\\rwrite",
    '"two\\nlines"': "two\\nlines",
    '"csi\\x9b31m"': "csi\\x9b31m",
    '"abc\\u202edef"': "abc\\u202edef",
}


def hostile_sheets(folder: Path) -> None:
    for i, name in enumerate(HOSTILE_NAMES):
        sheet(folder, f"n{i}.yaml", name)
    sheet(folder, "plain.yaml", "Plain Chip")


def test_chip_names_in_the_table_are_printed_as_written_with_control_characters_escaped(run, tmp_path):
    hostile_sheets(tmp_path)
    code, out, err = run("classify", str(tmp_path), *AS_OF)
    assert code == 0, err
    for shown in HOSTILE_NAMES.values():
        assert re.search(rf"^{re.escape(shown)}  ", out, re.MULTILINE), shown  # whole, in one row, at its start
    assert re.search(r"^Plain Chip  ", out, re.MULTILINE)
    assert "⚠" not in out and no_control_characters(out)
    assert summary(err) == "11 inputs from 11 files: 11 chips evaluated, 11 results, 0 errors"


def hostile_rules(tmp_path: Path, **fields: str) -> Path:
    """A copy of the shipped rules whose us-2023-10 has the given fields (title, citation, scope text) replaced
    by YAML scalars."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "us-2023-10.yaml"
    text = path.read_text()
    patterns = {
        "title": r"^title: >-\n(?:  .*\n)+",
        "citation": r"^citation: .*\n",
        "scope": r"^  text: '\"integrated circuits.*\n",
    }
    for field, yaml_text in fields.items():
        indent = "  " if field == "scope" else ""
        key = "text" if field == "scope" else field
        line = f"{indent}{key}: {yaml_text}\n"
        text, count = re.subn(patterns[field], lambda _, line=line: line, text, count=1, flags=re.MULTILINE)
        assert count == 1, field
    path.write_text(text)
    return folder


HOSTILE_TITLE = '"[/bold] [link=file:///etc/passwd]x[/link] :skull: \\e]8;;http://x\\a\\e[2J Title"'
SHOWN_TITLE = "[/bold] [link=file:///etc/passwd]x[/link] :skull: \\x1b]8;;http://x\\x07\\x1b[2J Title"


def test_a_rule_title_with_markup_and_escapes_is_listed_as_written_and_every_round_still_listed(run, tmp_path):
    folder = hostile_rules(tmp_path, title=HOSTILE_TITLE, citation='"[/red]\\e[31m 88 FR 73458"')
    code, out, err = run("--rules", str(folder), "rules")
    assert code == 0, err
    assert SHOWN_TITLE in out and "[/red]\\x1b[31m 88 FR 73458" in out
    assert "💀" not in out and no_control_characters(out)
    starts = [line.split(" ", 1)[0] for line in out.splitlines()]
    for round_file in sorted((ROOT / "rules").glob("us-*.yaml")):
        assert round_file.stem in starts  # each round's row, its id whole at the start of a line


def test_a_link_in_a_rule_title_is_no_hyperlink_even_on_a_colour_terminal(run, tmp_path, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    folder = hostile_rules(tmp_path, title="'[link=file:///etc/passwd]x[/link]'")
    for argv in (("rules",), ("explain", "us-2023-10")):
        code, out, _ = run("--rules", str(folder), *argv)
        assert code == 0
        assert "[link=file:///etc/passwd]x[/link]" in out and "\x1b]8" not in out


def test_explain_prints_every_rule_text_field_as_written_and_keeps_quoted_lines_under_their_clause(run, tmp_path):
    folder = hostile_rules(
        tmp_path,
        title=HOSTILE_TITLE,
        citation='"[/red]\\e[31m 88 FR 73458"',
        scope='"[bold]quoted\\e[0m\\nwhen tpp >= 0\\r"',
    )
    code, out, err = run("--rules", str(folder), "explain", "us-2023-10")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["us-2023-10  [/red]\\x1b[31m 88 FR 73458  (published)", SHOWN_TITLE]
    # a line of quoted text stays indented under "applies to": it cannot pass for a clause's own `when`
    scope = lines.index("applies to: kind == accelerator")
    assert lines[scope + 1 : scope + 3] == ["  [bold]quoted\\x1b[0m", "  when tpp >= 0\\r"]
    assert "3A090.a.1" in lines and no_control_characters(out)


def test_the_timeline_shows_names_and_file_names_with_control_characters_escaped(run, tmp_path):
    sheet(tmp_path, "\x1b[31mred.yaml", '"[/bold]\\e]0;title\\a"')
    sheet(tmp_path, "plain.yaml", "Plain Chip")
    code, out, err = run("timeline", str(tmp_path))
    assert code == 0, err
    assert f"[/bold]\\x1b]0;title\\x07  ({tmp_path}/\\x1b[31mred.yaml)" in out
    assert f"Plain Chip  ({tmp_path}/plain.yaml)" in out
    assert out.count("  from 2022-10-07: not-controlled  (us-2022-10)\n") == 2 and no_control_characters(out)


def test_an_error_line_shows_the_control_characters_of_a_file_name_escaped(run, tmp_path):
    (tmp_path / "\x1b]0;owned\x07\r.yaml").write_text("name: [")
    sheet(tmp_path, "plain.yaml", "Plain Chip")
    expected = f"error: {tmp_path}/\\x1b]0;owned\\x07\\r.yaml: line 1: malformed YAML"
    for argv in (("classify", str(tmp_path), *AS_OF), ("timeline", str(tmp_path))):
        code, out, err = run(*argv)
        assert code == 2 and "Plain Chip" in out and no_control_characters(err)
        assert next(line for line in err.splitlines() if line.startswith("error: ")).startswith(expected)
    _, _, err = run("classify", str(tmp_path), *AS_OF)
    assert summary(err) == "2 inputs from 2 files: 1 chips evaluated, 1 results, 1 errors"


# -- file names that are not UTF-8


@pytest.fixture
def undecodable(tmp_path):
    """A folder with a good sheet named b'\\xff.yaml', a bad one named b'bad\\xfe.yaml' and a plain good one."""
    folder = tmp_path / "sheets"
    folder.mkdir()
    try:
        sheet(folder, b"\xff.yaml", "Undecodable Name")
    except OSError:  # a file system that insists on UTF-8 names (macOS)
        pytest.skip("this file system refuses file names that are not UTF-8")
    with open(os.path.join(os.fsencode(folder), b"bad\xfe.yaml"), "w") as f:
        f.write("name: [")
    sheet(folder, "plain.yaml", "Plain Chip")
    return folder


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_a_file_name_that_is_not_utf8_is_shown_escaped_and_every_other_input_still_printed(run, undecodable, fmt):
    code, out, err = run("classify", str(undecodable), *AS_OF, "--format", fmt)
    out.encode("utf-8")  # strict: what a UTF-8 terminal or pipe takes
    assert code == 2 and "Undecodable Name" in out and "Plain Chip" in out
    if fmt in ("json", "jsonl"):
        rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
        assert sorted(row["source"] for row in rows) == [f"{undecodable}/\\xff.yaml", f"{undecodable}/plain.yaml"]
    if fmt == "csv":
        assert f"{undecodable}/\\xff.yaml" in {row["source"] for row in csv.DictReader(io.StringIO(out))}
    assert f"error: {undecodable}/bad\\xfe.yaml: line 1" in err
    assert summary(err) == "3 inputs from 3 files: 2 chips evaluated, 2 results, 1 errors"


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_the_timeline_of_a_file_name_that_is_not_utf8_is_printed(run, undecodable, fmt):
    code, out, err = run("timeline", str(undecodable), "--format", fmt)
    out.encode("utf-8")
    assert code == 2 and f"error: {undecodable}/bad\\xfe.yaml: line 1" in err
    if fmt == "json":
        sources = sorted(row["source"] for row in json.loads(out))
        assert sources == [f"{undecodable}/\\xff.yaml", f"{undecodable}/plain.yaml"]
    else:
        assert f"Undecodable Name  ({undecodable}/\\xff.yaml)" in out and "Plain Chip" in out


def test_a_library_caller_s_undecodable_source_does_not_break_json_or_csv():
    from exportctl.sheets.load import LoadedChip

    engine = Engine(backend="python")
    chip = LoadedChip(engine.parse_chip({"name": "N", "vendor": "V", "kind": "accelerator", "tpp": "100"}), "\udcff.x")
    results = engine.classify(chip, ["us-2023-10"], as_of=date(2025, 6, 1))
    assert json.loads(formats.as_json(results).encode("utf-8"))[0]["source"] == "\\xff.x"
    assert json.loads(formats.as_jsonl(results).encode("utf-8"))["source"] == "\\xff.x"
    assert next(csv.DictReader(io.StringIO(formats.as_csv(results))))["source"] == "\\xff.x"


# -- CSV: no formulas, no split rows

FORMULA_NAMES = ['"=HYPERLINK(\\"http://x\\",\\"y\\")"', "'+1'", "'-1+2'", "'@SUM(A1)'"]


def test_csv_cells_that_start_like_a_formula_get_a_leading_quote(run, tmp_path):
    for i, name in enumerate(FORMULA_NAMES):
        sheet(tmp_path, f"f{i}.yaml", name)
    # source cells (relative paths) that start with `=`, a tab or a carriage return (a name is stripped of both)
    for filename in ("=cmd.yaml", "\tTAB.yaml", "\rCR.yaml"):
        sheet(tmp_path, filename, "Plain Chip")
    code, out, err = run("classify", ".", *AS_OF, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))  # a row per chip and round in force
    chips = ['\'=HYPERLINK("http://x","y")', "'+1", "'-1+2", "'@SUM(A1)", "Plain Chip"]
    assert {row["chip"] for row in rows} == set(chips)
    sources = {row["source"] for row in rows if row["chip"] == "Plain Chip"}
    assert sources == {"'=cmd.yaml", "'\tTAB.yaml", "'\rCR.yaml"}
    assert summary(err) == "7 inputs from 7 files: 7 chips evaluated, 7 results, 0 errors"


def test_a_carriage_return_inside_a_csv_cell_is_quoted_so_the_row_stays_one_row(run, tmp_path):
    sheet(tmp_path, "cr.yaml", '"mid\\rdle"')
    sheet(tmp_path, "plain.yaml", "Plain Chip")
    code, out, _ = run("classify", str(tmp_path), *AS_OF, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert code == 0 and all(len(row) == len(formats.CSV_FIELDS) for row in rows)
    chips = [row[0] for row in rows[1:]]
    assert set(chips) == {"Plain Chip", "mid\rdle"} and chips.count("Plain Chip") == chips.count("mid\rdle")
    # only the rows with a carriage return are quoted throughout; the others are written as before
    assert re.search(r'^"mid\rdle","', out, re.MULTILINE) and re.search(r"^Plain Chip,", out, re.MULTILINE)


# -- JSON Lines: one record per line for any reader


def test_jsonl_escapes_unicode_line_separators_so_each_record_is_one_line(run, tmp_path):
    sheet(tmp_path, "ls.yaml", '"a\\Lb\\Pc\\Nd"')  # U+2028, U+2029, U+0085
    sheet(tmp_path, "plain.yaml", "Plain Chip")
    code, out, _ = run("classify", str(tmp_path), *AS_OF, "--format", "jsonl")
    assert code == 0 and "\\u2028" in out and "\\u2029" in out and "\\u0085" in out
    lines = out.splitlines()  # str.splitlines splits on U+2028, U+2029 and U+0085, as some JSONL readers do
    assert len(lines) == 2
    assert sorted(json.loads(line)["chip"] for line in lines) == ["Plain Chip", "a\u2028b\u2029c\x85d"]


# -- a value beside its threshold never reads equal to it when the exact values differ


def conditions(chip: dict, round_id: str) -> dict[str, str]:
    """The sentence of each comparison, by clause and comparison with its lines written out (`tpp >= 4800` for the
    rule file's `tpp >= $tpp_line`)."""
    engine = Engine(backend="python")
    (result,) = engine.classify(chip, [round_id], as_of=date(2025, 6, 1))
    lines = {f"${name}": max(p.values.items())[1] for name, p in engine.rules[round_id].round.parameters.items()}
    written = {c.comparison: re.sub(r"\$\w+", lambda m: lines[m.group()], c.comparison) for c in result.conditions}
    return {f"{c.clause} {written[c.comparison]}": c.sentence() for c in result.conditions}


def accelerator(**figures: str) -> dict:
    return {"name": "X", "vendor": "Y", "kind": "accelerator", "datacenter": True, **figures}


@pytest.mark.parametrize(
    "figures, sentence",
    [
        ({"tpp": "4799.99999999"}, "tpp 4799.99999999 >= 4800: fails (flips at x(1+2.1e-12))"),
        ({"tpp": "4800.00000001"}, "tpp 4800.00000001 >= 4800: holds (flips below x(1-2.1e-12))"),
        ({"tpp": "4799." + "9" * 35}, "tpp just under 4800 >= 4800: fails (flips at x(1+2.1e-39))"),
    ],
)
def test_a_tpp_just_either_side_of_the_line_does_not_read_as_on_it(figures, sentence):
    assert conditions(accelerator(**figures), "us-2023-10")["3A090.a.1 tpp >= 4800"] == sentence


@pytest.mark.parametrize(
    "area, sentence",
    [
        # 5919.99999999 / 1000: exactly 5.91999999999, shown exactly
        ("1000 mm^2", "performance_density 5.91999999999 per mm^2 >= 5.92 per mm^2: fails (flips at x(1+1.7e-12))"),
        # 5919.99999999 / 999.99999999 = 5.92000000004920...: no exact decimal, rounded to the places that set it
        # apart (six digits would read 5.92)
        (
            "999.99999999 mm^2",
            "performance_density 5.92000000005 per mm^2 >= 5.92 per mm^2: holds (flips below x(1-8.4e-12))",
        ),
    ],
)
def test_a_performance_density_just_either_side_of_the_line_does_not_read_as_on_it(area, sentence):
    shown = conditions(accelerator(tpp="5919.99999999", die_area=area), "us-2023-10")
    assert shown["3A090.a.2 performance_density >= 5.92"] == sentence


def test_a_lower_bound_just_under_the_line_reads_under_it():
    chip = accelerator(tpp="100", io={"nvlink": "599.999999999 GB/s", "xgmi": "unknown"})
    shown = conditions(chip, "us-2022-10")
    assert "io_bandwidth at least 599.999999999 GB/s >= 600 GB/s: unknown" in shown.values()


@pytest.mark.parametrize("places", [9, 12, 20, 29, 35])
@pytest.mark.parametrize("side", [-1, 1])
def test_every_value_near_a_threshold_reads_apart_from_it_and_on_its_side(places, side):
    tpp = "4799." + "9" * places if side < 0 else "4800." + "0" * (places - 1) + "1"  # 4800 -/+ 10^-places
    (result,) = Engine(backend="python").classify(accelerator(tpp=tpp), ["us-2023-10"], as_of=date(2025, 6, 1))
    (c,) = [c for c in result.conditions if c.clause == "3A090.a.1"]
    assert c.threshold == "4800" and c.to_dict()["value"] == c.value  # the JSON value is the same text
    if places <= 30:
        assert c.value == tpp  # exact
    else:
        assert c.value == ("just under 4800" if side < 0 else "just over 4800")


def test_values_that_do_not_collide_keep_their_six_digit_text():
    shown = conditions(accelerator(tpp="4800.0000001234", die_area="800 mm^2"), "us-2023-10")
    # 4800.0000001234 reads apart (exactly) only where it meets 4800; against 1600 it keeps its short text
    assert shown["3A090.a.1 tpp >= 4800"] == "tpp 4800.0000001234 >= 4800: holds (flips below x(1-2.6e-11))"
    assert shown["3A090.a.2 tpp >= 1600"] == "tpp 4800 >= 1600: holds (flips below x0.333333)"
