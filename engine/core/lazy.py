"""Names a package exports, imported on first use (PEP 562), so importing the package costs almost nothing."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def exports(package: str, names: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `names[name]` (a module relative to `package`) when `name` is first
    asked for, and keeps it in the package's namespace so the next lookup is an ordinary one."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(names[name], package), name)
        namespace[name] = value
        return value

    return __getattr__
