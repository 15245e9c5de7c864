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


class ArgumentError(ExportctlError, TypeError, ValueError):
    """A library call was given an argument exportctl will not guess at (a date as `'June 1'`, a round id where a
    list of them belongs). The message names the argument. It is also a TypeError and a ValueError, which is what
    such a call raised before, so callers that caught those still do."""

    def __init__(self, argument: str, message: str) -> None:
        self.argument = argument
        self.message = message
        super().__init__(f"{argument}: {message}")


class RoundNotInForceError(ExportctlError):
    """No round asked for was in force on the date asked about. Combining none would read "no round applies",
    as if the chip were cleared, when the question itself named a round that did not apply that day."""

    def __init__(self, day: str, reasons: list[str]) -> None:
        self.day = day
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class RoundNotInForceWarning(UserWarning):
    """Some rounds asked for were not in force on the date: the combined result is of the others only."""


class BackendUnavailableError(ExportctlError, RuntimeError):
    """The decision backend asked for cannot run here (durable-rules is not installed, or does not import on this
    Python). A RuntimeError too, as it was before it had a type of its own."""
