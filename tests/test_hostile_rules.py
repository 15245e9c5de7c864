"""Issue 10: rule-file checks that need a folder built in the test (a FIFO, a long chain, a second extension).

Each is refused with one message naming the file and field, and exit code 2; or, where the file is legitimate, it
now means what it says.
"""

from __future__ import annotations

import os
import shutil

import pytest
from exportctl import Engine
from exportctl.cli import main

from tests.conftest import FIXTURES, ROOT

GOOD = FIXTURES / "sheets" / "good-h20-like.yaml"

HEAD = """id: {id}
title: hostile rule file
instrument: test fixture
citation: none
provenance: published
dates: {{effective: 2020-01-01}}
destinations: {{countries: [CN]}}
sources: [{{title: test fixture}}]
"""


def round_file(folder, clauses: str, round_id: str = "test-hostile", name: str = "round.yaml", extra: str = ""):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(HEAD.format(id=round_id) + extra + "clauses:\n" + clauses)
    return folder


def clause(cid: str, when: str, controlled: bool = True) -> str:
    outcome = "    outcome: {status: controlled, classification: X}\n" if controlled else ""
    return f"  - id: {cid}\n    when: {when}\n{outcome}    text: a clause\n"


def refused(capsys, folder) -> str:
    code = main(["--rules", str(folder), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2, err
    return err


def chip(name: str, vendor: str = "Acme, Inc.") -> dict:
    return {"name": name, "vendor": vendor, "tpp": 6000}


# --- quoted list items ------------------------------------------------------------------------------------------


def test_a_quoted_list_item_keeps_its_comma(tmp_path):
    folder = round_file(tmp_path / "r", clause("a", "vendor in ['Acme, Inc.', Other, \"O'Neil\"]"))
    engine = Engine(folder, backend="python")
    (threshold,) = engine.rules["test-hostile"].comparisons[0].thresholds()
    assert threshold == ("Acme, Inc.", "Other", "O'Neil")
    assert engine.classify(chip("X"))[0].status.value == "controlled"
    assert engine.classify(chip("X", vendor="Acme"))[0].status.value == "not-controlled"


def test_a_quote_left_open_in_a_comparison_is_refused(capsys, tmp_path):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "vendor == 'Acme")))
    assert "clauses[0] (a).when: vendor ==: unbalanced quotes in 'Acme: a quoted text starts and ends" in err


def test_an_empty_list_is_refused(capsys, tmp_path):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "vendor in []")))
    assert "clauses[0] (a).when: vendor in: `in` takes a non-empty list of values: []" in err


def test_a_closed_set_is_checked_in_lists_too(capsys, tmp_path):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "kind in [accelerator, memroy]")))
    assert "kind is never 'memroy' (a sheet's kind is accelerator or memory); did you mean 'memory'?" in err


def test_a_pattern_no_kind_can_match_is_refused(capsys, tmp_path):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "kind matches 'gpu'")))
    assert "pattern 'gpu' matches no kind a sheet can have (accelerator or memory)" in err


# --- patterns ---------------------------------------------------------------------------------------------------


def test_a_legitimate_alternation_still_matches(tmp_path):
    folder = round_file(tmp_path / "r", clause("a", "name matches 'A100|H100|H800'"))
    engine = Engine(folder, backend="python")
    assert engine.classify(chip("H800 PCIe"))[0].status.value == "controlled"
    assert engine.classify(chip("H20"))[0].status.value == "not-controlled"


def test_the_catastrophic_pattern_is_refused_at_load_before_any_long_name_is_tried(capsys, tmp_path, hang_guard):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "name matches '(a+)+$'")))
    assert "bad pattern '(a+)+$': has a repeat inside a repeat (like (a+)+), which is not allowed" in err


@pytest.mark.parametrize(
    "pattern, fragment",
    [
        ("(a)" * 2000, "is 6000 characters long; a pattern may have at most 200"),
        ("(a)" * 21, "has 21 groups; a pattern may have at most 20"),
        ("H.*100", "has an unbounded or too large repeat; write a bound of at most 100"),
        ("(?=H)H100", "uses lookahead and lookbehind"),
        ("(a|aa){1,40}", "can be tried in more than 10,000 ways at each position; simplify it"),
    ],
)
def test_patterns_outside_the_safe_subset_are_refused(capsys, tmp_path, pattern, fragment):
    err = refused(capsys, round_file(tmp_path / "r", clause("a", f"name matches '{pattern}'")))
    assert "clauses[0] (a).when: bad pattern" in err and fragment in err


def test_a_bounded_pattern_finishes_on_a_long_name(tmp_path, hang_guard):
    folder = round_file(tmp_path / "r", clause("a", r"name matches 'a{0,50}a{0,50}b'"))
    engine = Engine(folder, backend="python")
    assert engine.classify(chip("a" * 20_000))[0].status.value == "not-controlled"


# --- deep and long structures -----------------------------------------------------------------------------------


def test_a_chain_of_1500_clause_references_loads_without_recursion_error(tmp_path):
    chain = clause("c0", "tpp >= 4800", controlled=False)
    chain += "".join(clause(f"c{i}", f"clause c{i - 1}", controlled=False) for i in range(1, 1500))
    chain += clause("top", "clause c1499")
    engine = Engine(round_file(tmp_path / "r", chain), backend="python")
    assert engine.classify(chip("X"))[0].status.value == "controlled"


