"""When a chip's status changed, and which round changed it."""

from __future__ import annotations

from datetime import date

from tests.conftest import sheet, shipped_engine, timeline


def test_a800_is_not_controlled_from_2022_10_07_controlled_by_the_oct_23_notice_and_3a090a_from_2023_11_17(rules):
    changes = [(c.since, c.status, c.classification) for c in timeline(sheet("nvidia/a800-sxm4-80gb"), rules)]
    assert changes[:3] == [
        (date(2022, 10, 7), "not-controlled", None),
        (date(2023, 10, 23), "controlled", None),  # the USG notice to NVIDIA: the rule's licence requirement at once
        (date(2023, 11, 17), "controlled", "3A090.a"),
    ]


def test_each_change_names_the_rounds_that_decided_it(rules):
    changes = timeline(sheet("nvidia/a800-sxm4-80gb"), rules)
    assert [c.rounds for c in changes[:3]] == [("us-2022-10",), ("us-2023-10-accel",), ("us-2023-10",)]


def test_h20_is_not_controlled_from_its_release_until_the_april_2025_letters_then_needs_a_licence(rules):
    changes = [(c.since, c.released, c.status, c.rounds) for c in timeline(sheet("nvidia/h20"), rules)]
    assert changes == [
        (date(2024, 1, 1), "2024", "not-controlled", ("us-2023-10",)),  # released 2024: nothing said before
        (date(2025, 4, 9), None, "controlled", ("us-2025-04",)),
    ]


def test_a_timeline_never_starts_before_the_chip_was_released(rules):
    # the MI300X (released 2023-12-06) was never "controlled since 2022-10-07"
    changes = timeline(sheet("amd/mi300x"), rules)
    assert changes[0].since == date(2023, 12, 6) and changes[0].released == "2023-12-06"
    assert (changes[0].status, changes[0].classification) == ("controlled", "3A090.a")


def test_a_release_year_starts_the_timeline_on_its_first_day_and_says_only_the_year(rules):
    spec = shipped_engine().load_chip(sheet("amd/mi300x")).model_copy(update={"released": 2023})
    changes = timeline(spec, rules)
    assert (changes[0].since, changes[0].released, changes[0].rounds) == (date(2023, 1, 1), "2023", ("us-2022-10",))


def test_a_release_day_starts_the_timeline_on_that_day(rules):
    spec = shipped_engine().load_chip(sheet("amd/mi300x")).model_copy(update={"released": date(2023, 12, 6)})
    changes = timeline(spec, rules)
    assert (changes[0].since, changes[0].released, changes[0].rounds) == (
        date(2023, 12, 6),
        "2023-12-06",
        ("us-2023-10",),
    )


def test_a_change_of_legal_basis_or_licence_terms_is_a_change(rules):
    # the A100: caught by the August 2022 letters (a licence, no ECCN), then classified 3A090.a by the October rule;
    # from 2023-11-17 the 2023 rule's 3A090.a, under which no licence exception applies to a datacenter chip; from
    # 2026-01-15 a review policy that depends on whether it was commercially available in the US
    changes = [
        (c.since, c.status, c.classification, c.rounds, c.license_exception, c.license_review)
        for c in timeline(sheet("nvidia/a100-sxm4-80gb"), rules)
    ]
    assert changes == [
        (date(2022, 8, 26), "controlled", None, ("us-2022-08",), "", ""),
        (date(2022, 10, 7), "controlled", "3A090.a", ("us-2022-08", "us-2022-10"), "", ""),
        (date(2023, 11, 17), "controlled", "3A090.a", ("us-2022-08", "us-2023-10"), "none", ""),
        (
            date(2026, 1, 15),
            "controlled",
            "3A090.a",
            ("us-2022-08", "us-2023-10", "us-2025-04", "us-2026-01"),
            "none",
            "undetermined (needs commercially_available_us)",
        ),
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
