"""Properties that every round in rules/ must have: three-valued soundness and completeness, and monotonicity.

Chips are drawn from tests/strategies.py (accelerators and HBM stacks, any field possibly missing) and written in
random equivalent units. Each test runs once per round file.
"""

from __future__ import annotations

import itertools
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from exportctl import classify
from exportctl.core.logic import SEVERITY
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import ROUND_IDS, parse_chip, shipped_rules
from tests.strategies import (
    AREA,
    LINK,
    MEMORY_BANDWIDTH,
    TRANSISTORS,
    ChipValues,
    chip_values,
    memory_values,
    raised,
    render,
    throughput_value,
)

AS_OF = date(2026, 11, 23)
HUGE = Fraction(10**9)


def result(values: ChipValues, round_id: str, data: st.DataObject):
    spec = parse_chip(data.draw(render(values)), "<hypothesis>")
    return classify(spec, [round_id], as_of=AS_OF, rules=shipped_rules())[0]


def status(values: ChipValues, round_id: str, data: st.DataObject) -> str:
    return result(values, round_id, data).status


def missing_slots(values: ChipValues) -> list[str]:
    """The figures a sheet leaves out (or writes as `unknown`) that a filling may supply."""
    slots = [
        name for name in ("datacenter", "die_area", "memory_bandwidth", "transistors") if getattr(values, name) is None
    ]
    if values.kind == "accelerator":
        slots += ["throughput"] if values.throughput is None else []
        slots += ["io"] if values.io is None else [f"io.{k}" for k, v in values.io.items() if v is None]
    else:
        slots += ["package_area"] if values.package_area is None else []
    return slots


def filled(values: ChipValues, fills: dict[str, Any]) -> ChipValues:
    changes: dict[str, Any] = {}
    io = dict(values.io or {})
    for slot, value in fills.items():
        if slot.startswith("io."):
            io[slot[3:]] = value
        elif slot == "io":
            io = dict(value)
        else:
            changes[slot] = value
    if values.io is not None or "io" in fills:
        changes["io"] = io
    return values.with_(**changes)


def slot_strategy(slot: str) -> st.SearchStrategy[Any]:
    if slot == "datacenter":
        return st.booleans()
    if slot == "throughput":
        return st.dictionaries(st.sampled_from(("fp16", "int8")), throughput_value("int8"), min_size=1, max_size=2)
    if slot == "io":
        return st.dictionaries(st.sampled_from(("nvlink", "pcie")), LINK, max_size=2)
    if slot.startswith("io."):
        return LINK
    return {"die_area": AREA, "package_area": AREA, "memory_bandwidth": MEMORY_BANDWIDTH, "transistors": TRANSISTORS}[
        slot
    ]


def candidates(slot: str, round_id: str) -> list[Any]:
    """Values for a completeness search: the extremes, and each of the round's lines in the slot's own units."""
    lines = {
        c.threshold if c.parameter is None else value
        for c in _comparisons(round_id)
        for value in ([v for _, v in c.dated] or [c.threshold])
        if isinstance(value, Fraction)
    }
    around = sorted({x for t in lines for x in (t, t * Fraction(999, 1000), t * Fraction(1001, 1000)) if x > 0})
    if slot == "datacenter":
        return [False, True]
    if slot == "throughput":
        return [{"int8": x / 8} for x in [Fraction(0), *around, HUGE]]
    if slot == "io":
        return [{"nvlink": x} for x in [Fraction(0), *around, HUGE]]
    if slot in ("die_area", "package_area"):
        return [Fraction(1, 100), *around, HUGE]
    return [Fraction(0), *around, HUGE]


def _comparisons(round_id: str):  # type: ignore[no-untyped-def]
    return [c for c in shipped_rules()[round_id].comparisons if c.kind == "number"]


# --- three-valued logic --------------------------------------------------------------------------------------------


def complete_values() -> st.SearchStrategy[ChipValues]:
    return chip_values(missing=False, unknown_links=False) | memory_values(missing=False)


def droppable(values: ChipValues) -> list[str]:
    """The figures of a complete chip that a sheet could leave out (or write as `unknown`)."""
    names = ["datacenter", "die_area", "memory_bandwidth", "transistors", "throughput", "package_area", "io"]
    out = [n for n in names if getattr(values, n) is not None]
    return out + [f"io.{k}" for k in (values.io or {})]


def dropped(values: ChipValues, slots: list[str]) -> ChipValues:
    changes: dict[str, Any] = {}
    io = None if "io" in slots or values.io is None else dict(values.io)
    for slot in slots:
        if slot.startswith("io."):
            if io is not None:
                io[slot[3:]] = None
        elif slot != "io":
            changes[slot] = None
    return values.with_(io=io, **changes)


