"""Where the shipped rule files and chip catalog live, in a checkout or an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_dir(package: str, fallback: str) -> Path:
    try:
        root = resources.files(package)
        path = Path(str(root))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / fallback


def rules_dir() -> Path:
    """The rule files shipped with the package (rules/ in the repository)."""
    return _package_dir("exportctl._rules", "rules")


def catalog_dir() -> Path:
    """The chip catalog shipped with the package (chips/ in the repository)."""
    return _package_dir("exportctl._catalog", "chips")
