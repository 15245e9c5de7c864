"""What-ifs as data: an overlay is a small document laid over one round of a rules folder, as an OpenFisca reform
is laid over its base legislation. It names the round and what it changes; nothing else differs.

    overlay: tpp-line-4000                # the variant's name; its id is `us-2023-10+tpp-line-4000`
    base: us-2023-10
    description: what if the TPP line dropped to 4000?
    parameters:
      tpp_line: 4000                      # one value for every day (the round's history replaced)
      density_line: {values: {2027-01-01: "5"}}   # a value from a date on, laid over the history
    clauses:
      change: [{id: 3A090.a.2, when: "tpp >= $tpp_floor", text: "..."}]   # a clause's condition (and text)
      add: [{id: new, when: "...", text: "...", outcome: {status: controlled, classification: X}}]
      remove: [3A090.b.2]

`--set ROUND.NAME=VALUE` is the same as an overlay that changes one parameter. The document is read like a rule
file (untrusted: unknown rounds, clauses and parameters, values of the wrong dimension are refused, naming the
file and field). A variant keeps its base's citation, gets provenance `modified` and lists its changes; rounds
that overlay the changed one (us-2026-01 over us-2023-10) are rebuilt over the variant, so the whole rule set
answers the what-if. Only the changed rounds are compiled again (about a millisecond each), and a variant that
only moves thresholds has its base's structure key, so it shares every memoized verdict and decision rule set.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from pydantic import Field, field_validator

from ..core.documents import validate_document
from ..core.errors import RuleFileError, UnknownRoundError
from ..core.quantities import DIMENSIONS, format_number
from .compile import compile_round, read_threshold
from .model import (
    AllOf,
    AnyOf,
    Clause,
    ClauseRef,
    Condition,
    Day,
    NotOf,
    Parameter,
    RoundFile,
    Text,
    _Strict,
    condition_text,
    parse_condition,
)
from .program import Program, Variant, references
from .ruleset import RuleSet

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.=,:-]{0,63}")
Locator = Callable[[RuleFileError], RuleFileError]


# --- the document ---------------------------------------------------------------------------------------------


class DatedValues(_Strict):
    """Values from dates on, laid over the round's history (each date's value holds until the next date)."""

    values: dict[Day, str] = Field(min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _text(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {k: _value_text(v) for k, v in raw.items()}
        return raw


class ClauseChange(_Strict):
    """A clause's new condition (and, if given, its new quoted text); its outcome stays."""

    id: Text
    when: Condition
    text: Text | None = None
    note: str | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> Condition:
        return parse_condition(raw)


class ClauseEdits(_Strict):
    change: list[ClauseChange] = Field(default_factory=list)
    add: list[Clause] = Field(default_factory=list)
    remove: list[Text] = Field(default_factory=list)


