"""Rule files (contract section 2) as validated models: metadata, dated parameters and clause trees.

A condition is written as text, `tpp >= 4800`, `memory_bandwidth < 6500 GB/s`, `datacenter == false`,
`vendor in [NVIDIA, AMD]`, `name matches 'A100|H100'`, `clause 3A090.a`, or as a mapping with one of
`all`, `any` (lists) or `not` (one condition). No Python is evaluated from a rule file.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..metrics.definitions import MetricDef

# modified: a what-if made from a round (an overlay, `--set`), or a round someone edited
Provenance = Literal["published", "is-informed", "reported", "modified"]
OPERATORS = (">=", "<=", "==", "!=", ">", "<", "in", "matches")
ORDER_OPERATORS = (">=", "<=", ">", "<")

_COMPARISON = re.compile(
    r"^\s*(?P<metric>[a-z_][a-z0-9_]*)\s*(?P<op>>=|<=|==|!=|>|<|\bin\b|\bmatches\b)\s*(?P<rhs>.+?)\s*$"
)
_CLAUSE_REF = re.compile(r"^\s*clause\s+(?P<id>\S+)\s*$")
PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# all / any / not may nest this deep; deeper trees are written as clauses that refer to each other
MAX_CONDITION_DEPTH = 64
MAX_CLAUSES = 10_000  # clauses in one round


def _strict_date(raw: Any) -> date:
    """A day as a YAML date or ISO text (2023-11-17); never a number (pydantic would read 0 as 1970-01-01)."""
    if isinstance(raw, datetime):
        raise ValueError(f"a date is a day (YYYY-MM-DD), not a moment: {raw.isoformat()}")  # noqa: TRY004
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a day of the calendar") from None
    raise ValueError(f"a date is written YYYY-MM-DD (e.g. 2023-11-17), got {raw!r}")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank: a rule file has to say this")
    return value


Day = Annotated[date, BeforeValidator(_strict_date)]
Text = Annotated[str, AfterValidator(_not_blank)]  # required text: empty or only spaces is refused


class _Strict(BaseModel):
    # defer_build: a warm start reads the compiled rule set from the cache and validates no rule file, so the
    # validators are built only when a file is read (they are then built once, on first use)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --- condition trees --------------------------------------------------------------------------------------------


class ComparisonText(_Strict):
    """`metric op threshold`, parsed but not yet checked against the metric definitions."""

    metric: str
    op: str
    rhs: str

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        # written as one line of text in a rule file, not as an object
        return {
            "type": "string",
            "pattern": _COMPARISON.pattern,
            "description": "metric operator threshold: >= <= > < == != in matches; a $name is a dated parameter",
            "examples": ["tpp >= 4800", "io_bandwidth >= 600 GB/s", "transistors >= $transistor_threshold"],
        }

    @property
    def text(self) -> str:
        return f"{self.metric} {self.op} {self.rhs}"


class ClauseRef(_Strict):
    clause: str

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": _CLAUSE_REF.pattern, "examples": ["clause 3A090.a"]}


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


Condition = ComparisonText | ClauseRef | AllOf | AnyOf | NotOf


def parse_condition(raw: Any, depth: int = 0) -> Condition:
    """A condition tree from its YAML form; raises ValueError with the offending text."""
    if depth > MAX_CONDITION_DEPTH:
        raise ValueError(
            f"conditions nest more than {MAX_CONDITION_DEPTH} levels deep (all/any/not); write the inner part as a "
            "clause of its own and refer to it with `clause ID`"
        )
    if isinstance(raw, (ComparisonText, ClauseRef, AllOf, AnyOf, NotOf)):
        return raw
    if isinstance(raw, str):
        ref = _CLAUSE_REF.match(raw)
        if ref:
            return ClauseRef(clause=ref.group("id"))
        match = _COMPARISON.match(raw)
        if not match:
            raise ValueError(
                f"cannot read condition {raw!r}; write `metric op threshold` (op one of {' '.join(OPERATORS)}) "
                "or `clause ID`"
            )
        return ComparisonText(metric=match.group("metric"), op=match.group("op"), rhs=match.group("rhs"))
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"`{key}` takes a non-empty list of conditions")
            children = [parse_condition(v, depth + 1) for v in value]
            return AllOf(all=children) if key == "all" else AnyOf(any=children)
        if key == "not":
            return NotOf(**{"not": parse_condition(value, depth + 1)})
    raise ValueError(
        f"a condition is text (`tpp >= 4800`, `clause X`) or a mapping with one of all/any/not, got {raw!r}"
    )


def condition_text(condition: Condition) -> str:
    if isinstance(condition, ComparisonText):
        return condition.text
    if isinstance(condition, ClauseRef):
        return f"clause {condition.clause}"
    if isinstance(condition, AllOf):
        return "(" + " and ".join(condition_text(c) for c in condition.all) + ")"
    if isinstance(condition, AnyOf):
        return "(" + " or ".join(condition_text(c) for c in condition.any) + ")"
    return f"not {condition_text(condition.not_)}"


# --- metadata ---------------------------------------------------------------------------------------------------


class RuleSource(_Strict):
    title: Text
    url: str | None = None
    confidence: str | None = None
    note: str | None = None


class Dates(_Strict):
    announced: Day | None = None
    published: Day | None = None
    effective: Day
    compliance: Day | None = None
    ends: Day | None = Field(None, description="first day the round no longer applies (superseded or lapsed)")


class Enforcement(_Strict):
    since: Day
    status: Literal["enforced", "not-enforced"]
    note: str | None = None


class Amendment(_Strict):
    date: Day
    citation: Text
    summary: Text


class Destinations(_Strict):
    """Where the round's licence requirement applies. Country groups are those of 15 CFR 740 supp. 1."""

    country_groups: list[str] = []
    except_groups: list[str] = []
    countries: list[str] = Field([], description="ISO 3166 codes, e.g. CN, HK, MO, RU")
    worldwide: bool = False
    headquartered_in: list[str] = Field([], description="the requirement also follows entities headquartered here")
    note: str | None = None

    def summary(self) -> str:
        """One line a procurement reader can act on: `D:1, D:4, D:5 except A:5, A:6; MO; entities headquartered
        in D:5, MO (anywhere)`. The round's `note` keeps the quoted wording; results carry both."""
        parts: list[str] = []
        if self.worldwide:
            parts.append("worldwide")
        if self.country_groups:
            groups = ", ".join(self.country_groups)
            parts.append(f"{groups} except {', '.join(self.except_groups)}" if self.except_groups else groups)
        elif self.except_groups:
            parts.append(f"except {', '.join(self.except_groups)}")
        if self.countries:
            parts.append(", ".join(self.countries))
        if self.headquartered_in:
            parts.append(f"entities headquartered in {', '.join(self.headquartered_in)} (anywhere)")
        return "; ".join(parts) or "not stated"

    def to_dict(self) -> dict[str, object]:
        return {
            "summary": self.summary(),
            "worldwide": self.worldwide,
            "country_groups": list(self.country_groups),
            "except_groups": list(self.except_groups),
            "countries": list(self.countries),
            "headquartered_in": list(self.headquartered_in),
            "note": self.note,
        }


