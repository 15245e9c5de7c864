"""Lookups by code, and passes over float columns in cache-sized blocks, shared by the columnar layers (sheets,
metrics, conditions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Rows per block of a blocked pass (512 KiB of float64: inside a core's cache). A million-row column is larger than
# the cache, so each pass over it is a read from memory; a blocked pass makes one read do several passes' work. Each
# numpy call hands the GIL over, so parts evaluated side by side wait on each other at every block: at half this
# size two threads ran a blocked pass 1.6x slower each, at this size 1.15x (and one thread 1.1x faster).
BLOCK = 65_536


def by_code(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[code] per row, for codes from -1 to len(table) - 2, where -1 (absent, unknown) takes the last entry.

    The codes are read as unsigned 32-bit numbers and clipped, so -1 lands on the last entry in numpy's fast path:
    a negative index sends np.take down a path five times slower, and boolean or fancy indexing is slower still.
    """
    import numpy as np

    if len(table) >= 2**31:
        raise ValueError("a table of codes this long is not a lookup table")
    return np.take(table, codes.astype(np.int32, copy=False).view(np.uint32), mode="clip")


def shifts(codes: np.ndarray) -> np.ndarray | None:
    """For codes from -1 to 2 (a boolean, or a text of up to three values): per row the bit offset of its entry in a
    lookup table packed into one byte (`packed_lookup`); None for other codes."""
    import numpy as np

    if len(codes) and not (-1 <= int(codes.min()) and int(codes.max()) <= 2):
        return None
    out = codes.astype(np.int8)
    out += 1  # -1 (the last entry) first
    out <<= 1  # two bits per entry
    return out.view(np.uint8)


def packed_lookup(table: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """by_code for a table of up to four entries from 0 to 3 (a comparison's F/T/U digits), read by shifting one
    packed byte by each row's offset (`shifts`): a tenth of what np.take costs, which converts its indices first."""
    import numpy as np

    if not packable(table):
        raise ValueError("a packed lookup takes up to four entries from 0 to 3")
    entries = [int(v) for v in table]
    packed = entries[-1] | sum(v << (2 * (i + 1)) for i, v in enumerate(entries[:-1]))
    out = np.right_shift(np.uint8(packed), offsets)
    out &= np.uint8(3)
    return out.view(np.int8) if table.dtype == np.int8 else out.astype(table.dtype)


def packable(table: np.ndarray) -> bool:
    """Whether packed_lookup takes the table: up to four entries from 0 to 3, boolean or int8."""
    import numpy as np

    return (
        0 < len(table) <= 4 and table.dtype in (np.bool_, np.int8) and int(table.min()) >= 0 and int(table.max()) <= 3
    )


def lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[code] per row as by_code gives it, by packed_lookup where the table and the codes fit a byte."""
    offsets = shifts(codes) if packable(table) else None
    return packed_lookup(table, offsets) if offsets is not None else by_code(table, codes)


def scan(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A float column's non-NaN rows and its smallest and largest non-NaN values (inf and -inf where there are
    none), in one blocked pass over memory instead of three."""
    import numpy as np

    present = np.empty(len(values), dtype=bool)
    low, high = float("inf"), float("-inf")
    for start in range(0, len(values), BLOCK):
        block = values[start : start + BLOCK]
        np.isnan(block, out=present[start : start + BLOCK])
        low = min(low, float(np.fmin.reduce(block)))  # (an all-NaN block gives NaN, which min and max pass over)
        high = max(high, float(np.fmax.reduce(block)))
    np.logical_not(present, out=present)
    return present, low, high
