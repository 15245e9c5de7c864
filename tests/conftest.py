from __future__ import annotations

from pathlib import Path

import pytest
from exportctl import load_rules
from exportctl.rules import RuleSet

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "chips"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


def sheet(name: str) -> Path:
    """A chip of the shipped catalog by file name, e.g. sheet('nvidia/h20')."""
    return CATALOG / f"{name}.yaml"
