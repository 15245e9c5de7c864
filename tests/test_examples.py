"""The examples in examples/ run and say what their docstrings promise."""

from __future__ import annotations

import runpy

import pytest

from tests.conftest import ROOT


def run_example(capsys, monkeypatch, name: str, *argv: str) -> str:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("sys.argv", [name, *argv])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    assert done.value.code == 0
    return capsys.readouterr().out


def test_may_we_ship_names_the_deciding_round_and_why(capsys, monkeypatch):
    out = run_example(capsys, monkeypatch, "may_we_ship.py", "chips/nvidia/a800-sxm4-80gb.yaml", "2023-01-01")
    assert out.splitlines() == [
        "NVIDIA A800 SXM4 80GB on 2023-01-01: not-controlled",
        (
            "  us-2022-10 (87 FR 62186, published): not controlled: [3A090.a.io] io_bandwidth 464 GB/s >= 600 GB/s: "
            "fails (flips at x1.29311)"
        ),
        "  applies to: CN, HK, MO",
    ]


def test_may_we_ship_says_where_the_control_applies_and_what_the_review_policy_turns_on(capsys, monkeypatch):
    out = run_example(capsys, monkeypatch, "may_we_ship.py", "chips/nvidia/a800-sxm4-80gb.yaml", "2026-06-01")
    lines = out.splitlines()
    assert lines[0] == "NVIDIA A800 SXM4 80GB on 2026-06-01: controlled"
    assert "  applies to: D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered in D:5, MO (anywhere)" in lines
    assert "  applies to: CN, MO" in lines  # us-2026-01's review policy: exports to China and Macau
    assert "  licence review: undetermined (needs commercially_available_us)" in lines


def test_may_we_ship_before_any_round_says_none_addresses_it(capsys, monkeypatch):
    out = run_example(capsys, monkeypatch, "may_we_ship.py", "chips/nvidia/h20.yaml", "2021-01-01")
    assert out.splitlines()[-1] == "  no round in force that day addresses it"


def test_the_what_if_lists_each_chip_whose_status_moves_with_the_line(capsys, monkeypatch):
    out = run_example(capsys, monkeypatch, "what_if_lower_tpp_line.py", "4000")
    lines = out.splitlines()
    assert lines[0] == "us-2023-10 with the TPP line at 4000 instead of 4800:"
    assert "  Google TPU v4: indeterminate -> controlled" in lines
    assert lines[-1].endswith("catalog chips change") and int(lines[-1].split()[0]) == len(lines) - 2


def test_the_headroom_example_gives_the_draft_s_exact_factors(capsys, monkeypatch):
    out = run_example(capsys, monkeypatch, "headroom_for_a_draft.py", "examples/draft-accelerator.yaml", "us-2023-10")
    lines = out.splitlines()
    assert lines[0].startswith("Acme X1 (draft): headroom as of ")
    assert lines[1] == (
        "  us-2023-10: tpp x1.07143 reaches 3A090.b.1 (tpp >= 2400): not-controlled -> controlled 3A090.b NAC/ACA "
        "(exactly 15/14)"
    )
    assert lines[2].startswith("  us-2023-10: performance_density (die_area / k) x1.14286 reaches 3A090.b.2")


def test_the_sweep_example_lists_where_the_controlled_set_changes_and_draws_it(capsys, monkeypatch, tmp_path):
    picture = tmp_path / "sweep.png"
    out = run_example(capsys, monkeypatch, "sweep_tpp_line.py", str(picture))
    lines = out.splitlines()
    assert lines[0] == "us-2023-10, tpp_line from 2000 to 8000: 601 values"
    assert "  at 4710: -NVIDIA GeForce RTX 4090 D" in lines  # TPP 4707: caught while the line is at 4700 or below
    assert lines[-1] == f"wrote {picture}" and picture.stat().st_size > 10_000
