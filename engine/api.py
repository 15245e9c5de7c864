"""The Engine: one rule set, its own metric definitions, a verdict memo and a decision backend.

Nothing here is global: a library user, a notebook and a server can each hold several Engines side by side
(the shipped rules and a what-if folder, say), and each answers from its own rules and definitions. The
module-level functions at the end are conveniences over an Engine for one-off calls.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis.lint import check, unambiguous
from .core import cache, paths
from .core.errors import ArgumentError, RoundNotInForceError, RoundNotInForceWarning, RuleFileError, SpecSheetError
from .decision.backend import Backend, DeferredBackend
from .decision.memo import Memo
from .metrics.compute import ChipMetrics, compute_metrics
from .metrics.definitions import Definitions
from .outputs.in_force import not_in_force_reason
from .results.classify import evaluate_chip
from .results.combine import combine, in_force
from .results.result import Combined, Result
from .results.timeline import Change, timeline
from .rules.calendar import in_force_on
from .rules.ruleset import RuleSet, input_files
from .sheets import load as sheet_files
from .sheets.load import LoadedChip, LoadReport
from .sheets.model import ChipSpec

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .analysis.diff import Diff
    from .analysis.headroom import Headroom
    from .analysis.sweep import Range, Sweep
    from .batch.run import Evaluator
    from .rules.overlay import Overlay, RoundEdit
    from .sheets.table import ReadCounts

ChipLike = ChipSpec | LoadedChip | Mapping[str, Any] | str | Path
DateLike = date | str

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_date(value: object, argument: str = "as_of") -> date:
    """A date argument: a `datetime.date`, or ISO text `YYYY-MM-DD` exactly (`"2025-06-01"`).

    Anything else raises ArgumentError naming the argument: other text (`"2025-6-1"`, `"today"`, `"20250601"`,
    which Python's own `date.fromisoformat` would take), a number, or a `datetime` (its day depends on a time zone
    the call does not state: pass `.date()` of it in the zone meant).
    """
    if isinstance(value, datetime):
        raise ArgumentError(
            argument, f"expected a date, got a datetime ({value.isoformat()}); pass its .date() in the time zone meant"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if _ISO_DAY.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError as exc:
                raise ArgumentError(argument, f"{value!r} is not a date: {exc}") from None
        raise ArgumentError(argument, f"{value!r} is not an ISO date (YYYY-MM-DD, e.g. '2025-06-01')")
    raise ArgumentError(argument, f"expected a date or ISO text 'YYYY-MM-DD', got {type(value).__name__}")


def _round_ids(rounds: object) -> list[str] | None:
    """A `rounds` argument: None (the rounds applied by default) or a list of round ids, never one bare id (whose
    letters would read as ids), nor a date given where the rounds go."""
    if rounds is None:
        return None
    if isinstance(rounds, str):
        if _ISO_DAY.fullmatch(rounds):
            raise ArgumentError("rounds", f"expected a list of round ids, got the date {rounds!r} (a date is as_of)")
        raise ArgumentError("rounds", f"expected a list of round ids, got the text {rounds!r}; write [{rounds!r}]")
    if isinstance(rounds, date) or not isinstance(rounds, Iterable):
        raise ArgumentError("rounds", f"expected a list of round ids, got {type(rounds).__name__}")
    ids = list(rounds)
    for item in ids:
        if not isinstance(item, str):
            raise ArgumentError("rounds", f"expected round ids (text), got {type(item).__name__}")
    return ids


class Engine:
    """Classifies chips under the rounds of one rules folder (default: the rules shipped with exportctl).

    `backend` is `"durable-rules"` (the default where it is installed), `"python"`, or a Backend object; it is
    made on the first decision the memo does not already hold.

    Loading compiles every round and runs its load-time checks (unreachable clauses, overlapping outcomes). The
    compiled, checked rule set is kept in the cache folder by the folder's content (exportctl.core.cache), so an
    unchanged folder is read, compiled and checked once. With `keep_verdicts`, verdicts decided in earlier runs
    are loaded too, and `save()` keeps this run's (the command line does both).
    """

    def __init__(
        self,
        rules_dir: str | Path | None = None,
        backend: str | Backend | None = None,
        *,
        memo: Memo | None = None,
        keep_verdicts: bool = False,
    ) -> None:
        folder = Path(rules_dir) if rules_dir is not None else paths.rules_dir()
        self._init(_checked_ruleset(folder), backend, memo)
        if keep_verdicts:
            self.memo.load()

    @classmethod
    def from_ruleset(cls, rules: RuleSet, backend: str | Backend | None = None, memo: Memo | None = None) -> Engine:
        """An Engine over rules already loaded (and checked) by another Engine."""
        engine = cls.__new__(cls)
        engine._init(rules, backend, memo)
        return engine

    def _init(self, rules: RuleSet, backend: str | Backend | None, memo: Memo | None) -> None:
        self.rules = rules
        self._lock = threading.Lock()  # batch evaluation may run in threads (Dask): one decision at a time
        if memo is not None:
            self.memo = memo
        else:
            self.memo = Memo(
                backend if backend is not None and not isinstance(backend, str) else DeferredBackend(backend)
            )

    @property
    def definitions(self) -> Definitions:
        """This rule set's metric definitions (its folder's `_metrics.yaml`, or the shipped one)."""
        return self.rules.definitions

    @property
    def backend(self) -> Backend:
        return self.memo.backend

    def save(self) -> None:
        """Keep the verdicts this Engine decided for later runs (the cache folder)."""
        self.memo.save()

    # --- spec sheets, validated against this Engine's definitions --------------------------------------------

    def load_chips(self, paths: Iterable[str | Path]) -> LoadReport:
        """Every spec sheet under the paths; bad files become errors in the report, the rest load."""
        return sheet_files.load_chips(paths, self.definitions.bit_lengths)

    def iter_chips(self, paths: Iterable[str | Path], report: LoadReport) -> Iterator[LoadedChip]:
        """The same, one file at a time: errors and counts accumulate in `report`, chips are not kept."""
        return sheet_files.iter_chips(paths, self.definitions.bit_lengths, report)

    def load_chip(self, path: str | Path) -> ChipSpec:
        """The one chip a spec-sheet file describes (raises SpecSheetError if it is invalid)."""
        report = LoadReport()
        chips = sheet_files.file_chips(Path(path), report, self.definitions.bit_lengths)
        if report.errors:
            raise report.errors[0]
        if len(chips) != 1:
            raise SpecSheetError(str(path), "chips", f"holds {len(chips)} chips; use load_chips() for a list")
        return chips[0].spec

    def parse_chip(self, data: Any, source: str = "<library>") -> ChipSpec:
        """A chip from a mapping (JSON, a database row, ...), validated like a spec sheet."""
        return sheet_files.parse_chip(
            dict(data) if isinstance(data, Mapping) else data, source, self.definitions.bit_lengths
        )

    def _loaded(self, chip: ChipLike) -> LoadedChip:
        if isinstance(chip, LoadedChip):
            sheet_files.check_operations(chip.spec, chip.source, self.definitions.bit_lengths)
            return chip
        if isinstance(chip, ChipSpec):
            # validated elsewhere, perhaps against other definitions: its operation types must be known here
            sheet_files.check_operations(chip, "<library>", self.definitions.bit_lengths)
            return LoadedChip(chip, "<library>")
        if isinstance(chip, Mapping):
            return LoadedChip(self.parse_chip(chip), "<library>")
        return LoadedChip(self.load_chip(chip), str(chip))

    def metrics(self, chip: ChipLike) -> ChipMetrics:
        """The chip's metrics under this rule set's definitions."""
        return compute_metrics(self._loaded(chip).spec, self.definitions)

    # --- results -------------------------------------------------------------------------------------------------

    def classify(self, chip: ChipLike, rounds: list[str] | None = None, as_of: DateLike | None = None) -> list[Result]:
        """The chip under each round asked for (default: every round applied by default), as of a date
        (default: today; dated thresholds are read on it). Each round answers whether or not it is in force that
        day: this is what the round says. `as_of` is a date or ISO text (`"2025-06-01"`, see `as_date`)."""
        on = date.today() if as_of is None else as_date(as_of)
        chosen = _round_ids(rounds)
        loaded = self._loaded(chip)
        metrics = compute_metrics(loaded.spec, self.definitions)
        programs = [self.rules[r] for r in (chosen or self.rules.default_ids())]
        return [evaluate_chip(p, loaded, on, self.memo, metrics) for p in programs]

    def classify_as_of(self, chip: ChipLike, as_of: DateLike, rounds: list[str] | None = None) -> Combined:
        """The combined status on a date (strictest of the rounds in force), with the per-round results behind it.

        `as_of` is a date or ISO text (`"2025-06-01"`; anything else raises ArgumentError, see `as_date`).
        `rounds` (default: the rounds applied by default) limits the combination to those asked for. When none of
        them is in force that day, RoundNotInForceError says so, naming each and the days it is in force (a
        combination of none would read "no round applies", as if the chip were cleared); when only some are, the
        others are combined and a RoundNotInForceWarning names the missing ones.
        """
        day = as_date(as_of)
        chosen = _round_ids(rounds)
        if chosen:
            self._check_in_force(chosen, day)
        loaded = self._loaded(chip)
        return self._as_of(loaded, compute_metrics(loaded.spec, self.definitions), day, chosen)

    def not_in_force(self, rounds: Iterable[str], day: DateLike) -> list[str]:
        """For each round asked for that is not in force on the day, why, with the days it is (UnknownRoundError
        for an id no rule file defines): `us-2025-01-diffusion was not in force on 2025-06-01 (in force 2025-01-13
        .. 2025-05-13, not enforced since 2025-05-13)`."""
        on = as_date(day, "day")
        programs = [self.rules[r] for r in dict.fromkeys(rounds)]
        return [not_in_force_reason(p.round, on) for p in programs if not in_force_on(p.round, on)]

    def _check_in_force(self, rounds: list[str], day: date) -> None:
        reasons = self.not_in_force(rounds, day)
        if reasons and len(reasons) == len(set(rounds)):
            raise RoundNotInForceError(day.isoformat(), reasons)
        for reason in reasons:
            warnings.warn(RoundNotInForceWarning(reason), stacklevel=3)

    def _as_of(self, loaded: LoadedChip, metrics: ChipMetrics, day: date, rounds: list[str] | None) -> Combined:
        results = [evaluate_chip(p, loaded, day, self.memo, metrics) for p in in_force(self.rules, day, rounds)]
        return combine(loaded.spec.name, loaded.source, day, results)

    def timeline(self, chip: ChipLike, rounds: list[str] | None = None) -> list[Change]:
        """Each date the chip's combined status changed, and the rounds that changed it (of those asked for, by a
        list of ids; default: the rounds applied by default)."""
        rounds = _round_ids(rounds)
        loaded = self._loaded(chip)
        metrics = compute_metrics(loaded.spec, self.definitions)
        return timeline(self.rules, lambda day: self._as_of(loaded, metrics, day, rounds), loaded.spec.released)

    # --- what-ifs ---------------------------------------------------------------------------------------------

    def with_parameters(self, values: Mapping[str, object], name: str | None = None) -> Engine:
        """A what-if Engine with these parameters moved (`{"us-2023-10.tpp_line": 4000}`; a name alone when one
        round has it; text with its unit, an int, or an exact Fraction in the canonical unit).

        It shares this Engine's memo, backend and unchanged rounds: a variant that only moves lines decides from
        the same memoized verdicts. Raises RuleFileError naming the parameter.
        """
        from .rules.overlay import parameter_edits  # what-ifs only: not on a plain classification's path

        return self._with(parameter_edits(self.rules, values, name))

    def with_overlay(self, overlay: str | Path | Overlay | Mapping[str, Any], source: str | None = None) -> Engine:
        """A what-if Engine with an overlay laid over its base round (a file, a mapping or an Overlay; see
        exportctl.rules.overlay). Raises RuleFileError naming the overlay's file and field."""
        from .rules.overlay import Overlay, load_overlay, overlay_edit

        if isinstance(overlay, (str, Path)):
            document, where = load_overlay(overlay), str(overlay)
        elif isinstance(overlay, Overlay):
            document, where = overlay, source or "<overlay>"
        else:
            from .core.documents import validate_data

            where = source or "<overlay>"
            document = validate_data(Overlay, dict(overlay), where, RuleFileError)
        return self._with([overlay_edit(document, where)])

    def _with(self, edits: list[RoundEdit]) -> Engine:
        from .rules.overlay import apply_edits

        applied = apply_edits(self.rules, edits)
        for program, locate in applied.structural:
            try:
                check(program, program.source)
            except RuleFileError as exc:
                raise locate(exc) from None
        for program, locate in applied.moved:
            # moving a line cannot make outcomes overlap when no pattern at all lets them (the shipped rounds)
            if not unambiguous(program):
                try:
                    check(program, program.source, unreachable=False)
                except RuleFileError as exc:
                    raise locate(exc) from None
        return Engine.from_ruleset(applied.rules, memo=self.memo)

    # --- what-if analyses -------------------------------------------------------------------------------------

    def headroom(self, chip: ChipLike, rounds: list[str] | None = None, as_of: date | None = None) -> list[Headroom]:
        """Per round and figure, the exact factor by which the chip's figure can grow (or, controlled, must
        shrink) before its answer changes, and the clause it meets (exportctl.analysis.headroom)."""
        from .analysis.headroom import headroom

        loaded = self._loaded(chip)
        metrics = compute_metrics(loaded.spec, self.definitions)
        on = as_of or date.today()
        return [
            entry
            for r in (rounds or self.rules.default_ids())
            for entry in headroom(self.rules[r], metrics, on, self.memo, loaded.spec.name, loaded.source)
        ]

    def sweep_point(
        self,
        chips: list[LoadedChip],
        round_id: str,
        values: Mapping[str, object],
        on: date,
        metrics: list[ChipMetrics] | None = None,
    ) -> list[Result]:
        """One point of a sweep: the what-if with these parameter values, and every chip under one of its rounds.

        The one function a sweep point goes through (a batch evaluation can replace the loop). `metrics` are the
        chips' metrics under this Engine's definitions, computed once for the whole sweep.
        """
        variant = self.with_parameters(values)
        program = variant.rules[round_id]
        computed = metrics if metrics is not None else [compute_metrics(c.spec, self.definitions) for c in chips]
        return [evaluate_chip(program, chip, on, variant.memo, m) for chip, m in zip(chips, computed, strict=True)]

    def sweep(
        self,
        chips: Iterable[ChipLike],
        round_id: str,
        parameter: str,
        values: Range | Iterable[object],
        as_of: date | None = None,
    ) -> Sweep:
        """The round's answers over a range of one parameter's values (`"us-2023-10.tpp_line"`, or its name
        alone when one round has it): per value, which chips are controlled (exportctl.analysis.sweep)."""
        from .analysis.sweep import Sweep, point
        from .rules.compile import read_threshold
        from .rules.overlay import resolve_parameter, value_text

        owner, name = resolve_parameter(self.rules, parameter)
        qualified = f"{owner.origin}.{name}"
        dimension = owner.round.parameters[name].dimension
        loaded = [self._loaded(c) for c in chips]
        metrics = [compute_metrics(c.spec, self.definitions) for c in loaded]
        on = as_of or date.today()
        program = self.rules[round_id]
        shipped = [
            (since.isoformat(), read_threshold(text, dimension, program.source, f"parameters.{name}"))
            for since, text in sorted(owner.round.parameters[name].values.items())
        ]
        found = Sweep(program.round.id, qualified, getattr(values, "unit", ""), shipped)
        for value in values:
            text = value_text(value, dimension, qualified)
            exact = value if isinstance(value, Fraction) else read_threshold(text, dimension, "--vary", qualified)
            results = self.sweep_point(loaded, round_id, {qualified: text}, on, metrics)
            found.points.append(point(exact, text, results))
        return found

    def diff(self, chips: Iterable[ChipLike], a: Side, b: Side, as_of: date | None = None) -> Diff:
        """The chips whose answer changes between two sides: a round id (or what-if round id), a date (the rounds
        in force that day), or (Engine, round or date) for another Engine, such as a what-if of this one."""
        from .analysis.diff import diff

        on = as_of or date.today()
        left, right = self._side(a, on), self._side(b, on)
        loaded = [self._loaded(c) for c in chips]
        pairs = ((left[1](chip), right[1](chip)) for chip in loaded)
        return diff(left[0], right[0], pairs)

    def _side(self, side: Side, on: date) -> tuple[str, Callable[[LoadedChip], Result | Combined]]:
        engine, what = side if isinstance(side, tuple) else (self, side)
        if isinstance(what, date):
            return what.isoformat(), lambda chip: engine.classify_as_of(chip, what)
        program = engine.rules[what]
        return program.round.id, lambda chip: engine.classify(chip, [program.round.id], on)[0]

    # --- pictures (matplotlib, imported here only) ------------------------------------------------------------

    def plot_plane(
        self,
        chips: Iterable[ChipLike],
        round_id: str = "us-2023-10",
        compare: Sequence[tuple[Engine, str]] = (),
        *,
        as_of: date | None = None,
        x: str = "tpp",
        y: str = "performance_density",
        chip: Mapping[str, Any] | None = None,
    ) -> Any:
        """The round's regions over two metrics (default TPP x performance density) for a datacenter accelerator,
        the non-datacenter line hatched, other rounds or what-ifs (`compare`: (Engine, round id)) as outlines, the
        chips as labelled points. Returns a matplotlib Figure."""
        base = {"name": "a chip at this point", "vendor": "exportctl", "kind": "accelerator", "datacenter": True}
        return self._plane(chips, round_id, compare, as_of, x, y, {**base, **(chip or {})}, "datacenter")

    def plot_bandwidth(
        self,
        chips: Iterable[ChipLike],
        round_id: str = "us-2025-04",
        compare: Sequence[tuple[Engine, str]] = (),
        *,
        as_of: date | None = None,
        chip: Mapping[str, Any] | None = None,
    ) -> Any:
        """The memory-bandwidth x I/O-bandwidth plane of a round (us-2025-04 and its three lines) for an
        addressee's chip that is not named in the letters. Returns a matplotlib Figure."""
        base = {"name": "an unnamed chip at this point", "vendor": "NVIDIA", "kind": "accelerator", "datacenter": True}
        return self._plane(
            chips, round_id, compare, as_of, "memory_bandwidth", "io_bandwidth", {**base, **(chip or {})}, None
        )

    def _plane(
        self,
        chips: Iterable[ChipLike],
        round_id: str,
        compare: Sequence[tuple[Engine, str]],
        as_of: date | None,
        x: str,
        y: str,
        base_chip: Mapping[str, Any],
        variant_field: str | None,
    ) -> Any:
        from .analysis.regions import edges, label, region_map, span, thresholds

        plots = _plots()

        on = as_of or date.today()
        program = self.rules[round_id]
        others = [(engine, engine.rules[r]) for engine, r in compare]
        points: list[Any] = []
        strip: list[Any] = []
        missing: list[str] = []
        outside: list[str] = []
        for loaded in (self._loaded(c) for c in chips):
            (result,) = self.classify(loaded, [program.round.id], on)
            metrics = compute_metrics(loaded.spec, self.definitions).with_derived(program.derived)
            xv, yv = metrics.values[x].value, metrics.values[y].value
            name = loaded.spec.name
            if result.applicable is False and program.round.applies_to and loaded.spec.kind == "memory":
                outside.append(name)  # a memory stack under an accelerator round: not on this plane at all
                continue
            if not isinstance(xv, Fraction) or xv <= 0:
                missing.append(name)
                continue
            assert result.basis is not None
            where = float(yv) if isinstance(yv, Fraction) and yv > 0 else None
            point = plots.Point(
                name,
                float(xv),
                where if where is not None else 0.12 + 0.76 * ((len(strip) * 0.618) % 1),
                label(result.basis.verdict),
                loaded.spec.datacenter,
                result.applicable is not False,
            )
            (points if where is not None else strip).append(point)
        lines_x = [t for p in [program, *(o for _, o in others)] for t in thresholds(p, x, on)]
        lines_y = [t for p in [program, *(o for _, o in others)] for t in thresholds(p, y, on)]
        x_range = span([p.x for p in [*points, *strip]], [float(t) for t in lines_x])
        y_range = span([p.y for p in points], [float(t) for t in lines_y])
        x_edges, y_edges = edges(*x_range, lines_x), edges(*y_range, lines_y)
        base = compute_metrics(self.parse_chip(dict(base_chip), "<plane>"), self.definitions)
        regions = region_map(program, base, x, y, x_edges, y_edges, on, self.memo)
        drawn = [
            region_map(
                o,
                compute_metrics(e.parse_chip(dict(base_chip), "<plane>"), e.definitions),
                x,
                y,
                x_edges,
                y_edges,
                on,
                e.memo,
            )
            for e, o in others
        ]
        variant = None
        text = ""
        if variant_field and any(c.metric == variant_field for c in program.comparisons):
            flipped = {**base_chip, variant_field: not base_chip.get(variant_field)}
            other_base = compute_metrics(self.parse_chip(flipped, "<plane>"), self.definitions)
            variant = region_map(program, other_base, x, y, x_edges, y_edges, on, self.memo)
            differs = sorted({n for n in variant.labels if n not in regions.labels} | {"not controlled"})
            text = f"hatched: with {variant_field} {str(flipped[variant_field]).lower()}, {' / '.join(differs)}"
        units = {"tpp": "TPP", "performance_density": "performance density (TPP per mm² of die area)"}
        title = f"{program.round.id} ({program.round.citation}) as of {on}: regions for a {_describe(base_chip)}"
        if program.variant:
            title += " - " + "; ".join(program.variant.changes)
        notes = []
        if missing:
            notes.append(f"not shown (no {x}): {', '.join(missing)}")
        if outside:
            notes.append(f"outside {program.round.id}'s scope: {', '.join(outside)}")
        footnote = "\n".join(notes)
        return plots.plane(
            regions,
            points,
            title=title,
            x_label=units.get(x, f"{x} ({_unit(self, x)})"),
            y_label=units.get(y, f"{y} ({_unit(self, y)})"),
            others=drawn,
            variant=variant,
            variant_text=text,
            strip=strip,
            strip_label=f"{y} unknown",
            footnote=footnote,
        )

    def plot_timeline(
        self, chips: Iterable[ChipLike], rounds: list[str] | None = None, until: date | None = None
    ) -> Any:
        """Per chip, its combined status over time (a band per period) with the rounds' dates marked."""
        plots = _plots()

        rows = []
        for loaded in (self._loaded(c) for c in chips):
            rows.append((loaded.spec.name, self.timeline(loaded, rounds)))
        marked = [
            (p.round.id, p.round.dates.effective)
            for p in self.rules
            if p.round.id in (rounds or self.rules.default_ids())
        ]
        return plots.timeline(rows, marked, until or date.today() + timedelta(days=120))

    def plot_sweep(self, found: Sweep) -> Any:
        """A sweep's step plot: chips controlled per value of the parameter."""
        plots = _plots()

        owner_id, _, name = found.parameter.rpartition(".")
        dimension = self.rules[owner_id].round.parameters[name].dimension
        unit = {"dimensionless": "", "density": "per mm²"}.get(dimension, _canonical(dimension))
        return plots.sweep(found, x_label=f"{found.parameter}" + (f" ({unit})" if unit else ""))

    # --- batch: tables of sheets (sheets/table.py layout) -------------------------------------------------------

    def evaluator(
        self,
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
        threads: int | None = None,
    ) -> Evaluator:
        """A batch evaluator over this Engine's rules and memo: per round (the rounds asked for, or those applied by
        default), or with `combine` one combined row per input row (the rounds in force on the day). `threads`: how
        many parts of a large chunk are evaluated side by side, at least 1 (default: the cores this process may
        use; pass 1 under a scheduler such as Dask that already runs a task per core)."""
        from .batch.run import Evaluator

        day = as_of or date.today()
        programs = (
            in_force(self.rules, day, rounds)
            if combine
            else [self.rules[r] for r in rounds or self.rules.default_ids()]
        )
        return Evaluator(
            programs,
            _LockedMemo(self.memo, self._lock),
            self.definitions,
            day,
            combined=combine,
            explain=explain,
            threads=threads,
        )

    def evaluate_table(
        self,
        table: pa.Table,
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
        source: str = "<table>",
        first_row: int = 1,
        threads: int | None = None,
    ) -> pa.Table:
        """One result row per input row and round (or per row, with `combine`), for a table in the sheet layout.

        A pure function of the table (and the rules): rows are numbered from `first_row`, a bad row gives a row with
        its `error` and no status, and every other row is evaluated.
        """
        import numpy as np

        from .sheets.table import Chunk

        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
        evaluator = self.evaluator(rounds, as_of, combine=combine, explain=explain, threads=threads)
        return evaluator.evaluate(Chunk(table, [source], rows))

    def evaluate_frame(
        self,
        frame: pd.DataFrame,
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
        source: str = "<frame>",
        threads: int | None = None,
    ) -> pd.DataFrame:
        """`evaluate_table` for a pandas DataFrame: pandas in, pandas out, text columns as plain strings.

        `row` is the frame's index where that is an integer index (a Dask partition keeps its rows' labels), else
        the 1-based position. Runs per partition: `ddf.map_partitions(engine.evaluate_frame)` (where the scheduler
        already runs a task per core, `threads=1` leaves each partition on its own thread).
        """
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        from .sheets.table import Chunk

        table = pa.Table.from_pandas(frame, preserve_index=False)
        index = frame.index
        if pd.api.types.is_integer_dtype(index.dtype):
            rows = np.asarray(index, dtype=np.int64)
        else:
            rows = np.arange(1, len(frame) + 1, dtype=np.int64)
        evaluator = self.evaluator(rounds, as_of, combine=combine, explain=explain, threads=threads)
        out = evaluator.evaluate(Chunk(table, [source], rows))
        plain = pa.table(
            [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in out.columns], names=out.column_names
        )
        return plain.to_pandas()

    def evaluate_files(
        self,
        paths: Iterable[str | Path],
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
        chunk_rows: int = 65_536,
        counts: ReadCounts | None = None,
        evaluator: Evaluator | None = None,
        threads: int | None = None,
    ) -> Iterator[pa.Table]:
        """Result tables, a chunk at a time, for spec sheets and tables (CSV, JSON Lines, Parquet, .xlsx) under the
        paths: memory stays flat however long the input. Unreadable files and rows come last, as error rows."""
        from .batch.run import run
        from .sheets.table import ReadCounts, read_chunks

        counts = counts if counts is not None else ReadCounts()
        evaluator = evaluator or self.evaluator(rounds, as_of, combine=combine, explain=explain, threads=threads)
        chunks = read_chunks(paths, self.definitions.bit_lengths, counts, chunk_rows)
        yield from run(evaluator, chunks, counts.errors)

    def __reduce__(self) -> tuple[Any, ...]:
        """An Engine pickles as its rules and backend name (a Dask worker makes its own memo and backend)."""
        return (_rebuilt, (self.rules, self.backend.name))


