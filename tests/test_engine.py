"""One Engine owns its rules, metric definitions, memo and backend: several can live side by side in a process,
and none falls back to the shipped definitions behind its caller's back."""

from __future__ import annotations

import ast
import shutil
from datetime import date
from pathlib import Path

import pytest
from exportctl import Engine, SpecSheetError, Status
from exportctl.cli import main
from exportctl.decision import Memo
from exportctl.decision.kleene import KleeneBackend

from tests.conftest import ROOT, sheet

DAY = date(2026, 1, 1)
TPP_LINE = 'values: {2023-11-17: "4800"}'  # us-2023-10's TPP line: one parameter, used by every comparison with it


def rules_copy(tmp_path: Path, *round_ids: str, name: str = "rules") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder)
    for round_id in round_ids:
        shutil.copy(ROOT / "rules" / f"{round_id}.yaml", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new))


# --- the three defects of shared global state -------------------------------------------------------------------


def test_a_folder_without_an_operation_type_refuses_sheets_that_use_it_instead_of_crashing(tmp_path, capsys):
    folder = rules_copy(tmp_path, "us-2023-10")
    edit(folder / "_metrics.yaml", "  fp64: 64\n", "")
    code = main(["--rules", str(folder), "classify", str(sheet("nvidia/h20")), "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2
    assert "throughput.fp64: unknown operation type 'fp64'" in err
    # a chip validated by another Engine (the shipped definitions know fp64) is refused the same way, not a KeyError
    spec = Engine(backend="python").load_chip(sheet("nvidia/h20"))
    with pytest.raises(SpecSheetError, match="throughput.fp64: unknown operation type 'fp64'"):
        Engine(folder, backend="python").classify(spec, as_of=DAY)


def test_a_folder_that_adds_an_operation_type_accepts_and_counts_it(tmp_path):
    folder = rules_copy(tmp_path, "us-2023-10")
    edit(folder / "_metrics.yaml", "  fp64: 64\n", "  fp64: 64\n  fp12: 12\n")
    data = {"name": "X", "vendor": "Y", "datacenter": True, "throughput": {"fp12": "500 TOPS"}, "die_area": "800 mm^2"}
    with pytest.raises(SpecSheetError, match="unknown operation type 'fp12'"):
        Engine(backend="python").parse_chip(data)
    (result,) = Engine(folder, backend="python").classify(data, as_of=DAY)
    tpp = next(c for c in result.conditions if c.metric == "tpp")
    assert tpp.value == "6000"  # 500 TOPS x 12 bits
    assert (result.status, result.classification) == (Status.CONTROLLED, "3A090.a")


def test_editing_the_metric_definitions_and_loading_the_folder_again_reads_the_edit(tmp_path):
    folder = rules_copy(tmp_path, "us-2023-10")
    before = Engine(folder, backend="python")
    edit(folder / "_metrics.yaml", "  tf32: 32\n", "  tf32: 19\n")
    after = Engine(folder, backend="python")
    assert (before.definitions.bit_lengths["tf32"], after.definitions.bit_lengths["tf32"]) == (32, 19)
    (old,) = before.classify(sheet("aws/trainium"), ["us-2023-10"], DAY)
    (new,) = after.classify(sheet("aws/trainium"), ["us-2023-10"], DAY)
    assert (old.status, new.status) == (Status.CONTROLLED, Status.INDETERMINATE)


def test_two_engines_with_different_rule_folders_give_their_own_answers_in_one_process(tmp_path):
    lower = rules_copy(tmp_path, "us-2023-10", name="lower")
    edit(lower / "us-2023-10.yaml", TPP_LINE, TPP_LINE.replace("4800", "2000"))
    shipped, what_if = Engine(backend="python"), Engine(lower, backend="python")
    for _ in range(2):  # interleaved, twice: neither sees the other's rules or memo
        (a,) = shipped.classify(sheet("nvidia/h20"), ["us-2023-10"], DAY)
        (b,) = what_if.classify(sheet("nvidia/h20"), ["us-2023-10"], DAY)
        assert (a.status, b.status) == (Status.NOT_CONTROLLED, Status.CONTROLLED)
    assert shipped.memo is not what_if.memo


# --- the verdict is keyed by structure ---------------------------------------------------------------------------


def test_variants_that_only_move_a_line_share_the_structure_key_and_the_memo(tmp_path):
    moved = rules_copy(tmp_path, "us-2023-10")
    edit(moved / "us-2023-10.yaml", TPP_LINE, TPP_LINE.replace("4800", "4000"))
    memo = Memo(KleeneBackend())
    base = Engine(backend="python", memo=memo)
    variant = Engine(moved, memo=memo)
    assert base.rules["us-2023-10"].structure_key == variant.rules["us-2023-10"].structure_key
    assert base.rules["us-2023-10"].content_key != variant.rules["us-2023-10"].content_key
    (a,) = base.classify(sheet("nvidia/h100-sxm5"), ["us-2023-10"], DAY)
    misses = memo.misses
    (b,) = variant.classify(sheet("nvidia/h100-sxm5"), ["us-2023-10"], DAY)  # the same pattern: no new decision
    assert memo.misses == misses and a.status == b.status == Status.CONTROLLED


def test_a_change_of_structure_changes_the_key(tmp_path):
    changed = rules_copy(tmp_path, "us-2023-10")
    edit(changed / "us-2023-10.yaml", "tpp >= $tpp_line", "tpp > $tpp_line")
    base, other = Engine(backend="python"), Engine(changed, backend="python")
    assert base.rules["us-2023-10"].structure_key != other.rules["us-2023-10"].structure_key


def test_the_memo_is_bounded_and_drops_the_least_recently_used_verdict():
    engine = Engine(backend="python", memo=Memo(KleeneBackend(), max_entries=2))
    program = engine.rules["us-2022-10"]
    t, f = (Status.CONTROLLED, Status.NOT_CONTROLLED)
    patterns = [("T", "T", "T"), ("F", "F", "F"), ("T", "T", "T"), ("U", "U", "U")]
    from exportctl import Tri

    for p in patterns:
        engine.memo.verdict(program, tuple(Tri(x) for x in p))
    assert len(engine.memo.cache) == 2
    kept = {pattern for _, pattern in engine.memo.cache}
    assert kept == {(Tri.T,) * 3, (Tri.U,) * 3}  # FFF was used least recently
    assert engine.memo.verdict(program, (Tri.T,) * 3).status == t
    assert engine.memo.verdict(program, (Tri.F,) * 3).status == f


# --- layers ------------------------------------------------------------------------------------------------------

LAYERS = ["core", "sheets", "metrics", "rules", "conditions", "decision", "results", "analysis", "batch", "outputs"]
TOP = {"api": len(LAYERS), "cli": len(LAYERS) + 1, "__init__": len(LAYERS) + 2, "_version": -1}


def _layer(module: str) -> int:
    head = module.split(".")[0]
    return LAYERS.index(head) if head in LAYERS else TOP[head]


def test_every_module_imports_only_from_its_own_layer_or_those_before_it():
    engine = ROOT / "engine"
    wrong = []
    for path in sorted(engine.rglob("*.py")):
        here = ".".join(path.relative_to(engine).with_suffix("").parts)
        package = here.rsplit(".", 1)[0] if "." in here else ""
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
                if target and _layer(target) > _layer(here) and not here.startswith("__init__"):
                    wrong.append(f"{here} imports {target}")
    assert wrong == []


def test_programs_whose_clause_ids_hold_separator_characters_never_share_a_structure_key(tmp_path):
    head = (ROOT / "tests" / "fixtures" / "bad-rules" / "unknown-metric" / "round.yaml").read_text()
    head = head[: head.index("clauses:")]
    two = rules_copy(tmp_path, name="two")
    (two / "r.yaml").write_text(
        head + "clauses:\n  - {id: a, when: tpp >= 1, text: t}\n"
        "  - {id: b, when: tpp >= 1, text: t, outcome: {status: controlled}}\n"
    )
    one = rules_copy(tmp_path, name="one")
    (one / "r.yaml").write_text(
        head + "clauses:\n  - {id: 'a=c0;b', when: tpp >= 1, text: t, outcome: {status: controlled}}\n"
    )
    keys = [
        Engine(f, backend="python").rules.programs[next(iter(Engine(f, backend="python").rules.programs))].structure_key
        for f in (two, one)
    ]
    assert keys[0] != keys[1]
