"""A rules folder: its metric definitions and every round in it, validated and compiled, overlays after bases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..core.documents import validate_document
from ..core.errors import RuleFileError, UnknownRoundError
from ..metrics.compute import check_readers
from ..metrics.definitions import Definitions, load_definitions
from .compile import compile_round
from .model import RoundFile
from .program import Program


@dataclass
class RuleSet:
    """The rounds of a rules folder, by id, in the order they took effect, with the folder's metric definitions."""

    programs: dict[str, Program]
    definitions: Definitions
    folder: Path

    def __getitem__(self, round_id: str) -> Program:
        try:
            return self.programs[round_id]
        except KeyError:
            raise UnknownRoundError(f"unknown round {round_id!r}; known: {', '.join(self.programs)}") from None

    def __iter__(self) -> Iterator[Program]:
        return iter(self.programs.values())

    def ids(self) -> list[str]:
        return list(self.programs)

    def default_ids(self) -> list[str]:
        """The rounds applied when none is asked for."""
        return [p.round.id for p in self if p.round.applied_by_default]


def round_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def input_files(folder: Path) -> list[Path]:
    """Every file a rule set is read from: the folder's rule files and the metric definitions it uses."""
    metrics_file = folder / "_metrics.yaml"
    return [*round_files(folder), metrics_file if metrics_file.exists() else paths.rules_dir() / "_metrics.yaml"]


def definitions_of(folder: Path) -> Definitions:
    """A folder's `_metrics.yaml` (the shipped definitions where it has none), checked."""
    metrics_file = folder / "_metrics.yaml"
    definitions = load_definitions(metrics_file if metrics_file.exists() else None)
    check_readers(definitions, str(metrics_file))
    return definitions


def load_ruleset(folder: Path) -> RuleSet:
    """Every round in the folder, compiled against the folder's definitions; raises RuleFileError."""
    if not folder.is_dir() or not round_files(folder):
        raise RuleFileError(str(folder), "rules", "not a folder of rule files (*.yaml)")
    definitions = definitions_of(folder)
    rounds: dict[str, tuple[RoundFile, str]] = {}
    for file in round_files(folder):
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
        return programs[round_id]

    for round_id in sorted(rounds, key=lambda r: (rounds[r][0].dates.effective, r)):
        build(round_id)
    ordered = dict(sorted(programs.items(), key=lambda kv: (kv[1].round.dates.effective, kv[0])))
    return RuleSet(ordered, definitions, folder)
