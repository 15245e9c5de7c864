"""Any rule folder, however odd, either loads or is refused with an ExportctlError; one that loads classifies the
whole catalog within a time bound, identically on both backends. (HYPOTHESIS_PROFILE=thorough: 1,000 folders.)"""

from __future__ import annotations

import signal
import string
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from exportctl import Engine, ExportctlError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CATALOG, ROOT, durable_available

METRICS = [
    "tpp",
    "performance_density",
    "memory_bandwidth",
    "io_bandwidth",
    "die_area",
    "datacenter",
    "kind",
    "vendor",
    "name",
    "transistors",
    "tdp",
    "interconnect_bandwidth",
    "memory_bandwidth_density",
]
OPS = [">=", ">", "<", "<=", "==", "!=", "in", "matches", "=>", "~"]
NUMBERS = ["4800", "0600", "1e3", "2.5", "-1", "80:00", "0x10", "1e400", "9" * 60, "nan", ".5", "1_000"]
UNITS = ["", " GB/s", " TB/s", " mm^2", " GHz", " byte", " TOPS", " 1/mm^2", " GB/s/mm^2", " radian", " furlong"]
TEXTS = [
    "accelerator",
    "memory",
    "NVIDIA",
    "[NVIDIA, AMD]",
    "['Acme, Inc.', Other]",
    "'A100|H100'",
    "'(a+)+$'",
    "true",
    "false",
    "[/bold]",
    "\\x1b[31m",
]
IDS = st.sampled_from(["a", "b", "c", "3A090.a", "$scope", "x/y", "", "a b", "é"]) | st.text(
    string.ascii_lowercase + ".-_$/", min_size=1, max_size=6
)


@st.composite
def comparison(draw: st.DrawFn) -> str:
    metric = draw(st.sampled_from(METRICS))
    op = draw(st.sampled_from(OPS))
    rhs = (
        draw(st.sampled_from(NUMBERS)) + draw(st.sampled_from(UNITS))
        if draw(st.booleans())
        else draw(st.sampled_from(TEXTS))
    )
    if draw(st.integers(0, 9)) == 0:
        rhs = "$" + draw(st.sampled_from(["line", "missing"]))
    return f"{metric} {op} {rhs}"


def conditions(ids: list[str]) -> st.SearchStrategy[Any]:
    leaves = (
        comparison()
        | st.sampled_from([f"clause {i}" for i in ids] or ["clause a"])
        | st.sampled_from(["tpp is big", "", 7, None])
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, min_size=0, max_size=4).map(lambda xs: {"all": xs})
            | st.lists(inner, min_size=0, max_size=4).map(lambda xs: {"any": xs})
            | inner.map(lambda x: {"not": x})
        ),
        max_leaves=12,
    )


OUTCOMES = st.sampled_from(
    [
        {"status": "controlled"},
        {"status": "controlled", "classification": "3A090.a"},
        {"status": "controlled", "classification": "3A090.b"},
        {"status": "review"},
        {"license_exception": "NAC/ACA"},
        {"license_review": "case-by-case"},
        {},
        {"status": "maybe"},
    ]
)


@st.composite
def round_file(draw: st.DrawFn, round_id: str, others: list[str]) -> dict[str, Any]:
    ids = draw(st.lists(IDS, min_size=1, max_size=5))
    clauses = []
    for cid in ids:
        entry: dict[str, Any] = {
            "id": cid,
            "text": draw(st.sampled_from(["quoted text", "", "[/bold]"])),
            "when": draw(conditions(ids)),
        }
        if draw(st.booleans()):
            entry["outcome"] = draw(OUTCOMES)
        clauses.append(entry)
    effective = draw(st.sampled_from(["2023-11-17", "2020-01-01", 0, "soon", "2030-02-30"]))
    document: dict[str, Any] = {
        "id": round_id,
        "title": draw(st.sampled_from(["generated", "", "[link=file:///etc/passwd]x[/link]"])),
        "instrument": "test",
        "citation": draw(st.sampled_from(["88 FR 73458", ""])),
        "provenance": draw(st.sampled_from(["published", "reported", "rumoured"])),
        "dates": {"effective": effective, **({"ends": "2022-01-01"} if draw(st.booleans()) else {})},
        "destinations": {"countries": ["CN"]},
        "sources": [{"title": "hypothesis"}],
        "clauses": clauses,
    }
    if draw(st.integers(0, 3)) == 0:
        document["parameters"] = {
            "line": {
                "dimension": draw(st.sampled_from(["dimensionless", "bandwidth"])),
                "values": {"2020-01-01": draw(st.sampled_from(NUMBERS))},
            }
        }
    if others and draw(st.integers(0, 3)) == 0:
        document["overlays"] = draw(st.sampled_from(others))
    if draw(st.integers(0, 4)) == 0:
        document["applies_to"] = {"when": draw(conditions(ids)), "text": "scope"}
    if draw(st.integers(0, 5)) == 0:
        document["supersedes"] = [draw(st.sampled_from([*others, "us-1900-01"]))]
    return document


