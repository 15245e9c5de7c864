"""Property tests (hypothesis): invariants of the classifier over random chips.

Profiles are registered in tests/conftest.py: `ci` (default, ~50 examples) and `thorough` (1000 examples),
chosen with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import functools
import json
import warnings
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
import yaml
from exportctl import classify, classify_as_of, load_chips
from exportctl.conditions.compare import pattern
from exportctl.core.errors import RoundNotInForceError, RoundNotInForceWarning
from exportctl.core.logic import SEVERITY
from exportctl.core.yamlsafe import parse_yaml
from exportctl.decision import durable
from exportctl.decision.kleene import KleeneBackend
from exportctl.metrics.compute import compute_metrics
from exportctl.results.combine import in_force
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import CATALOG, ROUND_IDS, parse_chip, shipped_rules
from tests.strategies import ChipValues, any_values, chip_dicts, chip_values, decimals, near, raised, render

AS_OF = date(2026, 11, 23)
CATALOG_FILES = sorted(CATALOG.rglob("*.yaml"))


@functools.cache
def catalog_chip(path):  # type: ignore[no-untyped-def]
    (loaded,) = load_chips([path]).chips
    return loaded


def spec_of(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return parse_chip(data, "<hypothesis>")


def signature(results) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """What must not change: status, classification, exception, and each condition's truth and margin."""
    return [
        (
            r.round,
            r.status,
            r.classification,
            r.license_exception,
            tuple((c.clause, c.comparison, c.holds, c.margin) for c in r.conditions),
        )
        for r in results
    ]


def status_under(values: ChipValues, round_id: str, data: st.DataObject) -> str:
    spec = spec_of(data.draw(render(values)))
    return classify(spec, [round_id], as_of=AS_OF, rules=shipped_rules())[0].status


# 1 ---------------------------------------------------------------------------------------------------------------


@given(values=any_values(), data=st.data())
def test_unit_invariance(values: ChipValues, data: st.DataObject) -> None:
    """The same chip written in two sets of equivalent units classifies identically under every round."""
    first = spec_of(data.draw(render(values), label="first"))
    second = spec_of(data.draw(render(values), label="second"))
    assert signature(classify(first, ROUND_IDS, as_of=AS_OF, rules=shipped_rules())) == signature(
        classify(second, ROUND_IDS, as_of=AS_OF, rules=shipped_rules())
    )


# 2 ---------------------------------------------------------------------------------------------------------------


# Chips near or over both us-2022-10 lines, so that a good share of examples starts out controlled.
_NEAR_2022_10 = st.builds(
    lambda v, link, fp8: v.with_(io={**(v.io or {}), "nvlink": link}, throughput={**(v.throughput or {}), "fp8": fp8}),
    chip_values(missing=False, unknown_links=False),
    near([Fraction(600)]) | decimals(600, 1200),
    near([Fraction(600)]) | decimals(600, 3000),
)


@given(values=st.one_of(chip_values(unknown_links=False), _NEAR_2022_10), data=st.data())
def test_controlled_is_monotone_in_throughput_and_io_us_2022_10(values: ChipValues, data: st.DataObject) -> None:
    """us-2022-10: raising any throughput or any I/O link never takes a controlled chip out of control.

    Holds for us-2022-10 (io_bandwidth >= 600 AND tpp >= 4800: both monotone) with no side conditions.
    """
    if status_under(values, "us-2022-10", data) != "controlled":
        return
    higher = data.draw(raised(values, throughput=True, io=True), label="raised")
    assert status_under(higher, "us-2022-10", data) == "controlled"


@given(values=chip_values(datacenter=st.just(True)).filter(lambda v: v.die_area is not None), data=st.data())
def test_controlled_is_monotone_in_throughput_us_2023_10(values: ChipValues, data: st.DataObject) -> None:
    """us-2023-10: with datacenter true and the die area fixed, raising throughput never loses "controlled".

    Holds for us-2023-10 only under those side conditions: the 3A090.a/.b *label* is not monotone in TPP (a chip
    can move from .b to .a), and a non-datacenter chip can be excluded by the Note, but a chip leaving a .b band
    upwards always lands in .a (TPP >= 4800 or performance density >= 5.92 with TPP >= 1600), so the status is.
    """
    if status_under(values, "us-2023-10", data) != "controlled":
        return
    higher = data.draw(raised(values, throughput=True), label="raised")
    assert status_under(higher, "us-2023-10", data) == "controlled"


