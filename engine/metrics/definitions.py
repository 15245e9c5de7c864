"""Shared metric definitions, read from rules/_metrics.yaml: bit lengths, host links, derived metrics.

These are data, like thresholds: an analyst asking "what if TF32 counted as 19 bits?" edits YAML, not Python.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..core import paths
from ..core.documents import validate_document
from ..core.errors import RuleFileError
from ..core.quantities import DIMENSIONS, parse_number


class MetricDef(BaseModel):
    """One metric a rule may compare: read from the sheet, or derived from other metrics."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # see rules/model.py

    dimension: str
    description: str
    kind: Literal["number", "boolean", "text"] = "number"
    # derived metrics: exactly one operator over other metrics
    divide: tuple[str, str] | None = None
    sum: tuple[str, ...] | None = None

    @field_validator("dimension")
    @classmethod
    def _known_dimension(cls, value: str) -> str:
        if value not in DIMENSIONS and value not in ("boolean", "text"):
            raise ValueError(f"unknown dimension {value!r}; known: {', '.join(sorted(DIMENSIONS))}")
        return value

    @property
    def derived(self) -> bool:
        return self.divide is not None or self.sum is not None

    @property
    def operands(self) -> tuple[str, ...]:
        return self.divide or self.sum or ()


class Definitions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    bit_lengths: dict[str, int]
    sparse_to_dense: str = Field(description="factor taking a sparse-only figure to its dense equivalent")
    host_links: tuple[str, ...]
    tpp_published_tolerance: str
    metrics: dict[str, MetricDef]

    @property
    def sparse_factor(self) -> Fraction:
        return Fraction(self.sparse_to_dense)

    @property
    def tolerance(self) -> Fraction:
        return parse_number(self.tpp_published_tolerance)

    def check(self, source: str) -> None:
        check_derived(self.metrics, (), source, "metrics")


def check_derived(metrics: Mapping[str, MetricDef], known: Collection[str], source: str, section: str) -> None:
    """Every operand of a derived metric is known (or derived here), and no derived metric builds on itself."""
    for name, metric in metrics.items():
        for operand in metric.operands:
            if operand not in known and operand not in metrics:
                raise RuleFileError(source, f"{section}.{name}", f"derived from unknown metric {operand!r}")
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise RuleFileError(source, f"{section}.{path[0]}", f"derived metrics build on each other: {cycle}")
        if name not in done and name in metrics:
            for operand in metrics[name].operands:
                visit(operand, (*path, name))
            done.add(name)

    for name in metrics:
        visit(name, ())


def load_definitions(path: Path | None = None) -> Definitions:
    """The metric definitions in a file (default: the shipped rules/_metrics.yaml), read anew on every call.

    Not cached by path: an analyst who edits the file and loads it again gets what the file now says. An Engine
    reads them once and keeps them.
    """
    path = path or paths.rules_dir() / "_metrics.yaml"
    definitions = validate_document(Definitions, path, RuleFileError)
    definitions.check(str(path))
    return definitions
