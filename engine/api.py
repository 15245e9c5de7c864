"""The Engine: one rule set, its own metric definitions, a verdict memo and a decision backend.

Nothing here is global: a library user, a notebook and a server can each hold several Engines side by side
(the shipped rules and a what-if folder, say), and each answers from its own rules and definitions. The
module-level functions at the end are conveniences over an Engine for one-off calls.
"""

from __future__ import annotations

import functools
import hashlib
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .analysis.lint import check
from .core import cache, paths
from .core.errors import ArgumentError, RoundNotInForceError, RoundNotInForceWarning, SpecSheetError
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