class Outcome(_Strict):
    status: Literal["controlled", "review"] | None = None
    classification: Text | None = None
    license_exception: Text | None = None
    license_review: Text | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Outcome:
        if not any((self.status, self.license_exception, self.license_review)):
            raise ValueError("an outcome needs a status, a license_exception or a license_review")
        if self.classification and self.status != "controlled":
            raise ValueError("a classification goes with status: controlled")
        return self


class Clause(_Strict):
    id: Text
    when: Condition
    text: Text = Field(description="the rule text this clause encodes, quoted")
    outcome: Outcome | None = None
    confidence: str | None = None
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        if value.startswith("$"):
            raise ValueError(
                f"clause id {value!r} is reserved: ids starting with '$' name the engine's own nodes "
                "($scope, $controlled, $review); choose another id"
            )
        if "/" in value:
            raise ValueError(
                f"clause id {value!r} contains '/', which marks the clauses an overlay imports from its base round "
                "(us-2023-10/3A090.a); choose another id"
            )
        if re.search(r"\s", value):
            raise ValueError(f"clause id {value!r} contains a space, so `clause ID` could not refer to it")
        return value

    @field_validator("when", mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> Condition:
        return parse_condition(raw)


class Parameter(_Strict):
    """A threshold that changes over time within a round (OpenFisca-style dated values)."""

    dimension: str
    values: dict[Day, str] = Field(min_length=1)
    description: str | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _text_values(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {k: (v if isinstance(v, str) else str(v)) for k, v in raw.items()}
        return raw


class Scope(_Strict):
    when: Condition
    text: Text

    @field_validator("when", mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> Condition:
        return parse_condition(raw)


class Presumption(_Strict):
    """A statement of the rule's own text that settles a comparison no sheet figure can: "All HBM stacks currently
    in production exceed this threshold" (89 FR 96790). It applies only where the comparison is unknown, and a
    result that rests on it lists it in its assumptions, so it is never taken for a measured figure."""

    comparison: ComparisonText = Field(
        description="one comparison a clause of this round makes, e.g. `memory_bandwidth_density > 2 GB/s/mm^2`"
    )
    when: Condition | None = Field(
        None,
        description="where the statement applies (comparisons only, e.g. `memory_type matches '^HBM'`); the "
        "presumption is used only where this is known to hold",
    )
    text: Text = Field(description="the rule text that states it, quoted")
    confidence: str | None = None
    source: str | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _parse_when(cls, raw: Any) -> Condition | None:
        return None if raw is None else parse_condition(raw)

    @field_validator("comparison", mode="before")
    @classmethod
    def _one_comparison(cls, raw: Any) -> ComparisonText:
        parsed = parse_condition(raw)
        if not isinstance(parsed, ComparisonText):
            raise ValueError("a presumption settles one comparison (`metric op threshold`), not a clause or a tree")  # noqa: TRY004 (pydantic reports ValueError)
        return parsed


class RoundFile(_Strict):
    """One control round, as a rule file declares it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: Text
    instrument: Text
    citation: Text
    provenance: Provenance
    confidence: str | None = None
    dates: Dates
    enforcement: list[Enforcement] = []
    applied_by_default: bool = True
    supersedes: list[Text] = []
    superseded_by: Text | None = None
    amendments: list[Amendment] = []
    destinations: Destinations
    addressees: list[str] = Field([], description="for is-informed letters: the companies that received them")
    catch_only: bool = Field(
        False, description="the round only catches chips (e.g. letters): a chip it does not catch is not addressed"
    )
    overlays: Text | None = Field(None, description="a round whose decision this round refines (policy overlay)")
    default_license_review: Text | None = None
    applies_to: Scope | None = None
    parameters: dict[str, Parameter] = {}
    derived: dict[str, MetricDef] = {}
    presumptions: list[Presumption] = []
    clauses: list[Clause] = Field(min_length=1, max_length=MAX_CLAUSES)
    sources: list[RuleSource] = Field(min_length=1)
    notes: str | None = None

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, parameters: dict[str, Parameter]) -> dict[str, Parameter]:
        for name in parameters:
            if not PARAMETER_NAME.fullmatch(name):
                raise ValueError(
                    f"parameter name {name!r}: write letters, digits and '_' (starting with a letter or '_'), so that "
                    "`$name` in a condition and `ROUND.name` in a what-if name it"
                )
        return parameters

    @field_validator("clauses")
    @classmethod
    def _unique_clause_ids(cls, clauses: list[Clause]) -> list[Clause]:
        first: dict[str, int] = {}
        for index, clause in enumerate(clauses):
            if clause.id in first:
                raise ValueError(f"clause id {clause.id!r} is used twice: clauses[{first[clause.id]}] and [{index}]")
            first[clause.id] = index
        return clauses


for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()
