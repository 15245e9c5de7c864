"""`exportctl sweep --round ID --vary PARAM=FROM:TO:STEP PATH` (issue 13): per value of a parameter, how many and
which chips a round controls; exact values, the same answers as a what-if at that value, CSV and a step plot."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

import pytest
from exportctl import Engine, RuleFileError, Status
from exportctl.analysis.sweep import parse_range
from exportctl.cli import main

from tests.conftest import CATALOG

DAY = date(2026, 1, 1)


def test_a_range_is_exact_decimal_steps_with_its_end_included():
    values = list(parse_range("0.1:0.3:0.1", "dimensionless"))
    assert values == [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10)]  # never 0.30000000000000004
    assert list(parse_range("1400:1200:-100 GB/s", "bandwidth")) == [1400, 1300, 1200]  # GB/s is the canonical unit
    assert list(parse_range("1:2:0.4", "dimensionless")) == [1, Fraction(7, 5), Fraction(9, 5)]  # TO not reached


@pytest.mark.parametrize(
    ("text", "dimension", "message"),
    [
        ("1:2", "dimensionless", "write FROM:TO:STEP"),
        ("1:2:0", "dimensionless", "STEP must be non-zero and lead from FROM to TO"),
        ("2:1:1", "dimensionless", "STEP must be non-zero and lead from FROM to TO"),
        ("1:2:x", "dimensionless", "threshold 'x'"),
        ("1000:2000:10", "bandwidth", "has no unit"),
        ("0:1e9:1", "dimensionless", "points; a sweep has at most 100,000"),
    ],
)
def test_a_bad_range_is_refused(text, dimension, message):
    with pytest.raises(RuleFileError, match=message):
        parse_range(text, dimension)


def test_each_point_answers_as_the_what_if_with_that_value_does():
    engine = Engine(backend="python")
    chips = engine.load_chips([CATALOG]).chips
    found = engine.sweep(chips, "us-2023-10", "us-2023-10.tpp_line", parse_range("3000:6000:300", "dimensionless"), DAY)
    assert [p.value for p in found.points] == list(range(3000, 6001, 300))
    assert found.shipped == [("2023-11-17", Fraction(4800))]
    for point in found.points:
        variant = engine.with_parameters({"us-2023-10.tpp_line": point.text})
        controlled = [
            c.spec.name for c in chips if variant.classify(c, ["us-2023-10"], DAY)[0].status is Status.CONTROLLED
        ]
        assert point.controlled == controlled and point.total == len(chips)
    counts = [len(p.controlled) for p in found.points]
    assert counts == sorted(counts, reverse=True)  # a lower line never frees a chip
    shipped = next(p for p in found.points if p.value == 4800)
    assert len(shipped.controlled) == sum(
        engine.classify(c, ["us-2023-10"], DAY)[0].status is Status.CONTROLLED for c in chips
    )


def test_the_changes_name_the_chips_that_move_between_values():
    engine = Engine(backend="python")
    chips = engine.load_chips([CATALOG]).chips
    found = engine.sweep(chips, "us-2023-10", "us-2023-10.tpp_line", [Fraction(4700), Fraction(4800)], DAY)
    ((value, came, left),) = found.changes()
    assert value == 4800 and came == [] and "NVIDIA GeForce RTX 4090 D" in left  # TPP 4707: caught at 4700 only


def test_the_command_line_writes_csv_and_a_step_plot(tmp_path, capsys):
    picture = tmp_path / "sweep.svg"
    argv = ["sweep", "--round", "us-2023-10", "--vary", "us-2023-10.tpp_line=4000:5000:100", str(CATALOG)]
    assert main([*argv, "--plot", str(picture), "--as-of", "2026-01-01"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["value"] for r in rows] == [str(v) for v in range(4000, 5001, 100)]
    assert all(int(r["controlled"]) == len(r["controlled_chips"].split(";")) for r in rows)
    assert picture.read_text().lstrip().startswith("<?xml") and "<svg" in picture.read_text()


def test_a_sweep_of_an_unknown_parameter_is_refused_with_exit_2(capsys):
    code = main(["sweep", "--round", "us-2023-10", "--vary", "us-2023-10.tpp_lin=1:2:1", str(CATALOG)])
    err = capsys.readouterr().err
    assert code == 2 and "--vary: us-2023-10.tpp_lin: round us-2023-10 has no parameter 'tpp_lin'" in err
