"""exportctl: is this chip controlled under US export rules, under which round, and why?

Layers, each a folder, in dependency order (each imports only from those before it): core -> sheets -> metrics
-> rules -> conditions -> decision -> results -> analysis -> outputs; `api.Engine` ties them together and
`cli` is the command line.

Names are imported on first use, so `import exportctl` (and `exportctl --version`) costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .core import lazy

_EXPORTS = {
    "ChipSpec": ".sheets.model",
    "Combined": ".results.result",
    "Engine": ".api",
    "ExportctlError": ".core.errors",
    "InputError": ".core.errors",
    "LoadReport": ".sheets.load",
    "Result": ".results.result",
    "RuleFileError": ".core.errors",
    "RuleSet": ".rules.ruleset",
    "SpecSheetError": ".core.errors",
    "Status": ".core.logic",
    "Tri": ".core.logic",
    "Verdict": ".decision.verdict",
    "classify": ".api",
    "classify_as_of": ".api",
    "load_chip": ".api",
    "load_chips": ".api",
    "load_rules": ".api",
}

if TYPE_CHECKING:
    from .api import Engine, classify, classify_as_of, load_chip, load_chips, load_rules
    from .core.errors import ExportctlError, InputError, RuleFileError, SpecSheetError
    from .core.logic import Status, Tri
    from .decision.verdict import Verdict
    from .results.result import Combined, Result
    from .rules.ruleset import RuleSet
    from .sheets.load import LoadReport
    from .sheets.model import ChipSpec


__getattr__ = lazy.exports(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, "__version__"])


__all__ = [
    "ChipSpec",
    "Combined",
    "Engine",
    "ExportctlError",
    "InputError",
    "LoadReport",
    "Result",
    "RuleFileError",
    "RuleSet",
    "SpecSheetError",
    "Status",
    "Tri",
    "Verdict",
    "__version__",
    "classify",
    "classify_as_of",
    "load_chip",
    "load_chips",
    "load_rules",
]
