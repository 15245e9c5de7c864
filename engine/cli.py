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
    from .sheets.load import LoadedChip
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
    from .decision.backend import BACKENDS, default_backend  # (asks importlib where durable-rules is: imports nothing)

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
    c.add_argument(
        "--backend",
        choices=BACKENDS,
        help=f"decision backend (default here: {default_backend()}; durable-rules needs Python < 3.13)",
    )

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
    t.add_argument(
        "--format",
        choices=("table", "json", "jsonl", "csv"),
        default="table",
        help="json: one element per chip with its changes; jsonl and csv: one record per change",
    )

    r = sub.add_parser("rules", help="list the rounds")
    r.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="json and csv: every round's dates, enforcement, supersedes and destinations",
    )
    e = sub.add_parser("explain", help="print a round's clause tree with thresholds and quoted text")
    e.add_argument("round")
    _whatif_arguments(parser, sub)
    return parser


# Width for output that is not read on a terminal: wide enough that no row wraps, so that `grep` and scripts see
# one line per row (and a wrapped table would break nothing: no word is ever split).
UNWRAPPED = 100_000


def _console() -> Console:
    """The terminal console. On a terminal, or with COLUMNS set, tables use that width; written to a pipe or a file
    (`exportctl rules | grep foundry`), nothing wraps."""
    from rich.console import Console

    # colour marks structure (headings, status groups) only; rich's number and date highlighting would recolour
    # figures and rule text
    out = Console(highlight=False)
    if not out.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        out.width = UNWRAPPED
    return out


def _shown(out: Console | None) -> Console:
    assert out is not None
    return out


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


def _summary(inputs: int, files: int, chips: int, results: int, errors: int, what: str = "results") -> None:
    print(
        f"{inputs} inputs from {files} files: {chips} chips evaluated, {results} {what}, {errors} errors",
        file=sys.stderr,
    )


def _rounds_asked(args: argparse.Namespace, engine: Engine) -> None:
    """Refuse rounds asked for that do not exist, or (with --as-of) of which none was in force that day, before any
    chip is read: a combination of no round would print every chip as not controlled. When only some were in
    force, say which were not; the others are combined."""
    from .core.errors import RoundNotInForceError

    for round_id in args.rounds or ():
        engine.rules[round_id]  # UnknownRoundError, naming the rounds there are
    if args.as_of and args.rounds:
        reasons = engine.not_in_force(args.rounds, args.as_of)
        if len(reasons) == len(set(args.rounds)):
            raise RoundNotInForceError(args.as_of.isoformat(), reasons)
        for reason in reasons:
            print(f"warning: {reason}; the results combine the other rounds asked for", file=sys.stderr)


def _classify(args: argparse.Namespace, engine: Engine, out: Console) -> int:
    import warnings

    from .core.errors import RoundNotInForceWarning
    from .core.paths import catalog_dir
    from .outputs import formats
    from .sheets.load import LoadReport

    paths = list(args.paths) + ([catalog_dir()] if args.catalog else [])
    if not paths:
        print("exportctl classify: give spec-sheet files or folders, or --catalog", file=sys.stderr)
        return EXIT_USAGE
    _rounds_asked(args, engine)
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

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoundNotInForceWarning)  # said once above, not once per chip
        if args.format == "table":
            from .outputs.table import table

            table(list(results()), out)
        else:
            formats.WRITERS[args.format](results(), sys.stdout)
    _errors(report.errors)
    _summary(report.loaded + len(report.errors), report.files, report.loaded, counted[0], len(report.errors))
    return EXIT_INPUT if report.errors else EXIT_OK