@pytest.mark.parametrize("round_id", ROUND_IDS)
@given(values=complete_values(), data=st.data())
def test_three_valued_logic_is_sound_and_complete(round_id: str, values: ChipValues, data: st.DataObject) -> None:
    """Decided with figures missing: every filling agrees. Indeterminate: two fillings disagree.

    The complete chip the gaps were cut from is one filling; the search for a second looks at the extremes and at
    each of the round's lines (and a hair either side) in every missing figure.
    """
    gaps = data.draw(st.lists(st.sampled_from(droppable(values)), min_size=1, max_size=4, unique=True), label="gaps")
    partial = dropped(values, gaps)
    slots = missing_slots(partial)
    found = result(partial, round_id, data)
    verdict = found.status
    original = status(values, round_id, data)
    event(verdict)  # --hypothesis-show-statistics shows how often each half is exercised
    if any(a.startswith("presumed:") for a in found.assumptions):
        # decided by the rule's own presumption (HBM in production exceeds 3A090.c), not by the figures: it may
        # disagree with some filling, so it must say so, apply only where a figure it settles is missing, and
        # agree with every filling that meets the presumed line
        assert verdict == "controlled", verdict
        assert {"package_area", "memory_bandwidth"} & set(slots), slots
        fills = {slot: data.draw(slot_strategy(slot), label=slot) for slot in slots}
        fills |= {"package_area": Fraction(1)} if "package_area" in slots else {}
        fills |= {"memory_bandwidth": Fraction(10_000)} if "memory_bandwidth" in slots else {}
        dense = filled(partial, fills)  # 1 mm^2, or 10 TB/s over at most 400 mm^2: over the line where any filling is
        assert dense.memory_bandwidth is not None and dense.package_area is not None
        if dense.memory_bandwidth / dense.package_area > 2:  # (a known 0 GB/s stays under it, whatever the area)
            assert status(dense, round_id, data) == verdict
        return
    if verdict != "indeterminate":
        fills = {slot: data.draw(slot_strategy(slot), label=slot) for slot in slots}
        assert (original, status(filled(partial, fills), round_id, data)) == (verdict, verdict)
        return
    lists = [candidates(slot, round_id) for slot in slots]
    corners = [tuple(c[0] for c in lists), tuple(c[-1] for c in lists)]
    for combination in itertools.chain(corners, itertools.islice(itertools.product(*lists), 5000)):
        if status(filled(partial, dict(zip(slots, combination))), round_id, data) != original:
            return
    raise AssertionError(f"indeterminate, yet every filling of {slots} gives {original}")


@given(values=memory_values(missing=False), data=st.data())
def test_a_presumption_never_overrides_a_figure_the_sheet_gives(values: ChipValues, data: st.DataObject) -> None:
    """us-2024-12 presumes HBM density over the line only where it is unknown: a complete sheet is decided by its
    figures, and says nothing of a presumption."""
    found = result(values, "us-2024-12", data)
    assert not [a for a in found.assumptions if a.startswith("presumed:")]
    density = values.memory_bandwidth / values.package_area
    assert (found.status == "controlled") == (density > 2)


# --- monotonicity --------------------------------------------------------------------------------------------------

# Per round: which figures may be raised, and under what side conditions, without the status getting less strict
# (severity: controlled > review > not-controlled). Where a round is not in this table, the test says why.
MONOTONE: dict[str, dict[str, Any]] = {
    # letters: named chips stay named; the A100 line (TPP >= 4992) only catches more when raised
    "us-2022-08": {"raise": {"throughput": True, "io": True, "memory": True}},
    # the Oct 23, 2023 notice: named products only; no figure moves a chip in or out
    "us-2023-10-accel": {"raise": {"throughput": True, "io": True, "memory": True}},
    # 3A090 (2022): TPP >= 4800 and I/O >= 600, both monotone
    "us-2022-10": {"raise": {"throughput": True, "io": True}},
    # 3A090 (2023) and the rounds that overlay it: monotone in TPP for a datacenter chip of fixed die area
    # (the non-datacenter Note excludes by performance density, which raising TPP also raises)
    "us-2023-10": {"raise": {"throughput": True}, "datacenter": True},
    "us-2025-01-diffusion": {"raise": {"throughput": True}, "datacenter": True},
    "us-2026-01": {"raise": {"throughput": True}, "datacenter": True},
    # HBM: bandwidth density rises with bandwidth at fixed package area
    "us-2024-12": {"raise": {"memory": True}},
    # foundry due diligence: the transistor-count line only catches more when raised
    "us-2025-01-foundry": {"raise": {"transistors": True}},
    # H20-class notice: DRAM bandwidth, I/O and their sum, all monotone
    "us-2025-04": {"raise": {"memory": True, "io": True}},
}


def test_every_round_states_its_monotonicity():
    assert sorted(MONOTONE) == ROUND_IDS


@pytest.mark.parametrize("round_id", ROUND_IDS)
@given(data=st.data())
def test_raising_figures_never_makes_a_status_less_strict(round_id: str, data: st.DataObject) -> None:
    rule = MONOTONE[round_id]
    # every figure known: raising a figure of a chip with gaps can rightly make it indeterminate
    complete = chip_values(missing=False, unknown_links=False)
    if rule.get("datacenter"):
        values = data.draw(complete.map(lambda v: v.with_(datacenter=True)))
    else:
        values = data.draw(complete | memory_values(missing=False))
    before = status(values, round_id, data)
    higher = data.draw(raised(values, **rule["raise"]), label="raised")
    after = status(higher, round_id, data)
    assert after != "indeterminate" and SEVERITY[after] >= SEVERITY[before], (before, after)
