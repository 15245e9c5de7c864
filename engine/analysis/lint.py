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
from fractions import Fraction

from ..conditions.compare import truth
from ..core import cache
from ..core.errors import RuleFileError
from ..core.logic import Tri
from ..decision.kleene import KleeneBackend
from ..metrics.compute import MetricValue
from ..rules.program import Program

_EPSILON = Fraction(1, 10**9)
_PASSED: set[str] = set()  # checked in this process (a pure function of the program: safe to share)


def _passed(program: Program, limit: int) -> bool:
    key = f"{program.content_key}-{limit}"
    if key in _PASSED:
        return True
    if cache.load("lint", key) is True:  # the entry's name carries the code stamp: a changed check misses
        _PASSED.add(key)
        return True
    return False


def _record_pass(program: Program, limit: int) -> None:
    key = f"{program.content_key}-{limit}"
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


def patterns(program: Program) -> list[tuple[tuple[Tri, ...], dict[str, object]]]:
    """Condition patterns a chip can produce (a superset for text and derived metrics), with the values behind them."""
    samples = _samples(program)
    text = [i for i, c in enumerate(program.comparisons) if c.kind == "text"]
    metrics = list(samples)
    out = []
    for values in itertools.product(*(samples[m] for m in metrics)):
        chosen = dict(zip(metrics, values, strict=True))
        for text_values in itertools.product((Tri.T, Tri.F), repeat=len(text)):
            pattern = []
            free = dict(zip(text, text_values, strict=True))
            for i, c in enumerate(program.comparisons):
                if i in free:
                    pattern.append(free[i])
                    continue
                value = chosen[c.metric]
                metric = MetricValue(c.metric, value, c.dimension)  # type: ignore[arg-type]
                threshold = c.threshold if c.parameter is None else c.dated[0][1]
                pattern.append(truth(c, metric, threshold))
            out.append((tuple(pattern), chosen))
    return out


def check(program: Program, source: str, limit: int = 200_000) -> None:
    """Raise RuleFileError for an unreachable outcome clause or two overlapping outcomes."""
    rule = program.round
    own = [c.id for c in rule.clauses if c.outcome]
    if not own or _passed(program, limit):
        return
    backend = KleeneBackend()
    reached: set[str] = set()
    samples = _samples(program)
    size = 1
    for sample in samples.values():
        size *= len(sample)
    if size * 2 ** sum(c.kind == "text" for c in program.comparisons) > limit:
        return  # too many combinations to enumerate at load time; the property tests sample instead
    for pattern, values in patterns(program):
        decided = backend.decide(program, pattern)
        holding = [c for c in own if decided[c] is Tri.T]
        reached.update(holding)
        for a, b in itertools.combinations(holding, 2):
            oa, ob = program.outcomes[a], program.outcomes[b]
            # controlled outranks review by the status rule, so only outcomes of the same kind can conflict
            same_kind = any(
                getattr(oa, field) is not None and getattr(ob, field) is not None
                for field in ("classification", "license_exception", "license_review")
            ) or (oa.status == ob.status == "controlled")
            differ = (oa.classification, oa.license_exception, oa.license_review) != (
                ob.classification,
                ob.license_exception,
                ob.license_review,
            )
            if same_kind and differ:
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
        if clause.outcome and clause.id not in reached:
            raise RuleFileError(
                source,
                f"clauses[{index}] ({clause.id})",
                "unreachable: no combination of values makes this clause hold",
            )
    _record_pass(program, limit)
