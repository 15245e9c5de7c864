"""Batch evaluation: a chunk of sheet rows -> one result row per input row and round (or per row, combined).

Per chunk: the cells as typed columns (sheets/columns.py), the metrics as float64 columns (metrics/columns.py), each
round's pattern per row as one integer (conditions/columns.py); rows near a threshold re-decided exactly, rows the
fast reading cannot vouch for read by the scalar path (parse_chip, compute_metrics, pattern), which also words their
errors. Then each distinct pattern is decided once, through the Engine's memo, and its output row built once
(batch/rows.py); rows get theirs by a gather. The missing figures of an indeterminate row are its own: the pattern's
candidate figures, filtered by which of them the row lacks.

An evaluator keeps what it learnt (pattern -> output row, exact re-readings) across the chunks of one run; it holds
no other state. A large chunk is cut into parts, one per core, in three steps: the fast reading side by side in
threads (numpy and Arrow release the GIL), the exact and scalar re-reading in one thread (Python: two threads would
only take turns), the verdicts and output tables side by side again, sharing what they learn under the evaluator's
lock. The output columns are dictionary-encoded over distinct texts.
"""

from __future__ import annotations

import itertools
import operator
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from ..conditions.columns import (
    ENCODE,
    ComparisonColumns,
    Patterns,
    decode,
    encode,
    exact_patterns,
    patterns,
)
from ..conditions.compare import truth
from ..core.errors import InputError
from ..core.logic import Tri
from ..decision.presume import presume
from ..decision.verdict import Verdict
from ..metrics.columns import MetricColumns, base_inputs, input_columns
from ..metrics.compute import ChipMetrics, compute_metrics, with_operands
from ..metrics.definitions import Definitions
from ..results.result import Result
from ..rules.calendar import threshold_on
from ..rules.program import Program
from ..sheets.columns import SheetColumns, read_columns
from ..sheets.load import parse_chip
from ..sheets.table import Chunk, Column, RowError, cell_text, error_column, row_mapping
from .pipeline import ahead
from .rows import combined_row, explanation, pattern_row, round_result

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_EPOCH = date(1970, 1, 1)
DENSE_LIMIT = 1 << 22  # pattern spaces up to this size are looked up in an array, larger ones through np.unique
PART_ROWS = 131_072  # a chunk is cut into parts evaluated side by side, each at least this long
UNSEEN, MISSING = -1, -2  # entries of a round's code -> kind array
EXACT_CACHE = 100_000  # exact re-readings kept per run (rows that repeat the same figures are read once)


class Decider(Protocol):
    """What decides a pattern: an Engine's memo (in front of its backend)."""

    def verdict(self, program: Program, pattern: tuple[Tri, ...]) -> Verdict: ...


@dataclass
class Counts:
    """What a run evaluated: every input row is either evaluated or an error."""

    rows: int = 0
    evaluated: int = 0
    results: int = 0
    errors: int = 0
    exact: int = 0  # rows re-read exactly (near a threshold, or not in a fast form)


@dataclass
class _Slot:
    found: tuple[Tri, ...]
    verdict: Any
    candidates: list[int]  # bits (of the round's base figures) the missing figures come from, in order
    mask: int


@dataclass
class _Round:
    """What one round learnt in a run: pattern -> slot, (slot, missing figures) -> output kind."""

    program: Program
    bases: list[str]  # the sheet-level figures its comparisons rest on (bits of a row's `unknown` mask)
    lut: np.ndarray | None  # dense: code -> slot (-1 unknown yet)
    direct: np.ndarray | None  # dense: code -> output kind (UNSEEN; MISSING: depends on the row's missing figures)
    codes: dict[int, int] = field(default_factory=dict)  # sparse spaces: code -> slot
    slots: list[_Slot] = field(default_factory=list)
    kinds: dict[int, int] = field(default_factory=dict)  # slot << bits | missing mask -> kind id


@dataclass
class _Part:
    """A part of a chunk between the evaluation's steps: what the fast reading found, and what the scalar path
    changed (unknown: per round, the missing-figure masks of rows it read; names and errors of those rows)."""

    chunk: Chunk
    sheet: SheetColumns
    metrics: MetricColumns
    comparisons: ComparisonColumns
    found: list[Patterns]
    unknown: list[dict[int, int]]
    names: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    exact: int = 0  # rows re-read exactly


