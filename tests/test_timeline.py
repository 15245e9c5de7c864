"""When a chip's status changed, and which round changed it."""

from __future__ import annotations

from datetime import date

from exportctl.timeline import timeline

from tests.conftest import sheet


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