def _batch(args: argparse.Namespace, engine: Engine, console_script: bool = False) -> int:
    from .batch.memory import keep_freed_memory
    from .batch.pipeline import Behind
    from .outputs.rows import RowWriter, output_format
    from .sheets.table import ReadCounts

    _memory_pool()
    if console_script:  # (process-wide settings: only in a process that is this command alone)
        keep_freed_memory()
        _without_pandas_probe()
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
        behind = Behind(writer.write)  # the last results are written while the next chunk is evaluated
        try:
            for table in engine.evaluate_files(
                args.paths, counts=counts, evaluator=evaluator, chunk_rows=args.chunk_rows
            ):
                behind.put(table)
                if progress is not None:
                    progress.update(evaluator.counts.rows)
        except BaseException:
            behind.abort()  # the file is removed below: what waits is not written
            raise
        behind.close()
        done = True
    finally:
        writer.close(keep=done)
        if progress is not None:
            progress.stop()
    tally = evaluator.counts
    shown = 0
    if tally.errors:
        from .outputs.table import visible  # (rich, which it imports, costs a tenth of a second: only when needed)
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


def _without_pandas_probe() -> None:
    """pyarrow imports pandas (about 0.3 s) on its first conversion, only to recognise pandas objects, which a batch
    run never hands it. The first conversion here finds pandas absent, and pyarrow then no longer recognises pandas
    objects in this process (it still imports pandas for to_pandas): so only `exportctl batch` run as a command,
    never `main([...])` inside someone's program."""
    if "pandas" in sys.modules or "pyarrow" in sys.modules:
        return

    class Absent:
        @staticmethod
        def find_spec(name: str, *args: object) -> None:
            if name == "pandas":
                raise ModuleNotFoundError("pandas is not imported for a batch run", name=name)

    finder = Absent()
    sys.meta_path.insert(0, finder)  # type: ignore[arg-type]
    try:
        import pyarrow as pa

        pa.array([0])
    finally:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]


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
    report = engine.load_chips(args.paths)
    rows = [(chip, engine.timeline(chip)) for chip in report.chips]
    if args.format != "table":
        from .outputs.formats import TIMELINE_WRITERS

        TIMELINE_WRITERS[args.format](rows, sys.stdout)
    else:
        from rich.text import Text

        from .outputs.table import plain, visible

        for chip, changes in rows:
            out.print(Text.assemble((visible(chip.spec.name), "bold"), f"  ({visible(chip.source)})"))
            for change in changes:
                what = change.status + (f" {change.classification}" if change.classification else "")
                terms = change.terms_text()
                if terms:
                    what += f"; {terms}"
                by = ", ".join(change.rounds) or "no round applies"
                when = f"released {change.released}" if change.released else f"from {change.since}"
                out.print(plain(f"  {when}: {what}  ({by})"))
    _errors(report.errors)
    count = sum(len(changes) for _, changes in rows)
    _summary(
        len(report.chips) + len(report.errors), report.files, len(report.chips), count, len(report.errors), "changes"
    )
    return EXIT_INPUT if report.errors else EXIT_OK


def _rules(args: argparse.Namespace, engine: Engine, out: Console) -> int:
    if args.format == "table":
        from .outputs.explain import rules_list

        rules_list(engine.rules, out)
    else:
        from .outputs.formats import RULE_WRITERS

        RULE_WRITERS[args.format](engine.rules, sys.stdout)
    return EXIT_OK


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

    from .api import Engine
    from .core.errors import ExportctlError

    # (batch and convert write files and one summary line: no console, which costs a tenth of a second to make)
    out = _console() if args.command not in ("batch", "convert") else None
    try:
        # verdicts decided in earlier runs are reused and this run's kept (exportctl.core.cache)
        engine = Engine(args.rules, getattr(args, "backend", None), keep_verdicts=True)
        base, engine = engine, _what_if(engine, args)
        try:
            if args.command in WHATIF_COMMANDS:
                return _whatif_command(args, base, engine, _shown(out))
            if args.command == "classify":
                return _classify(args, engine, _shown(out))
            if args.command == "timeline":
                return _timeline(args, engine, _shown(out))
            if args.command == "batch":
                return _batch(args, engine, console_script=argv is None)
            if args.command == "convert":
                return _convert(args, engine)
        finally:
            engine.save()
        if args.command == "rules":
            return _rules(args, engine, _shown(out))
        from .outputs.explain import explain_round

        explain_round(engine.rules, args.round, _shown(out))
        return EXIT_OK
    except ExportctlError as exc:
        _errors([exc])
        return EXIT_INPUT


# --- what-ifs (issue 13): --set/--overlay on every command; diff, headroom, sweep, plot -------------------------

WHATIF_COMMANDS = ("diff", "headroom", "sweep", "plot")


def _whatif_arguments(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser.add_argument(
        "--set",
        dest="set",
        action="append",
        default=[],
        metavar="ROUND.PARAM=VALUE",
        help="a what-if: move a rule parameter for any command (repeatable; e.g. us-2023-10.tpp_line=4000)",
    )
    parser.add_argument(
        "--overlay",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a what-if overlay document laid over its base round for any command (repeatable)",
    )
    side = (
        "a round id (as the rules folder has it), a what-if round id (made by --set/--overlay), a date "
        "(YYYY-MM-DD or today: the rounds in force), an overlay file, or FILE@DATE / what-if@DATE"
    )
    d = sub.add_parser("diff", help="the chips whose answer changes between two rounds, what-ifs or dates")
    d.add_argument("a", metavar="A", help=side)
    d.add_argument("b", metavar="B", help="the same, for the other side")
    d.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    d.add_argument("--as-of", type=_date, metavar="DATE", help="the day a round's dated thresholds are read on")
    d.add_argument("--format", choices=("table", "json", "csv"), default="table")

    h = sub.add_parser("headroom", help="per chip, how far each figure can grow (or must shrink) before it changes")
    h.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    h.add_argument("--round", dest="rounds", action="append", metavar="ID", help="a round id (repeatable)")
    h.add_argument("--as-of", type=_date, metavar="DATE", help="the day dated thresholds are read on")
    h.add_argument("--format", choices=("table", "json", "csv"), default="table")

    w = sub.add_parser("sweep", help="per value of a parameter, how many and which chips a round controls")
    w.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    w.add_argument("--round", required=True, metavar="ID", help="the round whose answers are counted")
    w.add_argument("--vary", required=True, metavar="PARAM=FROM:TO:STEP", help="e.g. us-2023-10.tpp_line=2000:8000:10")
    w.add_argument("--as-of", type=_date, metavar="DATE", help="the day dated thresholds are read on")
    w.add_argument("--format", choices=("csv", "json", "table"), default="csv")
    w.add_argument("--plot", type=Path, metavar="FILE", help="also draw a step plot (PNG or SVG by the suffix)")

    p = sub.add_parser("plot", help="pictures: the TPP x density plane, the bandwidth plane, timelines")
    p.add_argument("kind", choices=("plane", "bandwidth", "timeline"))
    p.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="PNG or SVG, by the suffix")
    p.add_argument("--round", metavar="ID", help="default: us-2023-10 (plane), us-2025-04 (bandwidth)")
    p.add_argument("--compare", metavar="SIDE", help="a second round, what-if round or overlay file, as outlines")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the day dated thresholds are read on")


def _what_if(engine: Engine, args: argparse.Namespace) -> Engine:
    """The Engine with the command line's overlays, then its --set values, laid over it (said on stderr)."""
    if not args.set and not args.overlay:
        return engine
    from .rules.overlay import describe_variant, parse_assignment

    for path in args.overlay:
        engine = engine.with_overlay(path)
    if args.set:
        engine = engine.with_parameters(dict(parse_assignment(text) for text in args.set))
    for program in engine.rules:
        if program.variant is not None:
            print(f"what-if: {_visible(describe_variant(program))}", file=sys.stderr)
    return engine


def _visible(text: str) -> str:
    from .outputs.table import visible

    return visible(text)


def _side(text: str, base: Engine, engine: Engine) -> tuple[Engine, str | date]:
    """A diff side or --compare (see the diff help): the Engine it is read in and a round id or date."""
    head, at, tail = text.rpartition("@")
    day: date | None = None
    if at:
        try:
            day = _date(tail)
        except argparse.ArgumentTypeError:
            head, day = text, None
    if day is not None:
        if head == "what-if":
            return engine, day
        return _overlay_engine(Path(head), engine), day
    try:
        return base, _date(text)
    except argparse.ArgumentTypeError:
        pass
    if text in base.rules.programs:
        return base, text
    if text in engine.rules.programs or text in engine.rules:
        return engine, text
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        variant = _overlay_engine(path, engine)
        return variant, _changed_round(variant, engine)
    return base, text  # unknown: the rules say which rounds there are


