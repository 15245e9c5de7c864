"""Decision-table checks on a compiled round: unreachable clauses and overlapping outcomes.

Each metric takes values at, just above and just below every threshold compared against it (and unknown);
text comparisons are taken as free true/false. A clause with an outcome that holds for none of these
combinations is unreachable; two clauses whose different outcomes can hold together overlap. Both are errors a
rule author must resolve, as decision-table tools report them.

The check enumerates tens of thousands of combinations per round, and depends only on the compiled program
(its structure and thresholds). So a pass is remembered by the program's content key, in this process and in
the cache folder (`exportctl.core.cache`): an unchanged rules folder is checked once, not at every start. A
failure is never remembered: it is reported, with its message, every time.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date
from fractions import Fraction

from ..conditions.compare import truth
from ..core import cache
from ..core.errors import RuleFileError
from ..core.logic import Tri
from ..decision.kleene import KleeneBackend
from ..metrics.compute import MetricValue
from ..rules.calendar import threshold_on
from ..rules.program import Program

_EPSILON = Fraction(1, 10**9)
_PASSED: set[str] = set()  # checked in this process (a pure function of the program: safe to share)


def _passed(program: Program, limit: int, kind: str = "") -> bool:
    key = f"{program.content_key}-{limit}{kind}"
    if key in _PASSED:
        return True
    if cache.load("lint", key) is True:  # the entry's name carries the code stamp: a changed check misses
        _PASSED.add(key)
        return True
    return False


def _record_pass(program: Program, limit: int, kind: str = "") -> None:
    key = f"{program.content_key}-{limit}{kind}"
    _PASSED.add(key)
    cache.store("lint", key, True)


def _samples(program: Program) -> dict[str, list[object]]:
    numbers: dict[str, set[Fraction]] = {}
    booleans: set[str] = set()
    for c in program.comparisons:
        if c.kind == "number":
            values = [v for _, v in c.dated] if c.parameter else [c.threshold]
            for t in values:
                assert isinstance(t, Fraction)
                numbers.setdefault(c.metric, set()).update({t, t + _EPSILON, max(t - _EPSILON, Fraction(0))})
        elif c.kind == "boolean":
            booleans.add(c.metric)
    samples: dict[str, list[object]] = {m: [*sorted(v), Fraction(0), max(v) * 2 + 1, None] for m, v in numbers.items()}
    samples.update({m: [True, False, None] for m in booleans})
    return samples


# The check evaluates every node of the program for every combination; beyond this many node evaluations (about a
# second) it evaluates a seeded sample of combinations instead (the shipped rounds need at most about 100,000).
WORK = 1_000_000

Combination = tuple[dict[str, object], tuple[Tri, ...]]


def epochs(program: Program) -> list[date | None]:
    """The days on which the program's dated thresholds take each of their values (None: it has none)."""
    days = sorted({since for c in program.comparisons for since, _ in c.dated})
    return list(days) or [None]


def _pattern(program: Program, chosen: dict[str, object], free: dict[int, Tri], epoch: date | None) -> tuple[Tri, ...]:
    pattern = []
    for i, c in enumerate(program.comparisons):
        if i in free:
            pattern.append(free[i])
            continue
        metric = MetricValue(c.metric, chosen[c.metric], c.dimension)  # type: ignore[arg-type]
        threshold = c.threshold if epoch is None or c.parameter is None else threshold_on(c, epoch)
        pattern.append(truth(c, metric, threshold))
    return tuple(pattern)


def combinations(
    program: Program, sample: int | None = None, epoch: date | None = None
) -> Iterator[tuple[tuple[Tri, ...], dict[str, object]]]:
    """Condition patterns a chip can produce (a superset for text and derived metrics), with the values behind
    them, with dated thresholds as they stand on `epoch` (default: their first value): every combination, or
    `sample` of them drawn with a seed taken from the program (the same every time)."""
    if epoch is None and any(c.dated for c in program.comparisons):
        epoch = epochs(program)[0]
    samples = _samples(program)
    text = [i for i, c in enumerate(program.comparisons) if c.kind == "text"]
    metrics = list(samples)
    if sample is None:
        for values in itertools.product(*(samples[m] for m in metrics)):
            chosen = dict(zip(metrics, values, strict=True))
            for text_values in itertools.product((Tri.T, Tri.F), repeat=len(text)):
                yield _pattern(program, chosen, dict(zip(text, text_values, strict=True)), epoch), chosen
        return
    # distinct combinations, by index in the product (mixed radix: text truths, then metrics' values, last fastest)
    radices = [2] * len(text) + [len(samples[m]) for m in metrics]
    size = 1
    for radix in radices:
        size *= radix
    for index in random.Random(program.content_key).sample(range(size), min(sample, size)):
        digits = []
        for radix in reversed(radices):
            index, digit = divmod(index, radix)
            digits.append(digit)
        digits.reverse()
        free = {i: (Tri.T, Tri.F)[d] for i, d in zip(text, digits[: len(text)], strict=True)}
        chosen = {m: samples[m][d] for m, d in zip(metrics, digits[len(text) :], strict=True)}
        yield _pattern(program, chosen, free, epoch), chosen


def patterns(program: Program) -> list[tuple[tuple[Tri, ...], dict[str, object]]]:
    """Every combination (see `combinations`)."""
    return list(combinations(program))


