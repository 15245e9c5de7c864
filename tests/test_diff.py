"""`exportctl diff A B PATH...` (issue 13): the chips whose status, classification, licence exception or review
policy changes between two rounds, what-ifs or dates, with the comparisons that flipped and totals per kind."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from exportctl import Engine
from exportctl.cli import main

from tests.conftest import CATALOG, sheet


def diff(capsys, *argv: str) -> dict:
    assert main(["diff", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def became(found: dict, field: str, before: str | None, after: str | None) -> set[str]:
    return {
        c["chip"]
        for c in found["chips"]
        if field in c["changed"] and (c[f"{field}_a"], c[f"{field}_b"]) == (before, after)
    }


def test_the_2023_rule_controls_the_a800_and_h800_the_2022_rule_let_through(capsys):
    found = diff(capsys, "us-2022-10", "us-2023-10", str(CATALOG))
    newly = became(found, "status", "not-controlled", "controlled")
    assert {"NVIDIA A800 SXM4 80GB", "NVIDIA H800 SXM5 80GB"} <= newly
    a800 = next(c for c in found["chips"] if c["chip"] == "NVIDIA A800 SXM4 80GB")
    # different rounds share no comparison: each side says what decided it
    assert a800["flipped"] == []
    assert a800["why_a"][0].startswith("[us-2022-10 3A090.a.io] io_bandwidth 464 GB/s >= 600 GB/s: fails")
    assert a800["why_b"][0].startswith("[us-2023-10 3A090.a.1] tpp 4988.8 >= 4800: holds")
    assert (a800["classification_a"], a800["classification_b"]) == (None, "3A090.a")


def test_totals_count_each_kind_of_change_and_transitions_add_up(capsys):
    found = diff(capsys, "us-2022-10", "us-2023-10", str(CATALOG))
    assert found["changed"] == len(found["chips"]) and found["compared"] == len(Engine().load_chips([CATALOG]).chips)
    for field, total in found["totals"].items():
        assert total == sum(field in c["changed"] for c in found["chips"])
        assert total == sum(t["chips"] for t in found["transitions"] if t["field"] == field)


def test_a_what_if_shows_the_comparisons_that_flipped_with_both_lines(tmp_path, capsys):
    overlay = tmp_path / "lower.yaml"
    overlay.write_text("overlay: lower\nbase: us-2023-10\nparameters: {tpp_line: 4000}\n")
    found = diff(capsys, "us-2023-10", str(overlay), str(CATALOG), "--as-of", "2026-01-01")
    assert (found["a"], found["b"]) == ("us-2023-10", "us-2023-10+lower")
    chip = next(c for c in found["chips"] if c["chip"] == "NVIDIA GeForce RTX 4090 D")
    assert chip["changed"] == ["status", "classification", "license_exception"]
    flipped = {
        (f["clause"], f["operator"], f["threshold_a"], f["threshold_b"], f["holds_a"], f["holds_b"])
        for f in chip["flipped"]
    }
    assert ("3A090.a.1", ">=", "4800", "4000", False, True) in flipped
    assert ("note.non-datacenter", "<", "4800", "4000", True, False) in flipped
    # the chips that change are exactly those whose answer the what-if Engine gives differently
    assert {c["chip"] for c in found["chips"]} == {
        "Google TPU v4",
        "NVIDIA GeForce RTX 4090 D",
        "NVIDIA GeForce RTX 5090 D",
        "NVIDIA GeForce RTX 5090 D V2",
    }


def test_dates_compare_the_rounds_in_force(capsys):
    found = diff(capsys, "2023-01-01", "2024-01-01", str(sheet("nvidia/a800-sxm4-80gb")), str(sheet("nvidia/h20")))
    assert [(c["chip"], c["status_a"], c["status_b"], c["rounds_b"]) for c in found["chips"]] == [
        ("NVIDIA A800 SXM4 80GB", "not-controlled", "controlled", ["us-2023-10"])
    ]


def test_with_set_a_round_id_is_the_folder_s_round_and_the_what_if_has_its_own_id(capsys):
    chip = str(sheet("nvidia/rtx-4090-d"))
    for a, b in (("us-2023-10", "us-2023-10+tpp_line=4000"), ("2026-01-01", "what-if@2026-01-01")):
        assert main(["--set", "us-2023-10.tpp_line=4000", "diff", a, b, chip, "--format", "json"]) == 0
        (changed,) = json.loads(capsys.readouterr().out)["chips"]
        assert (changed["status_a"], changed["status_b"]) == ("not-controlled", "controlled"), (a, b)
    # without the --set there is no such round
    assert main(["diff", "us-2023-10", "us-2023-10+tpp_line=4000", chip]) == 2
    assert "unknown round 'us-2023-10+tpp_line=4000'" in capsys.readouterr().err


def test_the_library_diff_takes_rounds_dates_and_other_engines():
    engine = Engine(backend="python")
    variant = engine.with_parameters({"us-2023-10.tpp_line": 4000})
    chips = [sheet("nvidia/rtx-4090-d"), sheet("nvidia/h20")]
    found = engine.diff(chips, date(2026, 1, 1), (variant, date(2026, 1, 1)))
    assert [(c.chip, c.a.status, c.b.status) for c in found.chips] == [
        ("NVIDIA GeForce RTX 4090 D", "not-controlled", "controlled")
    ]
    assert found.chips[0].b.rounds[0] == "us-2023-10+tpp_line=4000"


def test_csv_is_one_row_per_changed_chip_and_the_table_reads_as_groups(capsys, monkeypatch):
    assert main(["diff", "us-2022-10", "us-2023-10", str(CATALOG), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    a800 = next(r for r in rows if r["chip"] == "NVIDIA A800 SXM4 80GB")
    assert (a800["status_a"], a800["status_b"], a800["changed"]) == (
        "not-controlled",
        "controlled",
        "status;classification",
    )
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["diff", "us-2022-10", "us-2023-10", str(CATALOG)]) == 0
    out = capsys.readouterr().out
    assert "STATUS NOT-CONTROLLED -> CONTROLLED" in out and "  NVIDIA H800 SXM5 80GB" in out


@pytest.mark.parametrize("side", ["us-2023-1", "2023-13-01x", "missing-overlay.yaml"])
def test_an_unknown_side_is_refused_with_exit_2(capsys, side):
    code = main(["diff", side, "us-2023-10", str(sheet("nvidia/h20"))])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
