"""Errors a compliance analyst can act on: each names the file and the field at fault."""

from __future__ import annotations


class ExportctlError(Exception):
    """Base class: anything exportctl refuses to do, with a message meant for a person."""


class InputError(ExportctlError):
    """An input file (spec sheet or rule file) could not be read or is invalid."""

    def __init__(self, source: str, field: str | None, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


class SpecSheetError(InputError):
    """A chip spec sheet is invalid."""


class RuleFileError(InputError):
    """A rule file is invalid (unknown metric, bad threshold, cycle between clauses, ...)."""


class QuantityError(ValueError):
    """A quantity's text cannot be read as an exact number with a unit of the expected dimension.

    Raised inside model validation; the loader wraps it into an InputError naming file and field.
    """


class UnknownRoundError(ExportctlError):
    """A round id was asked for that no rule file defines."""