def test_a_chain_of_1500_derived_metrics_is_refused_with_its_depth(capsys, tmp_path):
    derived = "derived:\n  d0: {dimension: dimensionless, sum: [tpp], description: step}\n"
    derived += "".join(
        f"  d{i}: {{dimension: dimensionless, sum: [d{i - 1}], description: step}}\n" for i in range(1, 1500)
    )
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "d1499 >= 4800"), extra=derived))
    assert "derived.d64: derived metrics build on each other more than 64 deep; derive it from fewer steps" in err


def test_conditions_nested_deeper_than_64_are_refused(capsys, tmp_path):
    when = "{not: " * 70 + "tpp >= 4800" + "}" * 70
    err = refused(capsys, round_file(tmp_path / "r", clause("a", when)))
    assert "clauses[0].when: conditions nest more than 64 levels deep (all/any/not); write the inner part" in err


# --- files in a rules folder ------------------------------------------------------------------------------------


def test_a_round_saved_as_yml_is_read_like_the_yaml_ones(tmp_path):
    # spec sheets are read under both extensions; a round saved as .yml must not silently drop out of the answer
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"))
    round_file(folder, clause("a", "tpp >= 100"), round_id="test-yml", name="other.yml")
    assert Engine(folder, backend="python").rules.ids() == ["test-hostile", "test-yml"]


def test_metric_definitions_in_both_extensions_are_refused(capsys, tmp_path):
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"))
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder / "_metrics.yaml")
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder / "_metrics.yml")
    err = refused(capsys, folder)
    assert f"{folder / '_metrics.yml'}: the metric definitions are also in {folder / '_metrics.yaml'}" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_yaml_is_refused_without_being_opened(capsys, tmp_path, hang_guard):
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"))
    os.mkfifo(folder / "pipe.yaml")  # opening it would block until a writer comes: the guard fails the test then
    err = refused(capsys, folder)
    assert f"{folder / 'pipe.yaml'}: not a regular file (a pipe); a rules folder holds rule files" in err


def test_superseded_by_an_unknown_round_is_refused(capsys, tmp_path):
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"), extra="superseded_by: us-2023-11\n")
    err = refused(capsys, folder)
    assert "superseded_by: no round 'us-2023-11' in this folder or the shipped rules; did you mean 'us-2023-10'?" in err


def test_a_copy_of_one_round_still_supersedes_the_shipped_one(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "us-2023-10.yaml", folder)
    assert Engine(folder, backend="python").rules.ids() == ["us-2023-10"]


# --- dates and text ---------------------------------------------------------------------------------------------


def test_a_date_and_time_is_refused_as_a_date(capsys, tmp_path):
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"))
    rule = folder / "round.yaml"
    rule.write_text(rule.read_text().replace("effective: 2020-01-01", "effective: 2020-01-01 10:00:00"))
    err = refused(capsys, folder)
    assert "dates.effective: a date is a day (YYYY-MM-DD), not a moment: 2020-01-01T10:00:00" in err


def test_blank_clause_text_is_refused(capsys, tmp_path):
    folder = round_file(tmp_path / "r", "  - id: a\n    when: tpp >= 4800\n    text: '   '\n")
    assert "clauses[0].text: must not be blank: a rule file has to say this" in refused(capsys, folder)


def test_a_round_not_enforced_until_after_it_ends_is_refused(capsys, tmp_path):
    extra = "enforcement: [{since: 2020-01-01, status: not-enforced}]\n"
    folder = round_file(tmp_path / "r", clause("a", "tpp >= 4800"), extra=extra)
    rule = folder / "round.yaml"
    rule.write_text(rule.read_text().replace("effective: 2020-01-01", "effective: 2020-01-01, ends: 2021-01-01"))
    err = refused(capsys, folder)
    assert "enforcement: the round is not enforced from 2020-01-01, when it takes effect, until it ends on" in err


def test_a_round_derived_metric_may_not_take_a_sheet_metric_name(capsys, tmp_path):
    extra = "derived:\n  tpp: {dimension: dimensionless, sum: [transistors], description: not the tpp}\n"
    err = refused(capsys, round_file(tmp_path / "r", clause("a", "tpp >= 4800"), extra=extra))
    assert "derived.tpp: 'tpp' is read from spec sheets; a round cannot redefine it" in err


def test_an_overlay_cannot_redefine_a_metric_its_base_compares(capsys, tmp_path):
    import shutil

    from exportctl.cli import main

    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("_metrics.yaml", "us-2023-10.yaml", "us-2026-01.yaml"):
        shutil.copy(ROOT / "rules" / name, folder)
    overlay = folder / "us-2026-01.yaml"
    text = overlay.read_text()
    assert "\nclauses:" in text and "\nderived:" not in text
    derived = (
        "\nderived:\n  performance_density:\n    dimension: density\n    description: redefined\n"
        "    divide: [tpp, transistors]"
    )
    overlay.write_text(text.replace("\nclauses:", derived + "\nclauses:", 1))
    code = main(["--rules", str(folder), "classify", str(ROOT / "chips/nvidia/h20.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "derived.performance_density: 'performance_density' is a metric the base round us-2023-10 compares" in err
