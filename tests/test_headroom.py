"""Headroom (issue 13): the exact factor by which a chip's figure can grow (or, controlled, must shrink) before
its answer under a round changes, and the clause it meets; checked by classifying the chip with its sheet's
figures multiplied, at the factor and just short of it, for every catalog chip and round."""

from __future__ import annotations

import json
import random
from datetime import date
from fractions import Fraction

import pytest
from exportctl import Engine
from exportctl.analysis.headroom import Variation, variations
from exportctl.cli import main
from exportctl.core.fields import Exact
from exportctl.sheets.model import ChipSpec

from tests.conftest import CATALOG, ROUND_IDS, sheet

DAY = date(2026, 1, 1)
EPSILON = Fraction(1, 10**9)  # relative: far closer than any two lines of a round


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(backend="python")


def _times(value: Exact | None, factor: Fraction) -> Exact | None:
    return None if value is None else Exact(value.text, value.value * factor, value.dimension)


def scaled(spec: ChipSpec, variation: Variation, k: Fraction) -> ChipSpec:
    """The sheet with the figures a variation moves multiplied (or, power -1, divided) by k: what a designer would
    change, read through the whole pipeline again (metrics, comparisons, verdict), not through headroom's code."""
    update: dict = {}
    for name, power in variation.scales:
        f = k if power > 0 else 1 / k
        if name == "tpp":
            if spec.throughput:
                update["throughput"] = {
                    key: rate.model_copy(update={"rate": _times(rate.rate, f)}) for key, rate in spec.throughput.items()
                }
            update["tpp"] = _times(spec.tpp, f)
        elif name == "die_area":
            update["die_area"] = _times(spec.die_area, f)
            if spec.dies:
                update["dies"] = [d.model_copy(update={"area": _times(d.area, f)}) for d in spec.dies]
        elif name == "memory_bandwidth":
            assert spec.memory is not None
            update["memory"] = spec.memory.model_copy(update={"bandwidth": _times(spec.memory.bandwidth, f)})
        elif name in ("io_bandwidth", "interconnect_bandwidth"):
            update["io"] = {key: _times(rate, f) for key, rate in (spec.io or {}).items()}
        elif name == "package_area":
            update["package_area"] = _times(spec.package_area, f)
        elif name == "transistors":
            update["transistors"] = _times(spec.transistors, f)
        else:  # pragma: no cover - a new kind of figure needs its sheet counterpart here
            raise AssertionError(f"no sheet counterpart for {name}")
    return spec.model_copy(update=update)


def answer(engine: Engine, spec: ChipSpec, round_id: str) -> tuple:
    (result,) = engine.classify(spec, [round_id], DAY)
    return (result.status, result.classification, result.license_exception, result.license_review, result.undetermined)


# --- the example ------------------------------------------------------------------------------------------


def test_the_h20_can_grow_by_75_74_in_tpp_to_the_2400_line_and_by_11_10_in_density_to_the_3_2_line(engine):
    found = {h.metric: h for h in engine.headroom(sheet("nvidia/h20"), ["us-2023-10"], DAY)}
    tpp, density = found["tpp"], found["performance_density"]
    assert tpp.direction == "grow" and tpp.first is not None
    assert (tpp.first.factor, tpp.first.at, tpp.first.clause, tpp.first.line) == (
        Fraction(75, 74),  # 2400 / 2368: +1.35%, not the margin's 1.33%
        True,
        "3A090.b.1",
        "tpp >= 2400",
    )
    assert tpp.first.after.classification == "3A090.b"
    assert density.first is not None and density.note == "die_area / k"  # at a fixed TPP: the die shrinks
    assert (density.first.factor, density.first.clause, density.first.line) == (
        Fraction(11, 10),  # 3.2 / (2368 / 814)
        "3A090.b.2",
        "performance_density >= 3.2 per mm^2",
    )


