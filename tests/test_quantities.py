"""Exact quantities: decimal text and unit conversions never go through binary floating point."""

from __future__ import annotations

from fractions import Fraction

import pytest
from exportctl.core.errors import QuantityError
from exportctl.core.quantities import parse_quantity


@pytest.mark.parametrize("text", ["600 GB/s", "0.6 TB/s", "600000 MB/s", "4.8 Tbit/s", "4800 Gbit/s", "0.0006 PB/s"])
def test_equivalent_bandwidths_are_exactly_600_gbps(text):
    assert parse_quantity(text, "bandwidth") == 600


@pytest.mark.parametrize("text", ["814 mm^2", "8.14 cm^2", "0.000814 m^2"])
def test_equivalent_areas_are_exactly_814_mm2(text):
    assert parse_quantity(text, "area") == 814


@pytest.mark.parametrize("text", ["600 TOPS", "0.6 POPS", "600000 GOPS", "600 TFLOPS"])
def test_equivalent_throughputs_are_exactly_600_tops(text):
    assert parse_quantity(text, "throughput") == 600


def test_bandwidth_over_area_is_exactly_two():
    assert parse_quantity("1.1 TB/s", "bandwidth") / parse_quantity("550 mm^2", "area") == 2


def test_decimal_text_is_kept_exactly():
    assert parse_quantity("1978.9 TFLOPS", "throughput") == Fraction(19789, 10)
    assert parse_quantity("0.1 TB/s", "bandwidth") == 100


def test_gibibytes_are_binary():
    assert parse_quantity("1 GiB/s", "bandwidth") == Fraction(1073741824, 10**9)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("814 mm^2", "expected a bandwidth"),
        ("-1 GB/s", "must not be negative"),
        ("nan GB/s", "not a finite number"),
        ("inf GB/s", "not a finite number"),
        ("1e400 GB/s", "number out of range"),
        ("5 furlongz/s", "unknown unit"),
        ("600", "has no unit"),
    ],
)
def test_bad_bandwidths_are_refused_with_a_reason(text, fragment):
    with pytest.raises(QuantityError, match=fragment):
        parse_quantity(text, "bandwidth")


def test_a_bare_number_is_accepted_only_for_dimensionless():
    assert parse_quantity("80e9", "dimensionless") == 80 * 10**9


def test_a_speed_is_not_a_bandwidth_and_the_message_says_what_it_is():
    with pytest.raises(QuantityError, match=r"got a unit of length \* time\^-1"):
        parse_quantity("900 furlongs/fortnight", "bandwidth")


def test_a_library_caller_may_pass_numbers_and_a_float_means_the_decimal_it_prints_as():
    assert parse_quantity(2368, "dimensionless") == 2368
    assert parse_quantity(0.1, "dimensionless") == Fraction(1, 10)  # not 0.1000000000000000055511151231257827
    assert parse_quantity(4.8e3, "dimensionless") == 4800


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "expected a bandwidth, got True"),
        ([600], "expected text such as '900 GB/s or 4.0 TB/s', got list"),
        (None, "expected text such as '900 GB/s or 4.0 TB/s', got NoneType"),
    ],
)
def test_a_value_that_is_not_text_or_a_number_is_refused_by_type(value, message):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(value, "bandwidth")
    assert str(caught.value) == message


def test_a_plain_number_must_be_just_a_number():
    from exportctl.core.quantities import parse_number

    assert parse_number("1978.9") == Fraction(19789, 10)
    for text in ("4 GB", "four", ""):
        with pytest.raises(QuantityError, match=f"not a number: '{text}'"):
            parse_number(text)


# Issue 11: common spellings are refused, each with the spelling meant. None is ever read as that spelling: the
# sheet must say what it means.
@pytest.mark.parametrize(
    "text, dimension, message",
    [
        ("814 mm2", "area", "unknown unit 'mm2'; did you mean 'mm^2'?"),
        ("8.14 cm2", "area", "unknown unit 'cm2'; did you mean 'cm^2'?"),
        ("2 GB/s/mm2", "bandwidth_density", "unknown unit 'GB/s/mm2'; did you mean 'GB/s/mm^2'?"),
        ("989 TFLOPs", "throughput", "unknown unit 'TFLOPs'; did you mean 'TFLOPS'?"),
        ("989 Tflops", "throughput", "unknown unit 'Tflops'; did you mean 'TFLOPS'?"),
        ("989 TFLOP/s", "throughput", "unknown unit 'TFLOP/s'; did you mean 'TFLOPS'?"),
        ("1979 TOPs", "throughput", "unknown unit 'TOPs'; did you mean 'TOPS'?"),
        ("3.35 TBps", "bandwidth", "unknown unit 'TBps'; did you mean 'TB/s'?"),
        (
            "4,000 GB/s",
            "bandwidth",
            (
                "'4,000 GB/s' is not a decimal number (digits grouped with ','); did you mean '4000 GB/s'? "
                "(a comma is neither a thousands nor a decimal separator here)"
            ),
        ),
        (
            "4,8 TB/s",
            "bandwidth",
            (
                "'4,8 TB/s' is not a decimal number (a comma for the decimal point); did you mean '4.8 TB/s'? "
                "(a comma is neither a thousands nor a decimal separator here)"
            ),
        ),
        (
            "4,800",
            "dimensionless",
            (
                "'4,800' is not a decimal number (digits grouped with ','); did you mean '4800'? "
                "(a comma is neither a thousands nor a decimal separator here)"
            ),
        ),
        (
            "80_000_000_000",
            "dimensionless",
            "'80_000_000_000' is not a decimal number (digits grouped with '_'); did you mean '80000000000'?",
        ),
    ],
)
def test_a_common_misspelling_is_refused_with_the_spelling_meant(text, dimension, message):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text, dimension)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "text, dimension, message",
    [
        # mm^2 is no bandwidth: suggesting it would only lead to the next refusal
        ("814 mm2", "bandwidth", "unknown unit 'mm2'"),
        ("900 zorbs/s", "bandwidth", "unknown unit 'zorbs/s'"),
        # the respelt figure would still be refused (its unit too is misspelt), so there is nothing to suggest
        (
            "4,000 GBps",
            "bandwidth",
            "'4,000 GBps' is not a decimal number (digits grouped with ','); write the figure in decimal",
        ),
    ],
)
def test_a_suggestion_is_made_only_when_it_is_a_figure_the_field_takes(text, dimension, message):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text, dimension)
    assert str(caught.value) == message


def test_every_suggested_spelling_is_read_as_the_figure_meant():
    assert parse_quantity("814 mm^2", "area") == 814
    assert parse_quantity("989 TFLOPS", "throughput") == 989
    assert parse_quantity("3.35 TB/s", "bandwidth") == 3350
    assert parse_quantity("4000 GB/s", "bandwidth") == 4000
