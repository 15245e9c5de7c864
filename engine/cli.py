"""The `exportctl` command (contract section 4)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from . import __version__, decision, render, resources
from .classify import classify, classify_as_of
from .errors import ExportctlError
from .result import Combined, Result
from .rules import RuleSet, load_rules
from .sheets import load_chips

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

    s = sub.add_parser("schema", help="print the JSON Schema of spec sheets or rule files")
    s.add_argument("what", choices=("chip", "rules"))

    t = sub.add_parser("timeline", help="per chip, each date its status changed and the round that changed it")
    t.add_argument("paths", nargs="+", type=Path, help="spec-sheet files or folders")
    t.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("rules", help="list the rounds")
    e = sub.add_parser("explain", help="print a round's clause tree with thresholds and quoted text")
    e.add_argument("round")
    return parser


def _version(rules: RuleSet) -> str:
    backend = decision.make_backend().name
    return (
        f"exportctl {__version__}\nrules: {rules.folder} ({len(rules.ids())} rounds: {', '.join(rules.ids())})\n"
        f"decision backend: {backend} (available: {', '.join(decision.available_backends())})"
    )


def _classify(args: argparse.Namespace, rules: RuleSet, out: Console, err: Console) -> int:
    paths = list(args.paths) + ([resources.catalog_dir()] if args.catalog else [])
    if not paths:
        err.print("exportctl classify: give spec-sheet files or folders, or --catalog")
        return EXIT_USAGE
    report = load_chips(paths)
    memo = decision.Memo(decision.make_backend(args.backend))
    results: list[Result | Combined] = []
    for chip in report.chips:
        if args.as_of:
            results.append(classify_as_of(chip, args.as_of, rules, args.rounds, memo))
        else:
            results.extend(classify(chip, args.rounds, None, rules, memo))
    if args.format == "table":
        render.table(results, out)
    else:
        text = {"json": render.as_json, "jsonl": render.as_jsonl, "csv": render.as_csv}[args.format](results)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for exc in report.errors:
        print(f"error: {exc}", file=sys.stderr)
    inputs = len(report.chips) + len(report.errors)
    print(
        f"{inputs} inputs from {report.files} files: {len(report.chips)} chips evaluated, "
        f"{len(results)} results, {len(report.errors)} errors",
        file=sys.stderr,
    )
    return EXIT_INPUT if report.errors else EXIT_OK


def _timeline(args: argparse.Namespace, rules: RuleSet, out: Console) -> int:
    from .timeline import timeline

    report = load_chips(args.paths)
    memo = decision.Memo(decision.make_backend())
    rows = [(chip, timeline(chip, rules, memo)) for chip in report.chips]
    if args.format == "json":
        data = [{"chip": c.spec.name, "source": c.source, "changes": [x.to_dict() for x in ch]} for c, ch in rows]
        print(json.dumps(data, indent=2))
    else:
        for chip, changes in rows:
            out.print(f"[bold]{escape(chip.spec.name)}[/]  ({escape(chip.source)})")
            for change in changes:
                what = change.status + (f" {change.classification}" if change.classification else "")
                by = ", ".join(change.rounds) or "no round applies"
                out.print(escape(f"  from {change.since}: {what}  ({by})"))
    for exc in report.errors:
        print(f"error: {exc}", file=sys.stderr)
    return EXIT_INPUT if report.errors else EXIT_OK


def _schema(what: str) -> str:
    from .rulebook import RoundFile
    from .specsheet import ChipSpec

    model = ChipSpec if what == "chip" else RoundFile
    return json.dumps(model.model_json_schema(mode="validation"), indent=2)


def _rules_list(rules: RuleSet, out: Console) -> None:
    from rich.table import Table

    grid = Table(pad_edge=False)
    for column in ("round", "citation", "provenance", "in force", "title"):
        grid.add_column(column, overflow="fold")  # in a narrow terminal a long word folds; nothing is cut off
    for program in rules:
        r = program.round
        until = r.dates.ends.isoformat() if r.dates.ends else "-"
        extra = "" if r.applied_by_default else " (not applied by default)"
        grid.add_row(r.id, r.citation, r.provenance, f"{r.dates.effective} .. {until}{extra}", r.title)
    out.print(grid)


def _explain(rules: RuleSet, round_id: str, out: Console) -> None:
    program = rules[round_id]
    r = program.round
    out.print(f"[bold]{escape(r.id)}[/]  {escape(r.citation)}  ({r.provenance})\n{escape(r.title)}")
    out.print(f"in force {r.dates.effective} .. {r.dates.ends or '-'}")
    from .rulebook import condition_text

    if r.applies_to:
        when, text = escape(condition_text(r.applies_to.when)), escape(r.applies_to.text)
        out.print(f"\n[bold]applies to[/]: {when}\n  {text}")
    for clause in r.clauses:
        outcome = ""
        if clause.outcome:
            o = clause.outcome
            outcome = " -> " + ", ".join(
                x for x in (o.status, o.classification, o.license_exception, o.license_review) if x
            )
        when, text = escape(condition_text(clause.when)), escape(clause.text.strip())
        out.print(f"\n[bold]{escape(clause.id)}[/]{escape(outcome)}\n  when {when}\n  text: {text}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # colour marks structure (headings, status groups) only; rich's number and date highlighting would recolour
    # figures and rule text
    out = Console(highlight=False)
    err = Console(stderr=True)
    try:
        if args.command == "schema":
            sys.stdout.write(_schema(args.what) + "\n")
            return EXIT_OK
        rules = load_rules(args.rules)
        if args.version:
            print(_version(rules))
            return EXIT_OK
        if args.command == "classify":
            return _classify(args, rules, out, err)
        if args.command == "timeline":
            return _timeline(args, rules, out)
        if args.command == "rules":
            _rules_list(rules, out)
            return EXIT_OK
        if args.command == "explain":
            _explain(rules, args.round, out)
            return EXIT_OK
        _parser().print_help()
        return EXIT_USAGE
    except ExportctlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
