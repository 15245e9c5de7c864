"""Rule content and results an analyst can trust (issue 11): the legal elements the rounds encode, where each
control applies, what decided each status, and outcomes that an unknown figure leaves open.

Each specification runs on both decision backends: the answer is the rules', not a backend's.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest
from exportctl import Engine
from exportctl.outputs.formats import as_json

from tests.conftest import durable_available, sheet, shipped_rules

BACKENDS = [
    "python",
    pytest.param(
        "durable-rules",
        marks=pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python"),
    ),
]


@pytest.fixture(params=BACKENDS)
def engine(request) -> Engine:
    return Engine.from_ruleset(shipped_rules(), backend=request.param)


def one(engine: Engine, chip: str, round_id: str):
    (found,) = engine.classify(engine.load_chip(sheet(chip)), [round_id])
    return found


# --- the October 23, 2023 notice ------------------------------------------------------------------------------


def test_the_a800_is_controlled_on_2023_11_01_by_the_oct_23_notice_which_it_cites(engine):
    combined = engine.classify_as_of(engine.load_chip(sheet("nvidia/a800-sxm4-80gb")), date(2023, 11, 1))
    assert combined.status == "controlled" and combined.deciding_rounds == ["us-2023-10-accel"]
    lead = combined.lead
    assert "October 23, 2023" in lead.citation and lead.provenance == "is-informed"


@pytest.mark.parametrize("chip", ["nvidia/a100-sxm4-80gb", "nvidia/h100-sxm5", "nvidia/h800-sxm5", "nvidia/l40s"])
def test_the_notice_names_five_products_and_catches_each(engine, chip):
    assert one(engine, chip, "us-2023-10-accel").status == "controlled"


@pytest.mark.parametrize("chip", ["nvidia/rtx-4090", "nvidia/h20", "amd/mi300x"])
def test_a_chip_the_notice_does_not_name_is_not_addressed_by_it(engine, chip):
    found = one(engine, chip, "us-2023-10-accel")
    assert (found.status, found.applicable) == ("not-controlled", False)


def test_the_notice_is_in_force_only_until_the_rule_itself_takes_effect(engine):
    a800 = engine.load_chip(sheet("nvidia/a800-sxm4-80gb"))
    assert engine.classify_as_of(a800, date(2023, 10, 22)).status == "not-controlled"
    later = engine.classify_as_of(a800, date(2023, 11, 17))
    assert "us-2023-10-accel" not in [r.round for r in later.results]
    assert later.classification == "3A090.a"


# --- us-2026-01: the review policy is three-valued ------------------------------------------------------------


def test_suisi_2_0_has_an_undetermined_review_policy_naming_memory_bandwidth(engine):
    found = one(engine, "enflame/suisi-2-0", "us-2026-01")
    assert found.status == "controlled"
    assert found.license_review is None and "license_review" in found.undetermined
    assert "memory_bandwidth" in found.missing
    assert found.review_text.startswith("undetermined (needs ") and "memory_bandwidth" in found.review_text


def test_the_a800_names_the_us_availability_figure_its_review_policy_needs(engine):
    found = one(engine, "nvidia/a800-sxm4-80gb", "us-2026-01")
    assert found.license_review is None and found.undetermined == ("license_review",)
    assert found.missing == ["commercially_available_us"]


def test_a_chip_the_rule_names_as_an_example_gets_case_by_case(engine):
    found = one(engine, "nvidia/h200-sxm", "us-2026-01")
    assert found.license_review == "case-by-case (China/Macau, exports from the US, with certifications)"
    assert found.undetermined == ()


def test_a_chip_not_commercially_available_in_the_us_keeps_the_presumption_of_denial(engine):
    spec = engine.load_chip(sheet("nvidia/h200-sxm")).model_copy(update={"commercially_available_us": False})
    (found,) = engine.classify(spec, ["us-2026-01"])
    assert found.license_review == "presumption of denial (China/Macau)" and found.undetermined == ()


def test_an_unknown_licence_exception_is_undetermined_not_none(engine):
    # NAC under us-2023-10 turns on whether the chip is designed or marketed for datacenters
    spec = engine.load_chip(sheet("nvidia/h100-sxm5")).model_copy(update={"datacenter": None})
    (found,) = engine.classify(spec, ["us-2023-10"])
    assert found.status == "controlled"
    assert found.license_exception is None and "license_exception" in found.undetermined
    assert "datacenter" in found.missing and found.exception_text.startswith("undetermined")


def test_a_decided_chip_without_an_exception_says_none(engine):
    found = one(engine, "nvidia/h100-sxm5", "us-2023-10")
    assert (found.license_exception, found.exception_text, found.undetermined) == (None, "none", ())


# --- October 2022: the four prongs of 3A090.a --------------------------------------------------------------------


def test_the_2022_rule_encodes_paragraphs_a1_to_a4_with_their_text_and_confidence():
    rule = shipped_rules()["us-2022-10"].round
    clauses = {c.id: c for c in rule.clauses}
    for prong in ("3A090.a.1", "3A090.a.2", "3A090.a.3", "3A090.a.4"):
        assert prong in clauses and clauses[prong].text.strip().startswith('"a.') and clauses[prong].confidence
    assert '"clause": "3A090.a.4"' in json.dumps(clauses["3A090.a"].model_dump(mode="json"))


# --- assumptions and bounds --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chip", ["aws/inferentia2", "aws/trainium", "enflame/suisi-2-0"])
def test_a_tpp_from_tf32_carries_its_32_bit_reading_as_an_assumption(engine, chip):
    found = one(engine, chip, "us-2023-10")
    assert found.classification == "3A090.a"
    assert any("throughput.tf32" in a and "32 bits" in a and "19" in a for a in found.assumptions)


def test_a_tpp_from_an_operation_with_a_defined_bit_length_carries_no_tf32_assumption(engine):
    assert not any("tf32" in a for a in one(engine, "nvidia/b200", "us-2023-10").assumptions)


def test_a_round_that_compares_no_tpp_does_not_list_a_tpp_assumption(engine):
    assert one(engine, "aws/inferentia2", "us-2025-04").assumptions == []


def test_a_density_over_dies_of_unknown_area_is_shown_as_at_most(engine):
    found = one(engine, "amd/mi355x", "us-2023-10")
    density = [c for c in found.conditions if c.metric == "performance_density"]
    assert density and all(c.value == "at most 68.1818 per mm^2" for c in density)
    assert found.classification == "3A090.a"  # a.1 (TPP >= 4800) decides it whatever the density


def test_an_upper_bound_decides_a_less_than_line_and_leaves_a_greater_than_line_open(engine):
    chip = engine.parse_chip(
        {
            "name": "Bound test",
            "vendor": "Test",
            "datacenter": True,
            "throughput": {"fp16": "150 TFLOPS"},  # TPP 2400
            "dies": [{"name": "compute", "area": "800 mm^2"}, {"name": "io", "area": "unknown"}],
        }
    )
    (found,) = engine.classify(chip, ["us-2023-10"])
    by = {(c.clause, c.metric, c.operator, c.threshold): c.holds for c in found.conditions}
    assert by[("3A090.b.1", "performance_density", "<", "5.92 per mm^2")] is True  # at most 3 < 5.92
    assert by[("3A090.b.1", "performance_density", ">=", "1.6 per mm^2")] is None  # at most 3: could be under 1.6
    assert found.status == "indeterminate" and "die_area" in found.missing


# --- destinations, reasons, exact margins ------------------------------------------------------------------------


def test_every_result_in_json_names_its_destinations(engine):
    chips = [engine.load_chip(sheet(c)) for c in ("nvidia/h20", "nvidia/rtx-4090-d", "memory/skhynix-hbm3-24gb")]
    per_round = [r for chip in chips for r in engine.classify(chip)]
    combined = [engine.classify_as_of(chip, date(2026, 6, 1)) for chip in chips]
    for row in json.loads(as_json(per_round)):
        assert row["destinations"]["summary"] and row["destinations"]["summary"] != "not stated", row["round"]
    for row in json.loads(as_json(combined)):
        for entry in row["destinations"]:
            assert entry["round"] in row["deciding_rounds"] and entry["summary"]
        for inner in row["rounds"]:
            assert inner["destinations"]["summary"]


def test_the_destinations_say_country_groups_exclusions_countries_and_the_headquarters_rule(engine):
    found = one(engine, "nvidia/h100-sxm5", "us-2023-10")
    assert found.destinations is not None
    assert found.destinations.summary() == (
        "D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered in D:5, MO (anywhere)"
    )


def test_a_consumer_card_under_the_line_is_not_controlled_because_the_note_excludes_it(engine):
    found = one(engine, "nvidia/rtx-4090-d", "us-2023-10")
    assert found.status == "not-controlled" and found.exclusions == ("note.non-datacenter",)
    assert found.reason.startswith("excluded by note.non-datacenter: datacenter false == false: holds")
    assert "tpp 4706.88 < 4800: holds" in found.reason


def test_the_headroom_is_the_factor_to_the_line_not_the_margin(engine):
    found = one(engine, "nvidia/h20", "us-2023-10")
    (line,) = [c for c in found.conditions if c.clause == "3A090.b.1" and c.comparison == "tpp >= $tpp_b1_line"]
    assert line.margin == Fraction(-1, 75) and line.headroom == Fraction(75, 74)
    assert line.sentence() == "tpp 2368 >= 2400: fails (flips at x1.01352)"  # 75/74 = 1.013513..., shown rounded up
    data = line.to_dict()
    assert (data["margin"], data["headroom"], data["flips"]) == ("-1/75", "75/74", "at")


def test_machine_formats_carry_margins_exactly_as_decimal_text(engine):
    found = one(engine, "nvidia/a100-sxm4-80gb", "us-2023-10")
    rows = {(c["clause"], c["comparison"]): c for c in json.loads(as_json([found]))[0]["conditions"]}
    assert rows[("3A090.a.1", "tpp >= $tpp_line")]["threshold"] == "4800"
    assert rows[("3A090.a.1", "tpp >= $tpp_line")]["margin"] == "0.04"  # 4992 / 4800 - 1, exactly
    assert rows[("3A090.a.1", "tpp >= $tpp_line")]["headroom"] == "25/26"  # 4800 / 4992: no exact decimal


def test_a_combined_result_answers_in_python_what_its_json_says(engine):
    combined = engine.classify_as_of(engine.load_chip(sheet("amd/mi325x")), date(2026, 6, 1))
    data = combined.to_dict()
    for name in ("classification", "license_exception", "license_review", "reason", "missing", "deciding_rounds"):
        assert getattr(combined, name) == data[name], name
    assert list(combined.undetermined) == data["undetermined"]
