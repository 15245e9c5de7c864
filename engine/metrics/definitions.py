"""Shared metric definitions, read from rules/_metrics.yaml: bit lengths, host links, derived metrics.

These are data, like thresholds: an analyst asking "what if TF32 counted as 19 bits?" edits YAML, not Python.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..core import paths
from ..core.documents import validate_document
from ..core.errors import QuantityError, RuleFileError
from ..core.quantities import DIMENSIONS, parse_number

# Derived metrics may build on each other this deep (the metric code walks the chain when it explains a result).
MAX_DERIVED_DEPTH = 64

_RATIO = re.compile(r"^\s*(\d{1,30})\s*/\s*(\d{1,30})\s*$")


def parse_ratio(text: str, example: str = 'a fraction such as "1/2" or a decimal such as 0.5') -> Fraction:
    """A share written as a fraction (`1/2`) or a decimal (`0.5`, `1e-2`), exactly; raises ValueError."""
    match = _RATIO.match(text)
    if match:
        if int(match.group(2)) == 0:
            raise ValueError(f"{text!r} divides by zero")
        return Fraction(int(match.group(1)), int(match.group(2)))
    try:
        return parse_number(text)
    except QuantityError:
        raise ValueError(f"{text!r} is not a number; write {example}") from None


def _as_text(raw: Any) -> Any:
    return str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw


def _sparse_factor(text: str) -> str:
    if not 0 < parse_ratio(text) <= 1:
        raise ValueError(f"the dense share of a sparse figure is greater than 0 and at most 1, got {text!r}")
    return text


def _tolerance(text: str) -> str:
    if parse_ratio(text, 'a share such as "0.01" (1%)') < 0:
        raise ValueError(f"a tolerance is a share of zero or more (0.01 is 1%), got {text!r}")
    return text


def _bit_length(raw: Any) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValueError(f"a bit length is a whole number of bits, got {raw!r}")  # noqa: TRY004 (pydantic reports ValueError)
    return raw


def _positive_bits(value: int) -> int:
    if value <= 0:
        raise ValueError(f"a bit length is a whole number of bits greater than zero, got {value}")
    return value


BitLength = Annotated[int, BeforeValidator(_bit_length), AfterValidator(_positive_bits)]


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

    @model_validator(mode="after")
    def _kind_fits_dimension(self) -> MetricDef:
        expected = self.dimension if self.dimension in ("boolean", "text") else "number"
        if self.kind != expected:
            raise ValueError(f"a metric of dimension {self.dimension} is of kind {expected}, not {self.kind}")
        if self.derived and self.kind != "number":
            raise ValueError("only a number can be derived (divide or sum)")
        if self.divide is not None and self.sum is not None:
            raise ValueError("a derived metric has one operator: divide or sum, not both")
        return self

    @property
    def derived(self) -> bool:
        return self.divide is not None or self.sum is not None

    @property
    def operands(self) -> tuple[str, ...]:
        return self.divide or self.sum or ()


class Definitions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    bit_lengths: dict[str, BitLength]
    sparse_to_dense: Annotated[str, BeforeValidator(_as_text), AfterValidator(_sparse_factor)] = Field(
        description="factor taking a sparse-only figure to its dense equivalent"
    )
    host_links: tuple[str, ...]
    tpp_published_tolerance: Annotated[str, BeforeValidator(_as_text), AfterValidator(_tolerance)]
    tpp_usually_from: tuple[str, ...] = Field(
        (), description="operation types an accelerator's highest TPP usually comes from (see _metrics.yaml)"
    )
    metrics: dict[str, MetricDef]
    interpretations: dict[str, str] = Field(
        {},
        description="readings of the rule text that are interpretations (`bit_lengths.tf32`, `sparse_to_dense`), "
        "with the reason; a result that rests on one lists it in its assumptions",
    )

    @model_validator(mode="after")
    def _interpretations_name_settings(self) -> Definitions:
        for key, text in self.interpretations.items():
            section, _, item = key.partition(".")
            known = (section == "bit_lengths" and item in self.bit_lengths) or (key == "sparse_to_dense")
            if not known:
                raise ValueError(
                    f"interpretations: {key!r} names no setting (write bit_lengths.<operation> or sparse_to_dense)"
                )
            if not text.strip():
                raise ValueError(f"interpretations: {key!r} needs its reason")
        return self

    @model_validator(mode="after")
    def _usual_operations_are_known(self) -> Definitions:
        unknown = [key for key in self.tpp_usually_from if key not in self.bit_lengths]
        if unknown:
            raise ValueError(f"tpp_usually_from names operation types with no bit length: {', '.join(unknown)}")
        return self

    @property
    def sparse_factor(self) -> Fraction:
        return parse_ratio(self.sparse_to_dense)

    @property
    def tolerance(self) -> Fraction:
        return parse_ratio(self.tpp_published_tolerance)

    def check(self, source: str) -> None:
        check_derived(self.metrics, (), source, "metrics")


def check_derived(metrics: Mapping[str, MetricDef], known: Collection[str], source: str, section: str) -> None:
    """Every operand of a derived metric is known (or derived here), no derived metric builds on itself, and none
    builds on others more than MAX_DERIVED_DEPTH deep (walked with an explicit stack: no recursion limit)."""
    for name, metric in metrics.items():
        for operand in metric.operands:
            if operand not in known and operand not in metrics:
                raise RuleFileError(source, f"{section}.{name}", f"derived from unknown metric {operand!r}")
    depth: dict[str, int] = {}  # finished: how many derived metrics deep each one builds
    for root in metrics:
        if root in depth:
            continue
        path = [root]
        pending = [iter(metrics[root].operands)]
        while pending:
            step = next(pending[-1], None)
            if step is None:
                finished = path.pop()
                pending.pop()
                depth[finished] = 1 + max((depth.get(o, 0) for o in metrics[finished].operands), default=0)
                if depth[finished] > MAX_DERIVED_DEPTH:
                    raise RuleFileError(
                        source,
                        f"{section}.{finished}",
                        f"derived metrics build on each other more than {MAX_DERIVED_DEPTH} deep; "
                        "derive it from fewer steps",
                    )
                continue
            if step in path:
                cycle = " -> ".join((*path[path.index(step) :], step))
                raise RuleFileError(source, f"{section}.{path[0]}", f"derived metrics build on each other: {cycle}")
            if step in depth or step not in metrics:
                continue
            path.append(step)
            pending.append(iter(metrics[step].operands))


def load_definitions(path: Path | None = None) -> Definitions:
    """The metric definitions in a file (default: the shipped rules/_metrics.yaml), read anew on every call.

    Not cached by path: an analyst who edits the file and loads it again gets what the file now says. An Engine
    reads them once and keeps them.
    """
    path = path or paths.rules_dir() / "_metrics.yaml"
    definitions = validate_document(Definitions, path, RuleFileError)
    definitions.check(str(path))
    return definitions
