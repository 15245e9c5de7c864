"""Decisions are memoized by condition pattern: batch evaluation depends on it."""

from __future__ import annotations

from exportctl import classify
from exportctl.decision import Memo
from exportctl.decision.kleene import KleeneBackend

from tests.conftest import sheet


class CountingBackend(KleeneBackend):
    def __init__(self) -> None:
        self.calls = 0

    def decide(self, program, pattern):
        self.calls += 1
        return super().decide(program, pattern)


def test_the_same_condition_pattern_is_decided_once(rules):
    counting = CountingBackend()
    memo = Memo(counting)
    for chip in ("nvidia/a100-sxm4-80gb", "nvidia/a100-pcie-80gb", "nvidia/h100-sxm5"):
        classify(sheet(chip), ["us-2023-10"], rules=rules, memo=memo)
    assert counting.calls == 1
    assert (memo.hits, memo.misses) == (2, 1)


def test_memoized_and_fresh_decisions_agree(rules):
    memo = Memo(KleeneBackend())
    first = classify(sheet("nvidia/h20"), rules=rules, memo=memo)
    again = classify(sheet("nvidia/h20"), rules=rules, memo=memo)
    assert [r.to_dict() for r in first] == [r.to_dict() for r in again]
