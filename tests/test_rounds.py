"""The rounds after (and before) the two 3A090 rules: letters, HBM, foundry, Diffusion, H20 letters, Jan 2026.

Expected outcomes come from shared/research/regulations.md (Rounds 1, 4, 5, 6, 7) and chips.md section 3.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from exportctl import classify
from exportctl.core.yamlsafe import load_yaml
from exportctl.rules.calendar import in_force_on

from tests.conftest import CATALOG, ROUND_IDS, parse_chip, sheet

NEW_ROUNDS = [
    "us-2022-08",
    "us-2024-12",
    "us-2025-01-foundry",
    "us-2025-01-diffusion",
    "us-2025-04",
    "us-2026-01",
]


def result(rules, chip, round_id: str, as_of: date | None = None):
    (found,) = classify(chip, [round_id], as_of=as_of, rules=rules)
    return found


def condition(found, clause: str, metric: str):
    (view,) = [c for c in found.conditions if c.clause == clause and c.metric == metric]
    return view


def variant(name: str, **changes):
    """A catalog sheet with some fields replaced (a what-if, not a catalog fact)."""
    data = load_yaml(Path(sheet(name)))
    data.update(changes)
    return parse_chip(data, f"<{name} variant>")


def hbm_stack(bandwidth: str, area: str = "121 mm^2"):
    return parse_chip(
        {
            "name": f"HBM stack {bandwidth} / {area}",
            "vendor": "Test",
            "kind": "memory",
            "memory": {"bandwidth": bandwidth},
            "package_area": area,
        },
        "<test>",
    )


def test_every_new_round_is_loaded_with_its_citation_and_provenance(rules):
    expected = {
        "us-2022-08": "is-informed",
        "us-2024-12": "published",
        "us-2025-01-foundry": "published",
        "us-2025-01-diffusion": "published",
        "us-2025-04": "reported",
        "us-2026-01": "published",
    }
    for round_id, provenance in expected.items():
        rule = rules[round_id].round
        assert rule.provenance == provenance
        assert all(clause.text.strip() for clause in rule.clauses)


# --- us-2022-08: the August 2022 is-informed letters -----------------------------------------------------------


@pytest.mark.parametrize(
    "chip", ["nvidia/a100-sxm4-80gb", "nvidia/a100-pcie-80gb", "nvidia/h100-sxm5", "nvidia/h100-pcie"]
)
def test_a100_and_h100_are_named_in_the_august_2022_letter(rules, chip):
    found = result(rules, sheet(chip), "us-2022-08")
    assert (found.status, found.classification, found.applicable) == ("controlled", None, True)
    assert found.clauses["named.nvidia"] == "T"


@pytest.mark.parametrize("chip", ["amd/mi250", "amd/mi250x"])
def test_mi250_and_mi250x_are_named_for_amd(rules, chip):
    found = result(rules, sheet(chip), "us-2022-08")
    assert (found.status, found.applicable) == ("controlled", True)
    assert found.clauses["named.amd"] == "T"


def test_a800_is_not_addressed_by_the_august_2022_letter(rules):
    found = result(rules, sheet("nvidia/a800-sxm4-80gb"), "us-2022-08")
    assert (found.status, found.applicable) == ("not-controlled", False)
    io = condition(found, "a100-equivalent", "interconnect_bandwidth")
    assert io.holds is False and io.threshold == "600 GB/s"


def test_an_unnamed_nvidia_chip_at_the_a100_line_is_flagged_for_review(rules):
    # H200: not named in the letter, but TPP 15,832 >= 4,992 and NVLink 900 >= 600 GB/s.
    found = result(rules, sheet("nvidia/h200-sxm"), "us-2022-08")
    assert (found.status, found.applicable) == ("review", True)


def test_the_a100_itself_sits_exactly_on_the_a100_equivalent_line(rules):
    found = result(rules, sheet("nvidia/a100-sxm4-80gb"), "us-2022-08")
    tpp = condition(found, "a100-equivalent", "tpp")
    io = condition(found, "a100-equivalent", "interconnect_bandwidth")
    assert (tpp.value, tpp.holds, tpp.margin) == ("4992", True, 0)
    assert (io.value, io.holds, io.margin) == ("600 GB/s", True, 0)


def test_the_a100_equivalent_line_is_for_nvidia_only(rules):
    # MI300X: above both lines, but the letter's "any future NVIDIA integrated circuit" does not reach AMD.
    found = result(rules, sheet("amd/mi300x"), "us-2022-08")
    assert (found.status, found.applicable) == ("not-controlled", False)


# --- us-2024-12: HBM, 3A090.c -----------------------------------------------------------------------------------


def test_an_hbm3_stack_is_3a090c_and_outside_license_exception_hbm(rules):
    found = result(rules, hbm_stack("819 GB/s"), "us-2024-12")  # 6.77 GB/s per mm^2
    assert (found.status, found.classification, found.license_exception) == ("controlled", "3A090.c", None)


def test_a_stack_at_exactly_2_gbps_per_mm2_is_not_caught(rules):
    found = result(rules, hbm_stack("242 GB/s"), "us-2024-12")  # exactly 2 GB/s per mm^2
    assert found.status == "not-controlled"
    density = condition(found, "3A090.c", "memory_bandwidth_density")
    assert density.holds is False and density.margin == 0


def test_a_stack_between_2_and_3_3_is_eligible_for_license_exception_hbm(rules):
    found = result(rules, hbm_stack("363 GB/s"), "us-2024-12")  # 3 GB/s per mm^2
    assert (found.status, found.classification, found.license_exception) == ("controlled", "3A090.c", "HBM")


def test_a_stack_at_exactly_3_3_is_not_eligible(rules):
    found = result(rules, hbm_stack("399.3 GB/s"), "us-2024-12")  # exactly 3.3 GB/s per mm^2
    assert (found.status, found.license_exception) == ("controlled", None)


def test_an_hbm_stack_without_its_package_area_is_controlled_by_the_rule_s_presumption_and_says_so(rules):
    # 89 FR 96790: "All HBM stacks currently in production exceed this threshold"; the density is not measured, so
    # the licence exception (a density line of its own) stays open, naming the figure that would decide it
    stack = parse_chip(
        {"name": "HBM no area", "vendor": "Test", "kind": "memory", "memory": {"bandwidth": "819 GB/s"}}, "<test>"
    )
    found = result(rules, stack, "us-2024-12")
    assert (found.status, found.classification) == ("controlled", "3A090.c")
    assert [a for a in found.assumptions if a.startswith("presumed: memory_bandwidth_density > 2 GB/s/mm^2")]
    assert "All HBM stacks currently in production exceed this threshold" in found.assumptions[0]
    assert found.undetermined == ("license_exception",) and found.missing == ["package_area"]
    assert "presumed by the rule text" in found.reason


def test_an_hbm_stack_with_its_package_area_is_decided_by_its_figures_not_the_presumption(rules):
    stack = parse_chip(
        {
            "name": "HBM low density",
            "vendor": "Test",
            "kind": "memory",
            "memory": {"bandwidth": "200 GB/s"},
            "package_area": "110 mm^2",
        },
        "<test>",
    )
    found = result(rules, stack, "us-2024-12")
    assert found.status == "not-controlled" and found.assumptions == []


def test_an_accelerator_with_co_packaged_hbm_is_outside_3a090c(rules):
    found = result(rules, sheet("nvidia/h100-sxm5"), "us-2024-12")
    assert (found.status, found.applicable) == ("not-controlled", False)


# --- us-2025-01-foundry: transistor-count route ------------------------------------------------------------------


def test_a_chip_at_or_over_30_billion_transistors_cannot_use_the_transistor_route(rules):
    assert result(rules, sheet("nvidia/h100-sxm5"), "us-2025-01-foundry").status == "review"  # 80e9
    at_line = variant("nvidia/h20", transistors="30e9")
    found = result(rules, at_line, "us-2025-01-foundry")
    assert found.status == "review"
    assert condition(found, "transistor-route", "transistors").threshold == "30000000000"


def test_a_chip_under_30_billion_transistors_is_not_presumed(rules):
    below = variant("nvidia/h20", transistors="29999999999")
    assert result(rules, below, "us-2025-01-foundry").status == "not-controlled"


def test_an_unknown_transistor_count_stays_unknown(rules):
    found = result(rules, sheet("nvidia/l2"), "us-2025-01-foundry")
    assert found.status == "indeterminate" and found.missing == ["transistors"]


# --- us-2025-01-diffusion: not enforced, not applied by default ----------------------------------------------------


def test_diffusion_is_not_applied_by_default_and_not_in_force_after_may_13_2025(rules):
    assert "us-2025-01-diffusion" not in {r.round for r in classify(sheet("nvidia/h100-sxm5"), rules=rules)}
    rule = rules["us-2025-01-diffusion"].round
    assert in_force_on(rule, date(2025, 5, 12)) and not in_force_on(rule, date(2025, 5, 13))


def test_diffusion_asked_for_by_id_overlays_3a090a_with_the_worldwide_requirement(rules):
    found = result(rules, sheet("nvidia/h100-sxm5"), "us-2025-01-diffusion")
    assert (found.status, found.classification) == ("controlled", "3A090.a")
    assert found.license_review.startswith("worldwide licence requirement")


# --- us-2025-04: the H20 / MI308 letters --------------------------------------------------------------------------


def test_h20_is_controlled_under_the_april_2025_letters(rules):
    found = result(rules, sheet("nvidia/h20"), "us-2025-04")
    assert (found.status, found.classification, found.applicable) == ("controlled", None, True)
    assert found.clauses["named.nvidia"] == "T"
    assert found.provenance == "reported"


def test_mi308x_is_named_even_though_its_sheet_has_no_figures(rules):
    found = result(rules, sheet("amd/mi308x"), "us-2025-04")
    assert found.status == "controlled" and found.clauses["named.amd"] == "T"


def test_the_h200_is_not_matched_by_the_h20_name(rules):
    found = result(rules, sheet("nvidia/h200-sxm"), "us-2025-04")
    assert found.clauses["named.nvidia"] == "F"
    assert found.status == "controlled"  # by the reported bandwidth lines (4.8 TB/s DRAM)


def test_rtx_5090_d_v2_is_not_caught_by_the_april_2025_letters(rules):
    found = result(rules, sheet("nvidia/rtx-5090-d-v2"), "us-2025-04")
    assert found.status != "controlled"
    memory = condition(found, "h20-equivalent", "memory_bandwidth")
    assert (memory.value, memory.holds) == ("1340 GB/s", False)
    # The catalog sheet does not know the card's PCIe rate, so the I/O and combined lines stay unknown.
    assert found.status == "indeterminate" and found.missing == ["io_bandwidth"]


def test_rtx_5090_d_v2_with_a_pcie_gen5_x16_host_link_is_not_addressed(rules):
    # What-if: PCIe Gen5 x16, 128 GB/s bidirectional (1340 + 128 = 1468 < 1700 GB/s).
    chip = variant("nvidia/rtx-5090-d-v2", io={"pcie": "128 GB/s"})
    found = result(rules, chip, "us-2025-04")
    assert (found.status, found.applicable) == ("not-controlled", False)


def test_the_combined_line_catches_what_neither_line_alone_does(rules):
    # 1300 GB/s DRAM and 500 GB/s I/O: under 1400 and 1100, but 1800 >= 1700 combined.
    chip = variant("nvidia/rtx-5090-d-v2", memory={"bandwidth": "1300 GB/s"}, io={"pcie": "500 GB/s"})
    found = result(rules, chip, "us-2025-04")
    assert found.status == "controlled"
    assert condition(found, "h20-equivalent", "memory_plus_io").holds is True


def test_the_reported_lines_bind_only_the_addressees(rules):
    # Huawei Ascend 910B: not an addressee of the letters, whatever its bandwidth.
    found = result(rules, sheet("huawei/ascend-910b"), "us-2025-04")
    assert (found.status, found.applicable) == ("not-controlled", False)


# --- us-2026-01: case-by-case review for China / Macau -----------------------------------------------------------


@pytest.mark.parametrize("chip", ["nvidia/h200-sxm", "amd/mi325x"])
def test_h200_and_mi325x_get_case_by_case_review(rules, chip):
    found = result(rules, sheet(chip), "us-2026-01")
    assert (found.status, found.classification) == ("controlled", "3A090.a")
    assert found.license_review == "case-by-case (China/Macau, exports from the US, with certifications)"


def test_mi325x_is_3a090a_under_the_2023_rule_without_a_die_area(rules):
    # TPP 1307.4 x 16 = 20,918.4 >= 4800 decides 3A090.a; the missing die area does not matter.
    found = result(rules, sheet("amd/mi325x"), "us-2023-10")
    assert (found.status, found.classification) == ("controlled", "3A090.a")


def test_b200_keeps_the_presumption_of_denial(rules):
    found = result(rules, sheet("nvidia/b200"), "us-2026-01")
    assert (found.status, found.classification) == ("controlled", "3A090.a")
    assert found.license_review == "presumption of denial (China/Macau)"
    assert found.undetermined == ()  # over both lines: decided, whatever its US availability


def test_a_chip_not_controlled_under_the_2023_rule_is_outside_the_2026_policy(rules):
    found = result(rules, sheet("nvidia/h20"), "us-2026-01")
    assert (found.status, found.applicable) == ("not-controlled", False)


# --- all new rounds -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("round_id", NEW_ROUNDS)
def test_every_catalog_chip_gets_a_result_under_every_new_round(rules, round_id):
    for path in sorted(CATALOG.rglob("*.yaml")):
        (found,) = classify(path, [round_id], rules=rules)
        assert found.status in ("controlled", "not-controlled", "indeterminate", "review"), path


def test_each_rule_file_is_named_for_its_round_id(rules):
    assert sorted(rules.ids()) == ROUND_IDS
    for round_id in ROUND_IDS:
        assert load_yaml(Path(rules.folder) / f"{round_id}.yaml")["id"] == round_id