# Comparisons that are well formed for each metric, so that most plausible folders load and get decided.
VALID = [
    st.sampled_from(["tpp >= ", "tpp < ", "tpp > ", "transistors >= "])
    .map(lambda t: t)
    .flatmap(lambda t: st.sampled_from(["1600", "2400", "4800", "21000", "30e9", "0"]).map(lambda n: t + n)),
    st.sampled_from(["performance_density >= 1.6", "performance_density < 5.92", "performance_density >= 3.2"]),
    st.sampled_from(
        [
            "memory_bandwidth >= 1400 GB/s",
            "memory_bandwidth < 6.5 TB/s",
            "io_bandwidth >= 600 GB/s",
            "interconnect_bandwidth >= 1100 GB/s",
            "die_area < 700 mm^2",
        ]
    ),
    st.sampled_from(
        [
            "datacenter == true",
            "datacenter == false",
            "kind == accelerator",
            "kind == memory",
            "vendor in [NVIDIA, AMD]",
            "vendor == NVIDIA",
            "name matches 'A100|H100|H20'",
        ]
    ),
]


def plausible_conditions(ids: list[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(*VALID, *([st.sampled_from([f"clause {i}" for i in ids])] if ids else []))
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, min_size=1, max_size=4).map(lambda xs: {"all": xs})
            | st.lists(inner, min_size=1, max_size=4).map(lambda xs: {"any": xs})
            | inner.map(lambda x: {"not": x})
        ),
        max_leaves=10,
    )


@st.composite
def plausible_round(draw: st.DrawFn, round_id: str, others: list[str]) -> dict[str, Any]:
    """A well-formed round: only its logic is random (it may still overlap, cycle or never hold)."""
    count = draw(st.integers(1, 5))
    ids = [f"c{i}" for i in range(count)]
    clauses = []
    for i, cid in enumerate(ids):
        entry: dict[str, Any] = {"id": cid, "text": "quoted text", "when": draw(plausible_conditions(ids[:i]))}
        if draw(st.booleans()) or i == count - 1:
            entry["outcome"] = draw(st.sampled_from([{"status": "controlled"}, {"status": "review"}]))
        clauses.append(entry)
    document: dict[str, Any] = {
        "id": round_id,
        "title": "generated",
        "instrument": "test",
        "citation": "none",
        "provenance": "published",
        "dates": {"effective": "2020-01-01"},
        "destinations": {"countries": ["CN"]},
        "sources": [{"title": "hypothesis"}],
        "clauses": clauses,
    }
    if others and draw(st.integers(0, 3)) == 0:
        document["overlays"] = draw(st.sampled_from(others))
    if draw(st.integers(0, 3)) == 0:
        document["applies_to"] = {"when": draw(st.one_of(*VALID)), "text": "scope"}
    return document


@st.composite
def rule_folders(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    ids = [f"fuzz-{i}" for i in range(count)]
    kind = draw(st.sampled_from([plausible_round, plausible_round, round_file]))  # two thirds well formed
    return {rid: draw(kind(rid, ids[:i])) for i, rid in enumerate(ids)}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


class _TookTooLong(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _TookTooLong


SHEETS = sorted(CATALOG.rglob("*.yaml"))
DAY = date(2026, 1, 1)


def _results(engine: Engine, chips: list[Any]) -> list[dict[str, Any]]:
    return [r.to_dict() for chip in chips for r in engine.classify(chip, engine.rules.ids(), DAY)]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], deadline=None)
@given(folder=rule_folders())
def test_any_rule_folder_loads_or_is_refused_and_one_that_loads_decides_the_catalog_alike_on_both_backends(
    folder: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    where: Path = tmp_path_factory.mktemp("fuzz-rules")
    (where / "_metrics.yaml").write_text((ROOT / "rules" / "_metrics.yaml").read_text())
    for rid, document in folder.items():
        (where / f"{rid}.yaml").write_text(yaml.dump(document, Dumper=_NoAliases, allow_unicode=True, sort_keys=False))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)  # a hang fails this example instead of stalling the run (generous: not a speed test)
    try:
        try:
            python = Engine(where, backend="python")
        except ExportctlError:
            return  # refused with a message: what a bad folder should get
        chips = python.load_chips(SHEETS).chips
        expected = _results(python, chips)
        if durable_available():
            durable = Engine.from_ruleset(python.rules, backend="durable-rules")
            assert _results(durable, chips) == expected
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