def _overlay_engine(path: Path, engine: Engine) -> Engine:
    return engine.with_overlay(path)


def _changed_round(variant: Engine, engine: Engine) -> str:
    """The round an overlay changed (its base's variant, not the rounds rebuilt over it)."""
    new = [p for p in variant.rules if p.round.id not in engine.rules.programs and p.round.overlays is None]
    new = new or [p for p in variant.rules if p.round.id not in engine.rules.programs]
    return new[0].round.id


def _whatif_command(args: argparse.Namespace, base: Engine, engine: Engine, out: Console) -> int:
    from .outputs import whatif

    report = engine.load_chips(args.paths)
    chips = report.chips
    code = EXIT_OK
    if args.command == "diff":
        a, b = _side(args.a, base, engine), _side(args.b, base, engine)
        found = engine.diff(chips, a, b, args.as_of)
        if args.format == "table":
            whatif.diff_table(found, out)
        elif args.format == "json":
            whatif.write_json(found.to_dict(), sys.stdout)
        else:
            whatif.diff_csv(found, sys.stdout)
    elif args.command == "headroom":
        entries = [e for chip in chips for e in engine.headroom(chip, args.rounds, args.as_of)]
        if args.format == "table":
            whatif.headroom_table(entries, out)
        elif args.format == "json":
            whatif.write_json([e.to_dict() for e in entries], sys.stdout)
        else:
            whatif.headroom_csv(entries, sys.stdout)
    elif args.command == "sweep":
        code = _sweep(args, engine, chips, out)
    else:
        code = _plot(args, base, engine, chips)
    _errors(report.errors)
    return EXIT_INPUT if report.errors else code


def _sweep(args: argparse.Namespace, engine: Engine, chips: list[LoadedChip], out: Console) -> int:
    from .analysis.sweep import parse_range
    from .core.errors import RuleFileError
    from .outputs import whatif
    from .rules.overlay import resolve_parameter

    name, equals, spec = args.vary.partition("=")
    if not equals:
        raise RuleFileError("--vary", args.vary, "write PARAM=FROM:TO:STEP, e.g. us-2023-10.tpp_line=2000:8000:10")
    owner, parameter = resolve_parameter(engine.rules, name.strip(), "--vary")
    values = parse_range(spec, owner.round.parameters[parameter].dimension)
    found = engine.sweep(chips, args.round, f"{owner.origin}.{parameter}", values, args.as_of)
    if args.format == "csv":
        whatif.sweep_csv(found, sys.stdout)
    elif args.format == "json":
        whatif.write_json(found.to_dict(), sys.stdout)
    else:
        whatif.sweep_table(found, out)
    if args.plot:
        _save(engine.plot_sweep(found), args.plot)
    return EXIT_OK


def _plot(args: argparse.Namespace, base: Engine, engine: Engine, chips: list[LoadedChip]) -> int:
    compare = []
    if args.compare:
        other, what = _side(args.compare, base, engine)
        if isinstance(what, date):
            from .core.errors import InputError

            raise InputError("--compare", args.compare, "compare with a round, a what-if round or an overlay file")
        compare.append((other, what))
    if args.kind == "plane":
        figure = engine.plot_plane(chips, args.round or "us-2023-10", compare, as_of=args.as_of)
    elif args.kind == "bandwidth":
        figure = engine.plot_bandwidth(chips, args.round or "us-2025-04", compare, as_of=args.as_of)
    else:
        figure = engine.plot_timeline(chips)
    _save(figure, args.output)
    return EXIT_OK


def _save(figure: object, path: Path) -> None:
    from .core.errors import InputError

    if path.suffix.lower() not in (".png", ".svg"):
        raise InputError(str(path), None, "a picture is written as .png or .svg")
    try:
        figure.savefig(path, bbox_inches="tight")  # type: ignore[attr-defined]
    except OSError as exc:
        raise InputError(str(path), None, f"cannot write the picture: {exc.strerror or exc}") from None
    print(f"wrote {_visible(str(path))}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
