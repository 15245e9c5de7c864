"""The decision-table analysis samples each metric at its lines, and enumerates the patterns a chip can produce."""

from __future__ import annotations

from fractions import Fraction

import pytest
from exportctl import load_rules
from exportctl.analysis.lint import _EPSILON, _samples, patterns

from tests.conftest import FIXTURES, ROOT

PROGRAM_FOLDER = FIXTURES / "rules" / "analysis"


def program():  # type: ignore[no-untyped-def]
    return load_rules(PROGRAM_FOLDER)["test-analysis"]


def test_a_number_is_sampled_at_just_below_at_and_just_above_its_line_then_zero_far_above_and_unknown():
    line = Fraction(4800)
    above = line + _EPSILON
    assert _samples(program()) == {"tpp": [line - _EPSILON, line, above, Fraction(0), 2 * above + 1, None]}


def test_patterns_cover_every_number_truth_with_every_free_text_truth():
    found = patterns(program())
    assert len(found) == 6 * 2
    assert {p for p, _ in found} == {(n, t) for n in "TFU" for t in "TF"}
    assert all(values["tpp"] is None for p, values in found if p[0] == "U")


@pytest.mark.parametrize(
    "case, combinations",
    [
        ("overlapping", 9),  # tpp at 9 values: either side of and at 2400 and 4800, zero, far above, unknown
        ("text-overlap", 24),  # tpp at 6 values, times true/false for each of two text comparisons
    ],
)
def test_a_round_too_large_to_enumerate_at_load_is_checked_on_a_sample_that_still_finds_its_overlap(case, combinations):
    from exportctl.analysis.lint import check
    from exportctl.core.documents import validate_document
    from exportctl.core.errors import RuleFileError
    from exportctl.metrics.definitions import load_definitions
    from exportctl.rules.compile import compile_round
    from exportctl.rules.model import RoundFile

    path = FIXTURES / "bad-rules" / case / "round.yaml"
    program = compile_round(validate_document(RoundFile, path, RuleFileError), load_definitions(), str(path))
    for limit in (combinations - 1, combinations):  # sampled (seeded: the same sample every time), then all of them
        with pytest.raises(RuleFileError, match="overlaps clause 'a'"):
            check(program, str(path), limit=limit)


def test_a_sample_never_calls_a_clause_unreachable_only_enumerating_every_combination_can():
    from exportctl.analysis.lint import check
    from exportctl.core.documents import validate_document
    from exportctl.core.errors import RuleFileError
    from exportctl.metrics.definitions import load_definitions
    from exportctl.rules.compile import compile_round
    from exportctl.rules.model import RoundFile

    path = FIXTURES / "bad-rules" / "unreachable" / "round.yaml"
    program = compile_round(validate_document(RoundFile, path, RuleFileError), load_definitions(), str(path))
    check(program, str(path), limit=1)  # one sampled combination: no proof that the clause never holds
    with pytest.raises(RuleFileError, match="unreachable"):
        check(program, str(path))


def test_an_overlap_that_appears_only_once_a_dated_line_moves_is_still_refused(tmp_path):
    import shutil

    from exportctl import Engine
    from exportctl.core.errors import RuleFileError

    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "_metrics.yaml", folder)
    (folder / "r.yaml").write_text(
        "id: r\ntitle: t\ninstrument: i\ncitation: c\nprovenance: published\n"
        "dates: {effective: 2024-01-01}\ndestinations: {countries: [CN]}\nsources: [{title: s}]\n"
        "parameters:\n  line: {dimension: dimensionless, values: {2024-01-01: '20', 2025-01-01: '10'}}\n"
        "clauses:\n"
        "  - {id: a, when: tpp >= $line, text: t, outcome: {status: controlled, classification: X}}\n"
        "  - {id: b, when: tpp < 15, text: t, outcome: {status: controlled, classification: Y}}\n"
    )
    # with the line at 20 the clauses cannot both hold; from 2025 (line 10) both hold for tpp 10 to 15
    with pytest.raises(RuleFileError, match=r"clauses\[1\] \(b\): overlaps clause 'a': both hold when tpp=10"):
        Engine(folder, backend="python")