def _rebuilt(rules: RuleSet, backend: str) -> Engine:
    return Engine.from_ruleset(rules, backend)


Side = str | date | tuple["Engine", str | date]


def _plots() -> Any:
    """The pictures module, or a refusal that says what to install (matplotlib is an extra: `exportctl[plot]`)."""
    try:
        from .outputs import plots
    except ImportError as exc:
        from .core.errors import ExportctlError

        raise ExportctlError(
            f"pictures need matplotlib, adjustText and numpy ({exc.name or exc} is not installed): "
            "pip install 'exportctl[plot]'"
        ) from None
    return plots


def _describe(chip: Mapping[str, Any]) -> str:
    parts = [str(chip.get("kind", "accelerator"))]
    if chip.get("datacenter") is True:
        parts.insert(0, "datacenter")
    if chip.get("vendor") not in (None, "exportctl"):
        parts.insert(0, str(chip["vendor"]))
    return " ".join(parts)


def _unit(engine: Engine, metric: str) -> str:
    return _canonical(engine.definitions.metrics[metric].dimension) if metric in engine.definitions.metrics else ""


def _canonical(dimension: str) -> str:
    from .core.quantities import DIMENSIONS

    return DIMENSIONS[dimension].canonical if dimension in DIMENSIONS else ""