class Overlay(_Strict):
    """One overlay document (see the module docstring)."""

    overlay: str = Field(description="the variant's name: letters, digits and - _ . = , :")
    base: Text = Field(description="the round it changes")
    description: str | None = None
    parameters: dict[str, str | DatedValues] = Field(default_factory=dict)
    clauses: ClauseEdits = Field(default_factory=ClauseEdits)

    @field_validator("overlay")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a variant name: write up to 64 letters, digits and - _ . = , : "
                "(starting with a letter or digit)"
            )
        return value

    @field_validator("parameters", mode="before")
    @classmethod
    def _values(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {k: v if isinstance(v, dict) else _value_text(v) for k, v in raw.items()}
        return raw


def _value_text(raw: Any) -> Any:
    """A YAML integer is text here, as a threshold is (floats already are: the loader keeps their decimal text)."""
    return str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw


def load_overlay(path: str | Path) -> Overlay:
    """An overlay file, read like a rule file (raises RuleFileError naming the file and field)."""
    return validate_document(Overlay, Path(path), RuleFileError)


# --- `--set ROUND.NAME=VALUE` ---------------------------------------------------------------------------------


def parse_assignment(text: str) -> tuple[str, str]:
    """`us-2023-10.tpp_line=4000` -> (`us-2023-10.tpp_line`, `4000`); raises RuleFileError."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise RuleFileError("--set", text, "write ROUND.PARAMETER=VALUE (e.g. us-2023-10.tpp_line=4000)")
    return name.strip(), value.strip()


def resolve_parameter(rules: RuleSet, qualified: str, source: str = "--set") -> tuple[Program, str]:
    """`ROUND.NAME`, or `NAME` alone when exactly one round has it: the round's program and the parameter name."""
    head, dot, tail = qualified.rpartition(".")
    if dot and head in rules:
        program = rules[head]
        if tail not in program.round.parameters:
            known = sorted(program.round.parameters)
            hint = _did_you_mean(tail, known)
            listed = f"; its parameters: {', '.join(known)}" if known else "; it has no parameters"
            raise RuleFileError(source, qualified, f"round {program.round.id} has no parameter {tail!r}{hint}{listed}")
        return program, tail
    having = [p for p in rules if qualified in p.round.parameters]
    if len(having) == 1:
        return having[0], qualified
    everything = [f"{p.round.id}.{n}" for p in rules for n in p.round.parameters]
    if having:
        names = " or ".join(f"{p.round.id}.{qualified}" for p in having)
        raise RuleFileError(source, qualified, f"several rounds have a parameter {qualified!r}: write {names}")
    if dot and head not in rules:
        return _unknown_round(rules, head, source, qualified)
    hint = _did_you_mean(qualified, everything + [n for p in rules for n in p.round.parameters])
    raise RuleFileError(
        source, qualified, f"no round has a parameter {qualified!r}{hint} (parameters: {', '.join(everything)})"
    )


def _unknown_round(rules: RuleSet, round_id: str, source: str, field_name: str) -> NoReturn:
    hint = _did_you_mean(round_id, rules.ids())
    raise RuleFileError(
        source, field_name, f"no round {round_id!r} in the rules{hint} (known: {', '.join(rules.ids())})"
    )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


# --- edits, as applied --------------------------------------------------------------------------------------------


@dataclass
class RoundEdit:
    """What one overlay (or the `--set`s of one round) changes in one round, with the field each part came from."""

    round: str
    name: str
    source: str
    description: str | None = None
    # name, field, a value for every day (or None), values from dates on
    parameters: list[tuple[str, str, str | None, dict[date, str]]] = field(default_factory=list)
    change: list[tuple[ClauseChange, str]] = field(default_factory=list)
    add: list[tuple[Clause, str]] = field(default_factory=list)
    remove: list[tuple[str, str]] = field(default_factory=list)

    @property
    def structural(self) -> bool:
        """Whether the clause tree changes (a new structure: checked like a rule file), not only thresholds."""
        return bool(self.change or self.add or self.remove)


def overlay_edit(overlay: Overlay, source: str) -> RoundEdit:
    edit = RoundEdit(overlay.base, overlay.overlay, source, overlay.description)
    for name, value in overlay.parameters.items():
        if isinstance(value, DatedValues):
            edit.parameters.append((name, f"parameters.{name}", None, dict(value.values)))
        else:
            edit.parameters.append((name, f"parameters.{name}", value, {}))
    edit.change = [(c, f"clauses.change[{i}]") for i, c in enumerate(overlay.clauses.change)]
    edit.add = [(c, f"clauses.add[{i}]") for i, c in enumerate(overlay.clauses.add)]
    edit.remove = [(c, f"clauses.remove[{i}]") for i, c in enumerate(overlay.clauses.remove)]
    return edit


def parameter_edits(rules: RuleSet, values: Mapping[str, object], name: str | None = None) -> list[RoundEdit]:
    """`{"us-2023-10.tpp_line": "4000"}` as one edit per round; a value is text (`"600 GB/s"`), an int or an exact
    Fraction in the parameter's canonical unit (GB/s for a bandwidth)."""
    edits: dict[str, RoundEdit] = {}
    for qualified, value in values.items():
        program, parameter = resolve_parameter(rules, qualified)
        dimension = program.round.parameters[parameter].dimension
        text = value_text(value, dimension, qualified)
        edit = edits.setdefault(program.round.id, RoundEdit(program.round.id, "", "--set"))
        edit.parameters.append((parameter, qualified, text, {}))
    for edit in edits.values():
        edit.name = name or ",".join(f"{p}={v}" for p, _, v, _ in edit.parameters)
    return list(edits.values())


def value_text(value: object, dimension: str, where: str) -> str:
    """A parameter value as threshold text: text as given, an int, or an exact Fraction in the canonical unit."""
    if isinstance(value, bool):
        raise RuleFileError("--set", where, f"expected a number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        shown = format_number(value, 40)
        if Fraction(shown) != value:
            raise RuleFileError("--set", where, f"{value} has no exact decimal form; give the value as decimal text")
        unit = DIMENSIONS[dimension].canonical if dimension in DIMENSIONS else ""
        return f"{shown} {unit}" if unit and dimension != "density" else shown
    if isinstance(value, str):
        return value
    raise RuleFileError("--set", where, f"expected a number or decimal text, got {type(value).__name__}")


@dataclass
class Applied:
    """A rule set with edits laid over it, and what of it must still be checked at load (api.Engine does)."""

    rules: RuleSet
    # each changed program, with the function that names an error found in it by the overlay's own field
    structural: list[tuple[Program, Locator]]  # its clause tree changed: checked like a rule file
    moved: list[tuple[Program, Locator]]  # only thresholds moved: see analysis.lint.unambiguous


def apply_edits(rules: RuleSet, edits: Iterable[RoundEdit]) -> Applied:
    """The rule set with each edit laid over it in turn (a later edit of the same round builds on the earlier)."""
    structural: dict[str, tuple[Program, Locator]] = {}
    moved: dict[str, tuple[Program, Locator]] = {}
    for edit in edits:
        rules, changed, locate = _apply(rules, edit)
        for program in changed:
            # a round edited twice is checked as it ends up, as structural if either edit was
            origin = program.origin
            was_structural = origin in structural
            structural.pop(origin, None)
            moved.pop(origin, None)
            (structural if edit.structural or was_structural else moved)[origin] = (program, locate)
    return Applied(rules, list(structural.values()), list(moved.values()))


def _apply(rules: RuleSet, edit: RoundEdit) -> tuple[RuleSet, list[Program], Locator]:
    try:
        program = rules[edit.round]
    except UnknownRoundError:
        _unknown_round(rules, edit.round, edit.source, "base")
    rule = program.round
    locate = _locator(edit, program)
    parameters = _parameters(rule, edit)
    clauses = _clauses(rule, edit, rules)
    changes = _describe(rule, edit, parameters)
    variant_id = f"{rule.id}+{edit.name}"
    new_rule = rule.model_copy(
        update={"id": variant_id, "provenance": "modified", "parameters": parameters, "clauses": clauses}
    )
    base = rules[rule.overlays] if rule.overlays else None
    try:
        compiled = compile_round(new_rule, rules.definitions, edit.source, base)
    except RuleFileError as exc:
        raise locate(exc) from None
    compiled.variant = Variant(
        program.origin,
        f"{program.variant.name}+{edit.name}" if program.variant else edit.name,
        program.changes + changes,
    )
    replaced = {program.origin: compiled}
    # rounds that overlay this one are rebuilt over the variant, in dependency order (rules are in effect order,
    # and an overlay takes effect after its base by construction of the shipped folder; resolved by origin here)
    pending = [p for p in rules if p.round.overlays and p is not program]
    progress = True
    while progress:
        progress = False
        for dependent in list(pending):
            over = dependent.round.overlays
            if over in replaced:
                new_base = replaced[over]
                dep_rule = dependent.round
                dep_id = f"{dep_rule.id}+{edit.name}"
                try:
                    rebuilt = compile_round(
                        dep_rule.model_copy(update={"id": dep_id, "provenance": "modified"}),
                        rules.definitions,
                        edit.source,
                        new_base,
                    )
                except RuleFileError as exc:
                    raise locate(exc) from None
                rebuilt.variant = Variant(
                    dependent.origin,
                    f"{dependent.variant.name}+{edit.name}" if dependent.variant else edit.name,
                    dependent.changes + tuple(f"{program.origin}: {c}" for c in changes),
                )
                replaced[dependent.origin] = rebuilt
                pending.remove(dependent)
                progress = True
    programs = {
        (replaced[p.origin].round.id if p.origin in replaced else k): replaced.get(p.origin, p)
        for k, p in rules.programs.items()
    }
    aliases = {**rules.aliases, **{origin: p.round.id for origin, p in replaced.items()}}
    return RuleSet(programs, rules.definitions, rules.folder, aliases), list(replaced.values()), locate


# --- parameters ---------------------------------------------------------------------------------------------------


def _parameters(rule: RoundFile, edit: RoundEdit) -> dict[str, Parameter]:
    out = dict(rule.parameters)
    for name, where, every_day, values in edit.parameters:
        known = out.get(name)
        if known is None:
            listed = sorted(rule.parameters)
            hint = _did_you_mean(name, listed)
            have = f"; its parameters: {', '.join(listed)}" if listed else "; it has no parameters"
            raise RuleFileError(edit.source, where, f"round {rule.id} has no parameter {name!r}{hint}{have}")
        if known.dimension not in DIMENSIONS:
            raise RuleFileError(edit.source, where, f"parameter {name!r} has an unknown dimension {known.dimension!r}")
        given = [(where, every_day)] if every_day is not None else []
        given += [(f"{where}.values.{since}", text) for since, text in values.items()]
        for field_name, text in given:
            if not isinstance(text, str):
                raise RuleFileError(edit.source, field_name, f"expected a number as text, got {text!r}")
            read_threshold(text, known.dimension, edit.source, field_name)  # the same reading as a rule file's
        # one value for every day: from the first date of the history (the round has a value whenever in force)
        history = {min(known.values): every_day} if every_day is not None else {**known.values, **values}
        out[name] = known.model_copy(update={"values": dict(sorted(history.items()))})
    return out


def _history(parameter: Parameter) -> str:
    items = sorted(parameter.values.items())
    if len(items) == 1:
        return items[0][1]
    return ", ".join(f"{value} from {since}" for since, value in items)


# --- clauses ------------------------------------------------------------------------------------------------------


def _clauses(rule: RoundFile, edit: RoundEdit, rules: RuleSet) -> list[Clause]:
    own = [c.id for c in rule.clauses]
    by_id = {c.id: c for c in rule.clauses}
    seen: dict[str, str] = {}

    def known(clause_id: str, where: str) -> None:
        if "/" in clause_id:
            base = clause_id.split("/", 1)[0]
            raise RuleFileError(
                edit.source,
                where,
                f"clause {clause_id!r} is imported from {base}; write an overlay on {base} to change it",
            )
        if clause_id not in by_id:
            raise RuleFileError(
                edit.source,
                where,
                f"round {rule.id} has no clause {clause_id!r}{_did_you_mean(clause_id, own)} (clauses: {', '.join(own)})",
            )
        if clause_id in seen:
            raise RuleFileError(edit.source, where, f"clause {clause_id!r} is already edited by {seen[clause_id]}")
        seen[clause_id] = where

    changed = {}
    for change, where in edit.change:
        known(change.id, f"{where}.id")
        old = by_id[change.id]
        update: dict[str, Any] = {"when": change.when}
        if change.text is not None:
            update["text"] = change.text
        if change.note is not None:
            update["note"] = change.note
        changed[change.id] = old.model_copy(update=update)
    removed = set()
    for clause_id, where in edit.remove:
        known(clause_id, where)
        removed.add(clause_id)
    for clause, where in edit.add:
        if clause.id in by_id:
            raise RuleFileError(
                edit.source,
                f"{where}.id",
                f"round {rule.id} already has a clause {clause.id!r}; change it with clauses.change",
            )
        if clause.id in seen:
            raise RuleFileError(edit.source, f"{where}.id", f"clause {clause.id!r} is added twice")
        seen[clause.id] = where
    result = [changed.get(c.id, c) for c in rule.clauses if c.id not in removed] + [c for c, _ in edit.add]
    if not result:
        raise RuleFileError(edit.source, "clauses.remove", f"removes every clause of {rule.id}; a round needs one")
    # a clause still in the round (or in a round that overlays it) must not refer to one removed
    origin = rules[rule.id].origin
    for clause_id in sorted(removed):
        users = [c.id for c in result if clause_id in _refs(c.when)]
        users += [
            f"{p.round.id} {n}"
            for p in rules
            if p.round.overlays == origin
            for n, node in p.nodes.items()
            if not n.startswith(f"{origin}/") and f"{origin}/{clause_id}" in references(node)
        ]
        if users:
            raise RuleFileError(
                edit.source,
                seen[clause_id],
                f"clause {clause_id!r} is referred to by {', '.join(users)}; change or remove those too",
            )
    return result


def _refs(condition: Condition) -> set[str]:
    """The clause ids a condition refers to (iteratively: conditions may nest 64 deep)."""
    found, stack = set(), [condition]
    while stack:
        current = stack.pop()
        if isinstance(current, ClauseRef):
            found.add(current.clause)
        elif isinstance(current, AllOf):
            stack.extend(current.all)
        elif isinstance(current, AnyOf):
            stack.extend(current.any)
        elif isinstance(current, NotOf):
            stack.append(current.not_)
    return found


def _describe(rule: RoundFile, edit: RoundEdit, parameters: dict[str, Parameter]) -> tuple[str, ...]:
    out = []
    for name, _, _, _ in edit.parameters:
        out.append(f"parameter {name}: {_history(rule.parameters[name])} -> {_history(parameters[name])}")
    by_id = {c.id: c for c in rule.clauses}
    for change, _ in edit.change:
        before, after = condition_text(by_id[change.id].when), condition_text(change.when)
        out.append(f"clause {change.id}: when {before} -> {after}")
    for clause, _ in edit.add:
        outcome = ""
        if clause.outcome:
            o = clause.outcome
            outcome = " -> " + ", ".join(
                x for x in (o.status, o.classification, o.license_exception, o.license_review) if x
            )
        out.append(f"clause {clause.id} added: when {condition_text(clause.when)}{outcome}")
    for clause_id, _ in edit.remove:
        out.append(f"clause {clause_id} removed")
    return tuple(out)


def _locator(edit: RoundEdit, program: Program) -> Locator:
    """Maps an error found in the edited round (a field of the merged round, `clauses[3] (3A090.a.2).when`) to
    the overlay's own field (`clauses.change[0].when`), so the message names what the analyst wrote."""
    fields = {c.id: where for c, where in edit.change} | {c.id: where for c, where in edit.add}
    params = {name: where for name, where, _, _ in edit.parameters}

    def locate(exc: RuleFileError) -> RuleFileError:
        where = exc.field or ""
        match = re.match(r"^clauses\[\d+\] \((?P<id>.*?)\)(?P<rest>.*)$", where)
        if match and match.group("id") in fields:
            # the overlay's own field, with the clause id as a rule file's messages give it
            located = f"{fields[match.group('id')]} ({match.group('id')}){match.group('rest')}"
            return RuleFileError(edit.source, located, exc.message)
        match = re.match(r"^parameters\.(?P<name>[A-Za-z0-9_]+)", where)
        if match and match.group("name") in params:
            return RuleFileError(edit.source, params[match.group("name")], exc.message)
        return RuleFileError(edit.source, where or None, f"in {program.round.id} with this overlay: {exc.message}")

    return locate


def describe_variant(program: Program) -> str:
    """One line for a what-if round: its id, what it was made from, and its changes."""
    if program.variant is None:
        return program.round.id
    return f"{program.round.id} (from {program.variant.base}): " + "; ".join(program.variant.changes)


__all__ = [
    "Applied",
    "ClauseChange",
    "ClauseEdits",
    "DatedValues",
    "Overlay",
    "RoundEdit",
    "apply_edits",
    "describe_variant",
    "load_overlay",
    "overlay_edit",
    "parameter_edits",
    "parse_assignment",
    "resolve_parameter",
    "value_text",
]
