"""What-ifs as data (issue 13): an overlay, or `--set`, laid over a round gives the answers a hand-edited copy of
the rules folder gives, names itself as modified, shares its base's memo, and is refused like a rule file when
it is wrong."""

from __future__ import annotations

import json
import shutil
from datetime import date
from fractions import Fraction

import pytest
from exportctl import Engine, RuleFileError, Status
from exportctl.cli import main
from exportctl.decision import Memo
from exportctl.decision.kleene import KleeneBackend

from tests.conftest import CATALOG, ROOT, sheet

DAY = date(2026, 1, 1)
TPP_LINE = 'values: {2023-11-17: "4800"}'  # us-2023-10's TPP line in its rule file


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(backend="python")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rules_copy(tmp_path, old: str, new: str):
    """The shipped rules folder with one text edited by hand: what a what-if meant before overlays."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder, ignore=shutil.ignore_patterns("README.md"))
    rule = folder / "us-2023-10.yaml"
    text = rule.read_text()
    assert text.count(old) == 1
    rule.write_text(text.replace(old, new))
    return folder


def answers(rows: list[dict]) -> list[tuple]:
    """What a classification says per chip, without the round ids (a what-if's carry its name)."""
    return [
        (
            r["chip"],
            r["status"],
            r["classification"],
            r["license_exception"],
            r["license_review"],
            [(x["round"].split("+")[0], x["status"], x["classification"]) for x in r["rounds"]],
        )
        for r in rows
    ]


# --- the same answers three ways ---------------------------------------------------------------------------------


def test_set_and_overlay_give_the_answers_of_a_hand_edited_rules_folder_for_the_whole_catalog(tmp_path, capsys):
    folder = rules_copy(tmp_path, TPP_LINE, TPP_LINE.replace("4800", "4000"))
    overlay = tmp_path / "lower.yaml"
    overlay.write_text("overlay: lower\nbase: us-2023-10\nparameters:\n  tpp_line: 4000\n")
    runs = {}
    for name, argv in {
        "set": ["--set", "us-2023-10.tpp_line=4000"],
        "overlay": ["--overlay", str(overlay)],
        "copy": ["--rules", str(folder)],
        "shipped": [],
    }.items():
        code, out, _ = run(capsys, *argv, "classify", str(CATALOG), "--as-of", "today", "--format", "json")
        assert code == 0
        runs[name] = answers(json.loads(out))
    assert runs["set"] == runs["overlay"] == runs["copy"]
    assert runs["set"] != runs["shipped"]  # the line moved something: RTX 4090 D, 5090 D, 5090 D V2, TPU v4


def test_a_variant_names_itself_keeps_its_base_citation_and_lists_its_changes(engine):
    variant = engine.with_parameters({"us-2023-10.tpp_line": "4000"})
    (result,) = variant.classify(sheet("nvidia/rtx-4090-d"), ["us-2023-10"], DAY)
    assert result.round == "us-2023-10+tpp_line=4000"
    assert (result.citation, result.provenance) == ("88 FR 73458", "modified")
    assert result.changes == ("parameter tpp_line: 4800 -> 4000",)
    data = result.to_dict()
    assert data["changes"] == ["parameter tpp_line: 4800 -> 4000"] and data["provenance"] == "modified"
    (shipped,) = engine.classify(sheet("nvidia/rtx-4090-d"), ["us-2023-10"], DAY)
    assert "changes" not in shipped.to_dict() and shipped.changes == ()
    assert (shipped.status, result.status) == (Status.NOT_CONTROLLED, Status.CONTROLLED)


def test_a_round_that_overlays_the_changed_one_is_rebuilt_over_the_variant(engine):
    variant = engine.with_parameters({"us-2023-10.tpp_line": "4000"})
    assert variant.rules["us-2026-01"].round.id == "us-2026-01+tpp_line=4000"
    assert variant.rules["us-2026-01"].changes == ("us-2023-10: parameter tpp_line: 4800 -> 4000",)
    (result,) = variant.classify(sheet("nvidia/rtx-4090-d"), ["us-2026-01"], DAY)
    assert result.status == Status.CONTROLLED  # via us-2023-10's moved line, imported
    assert engine.rules["us-2022-10"] is variant.rules["us-2022-10"]  # unchanged rounds are shared


def test_a_variant_that_only_moves_a_line_shares_the_structure_key_and_decides_nothing_new():
    memo = Memo(KleeneBackend())
    base = Engine(backend="python", memo=memo)
    chips = base.load_chips([CATALOG]).chips
    for chip in chips:
        base.classify(chip, ["us-2023-10"], DAY)
    variant = base.with_parameters({"us-2023-10.tpp_line": "4000"})
    assert variant.memo is memo
    assert variant.rules["us-2023-10"].structure_key == base.rules["us-2023-10"].structure_key
    assert variant.rules["us-2023-10"].content_key != base.rules["us-2023-10"].content_key
    misses = memo.misses
    for chip in chips:
        variant.classify(chip, ["us-2023-10"], DAY)
    # every pattern the variant meets is one a catalog chip meets under some line: at most a handful are new
    assert memo.misses - misses <= 3


def test_values_may_be_exact_fractions_in_the_canonical_unit_or_text_with_a_unit(engine):
    by_fraction = engine.with_parameters({"us-2025-04.memory_line": Fraction(1300)})
    by_text = engine.with_parameters({"us-2025-04.memory_line": "1.3 TB/s"})
    chip = sheet("nvidia/rtx-5090-d-v2")  # about 1,340 GB/s: under the reported 1,400 line, over 1,300
    (a,) = by_fraction.classify(chip, ["us-2025-04"], DAY)
    (b,) = by_text.classify(chip, ["us-2025-04"], DAY)
    (shipped,) = engine.classify(chip, ["us-2025-04"], DAY)
    assert a.status == b.status == Status.CONTROLLED and shipped.status != Status.CONTROLLED


def test_dated_values_are_laid_over_the_history(engine):
    variant = engine.with_overlay(
        {"overlay": "from-2027", "base": "us-2023-10", "parameters": {"tpp_line": {"values": {"2027-01-01": 4000}}}}
    )
    chip = sheet("nvidia/rtx-4090-d")
    (before,) = variant.classify(chip, ["us-2023-10"], date(2026, 12, 31))
    (after,) = variant.classify(chip, ["us-2023-10"], date(2027, 1, 1))
    assert (before.status, after.status) == (Status.NOT_CONTROLLED, Status.CONTROLLED)
    assert variant.rules["us-2023-10"].changes == (
        "parameter tpp_line: 4800 -> 4800 from 2023-11-17, 4000 from 2027-01-01",
    )
    assert [c.since for c in variant.timeline(chip)][-1] == date(2027, 1, 1)  # the timeline visits the new date


def test_an_overlay_changes_a_clause_condition_and_the_structure_with_it(engine):
    variant = engine.with_overlay(
        {
            "overlay": "no-density-prong",
            "base": "us-2023-10",
            "clauses": {"change": [{"id": "3A090.a.2", "when": "tpp >= $tpp_line"}]},
        }
    )
    program = variant.rules["us-2023-10"]
    assert program.structure_key != engine.rules["us-2023-10"].structure_key
    assert program.changes == (
        "clause 3A090.a.2: when (tpp >= $tpp_floor and performance_density >= $density_line) -> tpp >= $tpp_line",
    )
    # a small, dense chip (TPP 2000 at 6.67 per mm^2) is 3A090.a only by the density prong, and too dense for .b
    chip = {"name": "dense", "vendor": "X", "datacenter": True, "tpp": 2000, "die_area": "300 mm^2"}
    (shipped,) = engine.classify(chip, ["us-2023-10"], DAY)
    (what_if,) = variant.classify(chip, ["us-2023-10"], DAY)
    assert (shipped.classification, what_if.status) == ("3A090.a", Status.NOT_CONTROLLED)


def test_an_overlay_adds_and_removes_clauses(engine):
    variant = engine.with_overlay(
        {
            "overlay": "gaming-too",
            "base": "us-2023-10",
            "clauses": {
                "remove": ["NAC.a"],
                "add": [
                    {
                        "id": "gaming",
                        "when": {"all": ["datacenter == false", "tpp >= 4000", {"not": "clause 3A090.a"}]},
                        "text": "what if consumer cards from 4000 were controlled?",
                        "outcome": {"status": "controlled", "classification": "3A090.x"},
                    }
                ],
            },
        }
    )
    (result,) = variant.classify(sheet("nvidia/rtx-4090-d"), ["us-2023-10"], DAY)
    assert (result.status, result.classification, result.license_exception) == (Status.CONTROLLED, "3A090.x", None)
    (rtx,) = variant.classify(sheet("nvidia/rtx-4090"), ["us-2023-10"], DAY)
    assert (rtx.classification, rtx.license_exception) == ("3A090.a", None)  # NAC.a removed
    assert variant.rules["us-2023-10"].changes[-1] == "clause NAC.a removed"


# --- refused like a rule file ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"overlay": "x", "base": "us-2023-1", "parameters": {"tpp_line": 1}},
            "<overlay>: base: no round 'us-2023-1' in the rules; did you mean 'us-2023-10'?",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "parameters": {"tpp_lin": 1}},
            "<overlay>: parameters.tpp_lin: round us-2023-10 has no parameter 'tpp_lin'; did you mean 'tpp_line'?",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "parameters": {"tpp_line": "4000 GB/s"}},
            "<overlay>: parameters.tpp_line: threshold '4000 GB/s': expected a plain number with no unit",
        ),
        (
            {"overlay": "x", "base": "us-2025-04", "parameters": {"memory_line": "1400"}},
            "<overlay>: parameters.memory_line: threshold '1400': '1400' has no unit",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "clauses": {"change": [{"id": "3A090.a.3", "when": "tpp >= 1"}]}},
            "<overlay>: clauses.change[0].id: round us-2023-10 has no clause '3A090.a.3'; did you mean '3A090.a.2'?",
        ),
        (
            {
                "overlay": "x",
                "base": "us-2026-01",
                "clauses": {"change": [{"id": "us-2023-10/3A090.a", "when": "tpp >= 1"}]},
            },
            "clause 'us-2023-10/3A090.a' is imported from us-2023-10; write an overlay on us-2023-10 to change it",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "clauses": {"remove": ["note.non-datacenter"]}},
            "clause 'note.non-datacenter' is referred to by 3A090.a, 3A090.b",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "clauses": {"remove": ["3A090.a"]}},
            "clause '3A090.a' is referred to by 3A090.b, NAC.a, us-2025-01-diffusion worldwide",
        ),
        (
            {
                "overlay": "x",
                "base": "us-2023-10",
                "clauses": {"change": [{"id": "3A090.a.1", "when": "memory_bandwith >= 1 GB/s"}]},
            },
            "<overlay>: clauses.change[0] (3A090.a.1).when: unknown metric 'memory_bandwith'; did you mean 'memory_bandwidth'?",
        ),
        (
            {
                "overlay": "x",
                "base": "us-2023-10",
                "clauses": {"change": [{"id": "3A090.a.1", "when": "tpp >= 4800 GB/s"}]},
            },
            "<overlay>: clauses.change[0] (3A090.a.1).when: threshold '4800 GB/s': expected a plain number",
        ),
        (
            {"overlay": "x", "base": "us-2023-10", "parameter": {"tpp_line": 1}},
            "<overlay>: parameter: unknown field 'parameter'; did you mean 'parameters'?",
        ),
        (
            {"overlay": "a b", "base": "us-2023-10"},
            "<overlay>: overlay: 'a b' is not a variant name",
        ),
        (
            {
                "overlay": "x",
                "base": "us-2023-10",
                "clauses": {
                    "add": [
                        {
                            "id": "other",
                            "when": "tpp >= 1",
                            "text": "t",
                            "outcome": {"status": "controlled", "classification": "X"},
                        }
                    ]
                },
            },
            "<overlay>: clauses.add[0] (other): overlaps clause '3A090.b': both hold when tpp=1600",
        ),
    ],
)
def test_a_wrong_overlay_is_refused_naming_its_field(engine, document, message):
    with pytest.raises(RuleFileError) as refused:
        engine.with_overlay(document)
    assert message in str(refused.value)


