"""What exportctl can recompute, kept between runs: unit factors, compiled rule sets, passed rule checks, verdicts.

Every entry is keyed by what it was computed from: the content of its inputs and a stamp of exportctl's own code
(the size and modification time of every module), so an entry is never read by code other than the code that
wrote it, and an edited rules folder or a new release simply misses. Entries are written whole and renamed into
place, so a reader never sees half a file; a folder that cannot be written just means no caching.

Entries are pickles of exportctl's own objects, written by exportctl, in the user's own cache folder. Rule files
and spec sheets are never unpickled: they are read by the safe YAML reader, and their content only picks the
name of an entry.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .._version import __version__


def cache_dir() -> Path | None:
    """The cache folder, or None for no caching.

    `EXPORTCTL_CACHE_DIR` chooses it (empty: no cache), else `$XDG_CACHE_HOME/exportctl` or `~/.cache/exportctl`.
    """
    chosen = os.environ.get("EXPORTCTL_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "exportctl"


# Libraries whose objects entries hold (pydantic models, pint's factors, durable-rules' verdicts) or whose reading
# they depend on: a new release of one of them misses every entry, like a new release of exportctl.
LIBRARIES = ("pydantic", "pydantic_core", "pint", "yaml", "durable")


def _library_stamp(name: str) -> str:
    spec = importlib.util.find_spec(name)  # finds the module without importing it
    if spec is None or spec.origin is None:
        return f"{name}:absent"
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return f"{name}:unreadable"
    return f"{name}:{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


@cache
def code_stamp() -> str:
    """A short hash of exportctl's version and every one of its modules (size and modification time), and of the
    libraries its entries depend on."""
    package = Path(__file__).resolve().parent.parent
    parts = [__version__, *(_library_stamp(name) for name in LIBRARIES)]
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def content_key(files: Iterable[Path]) -> str:
    """A short hash of the names and bytes of some files (a rules folder), for naming a cache entry; each name and
    content is prefixed with its length, so no two different sets of files share a key."""
    digest = hashlib.sha256()
    for path in files:
        name, data = path.name.encode(), path.read_bytes()
        digest.update(b"%d:%s%d:%s" % (len(name), name, len(data), data))
    return digest.hexdigest()[:16]


def entry(kind: str, key: str) -> Path | None:
    """Where an entry lives: `<cache>/<kind>-<key>-<code stamp>.pickle`."""
    folder = cache_dir()
    return None if folder is None else folder / f"{kind}-{key}-{code_stamp()}.pickle"


def load(kind: str, key: str) -> Any | None:
    """An entry written by this code, or None (no cache, no entry, or an entry that cannot be read)."""
    path = entry(kind, key)
    if path is None:
        return None
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)  # our own entry, named by content and code stamp (see above)
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss: it is computed anew, never trusted
        return None


def store(kind: str, key: str, value: Any) -> None:
    """Write an entry whole, then rename it into place; a folder that cannot be written is not an error."""
    path = entry(kind, key)
    if path is None:
        return
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass
