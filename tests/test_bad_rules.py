"""A bad rule file stops with one clear message naming the file and field, and exit code 2."""

from __future__ import annotations

import pytest
from exportctl.cli import main

from tests.conftest import FIXTURES

GOOD = FIXTURES / "sheets" / "good-h20-like.yaml"


@pytest.mark.parametrize(
    "case, fragment",
    [
        ("unknown-metric", "clauses[0] (a).when: unknown metric 'tpd'; did you mean 'tpp'?"),
        ("wrong-dimension", "clauses[0] (a).when: threshold '1400 mm^2': expected a bandwidth"),
        ("cycle", "clauses refer to each other in a cycle: a -> b -> a"),
        ("unknown-clause", "clauses[0] (a).when: refers to unknown clause '3A090.z'"),
        ("unreachable", "clauses[0] (a): unreachable: no combination of values makes this clause hold"),
        ("overlapping", "clauses[1] (b): overlaps clause 'a': both hold when tpp="),
    ],
)
def test_a_bad_rule_file_is_refused_with_file_and_field(capsys, case, fragment):
    folder = FIXTURES / "bad-rules" / case
    code = main(["--rules", str(folder), "classify", str(GOOD)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(folder / "round.yaml") in err and fragment in err