def test_the_command_line_says_it_as_a_designer_reads_it(capsys):
    assert main(["headroom", str(sheet("nvidia/h20")), "--round", "us-2023-10", "--as-of", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "tpp x1.01352 reaches 3A090.b.1 (tpp >= 2400)" in out  # rounded up: x1.01351 would not reach it
    assert "performance_density (die_area / k) x1.1 reaches 3A090.b.2 (performance_density >= 3.2 per mm^2)" in out
    assert main(["headroom", str(sheet("nvidia/h20")), "--round", "us-2023-10", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["metric"], r["first"]["factor"]) for r in rows] == [("tpp", "75/74"), ("performance_density", "11/10")]


def test_a_controlled_chip_is_told_how_far_it_must_shrink_and_what_it_becomes(engine):
    found = {h.metric: h for h in engine.headroom(sheet("nvidia/h100-sxm5"), ["us-2023-10"], DAY)}
    tpp = found["tpp"]
    assert tpp.direction == "shrink" and tpp.first is not None and tpp.status is not None
    # TPP 15831.2 (FP8 1978.9 TFLOPS x 8): below 4800 / 15831.2 it leaves 3A090.a for 3A090.b; below
    # 2400 / 15831.2 it is no longer controlled (strict: at the factor itself it still meets the line)
    h100 = Fraction("15831.2")
    assert (tpp.first.factor, tpp.first.at, tpp.first.clause) == (4800 / h100, False, "3A090.a.1")
    assert tpp.first.after.classification == "3A090.b"
    assert (tpp.status.factor, str(tpp.status.after.status)) == (2400 / h100, "not-controlled")


def test_a_figure_known_only_as_a_lower_bound_has_no_factor(engine):
    entries = engine.headroom(sheet("moore-threads/mtt-s80"), ["us-2023-10"], DAY)
    tpp = next(h for h in entries if h.metric == "tpp")
    assert tpp.first is None and tpp.reason == "cannot move: tpp is known only as at least 460.8"


# --- the property, over the catalog ----------------------------------------------------------------------------------


def test_every_factor_is_where_reclassifying_the_scaled_sheet_first_changes_the_answer(engine):
    """For every catalog chip, round and figure: just short of the factor the answer is the chip's own, and at it
    (or, for a strict line, just beyond it) the answer differs; so do a few random factors in between. A figure
    said to move "without limit" is checked far out."""
    chips = engine.load_chips([CATALOG]).chips
    rng = random.Random(13)
    checked = 0
    for round_id in ROUND_IDS:
        program = engine.rules[round_id]
        by_metric = {v.metric: v for v in variations(program)}
        for chip in chips:
            base = answer(engine, chip.spec, round_id)
            for entry in engine.headroom(chip, [round_id], DAY):
                variation = by_metric[entry.metric]
                sign = 1 if entry.direction == "grow" else -1

                def at(k: Fraction, spec=chip.spec, variation=variation, round_id=round_id) -> tuple:
                    return answer(engine, scaled(spec, variation, k), round_id)

                where = f"{chip.spec.name} under {round_id}, {entry.metric}"
                if entry.first is None:
                    if entry.reason.startswith("cannot move"):
                        continue
                    for k in (Fraction(2), Fraction(10), Fraction(1000)):
                        assert at(k if sign > 0 else 1 / k) == base, where
                    continue
                k = entry.first.factor
                if entry.first.at:
                    assert at(k) != base, where
                    assert at(k - sign * k * EPSILON) == base, where
                    assert at(k)[:2] == (entry.first.after.status, entry.first.after.classification), where
                else:
                    assert at(k) == base, where
                    assert at(k + sign * k * EPSILON) != base, where
                for _ in range(3):  # nothing changes before the factor
                    between = 1 + (k - 1) * Fraction(rng.randint(1, 999), 1000)
                    assert at(between) == base, where
                checked += 1
    assert checked > 150  # every round with numeric lines contributes
