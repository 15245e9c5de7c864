"""Every comparison of every round, at its threshold, just above and just below, written in several units."""

from __future__ import annotations

from fractions import Fraction

import pytest
from exportctl import classify, load_rules
from exportctl.conditions.compare import truth
from exportctl.core.quantities import format_number, parse_quantity
from exportctl.metrics.compute import MetricValue

from tests.conftest import ROUND_IDS, parse_chip

EXPECTED_AT = {">=": "T", "<=": "T", ">": "F", "<": "F", "==": "T", "!=": "F"}
EXPECTED_ABOVE = {">=": "T", "<=": "F", ">": "T", "<": "F", "==": "F", "!=": "T"}
EXPECTED_BELOW = {">=": "F", "<=": "T", ">": "F", "<": "T", "==": "F", "!=": "T"}

# (unit, how many canonical units one of it is)
UNITS = {
    "bandwidth": [("GB/s", 1), ("TB/s", 1000), ("MB/s", Fraction(1, 1000)), ("Gbit/s", Fraction(1, 8))],
    "area": [("mm^2", 1), ("cm^2", 100)],
    "throughput": [("TOPS", 1), ("POPS", 1000), ("GFLOPS", Fraction(1, 1000))],
    "dimensionless": [("", 1)],
    "density": [("1/mm^2", 1), ("1/cm^2", Fraction(1, 100))],
    "bandwidth_density": [("GB/s/mm^2", 1), ("TB/s/mm^2", 1000)],
}


def _numeric_comparisons(round_id: str):
    """(comparison, threshold) for every numeric comparison; a dated parameter gives one per dated value."""
    for c in load_rules()[round_id].comparisons:
        if c.kind == "number":
            yield from ((c, value) for _, value in c.dated) if c.parameter else [(c, c.threshold)]


def _written(value: Fraction, unit: str, per: Fraction) -> str:
    number = value / per
    text = format_number(number, 40)
    if "e" in text or len(text) > 60:  # not a short decimal in this unit: use an exact long decimal
        text = f"{number.numerator / number.denominator:.30f}"
    return f"{text} {unit}".strip()


@pytest.mark.parametrize("round_id", ROUND_IDS)
def test_values_at_and_around_the_threshold_land_on_the_side_the_operator_says(round_id):
    comparisons = list(_numeric_comparisons(round_id))
    if not comparisons:  # only a letter that names products may have no line to probe (us-2023-10-accel)
        program = load_rules()[round_id]
        assert program.round.catch_only, f"{round_id} has no numeric comparison to probe"
        assert {c.kind for c in program.comparisons} == {"text"}, round_id
        return
    for comparison, threshold in comparisons:
        _probe(comparison, threshold)


def _probe(comparison, threshold: Fraction) -> None:  # type: ignore[no-untyped-def]
    step = Fraction(1, 10**12)
    for unit, per in UNITS[comparison.dimension]:
        for value, expected in (
            (threshold, EXPECTED_AT),
            (threshold + step, EXPECTED_ABOVE),
            (threshold - step, EXPECTED_BELOW),
        ):
            text = _written(value, unit, Fraction(per))
            parsed = parse_quantity(text, comparison.dimension)
            if parsed != value:  # the unit cannot write this value exactly as a short decimal: skip this unit
                continue
            metric = MetricValue(comparison.metric, parsed, comparison.dimension)
            assert truth(comparison, metric, threshold) == expected[comparison.op], f"{text} {comparison.key}"


def _chip(**fields):
    base = {"name": "Boundary test chip", "vendor": "Test", "datacenter": True}
    base.update(fields)
    return parse_chip(base, "<test>")


@pytest.mark.parametrize("io", ["600 GB/s", "0.6 TB/s", "4.8 Tbit/s", "600000 MB/s"])
def test_io_of_exactly_600_gbps_in_any_unit_is_caught_by_the_2022_rule(io):
    chip = _chip(throughput={"int8": "0.6 POPS"}, io={"nvlink": io})
    (found,) = classify(chip, ["us-2022-10"])
    assert found.status == "controlled"


def test_io_a_hair_under_600_gbps_escapes_the_2022_rule():
    chip = _chip(throughput={"int8": "600 TOPS"}, io={"nvlink": "599.999999999999 GB/s"})
    (found,) = classify(chip, ["us-2022-10"])
    assert found.status == "not-controlled"


def test_tpp_of_exactly_4800_is_3a090a_under_the_2023_rule():
    chip = _chip(throughput={"fp16": "300 TFLOPS"}, die_area="10000 mm^2")
    (found,) = classify(chip, ["us-2023-10"])
    assert (found.status, found.classification) == ("controlled", "3A090.a")


def test_performance_density_of_exactly_5_92_is_3a090a_and_a_hair_under_is_3a090b():
    # TPP 2960 over 500 mm^2 is exactly 5.92
    at = _chip(throughput={"fp16": "185 TFLOPS"}, die_area="500 mm^2")
    under = _chip(throughput={"fp16": "185 TFLOPS"}, die_area="500.0000001 mm^2")
    assert classify(at, ["us-2023-10"])[0].classification == "3A090.a"
    assert classify(under, ["us-2023-10"])[0].classification == "3A090.b"


def test_performance_density_written_in_cm2_is_the_same_line():
    at = _chip(throughput={"fp16": "185 TFLOPS"}, die_area="5 cm^2")
    assert classify(at, ["us-2023-10"])[0].classification == "3A090.a"
