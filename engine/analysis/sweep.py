"""A parameter swept over a range: per value, how many and which chips a round controls.

The values are exact (`4000:6000:0.5` is read as decimals, never accumulated in binary floating point). Each
point is one what-if Engine made with `Engine.with_parameters` and the chips decided under it
(`Engine.sweep_point`, the one place a point is computed, so a batch path can take it over); a variant that only
moves a line shares every memoized verdict, so a point costs the comparisons of the chips and no decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..core.errors import RuleFileError
from ..core.logic import Status
from ..core.quantities import format_number
from ..results.result import Result
from ..rules.compile import read_threshold

MAX_POINTS = 100_000  # a typo in STEP should not run for hours


@dataclass(frozen=True)
class Range:
    """FROM:TO:STEP, exact, in the parameter's canonical unit (TO included when the steps land on it)."""

    start: Fraction
    stop: Fraction
    step: Fraction
    unit: str = ""

    def values(self) -> Iterator[Fraction]:
        value = self.start
        sign = 1 if self.step > 0 else -1
        while (value - self.stop) * sign <= 0:
            yield value
            value += self.step

    def __iter__(self) -> Iterator[Fraction]:
        return self.values()

    def __len__(self) -> int:
        return int((self.stop - self.start) / self.step) + 1


_NUMBER_WITH_UNIT = re.compile(r"^\s*([+-]?[\d.]+(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def parse_range(text: str, dimension: str, where: str = "--vary") -> Range:
    """`4000:6000:50` (a unit after the last number applies to all: `1000:2000:10 GB/s`); raises RuleFileError."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise RuleFileError(where, text, "write FROM:TO:STEP, e.g. 4000:6000:50 (a unit may follow: 1000:2000:10 GB/s)")
    last = _NUMBER_WITH_UNIT.match(parts[2])
    unit = last.group(2) if last else ""
    numbers = []
    for name, part in zip(("FROM", "TO", "STEP"), parts, strict=True):
        match = _NUMBER_WITH_UNIT.match(part)
        own = match.group(2) if match else ""
        written = part if own or not unit else f"{part.strip()} {unit}"
        if name == "STEP":  # a step may be negative (a line swept downwards); the reader refuses a sign
            negative = written.strip().startswith("-")
            value = read_threshold(written.strip().lstrip("-"), dimension, where, f"{text} ({name})")
            numbers.append(-value if negative else value)
        else:
            numbers.append(read_threshold(written, dimension, where, f"{text} ({name})"))
    start, stop, step = numbers
    if step == 0 or (stop - start) * step < 0:
        raise RuleFileError(where, text, "STEP must be non-zero and lead from FROM to TO")
    found = Range(start, stop, step, unit)
    if len(found) > MAX_POINTS:
        raise RuleFileError(where, text, f"{len(found):,} points; a sweep has at most {MAX_POINTS:,}")
    return found


@dataclass
class Point:
    """One value of the parameter and what the round says about the chips there."""

    value: Fraction
    text: str  # the value as given to the rules (with its unit)
    controlled: list[str]
    indeterminate: list[str]
    review: list[str]
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": format_number(self.value, 12),
            "controlled": len(self.controlled),
            "indeterminate": len(self.indeterminate),
            "review": len(self.review),
            "chips": self.total,
            "controlled_chips": self.controlled,
            "indeterminate_chips": self.indeterminate,
        }


@dataclass
class Sweep:
    round: str
    parameter: str
    unit: str
    shipped: list[tuple[str, Fraction]]  # the parameter's values in the rules, from which dates
    points: list[Point] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "parameter": self.parameter,
            "unit": self.unit,
            "shipped": [{"since": since, "value": format_number(v, 12)} for since, v in self.shipped],
            "points": [p.to_dict() for p in self.points],
        }

    def changes(self) -> list[tuple[Fraction, list[str], list[str]]]:
        """Where the controlled set changes: (value, chips that became controlled, chips that stopped being)."""
        out = []
        for before, after in zip(self.points, self.points[1:], strict=False):
            came = [c for c in after.controlled if c not in set(before.controlled)]
            left = [c for c in before.controlled if c not in set(after.controlled)]
            if came or left:
                out.append((after.value, came, left))
        return out


def point(value: Fraction, text: str, results: list[Result]) -> Point:
    """The summary of one point from the results of its chips under the round."""
    controlled = [r.chip for r in results if r.status is Status.CONTROLLED]
    indeterminate = [r.chip for r in results if r.status is Status.INDETERMINATE]
    review = [r.chip for r in results if r.status is Status.REVIEW]
    return Point(value, text, controlled, indeterminate, review, len(results))
