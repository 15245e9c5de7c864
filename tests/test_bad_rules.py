"""A bad rule file stops with one clear message naming the file and field, and exit code 2."""

from __future__ import annotations

import shutil

import pytest
from exportctl.cli import main

from tests.conftest import FIXTURES, ROOT

GOOD = FIXTURES / "sheets" / "good-h20-like.yaml"


@pytest.mark.parametrize(
    "case, fragment",
    [
        ("unknown-metric", "clauses[0] (a).when: unknown metric 'tpd'; did you mean 'tpp'?"),
        ("wrong-dimension", "clauses[0] (a).when: threshold '1400 mm^2': expected a bandwidth"),
        ("wrong-dimension-density", "threshold '2 GB/s': expected a bandwidth density (e.g. 2 GB/s/mm^2), got a unit"),
        ("cycle", "clauses refer to each other in a cycle: a -> b -> a"),
        ("unknown-clause", "clauses[0] (a).when: refers to unknown clause '3A090.z'"),
        ("unreachable", "clauses[0] (a): unreachable: no combination of values makes this clause hold"),
        ("overlapping", "clauses[1] (b): overlaps clause 'a': both hold when tpp="),
        (
            "unknown-key",
            "clauses[0].outcome.clasification: unknown field 'clasification'; did you mean 'classification'?",
        ),
        ("boolean-order", "clauses[0] (a).when: datacenter is true/false: write `datacenter == true` or `== false`"),
        ("text-order", "clauses[0] (a).when: vendor is text: use ==, !=, in or matches"),
        ("in-without-list", "clauses[0] (a).when: `in` takes a list: `vendor in [NVIDIA, AMD]`"),
        ("bad-pattern", "clauses[0] (a).when: bad pattern 'H(20': missing ), unterminated subpattern at position 1"),
        ("number-matches", "clauses[0] (a).when: tpp is a number: use >=, >, <, <=, == or !="),
        ("unknown-parameter", "clauses[0] (a).when: unknown parameter '$tpp_line'"),
        ("parameter-dimension", "clauses[0] (a).when: parameter $tpp_line is a bandwidth, but tpp is a plain number"),
        ("derived-unknown", "derived.per_die: derived from unknown metric 'die_count'"),
        ("outcome-empty", "clauses[0].outcome: an outcome needs a status, a license_exception or a license_review"),
        ("classification-without-control", "clauses[0].outcome: a classification goes with status: controlled"),
        ("clause-id-twice", "clauses: clause id 'a' is used twice: clauses[0] and [1]"),
        (
            "unreadable-condition",
            "clauses[0].when: cannot read condition 'tpp is big'; write `metric op threshold` (op",
        ),
        ("empty-any", "clauses[0].when: `any` takes a non-empty list of conditions"),
        ("not-yaml", "line 2: malformed YAML: expected ',' or ']', but got '<stream end>'"),
        ("metrics-cycle", "metrics.loop_one: derived metrics build on each other: loop_one -> loop_two -> loop_one"),
        ("metrics-no-reader", "metrics.process_node: 'process_node' is not read from spec sheets (those are tpp,"),
        ("text-overlap", "clauses[1] (b): overlaps clause 'a': both hold when tpp=4800, name matches A100, vendor"),
        ("exception-overlap", "clauses[1] (b): overlaps clause 'a': both hold when tpp=4800; give one precedence"),
        ("review-overlap", "clauses[1] (b): overlaps clause 'a': both hold when tpp=4800; give one precedence"),
        ("cycle-through-not", "clauses[0] (a).when: clauses refer to each other in a cycle: a -> b -> a"),
        ("unknown-metric-nested", "clauses[0] (a).when.any[1].not: unknown metric 'tpd'; did you mean 'tpp'?"),
        ("derived-cycle", "derived.a_metric: derived metrics build on each other: a_metric -> b_metric -> a_metric"),
        ("overlay-unknown", "overlays: no round 'us-1999-01' in this folder (known: test-overlay-unknown)"),
        (
            "kind-typo",
            "applies_to.when: kind is never 'acclerator' (a sheet's kind is accelerator or memory); did you mean",
        ),
        ("reserved-id", "clauses[0].id: clause id '$scope' is reserved: ids starting with '$' name the engine's own"),
        ("slash-id", "clauses[0].id: clause id 'us-2023-10/a' contains '/', which marks the clauses an overlay"),
        ("blank-citation", "citation: must not be blank: a rule file has to say this"),
        (
            "supersedes-unknown",
            "supersedes[0]: no round 'us-1900-01' in this folder or the shipped rules (known: test-",
        ),
        (
            "ends-before-effective",
            "dates.ends: the round ends on 2020-01-01, on or before it takes effect (2020-01-01)",
        ),
        ("never-enforced", "enforcement: the round is not enforced from 2020-01-01, when it takes effect, and never"),
        (
            "parameter-gap",
            "parameters.tpp_line.values: no value from 2020-01-01, when the round is in force, until 2021-01-01",
        ),
        ("date-number", "dates.effective: a date is written YYYY-MM-DD (e.g. 2023-11-17), got 0"),
        ("derived-redefined", "derived.performance_density: 'performance_density' is already defined as a density; a"),
        ("unbalanced-quotes", "clauses[0] (a).when: vendor in: unbalanced quotes in ['Acme, Inc., Other]"),
        ("pattern-backtracking", "bad pattern '(a+)+$': has a repeat inside a repeat (like (a+)+), which is not"),
        ("pattern-huge-repeat", "bad pattern 'a{4294967295}': repeats more than 100 times; a repeat may have at most"),
        ("pattern-backreference", "uses backreferences (\\1, (?P=name)), which are not allowed in rule files"),
        ("metrics-bits", "bit_lengths.fp8: a bit length is a whole number of bits greater than zero, got -8"),
        ("metrics-sparse", "sparse_to_dense: 'abc' is not a number; write a fraction such as \"1/2\" or a decimal"),
        ("metrics-sparse-zero", "sparse_to_dense: '1/0' divides by zero"),
        ("metrics-tolerance", "tpp_published_tolerance: 'one percent' is not a number; write a share such as \"0.01\""),
    ],
)
def test_a_bad_rule_file_is_refused_with_file_and_field(capsys, case, fragment):
    folder = FIXTURES / "bad-rules" / case
    code = main(["--rules", str(folder), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2
    named = "_metrics.yaml" if case.startswith("metrics-") else "round.yaml"  # the metric definitions beside it
    assert str(folder / named) in err and fragment in err


def test_every_metric_read_from_a_sheet_is_computed():
    from exportctl import load_chip, load_rules
    from exportctl.metrics.compute import SHEET_METRICS, compute_metrics

    assert set(SHEET_METRICS) <= set(compute_metrics(load_chip(GOOD), load_rules().definitions).values)


def test_two_files_defining_one_round_id_are_refused(capsys):
    folder = FIXTURES / "bad-rules" / "duplicate-id"
    code = main(["--rules", str(folder), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{folder / 'round.yaml'}: id: round 'test-duplicate' is also defined in {folder / 'a.yaml'}" in err


def test_rounds_overlaying_each_other_are_refused_naming_the_loop(capsys):
    folder = FIXTURES / "bad-rules" / "overlay-cycle"
    code = main(["--rules", str(folder), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2 and str(folder) in err
    assert "overlays: rounds overlay each other in a cycle: test-overlay-a -> test-overlay-b -> test-overlay-a" in err


def test_a_rules_folder_that_does_not_exist_or_holds_no_rule_files_is_refused(capsys, tmp_path):
    for folder in (tmp_path / "missing", tmp_path):
        code = main(["--rules", str(folder), "classify", str(GOOD)])
        assert code == 2 and f"{folder}: rules: not a folder of rule files (*.yaml)" in capsys.readouterr().err


def test_an_unknown_metric_with_no_close_name_gets_no_suggestion(capsys, tmp_path):
    text = (FIXTURES / "bad-rules" / "unknown-metric" / "round.yaml").read_text()
    assert "tpd" in text
    (tmp_path / "round.yaml").write_text(text.replace("tpd", "zzzz"))
    code = main(["--rules", str(tmp_path), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines()[0].endswith("clauses[0] (a).when: unknown metric 'zzzz'")


def test_a_derived_metric_over_an_unknown_metric_is_refused(capsys, tmp_path):
    metrics = (ROOT / "rules" / "_metrics.yaml").read_text()
    assert "divide: [tpp, die_area]" in metrics
    (tmp_path / "_metrics.yaml").write_text(metrics.replace("divide: [tpp, die_area]", "divide: [tpp, die_aera]"))
    shutil.copy(ROOT / "rules" / "us-2022-10.yaml", tmp_path)
    code = main(["--rules", str(tmp_path), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{tmp_path / '_metrics.yaml'}: metrics.performance_density: derived from unknown metric 'die_aera'" in err