# 4 ---------------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not durable.available(), reason="durable-rules does not import here")
@given(chip=chip_dicts(), on=st.dates(date(2022, 8, 1), date(2026, 11, 23)))
def test_backends_agree_on_random_chips(chip: dict[str, Any], on: date) -> None:
    """durable-rules and the pure-Python backend decide every round alike for the pattern of a random chip."""
    spec = spec_of(chip)
    engine, fast = durable.DurableBackend(), KleeneBackend()
    for program in shipped_rules():
        metrics = compute_metrics(spec, shipped_rules().definitions, extra=program.derived)
        found = pattern(program, metrics, on)
        assert engine.decide(program, found) == fast.decide(program, found), (program.round.id, found)


# 5 ---------------------------------------------------------------------------------------------------------------


@given(
    path=st.sampled_from(CATALOG_FILES),
    on=st.dates(date(2022, 8, 1), date(2026, 11, 23)),
    asked=st.none() | st.lists(st.sampled_from(ROUND_IDS), min_size=1, unique=True),
)
def test_as_of_status_is_strictest_applicable_round(path, on: date, asked) -> None:  # type: ignore[no-untyped-def]
    """The combined status on a date is the strictest per-round status among the rounds asked for (default: those
    applied by default) that are in force and apply. Rounds asked for that are not in force are named: each in a
    warning, or, when none of them is, in an error instead of a result."""
    loaded = catalog_chip(path)
    in_force_ids = [p.round.id for p in in_force(shipped_rules(), on, asked)]
    if asked and not in_force_ids:
        with pytest.raises(RoundNotInForceError) as caught:
            classify_as_of(loaded, on, shipped_rules(), asked)
        assert len(caught.value.reasons) == len(asked)
        return
    with warnings.catch_warnings(record=True) as given_warnings:
        warnings.simplefilter("always")
        combined = classify_as_of(loaded, on, shipped_rules(), asked)
    named = [str(w.message).split(" ", 1)[0] for w in given_warnings if w.category is RoundNotInForceWarning]
    assert named == [r for r in (asked or []) if r not in in_force_ids]
    assert [r.round for r in combined.results] == in_force_ids
    alone = classify(loaded, in_force_ids, as_of=on, rules=shipped_rules()) if in_force_ids else []
    applying = [r.status for r in alone if r.applicable is not False]
    expected = max(applying, key=SEVERITY.__getitem__) if applying else "not-controlled"
    assert combined.status == expected


# 6 ---------------------------------------------------------------------------------------------------------------


@given(
    spec=st.one_of(
        chip_dicts().map(spec_of),
        st.sampled_from(CATALOG_FILES).map(lambda path: catalog_chip(path).spec),
    )
)
def test_a_sheet_written_back_as_json_or_yaml_classifies_the_same(spec) -> None:  # type: ignore[no-untyped-def]
    """A spec written out (JSON text, YAML text) and read again classifies the same under every round."""
    expected = signature(classify(spec, ROUND_IDS, as_of=AS_OF, rules=shipped_rules()))
    dumped = spec.model_dump(mode="json", exclude_none=True)
    for text in (json.dumps(dumped), yaml.safe_dump(dumped, allow_unicode=True)):
        again = parse_chip(parse_yaml(text, "<round trip>"), "<round trip>")
        assert signature(classify(again, ROUND_IDS, as_of=AS_OF, rules=shipped_rules())) == expected


# 7 ---------------------------------------------------------------------------------------------------------------


@given(
    spec=st.one_of(
        chip_dicts().map(spec_of),
        st.sampled_from(CATALOG_FILES).map(lambda path: catalog_chip(path).spec),
    ),
    wanted=st.lists(st.sampled_from(sorted({c.metric for p in shipped_rules() for c in p.comparisons})), min_size=1),
)
def test_metrics_computed_only_where_needed_equal_the_full_computation(spec, wanted) -> None:  # type: ignore[no-untyped-def]
    """compute_metrics(only=...) (what the batch path's exact re-reading uses) gives each asked-for metric the value
    and bounds the full computation gives, under every round's own derived metrics too."""
    definitions = shipped_rules().definitions
    for program in shipped_rules():
        asked = [m for m in wanted if m in program.metric_defs]
        full = compute_metrics(spec, definitions).with_derived(program.derived)
        some = compute_metrics(
            spec, definitions, only=asked + [b for m in asked for b in full.base_inputs(m, program.metric_defs)]
        )
        some = some.with_derived(program.derived, only=asked)
        for name in asked:
            a, b = full[name], some[name]
            assert (a.value, a.lower, a.upper) == (b.value, b.lower, b.upper), (program.round.id, name)