class _LockedMemo:
    """The Engine's memo, one decision at a time (batch runs may evaluate partitions in threads)."""

    def __init__(self, memo: Memo, lock: threading.Lock) -> None:
        self._memo = memo
        self._lock = lock

    def verdict(self, program: Any, pattern: Any) -> Any:
        with self._lock:
            return self._memo.verdict(program, pattern)


def _checked_ruleset(folder: Path) -> RuleSet:
    """The folder's rounds compiled and checked, from the cache when its files are unchanged (RuleFileError)."""
    try:
        key = cache.content_key(input_files(folder)) if folder.is_dir() else None
    except OSError:
        key = None  # unreadable: load_ruleset says which file and why
    if key is not None:
        key = f"{key}-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]}"  # results name its files
        kept = cache.load("rules", key)
        if isinstance(kept, RuleSet):
            return kept
    from .rules.ruleset import load_ruleset  # the compiler and the rule-file reader: only on a cache miss

    rules = load_ruleset(folder)
    for program in rules:
        check(program, program.source)
    if key is not None:
        cache.store("rules", key, rules)
    return rules


# --- conveniences ------------------------------------------------------------------------------------------------


@functools.cache
def default_engine() -> Engine:
    """An Engine over the shipped rules, made on first use (for the conveniences below)."""
    return Engine()


