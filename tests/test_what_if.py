"""A what-if is data laid over data: a copy of the rules folder, edited, changes the answers and nothing else."""

from __future__ import annotations

import shutil

from exportctl import classify, load_rules

from tests.conftest import ROOT, sheet


def copy_rules(tmp_path, *round_ids: str):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder)
    for round_id in round_ids:
        shutil.copy(ROOT / "rules" / f"{round_id}.yaml", folder)
    return folder


def tf32_at_19_bits(tmp_path):
    """A copy of us-2023-10 whose own metric definitions count TF32 as 19 bits instead of 32."""
    folder = copy_rules(tmp_path, "us-2023-10")
    metrics = folder / "_metrics.yaml"
    metrics.write_text(metrics.read_text().replace("  tf32: 32\n", "  tf32: 19\n"))
    return folder


def tpp_value(result) -> str:
    return next(c.value for c in result.conditions if c.metric == "tpp")


def test_a_folder_s_own_metric_definitions_are_used(tmp_path):
    folder = tf32_at_19_bits(tmp_path)
    (shipped,) = classify(sheet("aws/trainium"), ["us-2023-10"], rules=load_rules())
    (what_if,) = classify(sheet("aws/trainium"), ["us-2023-10"], rules=load_rules(folder))
    assert tpp_value(shipped) == "6080"  # TF32 190 TFLOPS x 32 bits
    assert tpp_value(what_if) == "3610"  # x 19 bits
    # under 4800 now; whether it is under the performance-density line is unknown: no die area is published
    assert (shipped.status, what_if.status) == ("controlled", "indeterminate")
    assert what_if.missing == ["die_area"]


def test_a_folder_without_metric_definitions_uses_the_shipped_ones(tmp_path):
    folder = copy_rules(tmp_path, "us-2023-10")
    (folder / "_metrics.yaml").unlink()
    (result,) = classify(sheet("aws/trainium"), ["us-2023-10"], rules=load_rules(folder))
    assert tpp_value(result) == "6080"


def test_rounds_are_listed_by_effective_date_not_by_name(tmp_path):
    folder = copy_rules(tmp_path, "us-2022-10", "us-2023-10")
    early = folder / "us-2022-10.yaml"
    early.rename(folder / "zz-renamed.yaml")
    rules = load_rules(folder)
    assert rules.ids() == ["us-2022-10", "us-2023-10"]
    assert rules.folder == folder


def test_a_lowered_threshold_catches_a_chip_the_shipped_rule_does_not(tmp_path):
    folder = copy_rules(tmp_path, "us-2023-10")
    rule = folder / "us-2023-10.yaml"
    text = rule.read_text()
    line = 'values: {2023-11-17: "4800"}'  # the TPP line, a parameter every comparison against it uses
    assert text.count(line) == 1
    rule.write_text(text.replace(line, 'values: {2023-11-17: "2000"}'))
    (shipped,) = classify(sheet("nvidia/h20"), ["us-2023-10"], rules=load_rules())
    (what_if,) = classify(sheet("nvidia/h20"), ["us-2023-10"], rules=load_rules(folder))
    assert shipped.status == "not-controlled"
    assert (what_if.status, what_if.classification) == ("controlled", "3A090.a")


def test_the_timeline_follows_the_rules_folder_it_is_given(tmp_path, capsys):
    import json

    from exportctl.cli import main

    folder = copy_rules(tmp_path, "us-2022-10")
    chip = str(ROOT / "chips/nvidia/a100-sxm4-80gb.yaml")
    assert main(["--rules", str(folder), "timeline", chip, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)  # structured: no terminal width or checkout path can wrap it
    assert [(c["since"], c["status"], c["classification"], c["rounds"]) for c in row["changes"]] == [
        ("2022-10-07", "controlled", "3A090.a", ["us-2022-10"]),
        ("2023-11-17", "not-controlled", None, []),
    ]


def test_a_folder_s_own_metric_definitions_are_used_as_of_a_date_too(tmp_path):
    from datetime import date

    from exportctl import classify_as_of

    folder = tf32_at_19_bits(tmp_path)
    combined = classify_as_of(sheet("aws/trainium"), date(2025, 1, 1), rules=load_rules(folder))
    assert [tpp_value(r) for r in combined.results] == ["3610"]


def test_the_command_line_classifies_under_the_rules_folder_it_is_given(tmp_path, capsys):
    import json

    from exportctl.cli import main

    folder = tf32_at_19_bits(tmp_path)
    chip = str(ROOT / "chips/aws/trainium.yaml")
    assert main(["--rules", str(folder), "classify", chip, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["round"], row["status"]) == ("us-2023-10", "indeterminate")


def test_rounds_are_listed_in_order_of_effect_not_of_name(tmp_path):
    folder = copy_rules(tmp_path, "us-2022-10", "us-2023-10")
    # rename the later round so that its id sorts first
    later = folder / "us-2023-10.yaml"
    later.write_text(later.read_text().replace("id: us-2023-10", "id: a-later-round", 1))
    assert [program.round.id for program in load_rules(folder)] == ["us-2022-10", "a-later-round"]


def test_a_round_s_own_derived_metric_may_build_on_a_shared_derived_one(tmp_path):
    from exportctl import Engine

    folder = copy_rules(tmp_path, "us-2023-10")
    rule = folder / "us-2023-10.yaml"
    text = rule.read_text()
    assert "\nclauses:\n" in text
    derived = (
        "derived:\n  density_per_gb:\n    dimension: density\n    description: generated\n"
        "    divide: [performance_density, transistors]\n"
    )
    rule.write_text(text.replace("\nclauses:\n", "\n" + derived + "clauses:\n", 1))
    engine = Engine(folder, backend="python")
    metrics = engine.metrics(sheet("nvidia/h100-sxm5")).with_derived(engine.rules["us-2023-10"].derived)
    density = metrics["performance_density"].value
    assert metrics["density_per_gb"].value == density / metrics["transistors"].value