def test_an_ambiguous_or_unknown_set_is_refused_with_the_names_it_could_mean(engine):
    with pytest.raises(RuleFileError, match=r"several rounds have a parameter 'tpp_line': write us-2022-08.tpp_line"):
        engine.with_parameters({"tpp_line": "4000"})
    with pytest.raises(RuleFileError, match=r"no round has a parameter 'tpp_lien'; did you mean"):
        engine.with_parameters({"tpp_lien": "4000"})


def test_the_command_line_refuses_a_bad_what_if_with_exit_2_and_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("overlay: x\nbase: us-2023-10\nparameters:\n  tpp_line: [4000]\n")
    for argv in (
        ["--overlay", str(bad), "rules"],
        ["--set", "us-2023-10.tpp_line", "rules"],
        ["--set", "us-2023-10.tpp_line=lots", "rules"],
        ["--overlay", str(tmp_path / "missing.yaml"), "rules"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert "Traceback" not in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    code, _, err = run(capsys, "--set", "us-2023-10.tpp_line=lots", "rules")
    assert "--set: us-2023-10.tpp_line: threshold 'lots'" in err


def test_the_command_line_says_which_what_if_it_answers(capsys):
    code, out, err = run(capsys, "--set", "us-2023-10.tpp_line=4000", "rules")
    assert code == 0
    assert "what-if: us-2023-10+tpp_line=4000 (from us-2023-10): parameter tpp_line: 4800 -> 4000" in err
    code, out, _ = run(capsys, "--set", "us-2023-10.tpp_line=4000", "explain", "us-2023-10")
    assert "what-if made from us-2023-10: parameter tpp_line: 4800 -> 4000" in out
    assert "$tpp_line = 4000" in out and "(modified)" in out


def test_the_shipped_example_overlay_is_the_set_of_the_example(engine):
    from_file = engine.with_overlay(ROOT / "examples" / "tpp-line-4000.yaml")
    assert from_file.rules["us-2023-10"].round.id == "us-2023-10+tpp-line-4000"
    by_set = engine.with_parameters({"us-2023-10.tpp_line": 4000})
    chips = engine.load_chips([CATALOG]).chips
    for chip in chips:
        (a,) = from_file.classify(chip, ["us-2023-10"], DAY)
        (b,) = by_set.classify(chip, ["us-2023-10"], DAY)
        assert (a.status, a.classification, a.license_exception) == (b.status, b.classification, b.license_exception)
