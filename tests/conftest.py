from __future__ import annotations

import os
from pathlib import Path

import pytest
from exportctl import load_rules
from exportctl.rules import RuleSet
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "chips"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Hypothesis profiles for tests/test_properties.py: HYPOTHESIS_PROFILE=thorough for a long run.
settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


def sheet(name: str) -> Path:
    """A chip of the shipped catalog by file name, e.g. sheet('nvidia/h20')."""
    return CATALOG / f"{name}.yaml"
