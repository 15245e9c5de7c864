"""The Engine: one rule set, its own metric definitions, a verdict memo and a decision backend.

Nothing here is global: a library user, a notebook and a server can each hold several Engines side by side
(the shipped rules and a what-if folder, say), and each answers from its own rules and definitions. The
module-level functions at the end are conveniences over an Engine for one-off calls.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis.lint import check
from .core import cache, paths
from .core.errors import SpecSheetError
from .decision.backend import Backend, DeferredBackend
from .decision.memo import Memo
from .metrics.compute import ChipMetrics, compute_metrics
from .metrics.definitions import Definitions
from .results.classify import evaluate_chip
from .results.combine import combine, in_force
from .results.result import Combined, Result
from .results.timeline import Change, timeline
from .rules.ruleset import RuleSet, input_files
from .sheets import load as sheet_files
from .sheets.load import LoadedChip, LoadReport
from .sheets.model import ChipSpec

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .batch.run import Evaluator
    from .sheets.table import ReadCounts

ChipLike = ChipSpec | LoadedChip | Mapping[str, Any] | str | Path


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

    def classify(self, chip: ChipLike, rounds: list[str] | None = None, as_of: date | None = None) -> list[Result]:
        """The chip under each round asked for (default: every round applied by default), as of a date
        (default: today; dated thresholds are read on it)."""
        loaded = self._loaded(chip)
        on = as_of or date.today()
        metrics = compute_metrics(loaded.spec, self.definitions)
        programs = [self.rules[r] for r in (rounds or self.rules.default_ids())]
        return [evaluate_chip(p, loaded, on, self.memo, metrics) for p in programs]

    def classify_as_of(self, chip: ChipLike, as_of: date, rounds: list[str] | None = None) -> Combined:
        """The combined status on a date (strictest of the rounds in force), with the per-round results behind it."""
        loaded = self._loaded(chip)
        return self._as_of(loaded, compute_metrics(loaded.spec, self.definitions), as_of, rounds)

    def _as_of(self, loaded: LoadedChip, metrics: ChipMetrics, day: date, rounds: list[str] | None) -> Combined:
        results = [evaluate_chip(p, loaded, day, self.memo, metrics) for p in in_force(self.rules, day, rounds)]
        return combine(loaded.spec.name, loaded.source, day, results)

    def timeline(self, chip: ChipLike, rounds: list[str] | None = None) -> list[Change]:
        """Each date the chip's combined status changed, and the rounds that changed it."""
        loaded = self._loaded(chip)
        metrics = compute_metrics(loaded.spec, self.definitions)
        return timeline(self.rules, lambda day: self._as_of(loaded, metrics, day, rounds))

    # --- batch: tables of sheets (sheets/table.py layout) -------------------------------------------------------

    def evaluator(
        self,
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
    ) -> Evaluator:
        """A batch evaluator over this Engine's rules and memo: per round (the rounds asked for, or those applied by
        default), or with `combine` one combined row per input row (the rounds in force on the day)."""
        from .batch.run import Evaluator

        day = as_of or date.today()
        programs = (
            in_force(self.rules, day, rounds)
            if combine
            else [self.rules[r] for r in rounds or self.rules.default_ids()]
        )
        return Evaluator(
            programs, _LockedMemo(self.memo, self._lock), self.definitions, day, combined=combine, explain=explain
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
    ) -> pa.Table:
        """One result row per input row and round (or per row, with `combine`), for a table in the sheet layout.

        A pure function of the table (and the rules): rows are numbered from `first_row`, a bad row gives a row with
        its `error` and no status, and every other row is evaluated.
        """
        import numpy as np

        from .sheets.table import Chunk

        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
        return self.evaluator(rounds, as_of, combine=combine, explain=explain).evaluate(Chunk(table, [source], rows))

    def evaluate_frame(
        self,
        frame: pd.DataFrame,
        rounds: list[str] | None = None,
        as_of: date | None = None,
        *,
        combine: bool = False,
        explain: bool = False,
        source: str = "<frame>",
    ) -> pd.DataFrame:
        """`evaluate_table` for a pandas DataFrame: pandas in, pandas out, text columns as plain strings.

        `row` is the frame's index where that is an integer index (a Dask partition keeps its rows' labels), else
        the 1-based position. Runs per partition: `ddf.map_partitions(engine.evaluate_frame)`.
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
        out = self.evaluator(rounds, as_of, combine=combine, explain=explain).evaluate(Chunk(table, [source], rows))
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
    ) -> Iterator[pa.Table]:
        """Result tables, a chunk at a time, for spec sheets and tables (CSV, JSON Lines, Parquet, .xlsx) under the
        paths: memory stays flat however long the input. Unreadable files and rows come last, as error rows."""
        from .batch.run import run
        from .sheets.table import ReadCounts, read_chunks

        counts = counts if counts is not None else ReadCounts()
        evaluator = evaluator or self.evaluator(rounds, as_of, combine=combine, explain=explain)
        chunks = read_chunks(paths, self.definitions.bit_lengths, counts, chunk_rows)
        yield from run(evaluator, chunks, counts.errors)

    def __reduce__(self) -> tuple[Any, ...]:
        """An Engine pickles as its rules and backend name (a Dask worker makes its own memo and backend)."""
        return (_rebuilt, (self.rules, self.backend.name))


def _rebuilt(rules: RuleSet, backend: str) -> Engine:
    return Engine.from_ruleset(rules, backend)


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
    as_of: date | None = None,
    rules: RuleSet | None = None,
    memo: Memo | None = None,
) -> list[Result]:
    """`Engine(...).classify`, for one-off calls: the rule set given (default: the shipped rules)."""
    return _engine(rules, memo).classify(chip, rounds, as_of)


def classify_as_of(
    chip: ChipLike, as_of: date, rules: RuleSet | None = None, rounds: list[str] | None = None, memo: Memo | None = None
) -> Combined:
    """`Engine(...).classify_as_of`, for one-off calls."""
    return _engine(rules, memo).classify_as_of(chip, as_of, rounds)
