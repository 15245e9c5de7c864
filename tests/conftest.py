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
# Mutation runs (dev/mutation.sh): few examples, the same ones every run, so a mutant's fate is reproducible.
settings.register_profile("mutation", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current outputs")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare a text with tests/golden/NAME; with --update-golden, write it instead (then review the diff)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"output differs from tests/golden/{name}"

    return check


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


def sheet(name: str) -> Path:
    """A chip of the shipped catalog by file name, e.g. sheet('nvidia/h20')."""
    return CATALOG / f"{name}.yaml"
