"""A column helper shared by the columnar layers (sheets, metrics, conditions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def by_code(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[code] per row, for codes from -1 to len(table) - 2, where -1 (absent, unknown) takes the last entry.

    The codes are read as unsigned 32-bit numbers and clipped, so -1 lands on the last entry in numpy's fast path:
    a negative index sends np.take down a path five times slower, and boolean or fancy indexing is slower still.
    """
    import numpy as np

    if len(table) >= 2**31:
        raise ValueError("a table of codes this long is not a lookup table")
    return np.take(table, codes.astype(np.int32, copy=False).view(np.uint32), mode="clip")
