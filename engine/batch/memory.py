"""Freed memory kept for the next chunk. glibc's malloc hands a large freed block back to the system, and the next
chunk's columns fault the same pages in again: at a million rows that is a fifth to a quarter of the evaluation
time. Process-wide, so never done behind a caller's back: `exportctl batch` asks for it in its own process, and a
library user may ask for it in theirs.
"""

from __future__ import annotations

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
KEEP = 256 << 20  # freed memory kept at the top of the heap (bytes)
MAPPED = 32 << 20  # blocks below this size come from the heap, not a mapping of their own (glibc's largest)


def keep_freed_memory() -> bool:
    """Ask the C library's malloc to keep freed memory (up to 256 MiB) for reuse; False where it is not glibc."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library (TypeError on Windows)
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mapped = bool(mallopt(M_MMAP_THRESHOLD, MAPPED))  # (refused above glibc's limit, lower on 32 bits)
    kept = bool(mallopt(M_TRIM_THRESHOLD, KEEP))
    return mapped and kept
