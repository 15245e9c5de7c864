"""Reading spec sheets from files and folders, keeping going past bad ones."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.documents import validate_data
from ..core.errors import InputError, SpecSheetError
from ..core.yamlsafe import load_yaml
from .model import ChipSpec

SUFFIXES = (".yaml", ".yml")
NO_SHEETS = "no spec sheets found in this folder or its subfolders (looked for *.yaml, *.yml)"


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


def find_sheet_files(
    paths: Iterable[str | Path], suffixes: tuple[str, ...] = SUFFIXES
) -> tuple[list[Path], list[InputError]]:
    """Spec-sheet files named by the paths (folders searched recursively, in a stable order; in a folder, the files
    whose suffix is one of `suffixes`).

    A folder scan never drops an entry silently: what it cannot read or will not follow (a broken or looping
    symbolic link, a link to a folder, a folder it may not list) is an error naming it. Links to folders are not
    followed because they can loop or lead outside the folder; name the folder itself to read it. A sheet-named
    entry that is not a regular file (a named pipe, a device) is listed, and refused when it is read. A folder
    with no sheet at all is an error too: a mistyped or empty folder must not read as "nothing is controlled".
    """
    files: list[Path] = []
    errors: list[InputError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            known = len(errors)
            _scan(path, found, errors, suffixes)
            if not found and len(errors) == known:  # (a folder whose entries were refused has its errors)
                looked = ", ".join(f"*{suffix}" for suffix in suffixes)
                errors.append(SpecSheetError(str(path), None, NO_SHEETS.replace("*.yaml, *.yml", looked)))
            files.extend(sorted(found))
        elif path.exists():
            files.append(path)
        elif path.is_symlink():
            errors.append(_broken_link(path))
        else:
            errors.append(SpecSheetError(str(path), None, "no such file or folder"))
    return files, errors


def _listing(folder: Path, errors: list[InputError]) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        errors.append(SpecSheetError(str(folder), None, f"cannot read folder: {exc.strerror or exc}"))
        return iter(())
    return iter(entries)


def _scan(folder: Path, files: list[Path], errors: list[InputError], suffixes: tuple[str, ...] = SUFFIXES) -> None:
    """Add the sheet files under folder, and an error for each entry that cannot be read or followed.

    Folders are walked with an explicit stack (in the order a recursive walk would take), so no depth of
    nesting can exhaust Python's recursion limit.
    """
    pending = [(folder, _listing(folder, errors))]
    while pending:
        parent, entries = pending[-1]
        entry = next(entries, None)
        if entry is None:
            pending.pop()
            continue
        path = parent / entry.name
        try:
            if entry.is_symlink():
                if not path.exists():  # exists() follows the link: False for a missing target or a loop
                    errors.append(_broken_link(path))
                elif path.is_dir():
                    target = os.readlink(path)
                    errors.append(
                        SpecSheetError(
                            str(path),
                            None,
                            f"symbolic link to a folder ({target}), not followed in a folder scan; "
                            "name the folder itself to read it",
                        )
                    )
                elif path.suffix.lower() in suffixes:
                    files.append(path)
            elif entry.is_dir():
                pending.append((path, _listing(path, errors)))
            elif path.suffix.lower() in suffixes:
                files.append(path)
        except OSError as exc:
            errors.append(SpecSheetError(str(path), None, f"cannot read: {exc.strerror or exc}"))


def _broken_link(path: Path) -> InputError:
    try:
        target = os.readlink(path)
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return SpecSheetError(str(path), None, f"symbolic link loop ({target} leads back to itself)")
        reason = "its target does not exist" if exc.errno == errno.ENOENT else (exc.strerror or str(exc))
        return SpecSheetError(str(path), None, f"broken symbolic link to {target}: {reason}")
    return SpecSheetError(str(path), None, "symbolic link changed while the folder was read")


# The operation types a rule set knows, with their bit lengths (a rules folder's `_metrics.yaml` bit_lengths).
BitLengths = Mapping[str, int]


def check_operations(spec: ChipSpec, source: str, bit_lengths: BitLengths) -> None:
    """Every throughput entry needs a bit length, from the rule set's table or the entry itself.

    The table is part of the rules (TPP = TOPS x bit length), so a sheet may not give a known operation another
    bit length: `fp8: {rate: 600 TOPS, bits: 4}` would halve the chip's TPP. Stating the rules' own value is
    harmless and accepted.
    """
    for key, rate in (spec.throughput or {}).items():
        if rate.bits is None and key not in bit_lengths:
            known = ", ".join(bit_lengths)
            raise SpecSheetError(
                source,
                f"throughput.{key}",
                f"unknown operation type {key!r} (known: {known}); for another operation write {{rate: ..., bits: N}}",
            )
        if rate.bits is not None and key in bit_lengths and rate.bits != bit_lengths[key]:
            raise SpecSheetError(
                source,
                f"throughput.{key}.bits",
                f"{key} is {bit_lengths[key]} bits in the rules' bit-length table, which a spec sheet cannot change "
                f"(got bits: {rate.bits}); remove `bits`, or give a different operation its own name",
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
