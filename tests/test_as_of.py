"""As of a date, the rounds in force apply and the strictest outcome wins."""

from __future__ import annotations

from datetime import date

import pytest
from exportctl import classify_as_of
from exportctl.core.logic import SEVERITY
from exportctl.results.combine import in_force
from exportctl.rules.calendar import enforcement_on, in_force_on

from tests.conftest import sheet


def test_on_2025_06_01_the_h20_is_controlled_by_the_april_letters(rules):
    combined = classify_as_of(sheet("nvidia/h20"), date(2025, 6, 1), rules)
    assert combined.status == "controlled"
    assert [r.round for r in combined.deciding] == ["us-2025-04"]


def test_on_2023_06_01_the_a800_is_not_controlled_and_only_2022_rounds_are_in_force(rules):
    combined = classify_as_of(sheet("nvidia/a800-sxm4-80gb"), date(2023, 6, 1), rules)
    assert combined.status == "not-controlled"
    assert {r.round for r in combined.results} == {"us-2022-08", "us-2022-10"}


def test_rounds_not_applied_by_default_are_left_out_unless_asked_for(rules):
    ids = {p.round.id for p in in_force(rules, date(2025, 3, 1))}
    assert "us-2025-01-diffusion" not in ids and "us-2025-01-foundry" not in ids
    asked = {p.round.id for p in in_force(rules, date(2025, 3, 1), ["us-2025-01-diffusion"])}
    assert asked == {"us-2025-01-diffusion"}


@pytest.mark.parametrize(
    "day", [date(2022, 9, 1), date(2023, 1, 20), date(2024, 1, 1), date(2025, 6, 1), date(2026, 2, 1)]
)
@pytest.mark.parametrize("chip", ["nvidia/h20", "nvidia/a100-sxm4-80gb", "nvidia/rtx-4090-d", "nvidia/h200-sxm"])
def test_the_combined_status_is_the_strictest_of_the_applying_rounds_in_force(rules, chip, day):
    combined = classify_as_of(sheet(chip), day, rules)
    applying = [r.status for r in combined.results if r.applicable is not False]
    expected = max(applying, key=SEVERITY.__getitem__) if applying else "not-controlled"
    assert combined.status == expected
    assert all(in_force_on(rules[r.round].round, day) for r in combined.results)


def test_the_combined_result_carries_the_review_policy_of_whichever_deciding_round_states_it():
    # on 2026-02-01 the MI325X is 3A090.a under several rounds, us-2026-01 among them, whose review policy is
    # case-by-case (the rule names it, so it was commercially available in the US)
    combined = classify_as_of(sheet("amd/mi325x"), date(2026, 2, 1))
    assert combined.lead.round != "us-2026-01" and "us-2026-01" in [r.round for r in combined.deciding]
    case_by_case = "case-by-case (China/Macau, exports from the US, with certifications)"
    assert combined.to_dict()["license_review"] == case_by_case
    assert combined.license_review == case_by_case  # the Python object answers as its JSON does
    before = classify_as_of(sheet("amd/mi325x"), date(2025, 6, 1))
    assert before.classification == "3A090.a" and before.license_review is None
    assert before.to_dict()["license_review"] is None


def test_a_combined_review_policy_an_unknown_figure_leaves_open_is_undetermined_not_the_default():
    # the MI250's sheet does not say whether it was commercially available in the US on 2026-01-15
    combined = classify_as_of(sheet("amd/mi250"), date(2026, 2, 1))
    assert combined.license_review is None and combined.undetermined == ("license_review",)
    assert "commercially_available_us" in combined.missing
    assert combined.review_text == "undetermined (needs commercially_available_us)"
    data = combined.to_dict()
    assert data["license_review"] is None and data["undetermined"] == ["license_review"]


def test_enforcement_changes_apply_in_date_order_whatever_order_they_are_written_in():
    from exportctl.core.yamlsafe import load_yaml
    from exportctl.rules.model import RoundFile

    from tests.conftest import ROOT

    document = load_yaml(ROOT / "rules" / "us-2025-01-diffusion.yaml")
    document["enforcement"] = [  # resumed, then (written first, dated earlier) suspended
        {"since": date(2025, 9, 1), "status": "enforced"},
        {"since": date(2025, 5, 13), "status": "not-enforced"},
    ]
    round_file = RoundFile.model_validate(document)
    days = [date(2025, 5, 12), date(2025, 5, 13), date(2025, 8, 31), date(2025, 9, 1)]
    assert [enforcement_on(round_file, d) for d in days] == ["enforced", "not-enforced", "not-enforced", "enforced"]
    assert [in_force_on(round_file, d) for d in days] == [True, False, False, True]
