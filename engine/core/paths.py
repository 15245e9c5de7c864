"""Where the shipped rule files and chip catalog live (checkout or installed wheel), and where caches go."""

from __future__ import annotations

import importlib
import os
from pathlib import Path


def _package_dir(package: str, fallback: str) -> Path:
    """The folder of a data package (rules/ and chips/ are mapped to exportctl._rules and exportctl._catalog)."""
    try:
        for entry in importlib.import_module(package).__path__:
            if Path(entry).is_dir():
                return Path(entry)
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent.parent / fallback


def rules_dir() -> Path:
    """The rule files shipped with the package (rules/ in the repository)."""
    return _package_dir("exportctl._rules", "rules")


def catalog_dir() -> Path:
    """The chip catalog shipped with the package (chips/ in the repository)."""
    return _package_dir("exportctl._catalog", "chips")


def cache_dir() -> Path | None:
    """Where exportctl keeps what it can recompute (unit factors, passed rule analyses); None: no caching.

    `EXPORTCTL_CACHE_DIR` chooses the folder (empty: no cache), else `$XDG_CACHE_HOME/exportctl` or
    `~/.cache/exportctl`. Every entry is keyed by the content it was computed from, so a stale entry is never read.
    """
    chosen = os.environ.get("EXPORTCTL_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "exportctl"
