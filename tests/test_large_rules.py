"""Rule files far larger than the shipped ones load and decide, on both backends alike: durable-rules' own limits
(stack depth, ruleset size, event properties) are met by the backend's construction, never reached by a user."""

from __future__ import annotations

import itertools
import random
import shutil
from datetime import date

import pytest
from exportctl import Engine, Status, Tri
from exportctl.decision.kleene import KleeneBackend

from tests.conftest import ROOT, durable_available

HEAD = """id: {id}
title: generated
instrument: generated for a test
citation: none
provenance: published
dates: {{effective: 2024-01-01}}
destinations: {{countries: [CN]}}
sources: [{{title: generated}}]
"""


def clause(cid: str, when: str, outcome: str = "") -> str:
    return f"  - id: {cid}\n    text: generated\n    when: {when}\n" + (f"    outcome: {outcome}\n" if outcome else "")


def wide(kind: str, n: int) -> dict[str, str]:
    """One clause that is `any`/`all` of n comparisons (durable-rules overflowed at about 70)."""
    items = ", ".join(f"tpp >= {1000 + i}" for i in range(n))
    return {"r": HEAD.format(id="r") + "clauses:\n" + clause("a", f"{{{kind}: [{items}]}}", "{status: controlled}")}


def chain(n: int) -> dict[str, str]:
    """n clauses, each referring to the one before (durable-rules overflowed at about 60)."""
    body = clause("c0", "tpp >= 100")
    body += "".join(clause(f"c{i}", f"{{all: [clause c{i - 1}, tpp >= {100 + i}]}}") for i in range(1, n))
    return {"r": HEAD.format(id="r") + "clauses:\n" + body + clause("out", f"clause c{n - 1}", "{status: controlled}")}


def many(n: int) -> dict[str, str]:
    """n clauses and one outcome over all of them (a ruleset of hundreds of rules was refused)."""
    body = "".join(clause(f"c{i}", f"tpp >= {100 + i}") for i in range(n))
    refs = ", ".join(f"clause c{i}" for i in range(n))
    return {
        "r": HEAD.format(id="r") + "clauses:\n" + body + clause("out", f"{{any: [{refs}]}}", "{status: controlled}")
    }


def nested(depth: int) -> dict[str, str]:
    """all/any nested `depth` levels deep (more comparisons than an event could carry)."""
    when = "tpp >= 100"
    for i in range(depth):
        when = f"{{{'all' if i % 2 else 'any'}: [{when}, tpp >= {200 + i}]}}"
    return {"r": HEAD.format(id="r") + "clauses:\n" + clause("a", when, "{status: controlled}")}


def overlays(n: int) -> dict[str, str]:
    """n rounds, each a policy overlay of the one before."""
    files = {"r0": HEAD.format(id="r0") + "clauses:\n" + clause("a", "tpp >= 4800", "{status: controlled}")}
    for i in range(1, n):
        files[f"r{i}"] = (
            HEAD.format(id=f"r{i}")
            + f"overlays: r{i - 1}\nclauses:\n"
            + clause(f"b{i}", f"tpp < {21000 - i}", "{license_review: case-by-case}")
        )
    return files


SHAPES = {
    "any of 70": wide("any", 70),
    "all of 70": wide("all", 70),
    "a chain of 100 references": chain(100),
    "a chain of 1,500 references": chain(1500),
    "200 clauses": many(200),
    "nesting 60 deep": nested(60),  # deeper is refused at load, with its own message (the stated limit is 64)
    "30 overlays": overlays(30),
}


def folder(tmp_path, files: dict[str, str]):
    out = tmp_path / "rules"
    out.mkdir()
    shutil.copy(ROOT / "rules" / "_metrics.yaml", out)
    for name, text in files.items():
        (out / f"{name}.yaml").write_text(text)
    return out


@pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed here")
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_rule_file_beyond_durable_rules_own_limits_is_decided_by_it_as_by_the_reference(tmp_path, shape):
    engine = Engine(folder(tmp_path, SHAPES[shape]), backend="durable-rules")
    reference = KleeneBackend()
    program = engine.rules[engine.rules.ids()[-1]]
    chooser = random.Random(shape)
    for _ in range(60):
        pattern = tuple(chooser.choice(list(Tri)) for _ in program.comparisons)
        assert engine.backend.decide(program, pattern) == reference.decide(program, pattern)
    chip = {"name": "X", "vendor": "Y", "tpp": 5000, "datacenter": True, "die_area": "800 mm^2"}
    (result,) = engine.classify(chip, [program.round.id], date(2025, 1, 1))
    (expected,) = Engine.from_ruleset(engine.rules, backend="python").classify(
        chip, [program.round.id], date(2025, 1, 1)
    )
    assert result.status == expected.status


def test_a_thousand_clauses_load_and_are_checked_at_load_without_hanging(tmp_path):
    engine = Engine(folder(tmp_path, many(1000)), backend="python")
    (result,) = engine.classify({"name": "X", "vendor": "Y", "tpp": 150}, ["r"], date(2025, 1, 1))
    assert result.status == Status.CONTROLLED  # tpp >= 100 holds: clause c0, so `out`


def test_a_thousand_clauses_with_two_outcomes_that_overlap_are_still_refused(tmp_path):
    from exportctl.core.errors import RuleFileError

    files = many(1000)
    files["r"] += clause("other", "tpp >= 5000", "{status: controlled, classification: 3A090.b}")
    files["r"] = files["r"].replace(
        "    outcome: {status: controlled}\n", "    outcome: {status: controlled, classification: 3A090.a}\n"
    )
    with pytest.raises(RuleFileError, match=r"clauses\[1001\] \(other\): overlaps clause 'out'"):
        Engine(folder(tmp_path, files), backend="python")


@pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed here")
def test_a_clause_named_like_the_backend_s_lifted_nodes_decides_alike(tmp_path):
    files = {
        "r": HEAD.format(id="r")
        + "clauses:\n"
        + clause("a", "{any: [{all: [tpp >= 1, tpp >= 2]}, tpp >= 2e8]}", "{status: controlled}")
        + clause("'~0'", "tpp >= 3")
    }
    engine = Engine(folder(tmp_path, files), backend="durable-rules")
    program = engine.rules["r"]
    for pattern in itertools.product(list(Tri), repeat=len(program.comparisons)):
        assert engine.backend.decide(program, pattern) == KleeneBackend().decide(program, pattern)
