"""What the library does with arguments it could misread (issue 11): dates as text, a round id where a list goes,
rounds asked for on a day none of them is in force, a backend that is not there."""

from __future__ import annotations

import warnings
from datetime import date, datetime

import exportctl
import pytest
from exportctl import Engine, ExportctlError
from exportctl.core.errors import (
    ArgumentError,
    BackendUnavailableError,
    RoundNotInForceError,
    RoundNotInForceWarning,
    UnknownRoundError,
)

from tests.conftest import sheet, shipped_engine

H100 = sheet("nvidia/h100-sxm5")
DIFFUSION_GONE = (
    "us-2025-01-diffusion was not in force on 2025-06-01 "
    "(in force 2025-01-13 .. 2025-05-13, not enforced since 2025-05-13)"
)


def test_a_date_may_be_given_as_iso_text_and_means_that_day():
    engine = shipped_engine()
    on_day = engine.classify_as_of(H100, date(2025, 6, 1)).to_dict()
    assert engine.classify_as_of(H100, "2025-06-01").to_dict() == on_day
    assert exportctl.classify_as_of(H100, "2025-06-01").to_dict() == on_day
    results = engine.classify(H100, ["us-2023-10"], as_of="2025-06-01")
    assert [r.as_of for r in results] == [date(2025, 6, 1)]


@pytest.mark.parametrize(
    "value, message",
    [
        ("2025-6-1", "as_of: '2025-6-1' is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')"),
        # Python's date.fromisoformat takes these two; a legal date is not guessed from them
        ("20250601", "as_of: '20250601' is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')"),
        ("2025-W22-7", "as_of: '2025-W22-7' is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')"),
        ("today", "as_of: 'today' is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')"),
        (" 2025-06-01", "as_of: ' 2025-06-01' is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')"),
        ("2025-02-30", "as_of: '2025-02-30' is not a date: day is out of range for month"),
        (20250601, "as_of: expected a date or ISO text 'YYYY-MM-DD', got int"),
        (
            datetime(2025, 6, 1, 23, 30),
            "as_of: expected a date, got a datetime (2025-06-01T23:30:00); pass its .date() in the time zone meant",
        ),
    ],
)
def test_any_other_date_is_refused_with_a_typed_error_naming_the_argument(value, message):
    for call in (
        lambda: shipped_engine().classify_as_of(H100, value),
        lambda: shipped_engine().classify(H100, as_of=value),
        lambda: exportctl.classify_as_of(H100, value),
    ):
        with pytest.raises(ArgumentError) as caught:
            call()
        assert str(caught.value) == message and caught.value.argument == "as_of"
        # one type for callers of exportctl, and still what such a call raised before it had one
        assert isinstance(caught.value, ExportctlError) and isinstance(caught.value, TypeError | ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: shipped_engine().classify(H100, "us-2023-10"),
        lambda: shipped_engine().classify_as_of(H100, date(2025, 6, 1), "us-2023-10"),
        lambda: shipped_engine().timeline(H100, "us-2023-10"),
    ],
)
def test_one_round_id_where_a_list_goes_is_refused_rather_than_read_letter_by_letter(call):
    with pytest.raises(ArgumentError) as caught:
        call()
    assert str(caught.value) == "rounds: expected a list of round ids, got the text 'us-2023-10'; write ['us-2023-10']"


def test_a_date_given_to_timeline_is_refused_saying_it_is_a_date():
    # a timeline covers every date; `timeline(chip, "2025-06-01")` used to say "unknown round '2'"
    with pytest.raises(ArgumentError, match=r"^rounds: expected a list of round ids, got the date '2025-06-01'"):
        shipped_engine().timeline(H100, "2025-06-01")


def test_when_no_round_asked_for_is_in_force_the_library_says_so_instead_of_not_controlled():
    with pytest.raises(RoundNotInForceError) as caught:
        shipped_engine().classify_as_of(H100, "2025-06-01", ["us-2025-01-diffusion"])
    assert str(caught.value) == DIFFUSION_GONE
    assert caught.value.reasons == [DIFFUSION_GONE] and caught.value.day == "2025-06-01"


def test_when_some_rounds_asked_for_are_in_force_the_others_are_combined_with_a_warning_naming_the_rest():
    engine = shipped_engine()
    with pytest.warns(RoundNotInForceWarning) as caught:
        combined = engine.classify_as_of(H100, "2025-06-01", ["us-2025-01-diffusion", "us-2023-10"])
    assert [str(w.message) for w in caught] == [DIFFUSION_GONE]
    assert combined.to_dict() == engine.classify_as_of(H100, "2025-06-01", ["us-2023-10"]).to_dict()
    assert combined.status == "controlled" and [r.round for r in combined.deciding] == ["us-2023-10"]


def test_rounds_in_force_and_the_default_rounds_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shipped_engine().classify_as_of(H100, "2025-03-01", ["us-2025-01-diffusion"])
        shipped_engine().classify_as_of(H100, "2022-01-01")  # no default round yet: "no round in force applies"


def test_an_unknown_round_is_still_an_unknown_round():
    with pytest.raises(UnknownRoundError, match=r"^unknown round 'us-2099-01'; known: us-2022-08, "):
        shipped_engine().classify_as_of(H100, "2025-06-01", ["us-2099-01"])


@pytest.mark.parametrize(
    "round_id, day, reason",
    [
        ("us-2025-01-diffusion", "2025-05-12", None),  # its last day in force
        ("us-2025-01-diffusion", "2025-05-13", "in force 2025-01-13 .. 2025-05-13, not enforced since 2025-05-13"),
        ("us-2025-01-diffusion", "2025-01-12", "in force 2025-01-13 .. 2025-05-13"),
        ("us-2026-01", "2025-06-01", "in force from 2026-01-15"),
        ("us-2022-10", "2023-11-17", "in force 2022-10-07 .. 2023-11-17"),  # `ends` is its first day out of force
        ("us-2022-10", "2023-11-16", None),
    ],
)
def test_a_round_not_in_force_is_named_with_the_days_it_is(round_id, day, reason):
    expected = [f"{round_id} was not in force on {day} ({reason})"] if reason else []
    assert shipped_engine().not_in_force([round_id], day) == expected


def test_an_unknown_backend_name_is_refused_not_taken_for_the_python_one():
    with pytest.raises(ArgumentError, match=r"^backend: unknown decision backend 'durable'; known: durable-rules, py"):
        Engine.from_ruleset(shipped_engine().rules, backend="durable")


def test_durable_rules_asked_for_where_it_is_not_installed_is_a_typed_error_saying_what_to_use(monkeypatch):
    from exportctl.decision import backend

    monkeypatch.setattr(backend, "durable_installed", lambda: False)
    with pytest.raises(BackendUnavailableError) as caught:
        Engine.from_ruleset(shipped_engine().rules, backend="durable-rules")
    assert str(caught.value).startswith("durable-rules is not available here: it is not installed")
    assert str(caught.value).endswith("; use the python backend (--backend python), which decides every round alike")
