"""A spec sheet lists its figures by dotted path, and knows which of them no source backs."""

from __future__ import annotations

from datetime import date

from exportctl import load_chip
from exportctl.sheets.model import ChipSpec

from tests.conftest import FIXTURES, parse_chip

SHEET = FIXTURES / "sheets" / "partly-sourced.yaml"


def test_figures_are_listed_by_dotted_path_as_written():
    figures = {path: (None if value is None else value.text) for path, value in load_chip(SHEET).figures().items()}
    assert figures == {
        "throughput.fp16": "100 TFLOPS",
        "throughput.fp8": "400 TFLOPS",
        "dies[0].area": "400 mm^2",
        "dies[1].area": "100 mm^2",
        "memory.capacity": "64 GB",
        "memory.bandwidth": "2 TB/s",
        "io.nvlink": "400 GB/s",
        "io.pcie": None,
        "transistors": "50e9",
        "tpp": "1600",
    }


def test_unsourced_figures_are_those_no_source_s_fields_cover():
    # a path is covered by itself or by a prefix (`io` covers io.nvlink); an unknown link has no figure to source
    assert load_chip(SHEET).unsourced_figures() == ["throughput.fp8", "memory.capacity", "transistors", "tpp"]


def test_a_sheet_written_back_keeps_figures_as_written_and_unknown_links_as_unknown():
    dumped = load_chip(SHEET).model_dump(mode="json", exclude_none=True)
    assert dumped["io"] == {"nvlink": "400 GB/s", "pcie": "unknown"}
    assert dumped["throughput"] == {"fp16": "100 TFLOPS", "fp8": {"rate": "400 TFLOPS", "sparse": True}}


def test_a_library_caller_can_build_a_sheet_from_another_sheets_figures():
    spec = load_chip(SHEET)
    parts = {key: getattr(spec, key) for key in ("throughput", "dies", "transistors", "memory", "tpp")}
    copy = ChipSpec(name="Fixture copy", vendor="Fixture", **parts)
    assert copy.transistors is spec.transistors  # an exact figure is taken as it is, not re-read
    assert copy.figures() == {k: v for k, v in spec.figures().items() if not k.startswith("io.")}


def test_a_sheet_dumped_to_python_values_validates_again_unknown_links_included():
    spec = load_chip(SHEET)
    assert ChipSpec.model_validate(spec.model_dump()) == spec


def test_a_rate_with_its_own_bit_length_is_written_back_in_the_long_form():
    spec = parse_chip({"name": "x", "vendor": "y", "throughput": {"int4": {"rate": "800 TOPS", "bits": 4}}}, "<test>")
    assert spec.model_dump(mode="json", exclude_none=True)["throughput"] == {"int4": {"rate": "800 TOPS", "bits": 4}}


def test_released_may_be_a_year_or_a_date_written_as_text():
    def released(value):  # type: ignore[no-untyped-def]
        return parse_chip({"name": "x", "vendor": "y", "released": value}, "<test>").released

    assert released("2023") == 2023 and released(" 2023 ") == 2023
    assert released("2023-10-17") == date(2023, 10, 17)


def test_a_chip_with_only_a_published_tpp_is_judged_on_it():
    from exportctl import classify

    chip = parse_chip({"name": "x", "vendor": "y", "datacenter": True, "tpp": 5000}, "<test>")
    (found,) = classify(chip, ["us-2023-10"])
    assert (found.status, found.classification) == ("controlled", "3A090.a")
    tpp = next(c for c in found.conditions if c.metric == "tpp")
    assert tpp.value == "5000"
