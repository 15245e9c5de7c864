"""Turning a YAML document into a validated model, with errors that name the file and field."""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .yamlsafe import load_yaml

M = TypeVar("M", bound=BaseModel)


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(document)"


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last element of loc, for did-you-mean suggestions."""
    annotation: Any = model
    for part in loc[:-1]:
        annotation = _step(annotation, part)
    found = _step(annotation, None)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _step(annotation: Any, part: int | str | None) -> Any:
    """One step down a location: a model's field, or the item of a list or dict (None: just unwrap Optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if part is None:
            return annotation
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return None if field is None else field.annotation
    if part is not None and typing.get_origin(annotation) in (list, dict):
        return typing.get_args(annotation)[-1]
    for arg in typing.get_args(annotation):  # X | None (NoneType has no args: it finds nothing)
        found = _step(arg, part)
        if found is not None:
            return found
    return None


def describe_error(model: type[BaseModel], error: Any) -> tuple[str, str]:
    """(field, message) for one pydantic error, in an analyst's words."""
    loc = tuple(error["loc"])
    kind = error["type"]
    field = field_path(loc)
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        known = sorted(owner.model_fields) if owner else []
        suggestion = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = (
            f"; did you mean {suggestion[0]!r}?"
            if suggestion
            else (f"; known fields: {', '.join(known)}" if known else "")
        )
        return field, f"unknown field {loc[-1]!r}{hint}"
    if kind == "missing":
        return field, "required field is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("model_type", "dict_type") and "input" in error:
        message = f"expected a mapping (key: value), got {type(error['input']).__name__}"
    return field, message


def validation_error(
    model: type[BaseModel], exc: ValidationError, source: str, error_type: type[InputError]
) -> InputError:
    described = [describe_error(model, e) for e in exc.errors()]
    field, message = described[0]
    if len(described) > 1:
        message += "; also " + "; ".join(f"{f}: {m}" for f, m in described[1:4])
        if len(described) > 4:
            message += f"; and {len(described) - 4} more"
    return error_type(source, field, message)


def validate_data(
    model: type[M], data: Any, source: str, error_type: type[InputError], context: dict[str, Any] | None = None
) -> M:
    if not isinstance(data, dict):
        raise error_type(source, None, f"expected a mapping of fields at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise validation_error(model, exc, source, error_type) from None


def validate_document(model: type[M], path: Path, error_type: type[InputError]) -> M:
    try:
        data = load_yaml(path)
    except InputError as exc:
        raise error_type(exc.source, exc.field, exc.message) from None
    return validate_data(model, data, str(path), error_type)
