"""Three-valued logic and the statuses a decision can reach: types, not strings.

Both are `StrEnum`s, so a value prints, compares and serialises as the text users see (`"T"`,
`"controlled"`), while code and mypy see a closed set.
"""

from __future__ import annotations

from enum import StrEnum


class Tri(StrEnum):
    """Kleene truth value of a comparison or clause: true, false, or unknown (a figure is missing)."""

    T = "T"
    F = "F"
    U = "U"

    def negate(self) -> Tri:
        return _NEGATE[self]

    def as_bool(self) -> bool | None:
        return None if self is Tri.U else self is Tri.T


_NEGATE = {Tri.T: Tri.F, Tri.F: Tri.T, Tri.U: Tri.U}


def all_of(values: list[Tri]) -> Tri:
    """Kleene conjunction: false if any is false, else unknown if any is unknown."""
    return Tri.F if Tri.F in values else (Tri.U if Tri.U in values else Tri.T)


def any_of(values: list[Tri]) -> Tri:
    """Kleene disjunction: true if any is true, else unknown if any is unknown."""
    return Tri.T if Tri.T in values else (Tri.U if Tri.U in values else Tri.F)


class Status(StrEnum):
    """A chip's status under a round (contract section 3)."""

    CONTROLLED = "controlled"
    REVIEW = "review"
    INDETERMINATE = "indeterminate"
    NOT_CONTROLLED = "not-controlled"


# Strictest first: a chip that may be controlled (indeterminate) outranks a letter's manual review. Keyed by the
# enum, looked up by it or by its text alike.
SEVERITY: dict[str, int] = {Status.CONTROLLED: 3, Status.INDETERMINATE: 2, Status.REVIEW: 1, Status.NOT_CONTROLLED: 0}


def strictest(statuses: list[Status]) -> Status:
    return max(statuses, key=lambda s: SEVERITY[s]) if statuses else Status.NOT_CONTROLLED