class Evaluator:
    """Evaluates chunks of rows under some rounds, as of a day (dated thresholds), per round or combined."""

    def __init__(
        self,
        programs: Sequence[Program],
        memo: Decider,
        definitions: Definitions,
        on: date,
        *,
        combined: bool = False,
        explain: bool = False,
        threads: int | None = None,
    ) -> None:
        import numpy as np

        self.programs = list(programs)
        self.memo = memo
        self.definitions = definitions
        self.on = on
        self.combined = combined
        self.explain = explain
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads if threads is not None else _cpus()
        self.counts = Counts()
        self.kinds: list[dict[str, Any]] = []  # output columns per kind
        self._results: list[Result | None] = []  # per kind: the Result combine() reads (None: a combined kind)
        self._rounds: list[_Round] = []
        for program in self.programs:
            bases = list(
                dict.fromkeys(b for c in program.comparisons for b in base_inputs(c.metric, program.metric_defs))
            )
            space = 3 ** len(program.comparisons)
            lut = np.full(space, -1, dtype=np.int32) if space <= DENSE_LIMIT else None
            direct = np.full(space, UNSEEN, dtype=np.int32) if space <= DENSE_LIMIT else None
            self._rounds.append(_Round(program, bases, lut, direct))
        self._combined: dict[tuple[int, ...], int] = {}
        self._lock = threading.Lock()
        self._exact: OrderedDict[tuple[Any, ...], list[tuple[int, ...]]] = OrderedDict()
        self._days_buffer: pa.Buffer | None = None
        self._plans: dict[tuple[str, ...], tuple[set[str], list[list[tuple[int, Any, Any]]]]] = {}

    # --- one chunk -------------------------------------------------------------------------------------------

    def evaluate(self, chunk: Chunk) -> pa.Table:
        """The chunk's result rows. A large chunk is cut into parts, one per thread, read and compared side by side
        (numpy and Arrow release the GIL); then the rows the fast reading cannot decide are read by the scalar path,
        in this thread alone (Python: in two threads at once each would hold up the other's numpy); then each part's
        verdicts and output table, side by side again, sharing what they learn under a lock."""
        parts = _parts(chunk, self.threads)
        if len(parts) == 1:
            part = self._read(chunk)
            try:
                self._decide_exactly(part)
                return self._finish(part)
            finally:
                part.metrics.close()
        from concurrent.futures import ThreadPoolExecutor, wait

        import pyarrow as pa

        read: list[_Part] = []
        try:
            with ThreadPoolExecutor(len(parts), thread_name_prefix="exportctl-batch") as pool:
                futures = [pool.submit(self._read, part) for part in parts]
                wait(futures)
                read = [f.result() for f in futures if f.exception() is None]
                for future in futures:
                    future.result()  # a part that failed stops the chunk with its error
                for part in read:
                    self._decide_exactly(part)
                tables = list(pool.map(self._finish, read))
        finally:  # (the pool's threads have all finished: no part is in use)
            for part in read:
                part.metrics.close()
        return pa.concat_tables(tables)

    def _read(self, chunk: Chunk) -> _Part:
        """The fast reading: the cells as typed columns, the metrics, each round's pattern per row."""
        sheet = read_columns(chunk.table, self.definitions.bit_lengths)
        metrics = MetricColumns(sheet, self.definitions)
        comparisons = ComparisonColumns(chunk.table.num_rows)
        found = [patterns(p, metrics.for_round(p.derived), self.on, comparisons) for p in self.programs]
        return _Part(chunk, sheet, metrics, comparisons, found, [{} for _ in self._rounds])

    def _decide_exactly(self, part: _Part) -> None:
        """The rows near a threshold re-decided from their decimal text, and the slow rows read like YAML sheets."""
        import numpy as np

        chunk, sheet, found = part.chunk, part.sheet, part.found
        part.exact = self._exact_numbers(sheet, chunk.table, part.comparisons.near, found)
        slow = np.flatnonzero(sheet.slow)
        if len(slow):
            subset = _decoded(chunk.table.take(slow)).to_pylist()
            for row, cells in zip(slow, subset, strict=True):
                self._scalar(sheet, chunk, int(row), list(cells.values()), found, part.unknown, part.names, part.errors)
        part.exact += len(slow)

    def _finish(self, part: _Part) -> pa.Table:
        """Each row's output kind (a pattern decided once, through the memo) and the part's output table."""
        import numpy as np

        chunk, sheet, metrics, errors = part.chunk, part.sheet, part.metrics, part.errors
        n = chunk.table.num_rows
        good: np.ndarray | None = None  # None: every row is good
        if errors:
            good = np.ones(n, dtype=bool)
            good[list(errors)] = False
        kinds = (
            np.stack(
                [
                    self._kind_ids(r, f, u, metrics.for_round(r.program.derived), good, n)
                    for r, f, u in zip(self._rounds, part.found, part.unknown, strict=True)
                ]
            )
            if self._rounds
            else np.zeros((0, n), dtype=np.int32)
        )
        if good is None:
            good = np.ones(n, dtype=bool)
        with self._lock:  # what is learnt (slots, kinds) is shared by the parts of a chunk
            if self.combined:
                kinds = self._combine(kinds, good)[None, :]
            known = list(self.kinds)  # this part's kinds are all in it (another part may add more meanwhile)
        out = self._table(chunk, sheet, kinds, good, part.names, errors, known)
        with self._lock:
            self.counts.exact += part.exact
            self.counts.rows += n + len(chunk.errors)
            self.counts.evaluated += int(good.sum())
            self.counts.errors += len(errors) + len(chunk.errors)
            self.counts.results += out.num_rows - len(errors) - len(chunk.errors)
        return out

    def _unknown(self, state: _Round, metrics: Any, n: int, bits: int, overrides: dict[int, int]) -> np.ndarray:
        """Per row, a bit for each of the round's base figures (those in `bits`) that the row does not give."""
        import numpy as np

        mask = np.zeros(n, dtype=np.int64)
        for bit, name in enumerate(state.bases):
            if bits >> bit & 1:
                mask |= metrics[name].unknown.astype(np.int64) << bit
        for row, value in overrides.items():
            mask[row] = value
        return mask

    # --- exact re-reading ------------------------------------------------------------------------------------

    def _exact_numbers(
        self, sheet: SheetColumns, table: pa.Table, near: dict[str, np.ndarray], found: list[Patterns]
    ) -> int:
        """Rows near a threshold: the comparisons of their near metrics decided by the scalar functions
        (compute_metrics, truth) from their decimal text; returns how many rows.

        Only the cells the near metrics are computed from are read (name and vendor are a placeholder: text
        comparisons are exact already), so rows repeating the same figures share one reading; the digits are then
        replaced for all the rows at once. Near rows are few (a thousand in a million random ones): they are grouped
        in Python, which costs less than numpy's fixed costs.
        """
        import numpy as np

        if not near:
            return 0
        names = list(near)
        flags = np.stack([near[m] for m in names]) & ~sheet.slow
        rows = np.flatnonzero(flags.any(axis=0))
        if not len(rows):
            return 0
        groups = flags[:, rows].T  # per near row, which metrics are near
        read = self._near_cells(tuple(names), sheet)  # the cells some near metric is computed from
        cells = [_absent_nan(c.to_pylist()) for c in _decoded(table.select(read).take(rows)).columns]
        readings: dict[tuple[Any, ...], int] = {}  # (near metrics, their cells) -> index in exact_rows
        exact_rows: list[list[tuple[int, ...]]] = []
        key_of = np.empty(len(rows), dtype=np.int64)
        kinds, kind_of = np.unique(groups, axis=0, return_inverse=True)  # the distinct sets of near metrics
        kind_of = kind_of.reshape(-1)
        for w, kind in enumerate(kinds.tolist()):
            which = tuple(m for m, flag in zip(names, kind, strict=True) if flag)
            members = np.flatnonzero(kind_of == w)
            where = [read.index(i) for i in self._near_cells(which, sheet)]
            # the members' cells, column by column (itemgetter picks them in C; it returns a bare value for one)
            pick = operator.itemgetter(*members.tolist()) if len(members) > 1 else lambda c, r=int(members[0]): (c[r],)
            index_of = []
            per_row = zip(*(pick(cells[p]) for p in where), strict=True) if where else [()] * len(members)
            for values in per_row:
                index = readings.get((which, values))
                if index is None:
                    texts = [(sheet.columns[read[p]], cell_text(v)) for p, v in zip(where, values, strict=True)]
                    index = readings[(which, values)] = len(exact_rows)
                    exact_rows.append(self._exact_of((which, tuple((c.header, v) for c, v in texts)), texts, which))
                index_of.append(index)
            key_of[members] = index_of
        for r, pats in enumerate(found):
            program = pats.program
            k = len(program.comparisons)
            exact = np.array([digits[r] for digits in exact_rows], dtype=np.int64).reshape(-1, k)
            numbers = np.array([c.kind == "number" for c in program.comparisons], dtype=bool)
            by_metric = np.array([[c.metric == m for m in names] for c in program.comparisons], dtype=bool).reshape(
                k, -1
            )
            replace = (groups[:, None, :] & by_metric[None, :, :]).any(axis=2) & numbers[None, :]  # rows x comparisons
            if pats.codes is not None:
                powers = 3 ** np.arange(k, dtype=np.int64)
                digits = (pats.codes[rows].astype(np.int64)[:, None] // powers) % 3
                digits = np.where(replace, exact[key_of], digits)
                pats.codes[rows] = digits @ powers
            else:
                assert pats.digits is not None
                pats.digits[rows] = np.where(replace, exact[key_of], pats.digits[rows])
        return len(rows)

    def _exact_of(
        self, key: tuple[Any, ...], cells: list[tuple[Column, Any]], which: tuple[str, ...]
    ) -> list[tuple[int, ...]]:
        """Each round's comparisons of the metrics in `which` decided from the cells by the scalar functions
        (compute_metrics, truth), as pattern digits, 0 for the other comparisons (the columns decided those); kept
        by key for the rest of the run. Only the metrics in `which` and what they rest on are computed."""
        exact = self._exact.get(key)
        if exact is None:
            data = row_mapping(cells, "<near>")
            data.update(name="row", vendor="row")
            spec = parse_chip(data, "<near>", self.definitions.bit_lengths)
            needs, deciding = self._near_plan(which)
            metrics = compute_metrics(spec, self.definitions, only=needs)
            exact = []
            for program, comparisons in zip(self.programs, deciding, strict=True):
                values = metrics.with_derived(program.derived, only=which).values
                digits = [0] * len(program.comparisons)
                for j, comparison, threshold in comparisons:
                    digits[j] = ENCODE[truth(comparison, values[comparison.metric], threshold)]
                exact.append(tuple(digits))
            self._exact[key] = exact
            if len(self._exact) > EXACT_CACHE:
                self._exact.popitem(last=False)
        return exact

    def _near_cells(self, which: tuple[str, ...], sheet: SheetColumns) -> list[int]:
        """The sheet's columns the metrics in `which` are computed from, under every round's definitions (a round's
        own derived metric may share its name with another round's)."""
        found: set[int] = set()
        for program in self.programs:
            found.update(input_columns([m for m in which if m in program.metric_defs], sheet, program.metric_defs))
        return sorted(found)

    def _near_plan(self, which: tuple[str, ...]) -> tuple[set[str], list[list[tuple[int, Any, Any]]]]:
        """For rows near thresholds of the metrics in `which`: the metrics to compute (with every metric they are
        derived from, a shared derived one included), and per round the number comparisons to decide again (index,
        comparison, threshold on the evaluator's day); made once per run."""
        plan = self._plans.get(which)
        if plan is None:
            needs = {*which}
            for program in self.programs:
                needs |= with_operands([m for m in which if m in program.metric_defs], program.metric_defs)
            deciding = [
                [
                    (j, c, threshold_on(c, self.on))
                    for j, c in enumerate(p.comparisons)
                    if c.kind == "number" and c.metric in which
                ]
                for p in self.programs
            ]
            plan = self._plans[which] = (needs, deciding)
        return plan

    def _scalar(
        self,
        sheet: SheetColumns,
        chunk: Chunk,
        row: int,
        values: list[Any],
        found: list[Patterns],
        unknown: list[dict[int, int]],
        names: dict[int, str],
        errors: dict[int, str],
    ) -> None:
        """A row the fast reading could not vouch for: read like a YAML sheet, decided by the scalar path."""
        cells = list(zip(sheet.columns, values, strict=True))
        label = f"{chunk.source_of(row)}: row {int(chunk.rows[row])}"
        try:
            spec = parse_chip(row_mapping(cells, label), label, self.definitions.bit_lengths)
        except InputError as exc:
            column, message = error_column(exc, sheet.columns)
            errors[row] = f"{column}: {message}" if column else message
            return
        names[row] = spec.name
        metrics = compute_metrics(spec, self.definitions)
        for state, pats, mask, pattern in zip(
            self._rounds, found, unknown, exact_patterns(self.programs, metrics, self.on), strict=True
        ):
            _replace(pats, row, pattern)
            mask[row] = _mask(state, metrics.with_derived(state.program.derived))  # (mask: this round's overrides)

    # --- distinct patterns -> output kinds --------------------------------------------------------------------

    def _kind_ids(
        self,
        state: _Round,
        found: Patterns,
        overrides: dict[int, int],
        metrics: Any,
        good: np.ndarray | None,
        n: int,
    ) -> np.ndarray:
        """Each row's output kind under the round: its pattern's slot and, where the verdict names missing figures,
        which of them the row lacks."""
        import numpy as np

        if found.codes is not None and state.lut is not None and state.direct is not None:
            return self._direct_kinds(state, found.codes, overrides, metrics, good)
        with self._lock:  # a large pattern space: through np.unique, learning as it goes
            slots = self._slots(state, found, good)
            bits = len(state.bases)
            candmask = np.array([s.mask for s in state.slots] + [0], dtype=np.int64)
            seen = np.zeros(len(state.slots) + 1, dtype=bool)
            seen[slots] = True
            used = int(np.bitwise_or.reduce(candmask[seen])) if seen.any() else 0
            if not used:  # no pattern here names a missing figure: the slot alone decides the kind
                by_slot = np.full(len(state.slots) + 1, -1, dtype=np.int32)
                for slot in np.flatnonzero(seen[:-1]):
                    by_slot[slot] = self._kind(state, int(slot) << bits, bits)
                out = np.take(by_slot, slots)
                return out if good is None else np.where(good, out, -1).astype(np.int32)
            unknown = self._unknown(state, metrics, n, used, overrides)
            keys = (slots.astype(np.int64) << bits) | (unknown & np.take(candmask, slots))
            if good is not None:
                keys = np.where(good, keys, 0)
            distinct, inverse = _unique(keys, (len(state.slots) + 1) << bits)
            ids = np.array([self._kind(state, int(k), bits) for k in distinct] + [-1], dtype=np.int32)
            out = ids[inverse]
            if good is not None:
                out = np.where(good, out, -1).astype(np.int32)
            return out

    def _direct_kinds(
        self, state: _Round, codes: np.ndarray, overrides: dict[int, int], metrics: Any, good: np.ndarray | None
    ) -> np.ndarray:
        """`_kind_ids` for a small pattern space: one gather from a code -> kind array (MISSING where the kind also
        depends on which figures the row lacks: those rows only are keyed by their missing figures).

        Only what changes the shared arrays and kinds holds the lock: the passes over the part's rows run side by
        side with the other parts'. An entry another part is filling in reads UNSEEN, and is looked at again under
        the lock."""
        import numpy as np

        assert state.lut is not None and state.direct is not None
        if good is not None:
            codes = np.where(good, codes, 0)
        out = np.take(state.direct, codes)
        lowest = int(out.min()) if len(out) else 0
        if lowest == UNSEEN or (lowest < UNSEEN and (out == UNSEEN).any()):  # (MISSING is less than UNSEEN)
            seen = np.zeros(len(state.direct), dtype=bool)
            seen[codes if good is None else codes[good]] = True  # (a row in error has code 0: no pattern to decide)
            with self._lock:
                self._learn_codes(state, np.flatnonzero(seen & (state.direct == UNSEEN)))
            out = np.take(state.direct, codes)
        if lowest < 0:
            rows = np.flatnonzero(out == MISSING if good is None else (out == MISSING) & good)
            if len(rows):
                out[rows] = self._missing_kinds(state, codes, rows, overrides, metrics)
        return out if good is None else np.where(good, out, -1).astype(np.int32)

    def _learn_codes(self, state: _Round, codes: np.ndarray) -> None:
        """Patterns (by code) seen for the first time: decided, and their kinds made, or MISSING where a kind also
        depends on the figures a row lacks (under the evaluator's lock; another part may have learnt one since)."""
        assert state.lut is not None and state.direct is not None
        bits = len(state.bases)
        for code in codes:
            if state.direct[code] != UNSEEN:
                continue
            slot = int(state.lut[code])
            if slot < 0:
                slot = state.lut[code] = self._slot(state, decode(int(code), len(state.program.comparisons)))
            mask = state.slots[slot].mask
            state.direct[code] = self._kind(state, slot << bits, bits) if not mask else MISSING

    def _missing_kinds(
        self, state: _Round, codes: np.ndarray, rows: np.ndarray, overrides: dict[int, int], metrics: Any
    ) -> np.ndarray:
        """The kinds of rows whose verdict names missing figures: keyed by their slot and the figures they lack."""
        import numpy as np

        assert state.lut is not None
        bits = len(state.bases)
        slots = np.take(state.lut, codes[rows]).astype(np.int64)
        lacks = np.zeros(len(rows), dtype=np.int64)
        for bit, name in enumerate(state.bases):
            lacks |= np.take(metrics[name].unknown, rows).astype(np.int64) << bit
        if overrides:  # rows read by the scalar path: the figures they lack, as it found them
            where = np.fromiter(overrides, dtype=np.int64, count=len(overrides))
            value = np.fromiter(overrides.values(), dtype=np.int64, count=len(overrides))
            at = np.minimum(np.searchsorted(rows, where), len(rows) - 1)
            hit = rows[at] == where
            lacks[at[hit]] = value[hit]
        masks = np.array([s.mask for s in state.slots], dtype=np.int64)  # (these rows' slots are all in it)
        keys = (slots << bits) | (lacks & np.take(masks, slots))
        distinct, inverse = np.unique(keys, return_inverse=True)
        with self._lock:
            ids = np.array([self._kind(state, int(k), bits) for k in distinct], dtype=np.int32)
        return ids[inverse.reshape(-1)]

    def _slots(self, state: _Round, found: Patterns, good: np.ndarray | None) -> np.ndarray:
        """Each row's slot, where the pattern space is too large for `_direct_kinds`' arrays."""
        import numpy as np

        if good is None:
            good = np.ones(len(found.codes if found.codes is not None else found.digits), dtype=bool)  # type: ignore[arg-type]
        if found.codes is not None:
            distinct, inverse = np.unique(np.where(good, found.codes, 0), return_inverse=True)
            ids = [state.codes.get(int(c)) for c in distinct]
            for i, c in enumerate(distinct):
                if ids[i] is None:
                    ids[i] = state.codes[int(c)] = self._slot(state, decode(int(c), found.size))
            return np.array(ids, dtype=np.int32)[inverse]
        assert found.digits is not None
        rows = np.ascontiguousarray(np.where(good[:, None], found.digits, 0))
        distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
        ids = []
        for digits in distinct:
            pattern = tuple(Tri.F if d == 0 else Tri.T if d == 1 else Tri.U for d in digits)
            key = encode(pattern)
            if key not in state.codes:
                state.codes[key] = self._slot(state, pattern)
            ids.append(state.codes[key])
        return np.array(ids, dtype=np.int32)[inverse.reshape(-1)]

    def _slot(self, state: _Round, found: tuple[Tri, ...]) -> int:
        """Decide a pattern once (the Engine's memo, and its backend on a miss)."""
        program = state.program
        found, _ = presume(program, found, self.on)  # what the rule text itself settles, as for one chip
        verdict = self.memo.verdict(program, found)
        candidates: list[int] = []
        for _, i in sorted(verdict.decisive):  # the order results/classify.py names missing figures in
            if found[i] is Tri.U:
                for name in base_inputs(program.comparisons[i].metric, program.metric_defs):
                    bit = state.bases.index(name)
                    if bit not in candidates:
                        candidates.append(bit)
        mask = sum(1 << b for b in candidates)
        state.slots.append(_Slot(found, verdict, candidates, mask))
        return len(state.slots) - 1

    def _kind(self, state: _Round, key: int, bits: int) -> int:
        found = state.kinds.get(key)
        if found is not None:
            return found
        slot = state.slots[key >> bits]
        missing = [state.bases[b] for b in slot.candidates if (key >> b) & 1]
        row = pattern_row(state.program, slot.verdict, missing)
        if self.explain:
            row["explanation"] = explanation(state.program, slot.verdict, slot.found, self.on)
        self.kinds.append(row)
        self._results.append(round_result(state.program, slot.verdict, missing, self.on))
        state.kinds[key] = len(self.kinds) - 1
        return state.kinds[key]

    def _combine(self, kinds: np.ndarray, good: np.ndarray) -> np.ndarray:
        """Per row, the kind of its combined result: the distinct tuples of per-round kinds, each combined once."""
        import numpy as np

        n = kinds.shape[1]
        if not self.programs:
            return np.where(good, self._combined_kind(()), -1).astype(np.int32)
        state = np.where(good, kinds[0], 0).astype(np.int64)
        tuples: list[tuple[int, ...]] = []
        distinct, state = _unique(state, len(self.kinds))
        tuples = [(int(k),) for k in distinct]
        for r in range(1, len(self.programs)):
            width = len(self.kinds) + 1
            column = np.where(good, kinds[r], 0).astype(np.int64)
            keys = state.astype(np.int64) * width + column
            distinct, state = _unique(keys, len(tuples) * width)
            tuples = [(*tuples[int(k) // width], int(k) % width) for k in distinct]
        ids = np.array([self._combined_kind(t) for t in tuples], dtype=np.int32)
        out = ids[state] if n else np.zeros(0, dtype=np.int32)
        return np.where(good, out, -1).astype(np.int32)

    def _combined_kind(self, per_round: tuple[int, ...]) -> int:
        found = self._combined.get(per_round)
        if found is None:
            results = [self._results[k] for k in per_round]
            rows = [self.kinds[k] for k in per_round]
            self.kinds.append(combined_row([r for r in results if r is not None], rows, self.on))
            self._results.append(None)
            found = self._combined[per_round] = len(self.kinds) - 1
        return found

    # --- the output table ------------------------------------------------------------------------------------

    def _table(
        self,
        chunk: Chunk,
        sheet: SheetColumns,
        kinds: np.ndarray,
        good: np.ndarray,
        names: dict[int, str],
        errors: dict[int, str],
        known: list[dict[str, Any]],
    ) -> pa.Table:
        """The chunk's output: for each input row in order, its rows (one per round, or one combined; one for a row
        in error). Every text column is dictionary-encoded: a kind's text is stored once, each row holds an index."""
        import numpy as np
        import pyarrow as pa

        n = len(good)
        per_row = kinds.shape[0]
        error_kind = len(known)  # rows in error: no status
        in_row: np.ndarray | None = None  # None: each input row's outputs follow each other, `per_row` of them
        if not errors:
            kind = kinds.T.reshape(-1) if per_row > 1 else kinds[0]
        else:
            counts = np.where(good, per_row, 1)
            in_row = np.repeat(np.arange(n), counts)
            starts = np.cumsum(counts) - counts
            position = np.arange(len(in_row)) - np.repeat(starts, counts)
            ok = good[in_row]
            kind = np.where(ok, kinds[np.where(ok, position, 0), in_row], error_kind).astype(np.int32)
        total = len(in_row) if in_row is not None else n * per_row

        def spread(per_input: np.ndarray) -> np.ndarray:
            if in_row is not None:
                return np.take(per_input, in_row)
            return per_input if per_row == 1 else np.repeat(per_input, per_row)

        # the chip's name: the validated one (or, for a row in error, the name cell as written)
        name = sheet.coded.get(("name",))
        values = list(name.values) if name is not None else []
        codes = name.codes if name is not None else np.full(n, -1, dtype=np.int32)
        if names or errors:
            codes = codes.copy()
            for row, text in names.items():
                codes[row] = len(values)
                values.append(text)
            for row in errors:
                raw = _raw_name(chunk.table, sheet.columns, row)
                codes[row] = -1 if raw is None else len(values)
                if raw is not None:
                    values.append(raw)
        # the indices of every column with one text: zeros from calloc, whose pages nothing writes (a fresh output
        # column costs more in page faults than in its gather)
        zeros = np.zeros(total, dtype=np.int32)
        columns: dict[str, pa.Array] = {
            "source": _sources(chunk, spread, zeros),
            "row": pa.array(spread(chunk.rows), pa.int64()),
            "chip": _dictionary(spread(codes), values),
        }
        columns["as_of"] = pa.Array.from_buffers(pa.date32(), total, [None, self._days(total)])
        if errors:
            error_codes = np.full(n, -1, dtype=np.int32)
            error_codes[list(errors)] = np.arange(len(errors), dtype=np.int32)
            assert in_row is not None
            columns["error"] = _dictionary(np.take(error_codes, in_row), list(errors.values()))
        else:
            none = pa.py_buffer(zeros)  # (as a validity bitmap: every row null)
            indices = pa.Array.from_buffers(pa.int32(), total, [none, none], null_count=total)
            columns["error"] = pa.DictionaryArray.from_arrays(indices, pa.array([], pa.string()), safe=False)
        columns.update(self._kind_columns(kind, known, bool(errors), zeros))
        out = pa.table({name: columns[name] for name in self.column_names()})
        if chunk.errors:
            out = _with_row_errors(out, chunk.errors, self.column_names())
        return out

    def _days(self, total: int) -> pa.Buffer:
        """The as_of column's values: the evaluator's day, one int32 per row, in a buffer every chunk shares."""
        import numpy as np
        import pyarrow as pa

        with self._lock:
            days = self._days_buffer
            if days is None or days.size < 4 * total:
                days = self._days_buffer = pa.py_buffer(np.full(total, (self.on - _EPOCH).days, dtype=np.int32))
        return days.slice(0, 4 * total)

    def _kind_columns(
        self, kind: np.ndarray, known: list[dict[str, Any]], errors: bool, zeros: np.ndarray
    ) -> dict[str, pa.Array]:
        """The columns a row's kind decides (status, classification, ...), each dictionary-encoded over its distinct
        texts (a pandas category needs them distinct; Parquet writes them compactly). Index len(known) is a row in
        error: null in each. Columns with the same kind -> text index map share one gather; a column with one text
        for every kind needs none."""
        import numpy as np
        import pyarrow as pa

        if len(kind) and not (0 <= int(kind.min()) and int(kind.max()) <= len(known)):
            raise AssertionError("an output kind out of range")
        names = [c for c in self.column_names() if c not in ("source", "row", "chip", "as_of", "error")]
        kind = kind.astype(np.intp)  # (np.take converts its indices to these: once for every column)
        gathered: dict[tuple[int, ...], pa.Array] = {}
        out: dict[str, pa.Array] = {}
        for c in names:
            texts: dict[str, int] = {}
            index = [-1 if k.get(c) is None else texts.setdefault(k[c], len(texts)) for k in known] + [-1]
            dictionary = pa.array(list(texts) or [""], pa.string())
            key = tuple(index)
            if key not in gathered:
                gathered[key] = _gather(np.array(index, dtype=np.int32), kind, errors, zeros)
            out[c] = pa.DictionaryArray.from_arrays(gathered[key], dictionary, safe=False)  # (bounds checked above)
        return out

    def column_names(self) -> list[str]:
        names = ["source", "row", "chip", "round", "as_of", "status", "classification", "license_exception"]
        names += ["license_review", "undetermined", "decisive", "missing", "destinations"]
        if self.combined:
            names.append("deciding_rounds")
        if self.explain:
            names.append("explanation")
        return [*names, "error"]

    def schema(self) -> pa.Schema:
        import pyarrow as pa

        text = pa.dictionary(pa.int32(), pa.string())
        types = {"row": pa.int64(), "as_of": pa.date32()}
        return pa.schema([(name, types.get(name, text)) for name in self.column_names()])

    def error_table(self, errors: Iterable[RowError]) -> pa.Table:
        """Rows for inputs that could not be read at all (a file, or a row of a YAML list)."""
        import pyarrow as pa

        errors = list(errors)
        data: dict[str, list[Any]] = {name: [None] * len(errors) for name in self.column_names()}
        data["source"] = [e.source for e in errors]
        data["row"] = [e.row for e in errors]
        data["chip"] = [e.chip for e in errors]
        data["error"] = [e.message for e in errors]
        schema = self.schema()
        return pa.table({f.name: _typed(data[f.name], f.type) for f in schema}, schema=schema)


def _cpus() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def _parts(chunk: Chunk, threads: int) -> list[Chunk]:
    """The chunk cut into up to `threads` parts of at least PART_ROWS rows (one part: the chunk itself). A chunk with
    rows that could not be split into cells stays whole: those are put in their place among all its rows."""
    count = min(threads, chunk.table.num_rows // PART_ROWS)
    if count <= 1 or chunk.errors:
        return [chunk]
    n = chunk.table.num_rows
    bounds = [n * i // count for i in range(count + 1)]
    return [
        Chunk(
            chunk.table.slice(start, end - start),
            chunk.sources if len(chunk.sources) == 1 else chunk.sources[start:end],
            chunk.rows[start:end],
        )
        for start, end in itertools.pairwise(bounds)
    ]


def _gather(index: np.ndarray, kind: np.ndarray, errors: bool, zeros: np.ndarray) -> pa.Array:
    """int32 dictionary indices, index[kind] per row, null where that is -1 (the last entry: a row in error). A
    column with one text needs no gather: its indices are `zeros`, with a validity bitmap where some rows are null."""
    import numpy as np
    import pyarrow as pa

    kinds = index[:-1]
    if len(kinds) and int(kinds.max()) <= 0:  # texts numbered by first appearance: one text is index 0
        if not errors and (kinds == 0).all():
            return pa.Array.from_buffers(pa.int32(), len(kind), [None, pa.py_buffer(zeros)])
        if (kinds < 0).all():  # null in every row (zeros as a validity bitmap)
            none = pa.py_buffer(zeros)
            return pa.Array.from_buffers(pa.int32(), len(kind), [none, none], null_count=len(kind))
        valid = np.take(index >= 0, kind)
        return pa.Array.from_buffers(
            pa.int32(), len(kind), [pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(zeros)]
        )
    codes = np.take(index, kind)
    if not errors and (kinds >= 0).all():
        return pa.array(codes, pa.int32())  # no row null: no validity to find
    return _nullable_indices(codes)


def _nullable_indices(codes: np.ndarray) -> pa.Array:
    """int32 codes as Arrow dictionary indices, null where a code is -1."""
    import numpy as np
    import pyarrow as pa

    null = codes < 0
    if not null.any():
        return pa.array(codes, pa.int32())
    codes = np.maximum(codes, 0)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(pa.int32(), len(codes), [validity, pa.py_buffer(codes)])


def _absent_nan(values: list[Any]) -> list[Any]:
    """A column's values with NaN as None (absent, as cell_text reads it), so that equal cells are equal keys."""
    return [None if v != v else v for v in values]  # noqa: PLR0124 (NaN is the one value unequal to itself)


def _decoded(table: pa.Table) -> pa.Table:
    """Dictionary columns as plain ones (reading a dictionary array's values one by one is slow)."""
    import pyarrow as pa

    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names)


def _row_pattern(found: Patterns, row: int) -> tuple[Tri, ...]:
    if found.codes is not None:
        return decode(int(found.codes[row]), found.size)
    assert found.digits is not None
    return tuple(Tri.F if d == 0 else Tri.T if d == 1 else Tri.U for d in found.digits[row])


def _replace(found: Patterns, row: int, pattern: tuple[Tri, ...]) -> None:
    if found.codes is not None:
        found.codes[row] = encode(pattern)
    else:
        assert found.digits is not None
        found.digits[row] = [0 if t is Tri.F else 1 if t is Tri.T else 2 for t in pattern]


def _mask(state: _Round, metrics: ChipMetrics) -> int:
    return sum(1 << bit for bit, name in enumerate(state.bases) if not metrics[name].known)


def _unique(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (sorted) and each key's index among them: an array lookup when the space is small."""
    import numpy as np

    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if 0 < space <= DENSE_LIMIT:
        present = np.zeros(space, dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present)
        index = np.empty(space, dtype=np.int64)
        index[distinct] = np.arange(len(distinct))
        return distinct, index[keys]
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse.reshape(-1)


def _dictionary(codes: np.ndarray, values: list[Any]) -> pa.Array:
    """A dictionary-encoded text column: an index per row into `values` (-1 or a None value: null). Values that
    repeat are stored once (a pandas category must be distinct)."""
    import numpy as np
    import pyarrow as pa

    codes = np.ascontiguousarray(codes, dtype=np.int32)
    if len(codes) and int(codes.max()) >= max(len(values), 1):
        raise AssertionError("a dictionary index out of range")
    texts: dict[str, int] = {}
    index = [-1 if v is None else texts.setdefault(v, len(texts)) for v in values]
    dictionary = pa.array(list(texts) or [""], pa.string())
    if index != list(range(len(values))):  # repeats or nulls among the values: through the distinct ones
        codes = np.take(np.array([*index, -1], dtype=np.int32), codes)  # (index -1 stays -1)
    return pa.DictionaryArray.from_arrays(_nullable_indices(codes), dictionary, safe=False)


def _sources(chunk: Chunk, spread: Any, zeros: np.ndarray) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    if len(chunk.sources) == 1:
        indices = pa.Array.from_buffers(pa.int32(), len(zeros), [None, pa.py_buffer(zeros)])
        return pa.DictionaryArray.from_arrays(indices, pa.array([_readable(chunk.sources[0])]), safe=False)
    distinct = list(dict.fromkeys(chunk.sources))
    position = {s: i for i, s in enumerate(distinct)}
    codes = np.array([position[s] for s in chunk.sources], dtype=np.int32)
    return _dictionary(spread(codes), [_readable(s) for s in distinct])


def _readable(text: str) -> str:
    """A file name as valid text (undecodable bytes as `\\xff`, as the other outputs show them)."""
    if text.isascii():
        return text
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in text)


def _raw_name(table: pa.Table, columns: Sequence[Column], row: int) -> str | None:
    for i, column in enumerate(columns):
        if column.path == ("name",):
            value = table.column(i)[row].as_py()
            if value is not None and str(value).strip():
                return str(value)
    return None


def _typed(values: list[Any], kind: pa.DataType) -> pa.Array:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return pa.array(values, pa.string()).dictionary_encode()
    return pa.array(values, kind)


def _with_row_errors(out: pa.Table, errors: list[RowError], names: list[str]) -> pa.Table:
    """Rows that could not be split into cells, put in their place by row number."""
    import numpy as np
    import pyarrow as pa

    data: dict[str, list[Any]] = {name: [None] * len(errors) for name in names}
    data["source"] = [_readable(e.source) for e in errors]
    data["row"] = [e.row for e in errors]
    data["error"] = [e.message for e in errors]
    extra = pa.table({f.name: _typed(data[f.name], f.type) for f in out.schema}, schema=out.schema)
    merged = pa.concat_tables([out, extra]).unify_dictionaries().combine_chunks()
    rows = merged.column("row").to_numpy(zero_copy_only=False)
    order = np.argsort(np.where(np.isnan(rows.astype(float)), np.inf, rows), kind="stable")
    return merged.take(pa.array(order))


def run(evaluator: Evaluator, chunks: Iterable[Chunk], errors: list[RowError] | None = None) -> Iterator[pa.Table]:
    """Every chunk's result table, then a table for the inputs that could not be read (if any). The next chunk is
    read while this one is evaluated (batch/pipeline.py)."""
    for chunk in ahead(chunks):
        yield evaluator.evaluate(chunk)
    if errors:
        evaluator.counts.rows += len(errors)
        evaluator.counts.errors += len(errors)
        yield evaluator.error_table(errors)
