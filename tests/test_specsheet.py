"""A spec sheet lists its figures by dotted path, and knows which of them no source backs."""

from __future__ import annotations

from exportctl import load_chip

from tests.conftest import FIXTURES

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
