"""Reading spec sheets from files and folders, keeping going past bad ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.documents import validate_data
from ..core.errors import InputError, SpecSheetError
from ..core.yamlsafe import load_yaml
from .model import ChipSpec

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedChip:
    """A validated chip and the file (and list position) it came from."""

    spec: ChipSpec
    source: str
    index: int | None = None


@dataclass
class LoadReport:
    """What a batch load produced: every input is either a chip or an error, never silently dropped.

    When chips are streamed (`iter_chips`), `chips` stays empty and `loaded` counts them.
    """

    chips: list[LoadedChip] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: int = 0
    loaded: int = 0


def find_sheet_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[InputError]]:
    """Spec-sheet files named by the paths (folders searched recursively, in a stable order)."""
    files: list[Path] = []
    errors: list[InputError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            errors.append(SpecSheetError(str(path), None, "no such file or folder"))
    return files, errors


# The operation types a rule set knows, with their bit lengths (a rules folder's `_metrics.yaml` bit_lengths).
BitLengths = Mapping[str, int]


def check_operations(spec: ChipSpec, source: str, bit_lengths: BitLengths) -> None:
    """Every throughput entry needs a bit length, from the rule set's table or the entry itself."""
    for key, rate in (spec.throughput or {}).items():
        if rate.bits is None and key not in bit_lengths:
            known = ", ".join(bit_lengths)
            raise SpecSheetError(
                source,
                f"throughput.{key}",
                f"unknown operation type {key!r} (known: {known}); for another operation write {{rate: ..., bits: N}}",
            )


def parse_chip(data: Any, source: str, bit_lengths: BitLengths) -> ChipSpec:
    """Validate one chip mapping (from YAML, JSON or a library caller) against a rule set's operation types."""
    spec = validate_data(ChipSpec, data, source, SpecSheetError)
    check_operations(spec, source, bit_lengths)
    return spec


def _document_chips(document: Any, source: str) -> list[tuple[Any, int | None]]:
    if isinstance(document, dict) and set(document) == {"chips"}:
        items = document["chips"]
        if not isinstance(items, list) or not items:
            raise SpecSheetError(source, "chips", "expected a non-empty list of chip mappings")
        return [(item, index) for index, item in enumerate(items)]
    return [(document, None)]


def file_chips(path: Path, report: LoadReport, bit_lengths: BitLengths) -> list[LoadedChip]:
    """The chips of one file (its errors go to the report); a bad entry in a list loses only itself."""
    source = str(path)
    report.files += 1
    try:
        entries = _document_chips(load_yaml(path), source)
    except InputError as exc:
        report.errors.append(
            exc if isinstance(exc, SpecSheetError) else SpecSheetError(exc.source, exc.field, exc.message)
        )
        return []
    chips = []
    for data, index in entries:
        label = source if index is None else f"{source}: chips[{index}]"
        try:
            chips.append(LoadedChip(parse_chip(data, label, bit_lengths), source, index))
        except InputError as exc:
            report.errors.append(exc)
    report.loaded += len(chips)
    return chips


def iter_chips(paths: Iterable[str | Path], bit_lengths: BitLengths, report: LoadReport) -> Iterator[LoadedChip]:
    """The chips under the paths one file at a time (errors and counts go to the report), for streaming."""
    files, errors = find_sheet_files(paths)
    report.errors.extend(errors)
    for path in files:
        yield from file_chips(path, report, bit_lengths)


def load_chips(paths: Iterable[str | Path], bit_lengths: BitLengths) -> LoadReport:
    """Load every spec sheet under the paths; bad files become errors in the report, the rest load."""
    files, errors = find_sheet_files(paths)
    report = LoadReport(errors=list(errors))
    for path in files:
        report.chips.extend(file_chips(path, report, bit_lengths))
    return report


def load_chip(path: str | Path, bit_lengths: BitLengths) -> ChipSpec:
    """The one chip a spec-sheet file describes (raises SpecSheetError if it is invalid)."""
    report = LoadReport()
    chips = file_chips(Path(path), report, bit_lengths)
    if report.errors:
        raise report.errors[0]
    if len(chips) != 1:
        raise SpecSheetError(str(path), "chips", f"holds {len(chips)} chips; use load_chips() for a list")
    return chips[0].spec
