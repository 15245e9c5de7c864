"""Where the shipped rule files and chip catalog live, in a checkout or an installed wheel."""

from __future__ import annotations

import importlib
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
