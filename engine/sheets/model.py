"""The chip spec sheet (contract section 1) as a validated model.

Every figure is kept exactly as written and as an exact value; anything absent is unknown, never zero.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_serializer, model_validator

from ..core.fields import Area, Bandwidth, Capacity, Count, DieArea, Exact, LinkRate, Throughput, json_schema

_KEY = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Strict):
    """One throughput entry: a dense rate, or a sparse-only figure, or an unusual bit length."""

    rate: Throughput
    sparse: bool = Field(False, description="the figure is only published with 2:4 sparsity; it is counted as half")
    bits: int | None = Field(None, gt=0, le=1024, description="bit length, for an operation type without a known one")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return data if isinstance(data, (dict, Rate)) else {"rate": data}

    @field_validator("bits", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        # pydantic would read `bits: true` as 1 bit (and reports only ValueError as a field error)
        if isinstance(value, bool):
            raise ValueError(  # noqa: TRY004
                f"expected a whole number of bits (e.g. 9), got {str(value).lower()}"
            )
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        # the short form (just the rate) or the long form (an object)
        return {"anyOf": [json_schema("throughput"), handler.resolve_ref_schema(handler(core_schema))]}

    @model_serializer(mode="wrap")
    def _serialize(self, handler: Any) -> Any:
        if not self.sparse and self.bits is None:
            return self.rate.text
        out: dict[str, Any] = {"rate": self.rate.text}
        if self.sparse:
            out["sparse"] = True
        if self.bits is not None:
            out["bits"] = self.bits
        return out


class Die(_Strict):
    name: str | None = None
    # `unknown`: the die exists (an I/O die, say) but no source gives its area; the applicable area is then known
    # only from below, and performance density only from above ("at most")
    area: DieArea

    @model_serializer(mode="wrap")
    def _serialize(self, handler: Any) -> Any:
        # a die of unknown area is written `unknown`: dropping the field (exclude_none) would lose the die itself
        out = handler(self)
        if isinstance(out, dict) and self.area is None:
            out["area"] = "unknown"
        return out

    non_planar: bool = Field(
        True, description="made on a non-planar (FinFET/GAA) node; only those count as applicable area"
    )


class Memory(_Strict):
    type: str | None = None
    capacity: Capacity | None = None
    bandwidth: Bandwidth | None = None


class SheetSource(_Strict):
    id: str | None = None
    title: str = Field(min_length=1)
    url: str | None = None
    fields: list[str] | None = Field(None, description="which figures this source supports (dotted paths)")
    note: str | None = None


class ChipSpec(_Strict):
    """One chip, as its spec sheet describes it."""

    name: str = Field(min_length=1)
    vendor: str = Field(min_length=1)
    kind: Literal["accelerator", "memory"] = "accelerator"
    released: int | date | None = None
    datacenter: bool | None = Field(None, description="designed or marketed for datacenters; omit when unknown")
    commercially_available_us: bool | None = Field(
        None,
        description=(
            "commercially available in the United States on 2026-01-15, when the January 2026 review-policy rule "
            "(91 FR 1684) was published; a condition of its case-by-case review. Omit when unknown"
        ),
    )
    throughput: dict[str, Rate] | None = None
    die_area: Area | None = None
    dies: list[Die] | None = None
    transistors: Count | None = None
    memory: Memory | None = None
    io: dict[str, LinkRate] | None = None
    package_area: Area | None = None
    tpp: Count | None = None
    sources: list[SheetSource] = []
    notes: str | None = None

    @field_validator("name", "vendor")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("released", mode="before")
    @classmethod
    def _year_or_date(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        elif isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                pass
        if value is None or isinstance(value, date):
            return value
        if not isinstance(value, int) or isinstance(value, bool):
            # pydantic reports only ValueError as a field error; a TypeError would escape as a crash
            raise ValueError(  # noqa: TRY004
                f"expected a year (e.g. 2023) or a date (e.g. 2023-10-17), got {value!r}"
            )
        if not 1950 <= value <= 2100:
            raise ValueError(f"not a plausible year: {value}")
        return value

    @field_validator("throughput", "io")
    @classmethod
    def _keys(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for key in value or {}:
            if not isinstance(key, str) or not re.match(_KEY, key):
                raise ValueError(f"key {key!r} must be lower-case letters, digits and underscores")
        return value

    # fields are validated in the order declared, so each check below sees the fields before it

    @field_validator("throughput")
    @classmethod
    def _no_throughput_for_memory(cls, value: dict[str, Rate] | None, info: ValidationInfo) -> dict[str, Rate] | None:
        if value and info.data.get("kind") == "memory":
            raise ValueError("a kind: memory sheet describes an HBM stack or package and has no throughput")
        return value

    @field_validator("dies")
    @classmethod
    def _one_area(cls, value: list[Die] | None, info: ValidationInfo) -> list[Die] | None:
        if value is not None and info.data.get("die_area") is not None:
            raise ValueError("give die_area or dies, not both")
        return value

    def figures(self) -> dict[str, Exact | None]:
        """Every numeric figure by dotted path (None: a link that exists with an unknown rate)."""
        out: dict[str, Exact | None] = {}
        for key, rate in (self.throughput or {}).items():
            out[f"throughput.{key}"] = rate.rate
        for index, die in enumerate(self.dies or []):
            out[f"dies[{index}].area"] = die.area  # None: a die whose area is unknown
        if self.memory:
            for key in ("capacity", "bandwidth"):
                if getattr(self.memory, key) is not None:
                    out[f"memory.{key}"] = getattr(self.memory, key)
        for key, link in (self.io or {}).items():
            out[f"io.{key}"] = link
        for key in ("die_area", "transistors", "package_area", "tpp"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def unsourced_figures(self) -> list[str]:
        """Figures no source's `fields` covers: every number in the catalog must have one."""
        covered = [f for s in self.sources for f in (s.fields or [])]

        def is_covered(path: str) -> bool:
            plain = re.sub(r"\[\d+\]", "", path).split(".")  # dies[1].area is covered by `dies.area` or `dies`
            return any(plain[: len(parts)] == parts for parts in (f.split(".") for f in covered))

        return [path for path, value in self.figures().items() if value is not None and not is_covered(path)]
