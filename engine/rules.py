"""Loading rule files: every round in rules/, validated and compiled, overlays after their bases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import resources
from .analysis import check
from .definitions import Definitions, load_definitions
from .errors import RuleFileError, UnknownRoundError
from .metrics import check_readers
from .program import Program, compile_round
from .rulebook import RoundFile
from .validation import validate_document


@dataclass
class RuleSet:
    """The rounds of a rules folder, by id, in the order they took effect."""

    programs: dict[str, Program]
    definitions: Definitions
    folder: Path

    def __getitem__(self, round_id: str) -> Program:
        try:
            return self.programs[round_id]
        except KeyError:
            raise UnknownRoundError(f"unknown round {round_id!r}; known: {', '.join(self.programs)}") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.programs.values())

    def ids(self) -> list[str]:
        return list(self.programs)


def round_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def load_rules(folder: str | Path | None = None) -> RuleSet:
    """Every round in the folder (default: the rules shipped with the package); raises RuleFileError."""
    path = Path(folder) if folder is not None else resources.rules_dir()
    if not path.is_dir() or not round_files(path):
        raise RuleFileError(str(path), "rules", "not a folder of rule files (*.yaml)")
    metrics_file = path / "_metrics.yaml"
    definitions = load_definitions(metrics_file if metrics_file.exists() else None)
    check_readers(definitions, str(metrics_file))
    rounds: dict[str, tuple[RoundFile, str]] = {}
    for file in round_files(path):
        rule = validate_document(RoundFile, file, RuleFileError)
        if rule.id in rounds:
            raise RuleFileError(str(file), "id", f"round {rule.id!r} is also defined in {rounds[rule.id][1]}")
        rounds[rule.id] = (rule, str(file))
    programs: dict[str, Program] = {}

    def build(round_id: str, chain: tuple[str, ...] = ()) -> Program:
        if round_id in programs:
            return programs[round_id]
        rule, source = rounds[round_id]
        base = None
        if rule.overlays:
            if rule.overlays not in rounds:
                known = ", ".join(sorted(rounds))
                raise RuleFileError(source, "overlays", f"no round {rule.overlays!r} in this folder (known: {known})")
            if rule.overlays in chain:
                loop = chain[chain.index(rule.overlays) :] + (round_id, rule.overlays)
                raise RuleFileError(source, "overlays", "rounds overlay each other in a cycle: " + " -> ".join(loop))
            base = build(rule.overlays, chain + (round_id,))
        programs[round_id] = compile_round(rule, definitions, source, base)
        check(programs[round_id], source)
        return programs[round_id]

    for round_id in sorted(rounds, key=lambda r: (rounds[r][0].dates.effective, r)):
        build(round_id)
    ordered = dict(sorted(programs.items(), key=lambda kv: (kv[1].round.dates.effective, kv[0])))
    return RuleSet(ordered, definitions, path)
