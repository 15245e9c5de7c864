"""A rules folder: its metric definitions and every round in it, validated and compiled, overlays after bases."""

from __future__ import annotations

import difflib
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as _field
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
    # a what-if rule set (rules/overlay.py) keys a variant by its own id; its base's id still finds it
    aliases: dict[str, str] = _field(default_factory=dict)

    def __getitem__(self, round_id: str) -> Program:
        found = self.programs.get(round_id) or self.programs.get(self.aliases.get(round_id, ""))
        if found is None:
            known = ", ".join(self.programs)
            raise UnknownRoundError(
                f"unknown round {round_id!r}{_close(round_id, list(self.programs))}; known: {known}"
            )
        return found

    def __contains__(self, round_id: object) -> bool:
        return round_id in self.programs or round_id in self.aliases

    def __iter__(self) -> Iterator[Program]:
        return iter(self.programs.values())

    def ids(self) -> list[str]:
        return list(self.programs)

    def default_ids(self) -> list[str]:
        """The rounds applied when none is asked for."""
        return [p.round.id for p in self if p.round.applied_by_default]


# Rule files are YAML under either of its registered extensions, as spec sheets are: a round saved as `.yml` beside
# the `.yaml` ones is read, not silently left out of the answer.
SUFFIXES = (".yaml", ".yml")


def _yaml_files(folder: Path) -> list[Path]:
    """The folder's YAML files, each checked to be a regular file by its status alone: a FIFO, device or folder
    named `*.yaml` is refused here, never opened (opening a FIFO waits for a writer)."""
    try:
        entries = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    except OSError:
        return []
    files = []
    for path in entries:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise RuleFileError(str(path), None, f"cannot read file: {exc.strerror or exc}") from None
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode) else "a special file"
            raise RuleFileError(str(path), None, f"not a regular file ({what}); a rules folder holds rule files")
        files.append(path)
    return files


def round_files(folder: Path) -> list[Path]:
    return [p for p in _yaml_files(folder) if not p.name.startswith("_")]


def metrics_file(folder: Path) -> Path | None:
    """The folder's own metric definitions (`_metrics.yaml`, or `.yml`), if it has them."""
    found = [p for p in _yaml_files(folder) if p.stem == "_metrics"]
    if len(found) > 1:
        raise RuleFileError(str(found[1]), None, f"the metric definitions are also in {found[0]}; keep one file")
    return found[0] if found else None


def input_files(folder: Path) -> list[Path]:
    """Every file a rule set is read from: the folder's rule files and the metric definitions it uses."""
    return [*round_files(folder), metrics_file(folder) or paths.rules_dir() / "_metrics.yaml"]


def definitions_of(folder: Path) -> Definitions:
    """A folder's `_metrics.yaml` (the shipped definitions where it has none), checked."""
    own = metrics_file(folder)
    definitions = load_definitions(own)
    check_readers(definitions, str(own or folder / "_metrics.yaml"))
    return definitions


def _shipped_ids() -> set[str]:
    """The shipped rounds, by file name (each is named after its id): what a copied round may still supersede."""
    return {p.stem for p in round_files(paths.rules_dir())}


def _check_succession(rounds: dict[str, tuple[RoundFile, str]]) -> None:
    """`supersedes` and `superseded_by` name rounds that exist: in this folder, or shipped (a what-if folder may
    hold a copy of one round, which still supersedes the shipped round before it)."""
    known = set(rounds) | _shipped_ids()
    listed = ", ".join(sorted(known))
    for rule, source in rounds.values():
        named = [(f"supersedes[{i}]", r) for i, r in enumerate(rule.supersedes)]
        if rule.superseded_by is not None:
            named.append(("superseded_by", rule.superseded_by))
        for field, other in named:
            if other not in known:
                raise RuleFileError(
                    source,
                    field,
                    f"no round {other!r} in this folder or the shipped rules{_close(other, sorted(known))} "
                    f"(known: {listed})",
                )
            if other == rule.id:
                raise RuleFileError(source, field, f"round {other!r} cannot supersede itself")


def _close(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
    return f"; did you mean {match[0]!r}?" if match else ""


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
    _check_succession(rounds)
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
