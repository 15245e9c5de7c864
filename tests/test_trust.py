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


@pytest.mark.parametrize("chip", ["nvidia/b200", "nvidia/a100-sxm4-80gb", "nvidia/h20"])
def test_a_tpp_another_operation_reaches_as_well_carries_no_tf32_assumption(engine, chip):
    # the A100's TF32 156 x 32 = 4992 ties its FP16 312 x 16: the answer does not rest on the TF32 reading
    assert not any("tf32" in a for a in one(engine, chip, "us-2023-10").assumptions)


def test_a_result_that_does_not_rest_on_tpp_does_not_list_a_tpp_assumption(engine):
    assert one(engine, "aws/inferentia2", "us-2025-04").assumptions == []
    assert one(engine, "aws/inferentia2", "us-2022-08").assumptions == []  # not addressed by the letters


def test_a_density_over_dies_of_unknown_area_is_shown_as_at_most(engine):
    found = one(engine, "amd/mi355x", "us-2023-10")
    density = [c for c in found.conditions if c.metric == "performance_density"]
    # 60000 / 880 = 68.1818...: an upper bound shown rounded up, never claiming less than is known
    assert density and all(c.value == "at most 68.1819 per mm^2" for c in density)
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
    by_round = {r.round: r for r in combined.results}
    expected = {
        "round": "combined",
        "classification": "3A090.a",
        "license_exception": None,
        "license_review": by_round["us-2026-01"].license_review,  # the deciding round that states one
        "reason": by_round["us-2023-10"].reason,  # the lead: the round that classifies it
        "missing": [],
        "deciding_rounds": ["us-2023-10", "us-2025-04", "us-2026-01"],
        "undetermined": [],
    }
    for name, value in expected.items():
        assert getattr(combined, name) == value or list(getattr(combined, name)) == value, name
        assert data[name] == value, name
    assert by_round["us-2026-01"].license_review.startswith("case-by-case")


def test_a_review_policy_round_gives_the_reason_that_caught_the_chip_not_its_licence_terms(engine):
    found = one(engine, "amd/mi325x", "us-2026-01")
    assert found.reason.startswith("[us-2023-10/3A090.a.1] tpp 20918.4 >= 4800: holds")


def test_a_default_review_policy_shows_the_comparisons_that_ruled_out_the_others(engine):
    found = one(engine, "nvidia/b200", "us-2026-01")
    assert found.license_review == "presumption of denial (China/Macau)"
    assert "tpp 36000 < 21000: fails (flips below x0.583333)" in [c.sentence() for c in found.decisive]


def test_a_comparison_several_clauses_make_is_explained_once(engine):
    found = one(engine, "nvidia/h20", "us-2022-10")
    assert "[3A090.a.1, 3A090.a.2, 3A090.a.3, 3A090.a.4] tpp 2368 >= 4800: fails" in found.explanation
    assert found.explanation.count("tpp 2368 >= 4800") == 1


def test_a_factor_that_must_shrink_to_reach_a_line_is_rounded_toward_it():
    from exportctl.results.result import _factor_text

    # density 819/110 > 2 holds, and flips at 220/819 = 0.26862026...: at x0.268621 it would still hold
    assert _factor_text(Fraction(220, 819), "at") == "0.26862"
    assert _factor_text(Fraction(75, 74), "at") == "1.01352"  # growing: rounded up
    assert _factor_text(Fraction(25, 26), "below") == "0.961538"  # every factor below flips: rounded down
    assert _factor_text(Fraction(26, 25), "above") == "1.04"
    assert _factor_text(1 - Fraction(1, 3 * 10**9), "at") == "(1-3.4e-10)"


@pytest.mark.parametrize(
    "memory, released",
    [({"type": "GDDR5", "bandwidth": "400 GB/s"}, 2015), ({"type": "HBM4", "bandwidth": "2 TB/s"}, 2030)],
)
def test_the_hbm_presumption_covers_only_hbm_in_production_when_the_rule_was_written(engine, memory, released):
    chip = engine.parse_chip({"name": "M", "vendor": "X", "kind": "memory", "memory": memory, "released": released})
    (found,) = engine.classify(chip, ["us-2024-12"])
    assert found.status == "indeterminate" and found.missing == ["package_area"]
    assert not [a for a in found.assumptions if a.startswith("presumed:")]


def test_the_first_holding_clause_decides_an_outcome_when_every_clause_that_could_be_first_agrees():
    from exportctl.core.logic import Tri
    from exportctl.decision.verdict import _first

    program = shipped_rules()["us-2023-10"]
    values = {c: Tri.F for c in program.nodes} | {"NAC.a": Tri.U, "NAC.b": Tri.T}
    assert _first(program, values, "license_exception") == ("NAC/ACA", True)  # both give NAC/ACA
    values["NAC.b"] = Tri.F
    assert _first(program, values, "license_exception") == (None, False)  # NAC/ACA or none
