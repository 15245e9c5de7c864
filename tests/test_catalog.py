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


NAMED_IN_THE_NEWS = [
    "A100",
    "H100",
    "A800",
    "H800",
    "H20",
    "L20",
    "L2",
    "H200",
    "RTX 4090 D",
    "RTX 4080 SUPER",
    "RTX 4070 Ti SUPER",
    "RTX 4070 SUPER",
    "B100",
    "Maia 100",
    "MI300X",
    "MI308X",
    "Ascend 910B",
    "Suisi 2.0",
    "CloudBlazer",
    "BR100",
    "BR104",
    "C500",
    "N100",
    "MTT S4000",
    "MTT S80",
    "Tiangai 100",
    "MLU370",
    "MLU590",
    "RTX 5090 D V2",
    "MI325X",
    "B200",
]


@pytest.fixture(scope="module")
def catalog_names() -> list[str]:
    return [c.spec.name for c in load_chips([CATALOG]).chips]


@pytest.mark.parametrize("name", NAMED_IN_THE_NEWS)
def test_every_chip_the_source_articles_name_is_in_the_catalog(catalog_names, name):
    assert any(name in n for n in catalog_names), name
