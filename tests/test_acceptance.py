"""Publicly reported outcomes, encoded as specifications (shared/research/chips.md section 3)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from exportctl import classify

from tests.conftest import sheet


def result(rules, chip: str, round_id: str):
    (found,) = classify(sheet(chip), [round_id], rules=rules)
    return found


@pytest.mark.parametrize(
    "chip", ["nvidia/a100-sxm4-80gb", "nvidia/a100-pcie-80gb", "nvidia/h100-sxm5", "nvidia/h100-pcie"]
)
def test_a100_and_h100_are_controlled_under_the_2022_rule(rules, chip):
    found = result(rules, chip, "us-2022-10")
    assert (found.status, found.classification) == ("controlled", "3A090.a")


@pytest.mark.parametrize(
    "chip", ["nvidia/a100-sxm4-80gb", "nvidia/a100-pcie-80gb", "nvidia/h100-sxm5", "nvidia/h100-pcie"]
)
def test_a100_and_h100_are_3a090a_under_the_2023_rule(rules, chip):
    found = result(rules, chip, "us-2023-10")
    assert (found.status, found.classification, found.license_exception) == ("controlled", "3A090.a", None)


@pytest.mark.parametrize("chip", ["nvidia/a800-sxm4-80gb", "nvidia/h800-sxm5"])
def test_a800_and_h800_escape_the_2022_rule_on_io_under_600_gbps(rules, chip):
    found = result(rules, chip, "us-2022-10")
    assert found.status == "not-controlled"
    (io,) = [c for c in found.decisive if c.metric == "io_bandwidth"]
    assert io.holds is False and io.threshold == "600 GB/s"


@pytest.mark.parametrize("chip", ["nvidia/a800-sxm4-80gb", "nvidia/h800-sxm5"])
def test_a800_and_h800_are_3a090a_under_the_2023_rule(rules, chip):
    found = result(rules, chip, "us-2023-10")
    assert (found.status, found.classification) == ("controlled", "3A090.a")


@pytest.mark.parametrize("chip", ["nvidia/h20", "nvidia/l20", "nvidia/l2"])
def test_h20_l20_l2_sit_under_the_2023_lines(rules, chip):
    assert result(rules, chip, "us-2023-10").status == "not-controlled"


def test_h20_tpp_is_2368_and_performance_density_about_2_9(rules):
    found = result(rules, "nvidia/h20", "us-2023-10")
    tpp = next(c for c in found.conditions if c.metric == "tpp")
    pd = next(c for c in found.conditions if c.metric == "performance_density")
    assert tpp.value == "2368"
    assert pd.value.startswith("2.90909")
    assert found.missing == []


def test_rtx_4090_is_3a090a_with_nac_aca(rules):
    found = result(rules, "nvidia/rtx-4090", "us-2023-10")
    assert (found.status, found.classification, found.license_exception) == ("controlled", "3A090.a", "NAC/ACA")


def test_rtx_4090_d_is_not_controlled_by_the_non_datacenter_note(rules):
    found = result(rules, "nvidia/rtx-4090-d", "us-2023-10")
    assert found.status == "not-controlled"
    assert found.clauses["note.non-datacenter"] == "T"


def test_every_result_names_clause_value_threshold_and_margin_that_decided_it(rules):
    for chip in ("nvidia/a100-sxm4-80gb", "nvidia/a800-sxm4-80gb", "nvidia/h20", "nvidia/rtx-4090-d"):
        for found in classify(sheet(chip), rules=rules):
            decisive = [c for c in found.decisive if c.holds is not None]
            assert decisive, f"{chip} {found.round}: no decisive condition"
            numeric = [c for c in decisive if c.margin is not None]
            for c in numeric:
                assert c.clause and c.value and c.threshold and isinstance(c.margin, Fraction)


def test_a100_io_sits_above_600_and_a100_margin_is_exact(rules):
    found = result(rules, "nvidia/a100-sxm4-80gb", "us-2022-10")
    tpp = next(c for c in found.conditions if c.metric == "tpp")
    assert tpp.margin == Fraction(4992, 4800) - 1
