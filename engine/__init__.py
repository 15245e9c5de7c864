"""exportctl: is this chip controlled under US export rules, under which round, and why?

Layers, each a module: spec sheet (specsheet, sheets) -> metrics -> conditions -> decision -> results
(classify, result) -> outputs (cli, render).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .classify import classify, classify_as_of, evaluate_chip
from .errors import ExportctlError, InputError, RuleFileError, SpecSheetError
from .result import Combined, Result
from .rules import RuleSet, load_rules
from .sheets import LoadReport, load_chip, load_chips
from .specsheet import ChipSpec

try:
    __version__ = version("exportctl")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+checkout"

__all__ = [
    "ChipSpec",
    "Combined",
    "ExportctlError",
    "InputError",
    "LoadReport",
    "Result",
    "RuleFileError",
    "RuleSet",
    "SpecSheetError",
    "classify",
    "classify_as_of",
    "evaluate_chip",
    "load_chip",
    "load_chips",
    "load_rules",
]
