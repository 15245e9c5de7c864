"""What is kept between runs (exportctl.core.cache) is keyed by what it was computed from: an unchanged input is
read back, a changed one is computed anew, and a folder that cannot be written costs speed, never an answer."""

from __future__ import annotations

import shutil
from datetime import date
from fractions import Fraction

import pytest
from exportctl import Engine, Status
from exportctl.analysis import lint
from exportctl.core import cache, quantities
from exportctl.rules import ruleset as ruleset_module

from tests.conftest import ROOT, sheet

DAY = date(2026, 1, 1)


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("EXPORTCTL_CACHE_DIR", str(folder))
    return folder


def rules_copy(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def test_an_unchanged_rules_folder_is_compiled_and_checked_once(tmp_path, cache_folder, monkeypatch):
    folder = rules_copy(tmp_path)
    first = Engine(folder, backend="python")

    def not_again(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(ruleset_module, "load_ruleset", not_again)
    again = Engine(folder, backend="python")
    assert again.rules.ids() == first.rules.ids()
    (a,) = first.classify(sheet("nvidia/h20"), ["us-2023-10"], DAY)
    (b,) = again.classify(sheet("nvidia/h20"), ["us-2023-10"], DAY)
    assert a.to_dict() == b.to_dict()


def test_an_edited_rules_folder_is_compiled_anew(tmp_path, cache_folder):
    folder = rules_copy(tmp_path)
    Engine(folder, backend="python")
    rule = folder / "us-2023-10.yaml"
    line = 'values: {2023-11-17: "4800"}'  # the TPP line (a parameter)
    assert line in rule.read_text()
    rule.write_text(rule.read_text().replace(line, 'values: {2023-11-17: "2000"}'))
    (result,) = Engine(folder, backend="python").classify(sheet("nvidia/h20"), ["us-2023-10"], DAY)
    assert result.status == Status.CONTROLLED  # the edit is read, not the cached compile of the old text


def test_a_cached_rule_set_is_not_read_by_other_code(tmp_path, cache_folder, monkeypatch):
    folder = rules_copy(tmp_path)
    Engine(folder, backend="python")
    monkeypatch.setattr(cache, "code_stamp", lambda: "another-release")
    compiled = []
    real = ruleset_module.load_ruleset
    monkeypatch.setattr(ruleset_module, "load_ruleset", lambda f: compiled.append(f) or real(f))
    Engine(folder, backend="python")
    assert compiled == [folder]


def test_a_passed_check_is_not_run_again_but_a_failure_is_reported_every_time(tmp_path, cache_folder, monkeypatch):
    monkeypatch.setattr(lint, "_PASSED", set())  # as a new process starts
    program = Engine(rules_copy(tmp_path), backend="python").rules["us-2023-10"]
    monkeypatch.setattr(lint, "_PASSED", set())  # and another one
    monkeypatch.setattr(lint, "combinations", lambda *args: pytest.fail("checked again"))
    lint.check(program, program.source)  # the pass was kept in the cache folder
    monkeypatch.setattr(lint, "_PASSED", set())
    monkeypatch.setattr(cache, "code_stamp", lambda: "another-release")
    with pytest.raises(BaseException, match="checked again"):
        lint.check(program, program.source)  # a pass recorded by other code is not trusted


def test_verdicts_kept_from_an_earlier_run_need_no_decision(tmp_path, cache_folder):
    folder = rules_copy(tmp_path)
    first = Engine(folder, keep_verdicts=True)
    results = first.classify(sheet("nvidia/h20"), as_of=DAY)
    first.save()
    later = Engine(folder, keep_verdicts=True)
    again = later.classify(sheet("nvidia/h20"), as_of=DAY)
    assert [r.to_dict() for r in again] == [r.to_dict() for r in results]
    assert later.memo.misses == 0 and later.backend._real is None  # durable-rules not even imported for it


def test_unit_factors_are_read_back_exactly_without_pint(cache_folder):
    factors = quantities._FactorCache()
    factors.put("TB/s", "bandwidth", Fraction(1000))
    factors.put("Gbit/s", "bandwidth", Fraction(1, 8))
    fresh = quantities._FactorCache()  # a new process reading the file
    assert fresh.get("TB/s", "bandwidth") == 1000
    assert fresh.get("Gbit/s", "bandwidth") == Fraction(1, 8)
    assert fresh.get("TB/s", "area") is None


def test_a_cache_folder_that_cannot_be_written_costs_nothing_but_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EXPORTCTL_CACHE_DIR", str(blocker / "cache"))
    engine = Engine(rules_copy(tmp_path), keep_verdicts=True)
    (result,) = engine.classify(sheet("nvidia/h20"), ["us-2025-04"], DAY)
    engine.save()
    assert result.status == Status.CONTROLLED
    assert cache.load("rules", "anything") is None


def test_no_cache_folder_means_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTCTL_CACHE_DIR", "")
    before = set(tmp_path.iterdir())
    Engine(rules_copy(tmp_path), backend="python").classify(sheet("nvidia/h20"), as_of=DAY)
    assert set(tmp_path.iterdir()) == before | {tmp_path / "rules"}
    assert cache.entry("rules", "x") is None


def test_a_damaged_entry_is_a_miss_not_a_crash(tmp_path, cache_folder):
    folder = rules_copy(tmp_path)
    Engine(folder, backend="python")
    for entry in cache_folder.glob("rules-*.pickle"):
        entry.write_bytes(b"\x80\x05garbage that is not a pickle of anything")
    (result,) = Engine(folder, backend="python").classify(sheet("nvidia/h20"), ["us-2025-04"], DAY)
    assert result.status == Status.CONTROLLED


def test_two_different_sets_of_files_never_share_a_content_key(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a").write_bytes(b"X\x00b\x00Y")  # one file whose bytes look like a name and a second file
    (two / "a").write_bytes(b"X")
    (two / "b").write_bytes(b"Y")
    assert cache.content_key([one / "a"]) != cache.content_key([two / "a", two / "b"])


def test_a_cached_unit_factor_never_lets_through_a_unit_the_checks_refuse(cache_folder):
    from exportctl.core.errors import QuantityError

    huge = "GB/s*(ks/s)**100000000"
    quantities._factors().put(huge, "bandwidth", Fraction(1))  # as if an older release had stored it
    quantities.conversion_factor.cache_clear()
    with pytest.raises(QuantityError, match="is not a power exportctl accepts"):
        quantities.conversion_factor(huge, "bandwidth")
