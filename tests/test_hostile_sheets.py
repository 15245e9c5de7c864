"""Hostile input files: numbers, units and files that once changed a figure silently, hung or crashed the run.

Each is either read as the decimal written or refused with a message naming the file and field (exit 2), and
every other input is still evaluated and counted.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from exportctl.cli import main
from exportctl.core import yamlsafe
from exportctl.core.errors import InputError, QuantityError
from exportctl.core.quantities import DIMENSIONS, conversion_factor, format_number, parse_quantity
from exportctl.core.yamlsafe import load_yaml, parse_yaml

from tests.conftest import FIXTURES, ROOT, default_rounds, parse_chip

GOOD = FIXTURES / "sheets" / "good-h20-like.yaml"
GOOD_RESULTS = len(default_rounds())


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sheet(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(f"name: Fixture {name}\nvendor: Fixture\n{text}")
    return path


# --- YAML 1.2 numbers --------------------------------------------------------------------------------------------


def test_a_leading_zero_tpp_is_the_decimal_written_and_stays_3a090_a_not_octal_3a090_b(capsys, tmp_path):
    chip = sheet(tmp_path, "leading-zero.yaml", "datacenter: true\ntpp: 011200\n")
    code, out, _ = run(capsys, "classify", chip, "--round", "us-2023-10", "--format", "json")
    (row,) = json.loads(out)
    tpp = next(c for c in row["conditions"] if c["metric"] == "tpp")
    assert (code, row["classification"], tpp["value"]) == (0, "3A090.a", "11200")  # YAML 1.1 read 4736: 3A090.b


@pytest.mark.parametrize("text", ["80:00", "0x12C0", "0o17", "0b101", "1_000", "+0x1F"])
def test_hexadecimal_octal_binary_base_60_and_grouped_numbers_are_left_as_the_text_written(text):
    assert parse_yaml(f"notes: {text}\n", "<test>") == {"notes": text}


def test_yaml_1_2_integers_decimal_dates_and_floats_read_as_before():
    assert parse_yaml("a: 0600\nb: -07\nc: 4800\nd: 2023-10-17\ne: 1.50\n", "<test>") == {
        "a": 600,
        "b": -7,
        "c": 4800,
        "d": date(2023, 10, 17),
        "e": "1.50",
    }


def test_an_explicit_int_tag_on_a_hexadecimal_number_is_refused_with_its_line():
    with pytest.raises(InputError) as caught:
        parse_yaml("name: x\ntpp: !!int 0x12C0\n", "<test>")
    assert str(caught.value) == "<test>: line 2: cannot read '0x12C0': not a decimal integer"


def test_an_alias_with_a_huge_anchor_name_is_quoted_short():
    with pytest.raises(InputError) as caught:
        parse_yaml("a: &" + "x" * 1000 + " 1\nb: *" + "x" * 1000 + "\n", "<test>")
    assert caught.value.message == f"YAML aliases (*{'x' * 40}...) are not allowed in exportctl files"


# --- every kind of figure accepts only its own dimensions ---------------------------------------------------------


def test_each_kind_of_figure_accepts_exactly_its_own_canonical_unit():
    for dim in DIMENSIONS.values():
        assert conversion_factor(dim.canonical, dim.name) == 1


@pytest.mark.parametrize(
    "text, dimension, value",
    [
        ("0.6 TB/s", "bandwidth", 600),
        ("11.2 Tbit/s", "bandwidth", 1400),
        ("96 GiB", "capacity", Fraction(96 * 2**30, 10**9)),
    ],
)
def test_bits_and_bytes_still_convert_exactly(text, dimension, value):
    assert parse_quantity(text, dimension) == value


@pytest.mark.parametrize(
    "threshold, round_id, old, message",
    [
        (
            "1400 GHz",
            "us-2026-01",
            "memory_bandwidth < $dram_limit",  # a line is a parameter: the comparison is replaced
            (
                "threshold '1400 GHz': expected a bandwidth (e.g. 900 GB/s or 4.0 TB/s), got a unit of frequency (a "
                "clock rate, not a data rate) ('GHz')"
            ),
        ),
        (
            "600 byte",
            "us-2023-10",
            "tpp >= $tpp_line",
            "threshold '600 byte': expected a plain number with no unit (e.g. 2368), got a unit of capacity ('byte')",
        ),
        (
            "5.92 GB/mm^2",
            "us-2023-10",
            "performance_density >= $density_line",
            (
                "threshold '5.92 GB/mm^2': expected a density (e.g. 5.92 (TPP per mm^2)), got a unit of information *"
                " length^-2 ('GB/mm^2')"
            ),
        ),
    ],
)
def test_a_rule_threshold_in_a_unit_of_the_wrong_dimension_is_refused_like_a_sheet_figure(
    capsys, tmp_path, threshold, round_id, old, message
):
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("_metrics", "us-2023-10", round_id):  # us-2026-01 overlays us-2023-10
        shutil.copy(ROOT / "rules" / f"{name}.yaml", folder)
    rule = folder / f"{round_id}.yaml"
    text = (ROOT / "rules" / f"{round_id}.yaml").read_text()
    assert old in text
    rule.write_text(text.replace(old, old.split(" ")[0] + " >= " + threshold, 1))
    code, _, err = run(capsys, "--rules", folder, "classify", GOOD)
    assert code == 2 and f"{rule}: " in err and message in err


def test_the_chip_schema_gives_a_plain_number_field_a_bare_number_only(capsys):
    import jsonschema

    assert main(["schema", "chip"]) == 0
    validator = jsonschema.Draft202012Validator(json.loads(capsys.readouterr().out))
    base = {"name": "x", "vendor": "y"}
    assert all(validator.is_valid({**base, "tpp": good}) for good in (2368, "2368", "80e9", " 4800.5 "))
    assert not any(validator.is_valid({**base, "tpp": bad}) for bad in ("600 byte", "1528 pi", "96 percent", "0x12C0"))


# --- bounded work ---------------------------------------------------------------------------------------------------


def test_a_margin_beyond_the_range_of_a_float_is_still_shown():
    assert format_number(Fraction(10**400, 3)) == "3.33333e+399"
    assert format_number(Fraction(1, 3 * 10**400)) == "3.33333e-401"


def test_a_figure_padded_with_a_megabyte_of_spaces_is_refused_at_once(hang_guard):
    with pytest.raises(QuantityError, match=r"^too long for a figure \(1000007 characters; at most 100\): '1"):
        parse_quantity("1" + " " * 10**6 + "x GB/s", "bandwidth")


def test_a_number_of_more_than_40_digits_is_refused_even_in_decimal_places():
    assert parse_quantity("0." + "1" * 39 + " GB/s", "bandwidth") == Fraction(int("1" * 39), 10**39)
    with pytest.raises(QuantityError, match=r"^number too long \(41 digits; at most 40\)"):
        parse_quantity("0." + "1" * 40 + " GB/s", "bandwidth")


@pytest.mark.parametrize(
    "unit, message",
    [
        ("GB/s*(ks/s)^(10^8)", "unit 'GB/s*(ks/s)^(10^8)': '10' is not a power exportctl accepts"),
        ("GB/s*(ks/s)**1e999999999", "unit 'GB/s*(ks/s)**1e999999999': '1e999999999' is not a power"),
        ("GB/s*(ks/s)⁹⁹⁹⁹⁹⁹⁹⁹", "raises second to the power -100000000; exportctl accepts whole powers up to 4"),
        ("GB/s*(ks/s)**(1/2)", "unit 'GB/s*(ks/s)**(1/2)' raises second to the power -1.5; exportctl accepts"),
        ("GB/" + "s" * 60, "unit too long (63 characters; at most 40)"),
    ],
)
def test_a_unit_that_would_make_the_exact_factor_unbounded_is_refused_before_it_is_computed(hang_guard, unit, message):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(f"1 {unit}", "bandwidth")
    assert message in str(caught.value)


def test_a_document_of_more_values_than_the_limit_is_refused_by_both_loaders(monkeypatch):
    monkeypatch.setattr(yamlsafe, "MAX_NODES", 1000)
    values = "notes: [" + ", ".join(["1"] * 1000) + "]\n"
    for text in (values, "sources: [{title: '*'}]\n" + values):  # `*` anywhere: read by the pure-Python loader
        with pytest.raises(InputError) as caught:
            parse_yaml("name: x\n" + text, "<test>")
        assert caught.value.message == (
            "more than 1,000 YAML values; a spec sheet or rule file holds a few hundred (split a long list of chips"
            " into several files)"
        )


def test_a_sheet_of_four_million_values_is_refused_within_seconds_and_the_good_one_is_evaluated(
    capsys, tmp_path, hang_guard
):
    wide = sheet(tmp_path, "wide.yaml", "notes: [" + "1," * (4 * 10**6 - 1) + "1]\n")
    assert wide.stat().st_size < yamlsafe.MAX_BYTES
    code, out, err = run(capsys, "classify", wide, GOOD, "--format", "json")
    assert code == 2
    assert f"error: {wide}: more than 100,000 YAML values; a spec sheet or rule file holds a few hundred (" in err
    assert len(json.loads(out)) == GOOD_RESULTS
    assert f"2 inputs from 2 files: 1 chips evaluated, {GOOD_RESULTS} results, 1 errors" in err


# --- special files and folder scans ---------------------------------------------------------------------------------


def test_a_named_pipe_given_as_a_sheet_is_refused_without_being_opened(capsys, tmp_path, hang_guard):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    code, out, err = run(capsys, "classify", pipe, GOOD, "--format", "json")
    assert code == 2
    assert f"error: {pipe}: not a regular file (a named pipe); spec sheets and rule files are read from files" in err
    assert len(json.loads(out)) == GOOD_RESULTS
    assert f"2 inputs from 2 files: 1 chips evaluated, {GOOD_RESULTS} results, 1 errors" in err


def test_dev_zero_given_as_a_sheet_is_refused_without_being_read(capsys, hang_guard):
    code, out, err = run(capsys, "classify", "/dev/zero", GOOD, "--format", "json")
    assert code == 2 and "error: /dev/zero: not a regular file (a character device)" in err
    assert len(json.loads(out)) == GOOD_RESULTS


def test_a_named_pipe_as_a_rule_file_is_refused_by_the_reader_without_blocking(tmp_path, hang_guard):
    pipe = tmp_path / "zz.yaml"
    os.mkfifo(pipe)
    with pytest.raises(InputError, match=r"not a regular file \(a named pipe\)"):
        load_yaml(pipe)


def test_a_file_that_grows_past_the_limit_after_it_was_measured_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "growing.yaml"
    path.write_text("name: x\n")
    real_fdopen = os.fdopen

    def grown(fd, *args, **kwargs):
        with open(path, "a") as more:
            more.write("notes: " + "a" * 100 + "\n")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", grown)
    with pytest.raises(InputError, match=r"file too large \(0.0 MB; the limit is 0 MB\)"):
        load_yaml(path, max_bytes=50)


def test_a_folder_scan_names_every_entry_it_cannot_read_or_follow_and_evaluates_the_rest(
    capsys, tmp_path, monkeypatch, hang_guard
):
    folder = tmp_path / "chips"
    other = tmp_path / "elsewhere"
    (folder / "locked").mkdir(parents=True)
    other.mkdir()
    shutil.copy(GOOD, folder / "good.yaml")
    shutil.copy(GOOD, other / "good.yaml")
    shutil.copy(FIXTURES / "bad" / "bytes-as-tpp.yaml", folder / "bytes.yaml")
    (folder / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    (folder / "linked").symlink_to(other)
    (folder / "also-good.yaml").symlink_to(other / "good.yaml")  # a link to a sheet is read as that sheet
    os.mkfifo(folder / "pipe.yaml")
    os.mkfifo(folder / "pipe.txt")  # not named as a sheet: not an input
    real_scandir = os.scandir

    def scandir(path):  # the tests run as root, who may read any folder: refuse this one as a user would be
        if Path(path) == folder / "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run(capsys, "classify", folder, "--format", "json")
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("error: ")] == [
        (
            f"error: {folder / 'gone.yaml'}: broken symbolic link to {tmp_path / 'nowhere.yaml'}: its target does not"
            " exist"
        ),
        (
            f"error: {folder / 'linked'}: symbolic link to a folder ({other}), not followed in a folder scan; name the"
            " folder itself to read it"
        ),
        f"error: {folder / 'locked'}: cannot read folder: Permission denied",
        f"error: {folder / 'loop.yaml'}: symbolic link loop ({folder / 'loop.yaml'} leads back to itself)",
        (
            f"error: {folder / 'bytes.yaml'}: tpp: expected a plain number with no unit (e.g. 2368), got a unit of"
            " capacity ('byte')"
        ),
        (
            f"error: {folder / 'pipe.yaml'}: not a regular file (a named pipe); spec sheets and rule files are read from"
            " files"
        ),
    ]
    assert sorted({r["source"] for r in json.loads(out)}) == [str(folder / "also-good.yaml"), str(folder / "good.yaml")]
    assert f"8 inputs from 4 files: 2 chips evaluated, {2 * GOOD_RESULTS} results, 6 errors" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read a folder without read permission")
def test_a_folder_without_read_permission_is_an_error_not_an_empty_folder(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(GOOD, locked / "good.yaml")
    locked.chmod(0)
    try:
        code, _, err = run(capsys, "classify", tmp_path, "--format", "json")
    finally:
        locked.chmod(0o755)
    assert code == 2 and f"error: {locked}: cannot read folder: Permission denied" in err


# --- bit lengths ----------------------------------------------------------------------------------------------------


def test_a_sheet_may_state_the_bit_length_the_rules_give_a_known_operation():
    spec = parse_chip({"name": "x", "vendor": "y", "throughput": {"fp8": {"rate": "600 TOPS", "bits": 8}}})
    assert spec.throughput is not None and spec.throughput["fp8"].bits == 8


def test_another_bit_length_for_a_known_operation_is_refused_naming_both():
    with pytest.raises(InputError) as caught:
        parse_chip({"name": "x", "vendor": "y", "throughput": {"fp8": {"rate": "600 TOPS", "bits": 4}}})
    assert (caught.value.field, caught.value.message) == (
        "throughput.fp8.bits",
        (
            "fp8 is 8 bits in the rules' bit-length table, which a spec sheet cannot change (got bits: 4); remove `bits`,"
            " or give a different operation its own name"
        ),
    )


def test_a_folder_nested_deeper_than_python_s_recursion_limit_is_scanned(tmp_path):
    import sys

    from exportctl import Engine

    levels = []
    deep = tmp_path
    for _ in range(sys.getrecursionlimit() + 100):  # one level at a time (pathlib's own mkdir recurses)
        deep = deep / "d"
        deep.mkdir()
        levels.append(deep)
    (deep / "x.yaml").write_text("name: X\nvendor: Y\ntpp: 100\n")
    try:
        report = Engine(backend="python").load_chips([tmp_path])
        assert [c.spec.name for c in report.chips] == ["X"] and report.errors == []
    finally:  # removed bottom up: pytest's own clean-up (shutil.rmtree) recurses and would fail on this tree
        (deep / "x.yaml").unlink()
        for level in reversed(levels):
            level.rmdir()