def _engine(rules: RuleSet | None, memo: Memo | None) -> Engine:
    if rules is None and memo is None:
        return default_engine()
    return Engine.from_ruleset(rules or default_engine().rules, memo=memo)


def load_rules(folder: str | Path | None = None) -> RuleSet:
    """Every round in a rules folder (default: the shipped rules), compiled and checked; raises RuleFileError."""
    return default_engine().rules if folder is None else Engine(folder).rules


def load_chips(paths: Iterable[str | Path], rules: RuleSet | None = None) -> LoadReport:
    return _engine(rules, None).load_chips(paths)


def load_chip(path: str | Path, rules: RuleSet | None = None) -> ChipSpec:
    return _engine(rules, None).load_chip(path)


def classify(
    chip: ChipLike,
    rounds: list[str] | None = None,
    as_of: DateLike | None = None,
    rules: RuleSet | None = None,
    memo: Memo | None = None,
) -> list[Result]:
    """`Engine(...).classify`, for one-off calls: the rule set given (default: the shipped rules)."""
    return _engine(rules, memo).classify(chip, rounds, as_of)


def classify_as_of(
    chip: ChipLike,
    as_of: DateLike,
    rules: RuleSet | None = None,
    rounds: list[str] | None = None,
    memo: Memo | None = None,
) -> Combined:
    """`Engine(...).classify_as_of`, for one-off calls (`as_of`: a date or ISO text such as `"2025-06-01"`)."""
    return _engine(rules, memo).classify_as_of(chip, as_of, rounds)
