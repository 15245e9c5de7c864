"""Pydantic field types for exact quantities: validated from text, kept as (text, Fraction)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, partial
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from .quantities import DIMENSIONS, parse_quantity


@dataclass(frozen=True)
class Exact:
    """A quantity as written (`text`) and its exact value in the dimension's canonical unit."""

    text: str
    value: Fraction
    dimension: str

    def __str__(self) -> str:
        return self.text


def parse_exact(raw: object, dimension: str) -> Exact:
    """A quantity as written in a sheet or rule file, read exactly; raises ValueError (pydantic reports it)."""
    if isinstance(raw, Exact):
        return raw
    if type(raw) is str:
        return _parse_text(raw, dimension)
    return _parse(raw, dimension)


@lru_cache(maxsize=65_536)
def _parse_text(raw: str, dimension: str) -> Exact:
    """Text is read once per distinct figure and dimension: catalogs and tables repeat their figures (`80 GB`,
    `900 GB/s`), and an Exact is immutable. (A refusal raises and is not kept.)"""
    return _parse(raw, dimension)


def _parse(raw: object, dimension: str) -> Exact:
    text = raw if isinstance(raw, str) else str(raw)
    value = parse_quantity(raw, dimension)
    if dimension == "area" and value == 0:
        # an area divides (performance density, bandwidth density): zero is a typo, not a chip
        raise ValueError(f"must be greater than zero: {text!r}")
    return Exact(text.strip(), value, dimension)


def parse_exact_or_unknown(raw: object, dimension: str) -> Exact | None:
    """Like parse_exact, but the word `unknown` is kept as None: the thing exists, its figure does not."""
    if raw is None:
        raise ValueError("no value given; write the figure with a unit, or `unknown` if no source gives it")
    if isinstance(raw, str) and raw.strip().lower() == "unknown":
        return None
    return parse_exact(raw, dimension)


def as_text(value: Exact | None) -> str:
    """Quantities are written back as they were read; an unknown figure as `unknown`."""
    return "unknown" if value is None else value.text


def json_schema(dimension: str, unknown: bool = False) -> dict[str, Any]:
    """The JSON Schema of a quantity field (`exportctl schema`), for editors and other tools."""
    example = DIMENSIONS[dimension].example.split(" or ")[0]
    if dimension == "dimensionless":
        # a bare number only: a plain-number field takes no unit (not `600 byte`, `1528 pi` or `96 percent`)
        text = {"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"}
        schema: dict[str, Any] = {"anyOf": [{"type": "number", "minimum": 0}, text]}
        schema["examples"] = [example]
    else:
        schema = {
            "type": "string",
            # a non-negative decimal, then a unit that starts with a letter (GB/s, TFLOPS, mm^2, µm^2)
            "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*[^\s\d.+-]\S*(\s+\S+)*\s*$",
            "description": f"{DIMENSIONS[dimension].name.replace('_', ' ')} with a unit, e.g. "
            f"{DIMENSIONS[dimension].example}",
            "examples": [example],
        }
    return {"anyOf": [schema, {"const": "unknown"}]} if unknown else schema


@dataclass(frozen=True)
class _Schema:
    """Pydantic asks this for the field's JSON Schema when a schema is generated, not at import."""

    dimension: str
    unknown: bool = False

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return json_schema(self.dimension, self.unknown)


def quantity(dimension: str) -> Any:
    """An Annotated field type for a quantity of the given dimension."""
    # pragma: no mutate block (runs once at import, when pydantic builds the models; every validation test uses it)
    return Annotated[
        Exact,
        BeforeValidator(partial(parse_exact, dimension=dimension)),
        PlainSerializer(as_text, return_type=str),
        _Schema(dimension),
    ]


def optional_quantity(dimension: str) -> Any:
    """Like quantity(), but `unknown` is accepted and kept as None."""
    # pragma: no mutate block (runs once at import, like quantity())
    return Annotated[
        Exact | None,
        BeforeValidator(partial(parse_exact_or_unknown, dimension=dimension)),
        PlainSerializer(as_text, return_type=str),
        _Schema(dimension, unknown=True),
    ]


Throughput = quantity("throughput")
Bandwidth = quantity("bandwidth")
Area = quantity("area")
Capacity = quantity("capacity")
Count = quantity("dimensionless")
LinkRate = optional_quantity("bandwidth")
DieArea = optional_quantity("area")  # a die that exists but whose area no source gives
