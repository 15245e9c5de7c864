"""Reading spec sheets from files and folders: every input is a chip or an error, never dropped."""

from __future__ import annotations

import pytest
from exportctl import load_chip, load_chips
from exportctl.core.errors import InputError, SpecSheetError

from tests.conftest import FIXTURES

LISTS = FIXTURES / "sheet-lists"


def test_a_folder_is_searched_recursively_for_yaml_and_yml_in_any_case_and_nothing_else():
    report = load_chips([LISTS])
    assert report.files == 4  # readme.txt is not a sheet
    assert sorted({chip.source for chip in report.chips}) == [
        str(LISTS / "nested" / "one-in-a-list.YML"),
        str(LISTS / "one-bad-entry.yaml"),
        str(LISTS / "two-chips.yaml"),
    ]


def test_chips_of_a_list_keep_their_order_and_position():
    report = load_chips([LISTS / "two-chips.yaml"])
    source = str(LISTS / "two-chips.yaml")
    assert [(c.spec.name, c.source, c.index) for c in report.chips] == [
        ("Fixture list first", source, 0),
        ("Fixture list second", source, 1),
    ]
    assert report.errors == [] and report.files == 1


def test_a_bad_entry_in_a_list_loses_only_itself_and_is_named_by_position():
    report = load_chips([LISTS / "one-bad-entry.yaml"])
    source = LISTS / "one-bad-entry.yaml"
    assert [c.spec.name for c in report.chips] == ["Fixture list good"]
    assert [(e.source, e.field) for e in report.errors] == [
        (f"{source}: chips[1]", "name"),
        (f"{source}: chips[2]", "throughput.fp7"),
    ]
    assert "unknown operation type 'fp7' (known: fp64," in report.errors[1].message
    assert "for another operation write {rate: ..., bits: N}" in report.errors[1].message


def test_an_empty_chip_list_is_an_error_on_the_chips_field():
    report = load_chips([LISTS / "empty-list.yaml"])
    assert report.chips == []
    ((error,),) = [report.errors]
    assert isinstance(error, SpecSheetError)
    assert (error.source, error.field, error.message) == (
        str(LISTS / "empty-list.yaml"),
        "chips",
        "expected a non-empty list of chip mappings",
    )


def test_a_yaml_error_becomes_a_spec_sheet_error():
    report = load_chips([FIXTURES / "bad" / "empty.yaml"])
    ((error,),) = [report.errors]
    assert isinstance(error, SpecSheetError) and error.message == "file is empty"


def test_a_missing_path_is_an_error_and_the_other_paths_still_load():
    report = load_chips(["/no/such/sheet.yaml", LISTS / "two-chips.yaml"])
    assert len(report.chips) == 2 and report.files == 1
    ((error,),) = [report.errors]
    assert (error.source, error.message) == ("/no/such/sheet.yaml", "no such file or folder")


@pytest.mark.parametrize("contents", [{}, {"README.md": "notes", "sheet.json": "{}", "sub/notes.txt": "x"}])
def test_a_folder_with_no_sheet_is_an_error_naming_it_and_the_other_paths_still_load(tmp_path, contents):
    for name, text in contents.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    report = load_chips([tmp_path, LISTS / "two-chips.yaml"])
    assert len(report.chips) == 2 and report.files == 1
    ((error,),) = [report.errors]
    assert isinstance(error, SpecSheetError)
    assert str(error) == (
        f"{tmp_path}: no spec sheets found in this folder or its subfolders (looked for *.yaml, *.yml)"
    )


def test_a_folder_whose_only_entry_is_refused_reports_that_entry_alone(tmp_path):
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "missing.yaml")
    report = load_chips([tmp_path])
    assert [e.message for e in report.errors] == [
        f"broken symbolic link to {tmp_path / 'missing.yaml'}: its target does not exist"
    ]


def test_load_chip_reads_a_file_holding_a_list_of_one():
    assert load_chip(LISTS / "nested" / "one-in-a-list.YML").name == "Fixture list of one"


def test_load_chip_refuses_a_file_of_several_chips_and_says_what_to_use():
    with pytest.raises(SpecSheetError) as caught:
        load_chip(LISTS / "two-chips.yaml")
    assert (caught.value.source, caught.value.field, caught.value.message) == (
        str(LISTS / "two-chips.yaml"),
        "chips",
        "holds 2 chips; use load_chips() for a list",
    )


def test_load_chip_raises_the_first_error_of_a_bad_file():
    with pytest.raises(SpecSheetError) as caught:
        load_chip(LISTS / "one-bad-entry.yaml")
    assert caught.value.field == "name"


def test_a_path_that_cannot_be_read_is_an_error_naming_why(tmp_path):
    from exportctl.core.yamlsafe import load_yaml

    folder = tmp_path / "looks-like-a-sheet.yaml"
    folder.mkdir()
    with pytest.raises(SpecSheetError, match="cannot read file: Is a directory"):
        load_chip(folder)
    with pytest.raises(InputError, match="cannot read file: File name too long") as caught:
        load_yaml(tmp_path / ("x" * 300))
    assert caught.value.source == str(tmp_path / ("x" * 300))


def test_a_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_not(tmp_path):
    from exportctl.core.yamlsafe import load_yaml

    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("name: x\n")  # 8 bytes
    assert load_yaml(sheet, max_bytes=8) == {"name": "x"}
    with pytest.raises(InputError, match=r"file too large \(0.0 MB; the limit is 0 MB\)"):
        load_yaml(sheet, max_bytes=7)


def test_an_unreadable_scalar_is_quoted_whole_up_to_40_characters():
    from exportctl.core.yamlsafe import parse_yaml

    for fraction, shown in (
        ("0" * 20, "2023-13-45 10:00:00." + "0" * 20),
        ("0" * 21, "2023-13-45 10:00:00." + "0" * 20 + "..."),
    ):
        with pytest.raises(InputError) as caught:
            parse_yaml(f"released: 2023-13-45 10:00:00.{fraction}\n", "<test>")
        assert caught.value.message.startswith(f"cannot read {shown!r}: month must be in 1..12")
