from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest
from exportctl import Engine, load_rules
from exportctl.results.timeline import Change
from exportctl.rules.ruleset import RuleSet
from exportctl.sheets.model import ChipSpec
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "chips"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Round ids from the file names (each file is named for its id; test_rounds checks it). Tests build nothing from
# the engine at import time: mutation runs import the tests once, before a mutant is switched on.
ROUND_IDS = sorted(p.stem for p in (ROOT / "rules").glob("*.yaml") if not p.name.startswith("_"))


@functools.cache
def shipped_rules() -> RuleSet:
    """The shipped rules, loaded on first use (for module-level helpers and hypothesis tests)."""
    return load_rules()


@functools.cache
def shipped_engine() -> Engine:
    """An Engine over the shipped rules (the pure-Python backend: the reference)."""
    return Engine.from_ruleset(shipped_rules(), backend="python")


def parse_chip(data, source: str = "<test>") -> ChipSpec:
    """A chip mapping validated as a spec sheet, against the shipped metric definitions."""
    return shipped_engine().parse_chip(data, source)


def timeline(chip, rules: RuleSet, rounds: list[str] | None = None) -> list[Change]:
    return Engine.from_ruleset(rules).timeline(chip, rounds)


def default_rounds() -> list[str]:
    return [p.round.id for p in shipped_rules() if p.round.applied_by_default]


# Caches (unit factors, compiled rule sets, passed checks, verdicts) go to a fresh folder per run: no test depends
# on what an earlier run left in ~/.cache. An empty EXPORTCTL_CACHE_DIR (mutation runs) turns caching off.
if os.environ.get("EXPORTCTL_CACHE_DIR") != "":
    os.environ["EXPORTCTL_CACHE_DIR"] = tempfile.mkdtemp(prefix="exportctl-test-cache-")

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
    return shipped_rules()


def sheet(name: str) -> Path:
    """A chip of the shipped catalog by file name, e.g. sheet('nvidia/h20')."""
    return CATALOG / f"{name}.yaml"


def durable_available() -> bool:
    """durable-rules imports here (it does not build on Python 3.13)."""
    from exportctl.decision import durable

    return durable.available()


@pytest.fixture
def hang_guard():
    """Fail instead of hanging the suite (a FIFO read, an unbounded pattern): generous, 120 s, so that it never
    depends on how fast the machine is (mutation runs are ten times slower)."""
    import signal

    def expire(signum, frame):
        raise AssertionError("still running after 120 s: the input was not bounded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
