"""Pydantic field types for exact quantities: validated from text, kept as (text, Fraction)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .quantities import DIMENSIONS, parse_quantity


@dataclass(frozen=True)
class Exact:
    """A quantity as written (`text`) and its exact value in the dimension's canonical unit."""

    text: str
    value: Fraction
    dimension: str

    def __str__(self) -> str:
        return self.text


def _validator(dimension: str) -> Any:
    def parse(raw: object) -> Exact:
        if isinstance(raw, Exact):
            return raw
        text = raw if isinstance(raw, str) else str(raw)
        value = parse_quantity(raw, dimension)
        if dimension == "area" and value == 0:
            # an area divides (performance density, bandwidth density): zero is a typo, not a chip
            raise ValueError(f"must be greater than zero: {text!r}")
        return Exact(text.strip(), value, dimension)

    return parse


def _schema(dimension: str) -> dict[str, Any]:
    example = DIMENSIONS[dimension].example.split(" or ")[0]
    if dimension == "dimensionless":
        return {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}], "examples": [example]}
    return {
        "type": "string",
        "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*\S+",
        "description": f"{DIMENSIONS[dimension].name.replace('_', ' ')} with a unit, e.g. {DIMENSIONS[dimension].example}",
        "examples": [example],
    }


def quantity(dimension: str) -> Any:
    """An Annotated field type for a quantity of the given dimension."""
    return Annotated[
        Exact,
        BeforeValidator(_validator(dimension)),
        PlainSerializer(lambda q: q.text, return_type=str),
        WithJsonSchema(_schema(dimension)),
    ]


def optional_quantity(dimension: str) -> Any:
    """Like quantity(), but the word `unknown` is accepted and kept as None: the thing exists, its figure does not."""

    parse = _validator(dimension)

    def parse_or_unknown(raw: object) -> Exact | None:
        if raw is None:
            raise ValueError("no value given; write the figure with a unit, or `unknown` if no source gives it")
        if isinstance(raw, str) and raw.strip().lower() == "unknown":
            return None
        return parse(raw)

    schema = _schema(dimension)
    return Annotated[
        Exact | None,
        BeforeValidator(parse_or_unknown),
        PlainSerializer(lambda q: "unknown" if q is None else q.text, return_type=str),
        WithJsonSchema({"anyOf": [schema, {"const": "unknown"}]}),
    ]


Throughput = quantity("throughput")
Bandwidth = quantity("bandwidth")
Area = quantity("area")
Capacity = quantity("capacity")
Count = quantity("dimensionless")
LinkRate = optional_quantity("bandwidth")
