"""Two answers for the same chips, compared: which chips change status, classification, licence exception or
review policy, and which comparisons flipped between the two sides.

A side is anything that answers per chip: a round (or a what-if round) of an Engine, or the rounds in force on a
date. Comparisons are matched by the round they come from (a what-if's base), their clause, metric and operator
(and the how-manieth such comparison in the clause), not by their text: `tpp >= $tpp_line` at 4800 and at 4000
are the same comparison, and so are `tpp >= 4800` and an overlay's `tpp >= 4000` in the same clause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.logic import Status
from ..results.result import Combined, ConditionView, Result

FIELDS = ("status", "classification", "license_exception", "license_review")
Item = Result | Combined


@dataclass(frozen=True)
class Flip:
    """One comparison whose truth differs between the sides, with its value and each side's threshold."""

    round: str
    clause: str
    metric: str
    operator: str
    value_a: str
    value_b: str
    threshold_a: str
    threshold_b: str
    holds_a: bool | None
    holds_b: bool | None

    def sentence(self) -> str:
        word = {True: "holds", False: "fails", None: "unknown"}
        threshold = (
            self.threshold_a if self.threshold_a == self.threshold_b else f"{self.threshold_a} -> {self.threshold_b}"
        )
        value = self.value_a if self.value_a == self.value_b else f"{self.value_a} -> {self.value_b}"
        return (
            f"[{self.round} {self.clause}] {self.metric} {value} {self.operator} {threshold}: "
            f"{word[self.holds_a]} -> {word[self.holds_b]}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "clause": self.clause,
            "metric": self.metric,
            "operator": self.operator,
            "value_a": self.value_a,
            "value_b": self.value_b,
            "threshold_a": self.threshold_a,
            "threshold_b": self.threshold_b,
            "holds_a": self.holds_a,
            "holds_b": self.holds_b,
        }


@dataclass(frozen=True)
class Standing:
    """What one side says about one chip."""

    status: Status
    classification: str | None
    license_exception: str | None
    license_review: str | None
    rounds: tuple[str, ...]  # the rounds that decided it
    why: tuple[str, ...]  # their decisive comparisons, as sentences
    undetermined: tuple[str, ...] = ()  # outcomes an unknown figure leaves open (not "none")

    def get(self, name: str) -> str | None:
        value = getattr(self, name)
        if value is None and name in self.undetermined:
            return "undetermined"
        return None if value is None else str(value)


@dataclass
class ChipDiff:
    chip: str
    source: str
    a: Standing
    b: Standing
    changed: list[str]  # the FIELDS that differ
    flipped: list[Flip]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chip": self.chip,
            "source": self.source,
            "changed": self.changed,
            **{f"{name}_a": self.a.get(name) for name in FIELDS},
            **{f"{name}_b": self.b.get(name) for name in FIELDS},
            "rounds_a": list(self.a.rounds),
            "rounds_b": list(self.b.rounds),
            "why_a": list(self.a.why),
            "why_b": list(self.b.why),
            "flipped": [f.to_dict() for f in self.flipped],
        }


@dataclass
class Diff:
    """Every chip compared, the ones that changed, and totals per kind of change."""

    a: str
    b: str
    compared: int = 0
    chips: list[ChipDiff] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Chips changed, per field (a chip can change in several)."""
        return {name: sum(name in c.changed for c in self.chips) for name in FIELDS}

    @property
    def transitions(self) -> list[tuple[str, str, str, int]]:
        """(field, from, to, chips), most common first, then by field order and text."""
        counts: Counter[tuple[str, str, str]] = Counter()
        for chip in self.chips:
            for name in chip.changed:
                counts[(name, chip.a.get(name) or "-", chip.b.get(name) or "-")] += 1
        return sorted(
            ((k[0], k[1], k[2], n) for k, n in counts.items()), key=lambda t: (FIELDS.index(t[0]), -t[3], t[1], t[2])
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "compared": self.compared,
            "changed": len(self.chips),
            "totals": self.totals,
            "transitions": [{"field": f, "from": a, "to": b, "chips": n} for f, a, b, n in self.transitions],
            "chips": [c.to_dict() for c in self.chips],
        }


def _results(item: Item) -> list[Result]:
    return item.results if isinstance(item, Combined) else [item]


def _origin(result: Result) -> str:
    return result.basis.program.origin if result.basis is not None else result.round


def _why(results: list[Result]) -> tuple[str, ...]:
    """The decisive comparisons, most telling first: one that held for a controlled result or failed for a not
    controlled one, with a measured margin (as the results table picks)."""
    out: list[str] = []
    for r in results:
        want = {Status.CONTROLLED: True, Status.NOT_CONTROLLED: False}.get(r.status)
        ranked = sorted(r.decisive, key=lambda c: (c.holds is not want, c.margin is None, c.operator != "matches"))
        out.extend(f"[{r.round} {c.clause}] {c.sentence()}" for c in ranked)
    return tuple(out)


def standing(item: Item) -> Standing:
    deciding = item.deciding if isinstance(item, Combined) else [item]
    return Standing(
        item.status,
        item.classification,
        item.license_exception,
        item.license_review,
        tuple(r.round for r in deciding),
        _why(deciding),
        tuple(item.undetermined),
    )


def _matched(results: list[Result]) -> dict[tuple[str, str, str, str, int], ConditionView]:
    out: dict[tuple[str, str, str, str, int], ConditionView] = {}
    for result in results:
        origin = _origin(result)
        seen: Counter[tuple[str, str, str]] = Counter()
        for view in result.conditions:
            key = (view.clause, view.metric, view.operator)
            out[(origin, *key, seen[key])] = view
            seen[key] += 1
    return out


def flips(a: Item, b: Item) -> list[Flip]:
    """Comparisons on both sides (see the module docstring) whose truth differs, in side B's order."""
    left, right = _matched(_results(a)), _matched(_results(b))
    out = []
    for key, view_b in right.items():
        view_a = left.get(key)
        if view_a is not None and view_a.holds != view_b.holds:
            out.append(
                Flip(
                    key[0],
                    view_b.clause,
                    view_b.metric,
                    view_b.operator,
                    view_a.value,
                    view_b.value,
                    view_a.threshold,
                    view_b.threshold,
                    view_a.holds,
                    view_b.holds,
                )
            )
    return out


def compare(a: Item, b: Item) -> ChipDiff | None:
    """How one chip's answer differs between the sides (None if it does not)."""
    sa, sb = standing(a), standing(b)
    changed = [name for name in FIELDS if sa.get(name) != sb.get(name)]
    if not changed:
        return None
    chip, source = (a.chip, a.source)
    return ChipDiff(chip, source, sa, sb, changed, flips(a, b))


def diff(a: str, b: str, pairs: Iterable[tuple[Item, Item]]) -> Diff:
    """The chips whose answer changes from side `a` to side `b` (each pair: one chip's answer on each side)."""
    out = Diff(a, b)
    for left, right in pairs:
        out.compared += 1
        found = compare(left, right)
        if found is not None:
            out.chips.append(found)
    return out
