"""The `exportctl` command (contract section 4).

Imports are inside the commands: `exportctl --version` and `--help` load no rules, models or terminal library.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    # this process uses no pydantic plugin: skip pydantic's scan of every installed package for one
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from rich.console import Console

    from .api import Engine
    from .results.result import Combined, Result
    from .sheets.table import Column

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 2, 2


def _date(text: str) -> date:
    if text == "today":
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="exportctl", description="Export-control classification of AI chips.")
    parser.add_argument("--version", action="store_true", help="print version, rule-file set and decision backend")
    parser.add_argument("--rules", type=Path, help="a rules folder to use instead of the shipped one (what-if)")
    sub = parser.add_subparsers(dest="command")

    c = sub.add_parser("classify", help="classify spec sheets under the control rounds")
    c.add_argument("paths", nargs="*", type=Path, help="spec-sheet files or folders (searched recursively)")
    c.add_argument("--catalog", action="store_true", help="the chip catalog shipped with the package")
    c.add_argument("--round", dest="rounds", action="append", metavar="ID", help="a round id (repeatable)")
    c.add_argument(
        "--as-of", type=_date, metavar="DATE", help="combine the rounds in force on this date (YYYY-MM-DD or today)"
    )
    c.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default="table")
    c.add_argument("--backend", choices=("durable-rules", "python"), help="decision backend (default: durable-rules)")

    b = sub.add_parser(
        "batch", help="evaluate tables and folders of sheets: one result row per input row and round, to a file"
    )
    b.add_argument(
        "paths", nargs="+", type=Path, metavar="INPUT", help="tables (.csv .jsonl .parquet .xlsx), sheets, or folders"
    )
    b.add_argument("--round", dest="rounds", action="append", metavar="ID", help="a round id (repeatable)")
    b.add_argument(
        "--as-of", type=_date, metavar="DATE", help="one combined row per input row: the rounds in force on DATE"
    )
    b.add_argument("--out", type=Path, required=True, metavar="FILE", help="results file: .csv, .jsonl or .parquet")
    b.add_argument("--explain", action="store_true", help="add an explanation column (per distinct pattern)")
    b.add_argument("--backend", choices=("durable-rules", "python"), help="decision backend (default: durable-rules)")
    b.add_argument("--chunk-rows", type=int, default=65_536, metavar="N", help="rows per chunk (default: %(default)s)")

    v = sub.add_parser("convert", help="write spec sheets (or a table) as one table: .csv .jsonl .parquet .xlsx .yaml")
    v.add_argument("paths", nargs="+", type=Path, metavar="INPUT", help="spec-sheet files, tables or folders")
    v.add_argument("--out", type=Path, required=True, metavar="FILE", help="the table to write")

    s = sub.add_parser("schema", help="print the JSON Schema of spec sheets or rule files")
    s.add_argument("what", choices=("chip", "rules"))

    t = sub.add_parser("timeline", help="per chip, each date its status changed and the round that changed it")
    t.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    t.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("rules", help="list the rounds")
    e = sub.add_parser("explain", help="print a round's clause tree with thresholds and quoted text")
    e.add_argument("round")
    return parser


def _version(folder: Path | None) -> str:
    """Version, the rule files (by name: the files are named for their rounds) and the backend, loading nothing."""
    import hashlib

    from .core.paths import rules_dir
    from .decision.backend import available_backends

    folder = folder or rules_dir()
    files = sorted(p for p in folder.glob("*.yaml"))
    digest = hashlib.sha256(b"".join(p.name.encode() + b"\0" + p.read_bytes() for p in files)).hexdigest()[:12]
    ids = [p.stem for p in files if not p.name.startswith("_")]
    available = available_backends()
    return (
        f"exportctl {__version__}\nrules: {folder} ({len(ids)} rounds: {', '.join(ids)})\n"
        f"decision backend: {available[0]} (available: {', '.join(available)})\nrule files: sha256 {digest}"
    )


def _errors(errors: Sequence[Exception]) -> None:
    """One line per refused input. A message quotes the file name and the offending text, which may hold control
    characters or undecodable bytes: they are shown as escapes (the line stays one line, the terminal unaffected)."""
    if errors:
        from .outputs.table import visible

        for exc in errors:
            print(f"error: {visible(str(exc))}", file=sys.stderr)


def _summary(inputs: int, files: int, chips: int, results: int, errors: int) -> None:
    print(
        f"{inputs} inputs from {files} files: {chips} chips evaluated, {results} results, {errors} errors",
        file=sys.stderr,
    )


def _classify(args: argparse.Namespace, engine: Engine, out: Console) -> int:
    from .core.paths import catalog_dir
    from .outputs import formats
    from .sheets.load import LoadReport

    paths = list(args.paths) + ([catalog_dir()] if args.catalog else [])
    if not paths:
        print("exportctl classify: give spec-sheet files or folders, or --catalog", file=sys.stderr)
        return EXIT_USAGE
    report = LoadReport()
    counted = [0]

    def results() -> Iterator[Result | Combined]:
        for chip in engine.iter_chips(paths, report):
            if args.as_of:
                counted[0] += 1
                yield engine.classify_as_of(chip, args.as_of, args.rounds)
            else:
                found = engine.classify(chip, args.rounds)
                counted[0] += len(found)
                yield from found

    if args.format == "table":
        from .outputs.table import table

        table(list(results()), out)
    else:
        formats.WRITERS[args.format](results(), sys.stdout)
    _errors(report.errors)
    _summary(report.loaded + len(report.errors), report.files, report.loaded, counted[0], len(report.errors))
    return EXIT_INPUT if report.errors else EXIT_OK


def _batch(args: argparse.Namespace, engine: Engine) -> int:
    from .outputs.rows import RowWriter, output_format
    from .outputs.table import visible
    from .sheets.table import ReadCounts

    _memory_pool()
    if output_format(args.out) is None:
        print(f"exportctl batch: --out must end in .csv, .jsonl or .parquet, got {args.out}", file=sys.stderr)
        return EXIT_USAGE
    if args.chunk_rows < 1:
        print("exportctl batch: --chunk-rows must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    counts = ReadCounts()
    evaluator = engine.evaluator(args.rounds, args.as_of, combine=args.as_of is not None, explain=args.explain)
    writer = RowWriter(args.out, evaluator.schema())
    progress = _progress(args.paths)
    done = False
    try:
        for table in engine.evaluate_files(args.paths, counts=counts, evaluator=evaluator, chunk_rows=args.chunk_rows):
            writer.write(table)
            if progress is not None:
                progress.update(evaluator.counts.rows)
        done = True
    finally:
        writer.close(keep=done)
        if progress is not None:
            progress.stop()
    tally = evaluator.counts
    shown = 0
    for table in _error_rows(args.out, writer.format) if tally.errors else ():
        for source, row, message in table:
            if shown < 20:
                where = f"{source}: row {row}" if row is not None else source
                print(f"error: {visible(where)}: {visible(message)}", file=sys.stderr)
            shown += 1
    if shown > 20:
        print(f"... and {shown - 20} more errors (the `error` column of {args.out})", file=sys.stderr)
    print(
        f"{tally.rows} rows read from {counts.files} files: {tally.evaluated} evaluated, {tally.results} results, "
        f"{tally.errors} errors; written to {args.out}",
        file=sys.stderr,
    )
    return EXIT_INPUT if tally.errors else EXIT_OK


def _memory_pool() -> None:
    """A batch run allocates and frees the same sizes chunk after chunk: jemalloc hands them back to the system,
    where Arrow's default pool (mimalloc) keeps them (peak RSS of 3 million rows: 289 MiB against 378 MiB). Chosen
    before pyarrow is first imported, for this process only; ARROW_DEFAULT_MEMORY_POOL set by the user wins."""
    if "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")


def _error_rows(path: Path, fmt: str) -> Iterator[list[tuple[str, int | None, str]]]:
    """The error rows of a results file just written (read back in chunks: the run kept none in memory)."""
    import pyarrow.compute as pc

    if fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(columns=["source", "row", "error"]):
            errors = batch.filter(pc.is_valid(batch.column("error")))
            if errors.num_rows:
                yield list(zip(*(errors.column(i).to_pylist() for i in range(3)), strict=True))
        return
    import json

    with open(path, encoding="utf-8", newline="") as handle:
        if fmt == "jsonl":
            found = []
            for line in handle:
                record = json.loads(line)
                if record.get("error") is not None:
                    found.append((record["source"], record["row"], record["error"]))
            yield found
        else:
            import csv

            yield [
                (r["source"], int(r["row"]) if r["row"] else None, r["error"])
                for r in csv.DictReader(handle)
                if r.get("error")
            ]


class _Progress:
    """A progress bar on a terminal (stderr), by rows (of the total a Parquet footer gives, where known)."""

    def __init__(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("rows"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True)
        )
        self._task = self._bar.add_task("rows", total=total)
        self._bar.start()

    def update(self, rows: int) -> None:
        self._bar.update(self._task, completed=rows)

    def stop(self) -> None:
        self._bar.stop()


def _progress(paths: Sequence[Path]) -> _Progress | None:
    if not sys.stderr.isatty():
        return None
    total: int | None = 0
    try:
        import pyarrow.parquet as pq

        for path in paths:
            if path.suffix.lower() in (".parquet", ".pq") and path.is_file():
                total += pq.ParquetFile(path).metadata.num_rows  # type: ignore[operator]
            else:
                total = None
                break
    except Exception:  # noqa: BLE001 (a progress bar never stops a run)
        total = None
    return _Progress(total or None)


def _convert(args: argparse.Namespace, engine: Engine) -> int:
    from .core.errors import InputError
    from .sheets.load import parse_chip
    from .sheets.table import FORMATS, ReadCounts, error_column, read_chunks, row_mapping, spec_row, write_sheets

    suffix = args.out.suffix.lower()
    if suffix not in FORMATS and suffix not in (".yaml", ".yml"):
        print(
            f"exportctl convert: --out must end in .csv, .jsonl, .parquet, .xlsx or .yaml, got {args.out}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    counts = ReadCounts()
    rows, specs, errors = [], [], []
    bits = engine.definitions.bit_lengths
    for chunk in read_chunks(args.paths, bits, counts):
        columns = [parse_header_of(name) for name in chunk.table.column_names]
        for error in chunk.errors:
            errors.append(f"{error.source}: row {error.row}: {error.message}")
        for index, cells in enumerate(chunk.table.to_pylist()):
            label = f"{chunk.source_of(index)}: row {int(chunk.rows[index])}"
            try:
                spec = parse_chip(row_mapping(zip(columns, cells.values(), strict=True), label), label, bits)
            except InputError as exc:
                column, message = error_column(exc, columns)
                errors.append(f"{label}: {column}: {message}" if column else f"{label}: {message}")
                continue
            specs.append(spec)
            rows.append(spec_row(spec))
    errors.extend(f"{e.source}{f': row {e.row}' if e.row else ''}: {e.message}" for e in counts.errors)
    if suffix in (".yaml", ".yml"):
        import yaml

        text = yaml.safe_dump(
            {"chips": [s.model_dump(mode="json", exclude_none=True) for s in specs]},
            sort_keys=False,
            allow_unicode=True,
        )
        args.out.write_text(text, encoding="utf-8")
    else:
        write_sheets(rows, args.out)
    _errors([Exception(e) for e in errors])
    print(
        f"{len(rows) + len(errors)} sheets read from {counts.files} files: {len(rows)} written to {args.out}, "
        f"{len(errors)} errors",
        file=sys.stderr,
    )
    return EXIT_INPUT if errors else EXIT_OK


def parse_header_of(name: str) -> Column:
    from .sheets.table import parse_header

    return parse_header(name)


def _timeline(args: argparse.Namespace, engine: Engine, out: Console) -> int:
    import json

    report = engine.load_chips(args.paths)
    rows = [(chip, engine.timeline(chip)) for chip in report.chips]
    if args.format == "json":
        from .outputs.formats import readable

        # (ASCII JSON; an undecodable file-name byte would be a lone surrogate escape, which strict readers refuse)
        data = [
            {"chip": readable(c.spec.name), "source": readable(c.source), "changes": [x.to_dict() for x in ch]}
            for c, ch in rows
        ]
        print(json.dumps(data, indent=2))
    else:
        from rich.text import Text

        from .outputs.table import plain, visible

        for chip, changes in rows:
            out.print(Text.assemble((visible(chip.spec.name), "bold"), f"  ({visible(chip.source)})"))
            for change in changes:
                what = change.status + (f" {change.classification}" if change.classification else "")
                by = ", ".join(change.rounds) or "no round applies"
                out.print(plain(f"  from {change.since}: {what}  ({by})"))
    _errors(report.errors)
    return EXIT_INPUT if report.errors else EXIT_OK


def _schema(what: str) -> str:
    import json

    from .rules.model import RoundFile
    from .sheets.model import ChipSpec

    model = ChipSpec if what == "chip" else RoundFile
    return json.dumps(model.model_json_schema(mode="validation"), indent=2)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        print(_version(args.rules))
        return EXIT_OK
    if args.command == "schema":
        sys.stdout.write(_schema(args.what) + "\n")
        return EXIT_OK
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE

    from rich.console import Console

    from .api import Engine
    from .core.errors import ExportctlError

    # colour marks structure (headings, status groups) only; rich's number and date highlighting would recolour
    # figures and rule text
    out = Console(highlight=False)
    try:
        # verdicts decided in earlier runs are reused and this run's kept (exportctl.core.cache)
        engine = Engine(args.rules, getattr(args, "backend", None), keep_verdicts=True)
        try:
            if args.command == "classify":
                return _classify(args, engine, out)
            if args.command == "timeline":
                return _timeline(args, engine, out)
            if args.command == "batch":
                return _batch(args, engine)
            if args.command == "convert":
                return _convert(args, engine)
        finally:
            engine.save()
        from .outputs.explain import explain_round, rules_list

        if args.command == "rules":
            rules_list(engine.rules, out)
        else:
            explain_round(engine.rules, args.round, out)
        return EXIT_OK
    except ExportctlError as exc:
        _errors([exc])
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
