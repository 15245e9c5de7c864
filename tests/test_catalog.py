"""The shipped catalog: every sheet validates and every number in it has a source."""

from __future__ import annotations

import pytest
from exportctl import load_chips

from tests.conftest import CATALOG

FILES = sorted(CATALOG.rglob("*.yaml"))


def test_the_catalog_is_not_empty():
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CATALOG)) for p in FILES])
def test_every_sheet_validates_and_every_figure_has_a_source(path):
    report = load_chips([path])
    assert report.errors == []
    for chip in report.chips:
        assert chip.spec.unsourced_figures() == [], chip.spec.name


REQUIRED = [
    "a100-sxm4-80gb",
    "a100-pcie-80gb",
    "a800-sxm4-80gb",
    "h100-sxm5",
    "h100-pcie",
    "h800-sxm5",
    "h20",
    "l20",
    "l2",
    "h200-sxm",
    "rtx-4090",
    "rtx-4090-d",
]


@pytest.mark.parametrize("name", REQUIRED)
def test_the_core_chips_are_in_the_catalog(name):
    assert (CATALOG / "nvidia" / f"{name}.yaml").exists()