def _conflict(program: Program, holding: list[str]) -> tuple[str, str] | None:
    """The first pair (in clause order) of holding clauses whose different outcomes of one kind would both apply.

    Controlled outranks review by the status rule, so only outcomes of the same kind can conflict. Clauses are
    grouped by kind first, so a thousand clauses with the same outcome cost one pass, not a million pairs.
    """
    groups: dict[str, set[tuple[str | None, ...]]] = {}
    for c in holding:
        o = program.outcomes[c]
        triple = (o.classification, o.license_exception, o.license_review)
        kinds = [f for f in ("classification", "license_exception", "license_review") if getattr(o, f) is not None]
        for kind in [*kinds, *(["controlled"] if o.status == "controlled" else [])]:
            groups.setdefault(kind, set()).add(triple)
    if all(len(triples) < 2 for triples in groups.values()):
        return None
    for a, b in itertools.combinations(holding, 2):
        oa, ob = program.outcomes[a], program.outcomes[b]
        same_kind = any(
            getattr(oa, field) is not None and getattr(ob, field) is not None
            for field in ("classification", "license_exception", "license_review")
        ) or (oa.status == ob.status == "controlled")
        if same_kind and (oa.classification, oa.license_exception, oa.license_review) != (
            ob.classification,
            ob.license_exception,
            ob.license_review,
        ):
            return a, b
    return None  # pragma: no cover - a group with two outcomes always holds such a pair


# Beyond this many comparisons the threshold-free check below is not tried (2^n patterns).
STRUCTURAL_LIMIT = 14


def unambiguous(program: Program) -> bool:
    """Whether no two clauses with different outcomes of one kind can hold together for any pattern of comparison
    outcomes at all, whatever the thresholds: then moving a line (a what-if variant) cannot make outcomes overlap.

    True and false patterns suffice: Kleene logic is monotone, so a clause that holds with a comparison unknown
    also holds with it true or with it false. Every pattern is a superset of what chips can produce, so True is a
    proof; False means "not proved" (or more than STRUCTURAL_LIMIT comparisons). Remembered by structure key.
    """
    key = f"unambiguous-{program.structure_key}"
    if key in _PASSED or cache.load("lint", key) is True:
        _PASSED.add(key)
        return True
    own = [c.id for c in program.round.clauses if c.outcome]
    if len(program.comparisons) > STRUCTURAL_LIMIT:
        return False
    backend = KleeneBackend()
    for pattern in itertools.product((Tri.T, Tri.F), repeat=len(program.comparisons)):
        decided = backend.decide(program, pattern)
        if _conflict(program, [c for c in own if decided[c] is Tri.T]) is not None:
            return False
    _PASSED.add(key)
    cache.store("lint", key, True)
    return True


def check(program: Program, source: str, limit: int = 200_000, *, unreachable: bool = True) -> None:
    """Raise RuleFileError for an unreachable outcome clause or two overlapping outcomes.

    Up to `limit` combinations and WORK node evaluations every combination is tried. Beyond, a seeded sample is:
    an overlap found in it is an overlap, but a clause it never reaches is not called unreachable (a sample cannot
    prove that), so such programs are checked for overlaps only. With `unreachable=False` (a what-if that moves a
    line: a clause no chip can reach any more is a finding, not an error) only overlaps are checked.
    """
    rule = program.round
    own = [c.id for c in rule.clauses if c.outcome]
    kind = "" if unreachable else "-overlaps"  # a pass of the lesser check is remembered apart
    if not own or _passed(program, limit) or _passed(program, limit, kind):
        return
    backend = KleeneBackend()
    reached: set[str] = set()
    size = 2 ** sum(c.kind == "text" for c in program.comparisons)
    for values_of_metric in _samples(program).values():
        size *= len(values_of_metric)
    days = epochs(program)  # a line that moves on a date is checked on each side of the move
    affordable = max(1, WORK // max(1, len(program.nodes) * len(days)))
    sample = None if size <= min(limit, affordable) else min(limit, affordable)
    for pattern, values in (found for day in days for found in combinations(program, sample, day)):
        decided = backend.decide(program, pattern)
        holding = [c for c in own if decided[c] is Tri.T]
        reached.update(holding)
        pair = _conflict(program, holding)
        if pair is not None:
            a, b = pair
            # the first combination found has every metric known (a clause that holds with a figure unknown
            # holds with any value of it, and values come before unknown); text comparisons are assumptions
            assumed = [
                c.key if pattern[i] is Tri.T else f"not {c.key}"
                for i, c in enumerate(program.comparisons)
                if c.kind == "text"
            ]
            shown = ", ".join([*(f"{m}={v}" for m, v in values.items()), *assumed])
            index = next(i for i, c in enumerate(rule.clauses) if c.id == b)
            raise RuleFileError(
                source,
                f"clauses[{index}] ({b})",
                f"overlaps clause {a!r}: both hold when {shown}; give one precedence with `not: clause {a}`",
            )
    for index, clause in enumerate(rule.clauses):
        if unreachable and sample is None and clause.outcome and clause.id not in reached:
            raise RuleFileError(
                source,
                f"clauses[{index}] ({clause.id})",
                "unreachable: no combination of values makes this clause hold",
            )
    _record_pass(program, limit, kind)
