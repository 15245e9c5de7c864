"""When a chip's status changed, and which round changed it."""

from __future__ import annotations

from datetime import date

from tests.conftest import sheet, timeline


def test_a800_is_not_controlled_from_2022_10_07_and_3a090a_from_2023_11_17(rules):
    changes = [(c.since, c.status, c.classification) for c in timeline(sheet("nvidia/a800-sxm4-80gb"), rules)]
    assert changes[:2] == [
        (date(2022, 10, 7), "not-controlled", None),
        (date(2023, 11, 17), "controlled", "3A090.a"),
    ]


def test_each_change_names_the_rounds_that_decided_it(rules):
    changes = timeline(sheet("nvidia/a800-sxm4-80gb"), rules)
    assert changes[0].rounds == ("us-2022-10",) and changes[1].rounds == ("us-2023-10",)


def test_h20_is_not_controlled_until_the_april_2025_letters_then_needs_a_licence(rules):
    changes = [(c.since, c.status, c.rounds) for c in timeline(sheet("nvidia/h20"), rules)]
    assert changes == [
        (date(2022, 10, 7), "not-controlled", ("us-2022-10",)),
        (date(2025, 4, 9), "controlled", ("us-2025-04",)),
    ]


def test_a_change_of_legal_basis_is_a_change(rules):
    # the A100: caught by the August 2022 letters (a licence, no ECCN), then classified 3A090.a by the October rule
    changes = [(c.since, c.status, c.classification, c.rounds) for c in timeline(sheet("nvidia/a100-sxm4-80gb"), rules)]
    assert changes == [
        (date(2022, 8, 26), "controlled", None, ("us-2022-08",)),
        (date(2022, 10, 7), "controlled", "3A090.a", ("us-2022-08", "us-2022-10")),
    ]


def test_when_the_only_round_asked_for_ends_the_timeline_says_nothing_applies(rules):
    changes = [
        (c.since, c.status, c.rounds) for c in timeline(sheet("nvidia/a100-sxm4-80gb"), rules, rounds=["us-2022-10"])
    ]
    assert changes == [
        (date(2022, 10, 7), "controlled", ("us-2022-10",)),
        (date(2023, 11, 17), "not-controlled", ()),
    ]


def test_a_memory_stack_has_no_entry_before_the_hbm_rule(rules):
    changes = timeline(sheet("memory/samsung-hbm3e-12h-36gb"), rules)
    assert changes[0].since == date(2024, 12, 2) and changes[0].rounds == ("us-2024-12",)
