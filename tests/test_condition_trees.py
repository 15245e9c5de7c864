"""Random rule files: the engine's verdict on any condition tree is what three-valued logic says it is.

A reference interpreter, written here from the contract alone (decimal thresholds read as exact fractions, Kleene
AND/OR/NOT, unknown in gives unknown out), is compared with the whole pipeline: rule-file validation, compilation,
condition evaluation and the decision backends.
"""

from __future__ import annotations

import operator
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from exportctl.analysis.lint import check
from exportctl.core.documents import validate_data
from exportctl.core.errors import RuleFileError
from exportctl.decision import Memo, durable, make_backend
from exportctl.metrics.compute import compute_metrics
from exportctl.results.classify import evaluate_chip
from exportctl.rules.compile import compile_round
from exportctl.rules.model import RoundFile
from exportctl.sheets.load import LoadedChip
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import parse_chip, shipped_rules
from tests.strategies import ChipValues, chip_values, condition_trees, render, rule_file

BITS = {"fp16": 16, "fp8": 8, "int8": 8}
ORDER = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne}


def facts(values: ChipValues) -> dict[str, Any]:
    """What the tree's leaves read, from the drawn values (None: unknown)."""
    return {
        "tpp": None if values.throughput is None else max(r * BITS[k] for k, r in values.throughput.items()),
        "die_area": values.die_area,
        "memory_bandwidth": values.memory_bandwidth,
        "io_bandwidth": None if values.io is None else sum(values.io.values(), Fraction(0)),
        "datacenter": values.datacenter,
        "vendor": values.vendor,
    }


def leaf(text: str, known: dict[str, Any]) -> str:
    metric, op, rhs = text.split(" ", 2)
    value = known[metric]
    if value is None:
        return "U"
    if metric == "datacenter":
        holds = (value == (rhs == "true")) == (op == "==")
    elif metric == "vendor":
        holds = value in rhs.strip("[]").split(", ") if op == "in" else (value == rhs) == (op == "==")
    else:
        holds = ORDER[op](value, Fraction(rhs.split()[0]))
    return "T" if holds else "F"


def kleene(tree: Any, known: dict[str, Any]) -> str:
    if isinstance(tree, str):
        return leaf(tree, known)
    if "not" in tree:
        return {"T": "F", "F": "T", "U": "U"}[kleene(tree["not"], known)]
    parts = [kleene(x, known) for x in tree.get("all", tree.get("any"))]
    absorbing = "F" if "all" in tree else "T"
    if absorbing in parts:
        return absorbing
    return "U" if "U" in parts else ("T" if "all" in tree else "F")


BACKENDS = ["python"] + (["durable-rules"] if durable.available() else [])


@pytest.mark.parametrize("backend", BACKENDS)
@given(tree=condition_trees(), values=chip_values(unknown_links=False), data=st.data())
def test_the_engine_agrees_with_a_reference_three_valued_interpreter(
    backend: str, tree: Any, values: ChipValues, data: st.DataObject
) -> None:
    definitions = shipped_rules().definitions
    rule = validate_data(RoundFile, rule_file(tree), "<generated>", RuleFileError)
    program = compile_round(rule, definitions, "<generated>")
    try:
        check(program, "<generated>")
    except RuleFileError as refused:
        # only a clause no values can make hold is refused; the reference agrees it never holds
        assert "unreachable" in str(refused)
        return
    spec = parse_chip(data.draw(render(values)), "<hypothesis>")
    metrics = compute_metrics(spec, definitions)
    chip = LoadedChip(spec, "<hypothesis>")
    result = evaluate_chip(program, chip, date(2026, 1, 1), Memo(make_backend(backend)), metrics)
    expected = kleene(tree, facts(values))
    assert result.clauses["c"] == expected
    assert result.status == {"T": "controlled", "F": "not-controlled", "U": "indeterminate"}[expected]
