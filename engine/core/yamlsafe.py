"""Reading YAML from untrusted files without surprises.

Spec sheets and rule files come from vendors, colleagues and scripts, so the reader refuses what could
hurt or silently change a number: aliases (the "billion laughs" bomb), duplicate keys (the second would
silently win), custom tags (never executed), huge or binary files. Floats are kept as their decimal text
so that `0.1` reaches the quantity parser exactly as written.

Reading runs on libyaml's C parser (shipped with PyYAML, about 8x faster than the pure-Python one) with the same
resolver and constructor, so duplicate keys, numbers kept as text and unreadable scalars are handled by the same
code. Aliases are refused by the pure-Python composer, so text that could hold one (`&` or `*` anywhere) is read
by it; and any refusal is reported by re-reading with the pure-Python loader, so every message is the same
whichever parser read the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_BYTES = 8 * 1024 * 1024


class _Refused(yaml.MarkedYAMLError):
    """One of our refusals (alias, duplicate key, unreadable scalar): its problem is already the message."""


_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _ExactConstruction:
    """Construction shared by both loaders: no float resolution, no duplicate keys, unreadable scalars refused."""

    yaml_implicit_resolvers = _RESOLVERS

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # PyYAML's scalar constructors raise plain ValueError for 2023-13-45 or an integer of 5,000 digits
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except (ValueError, OverflowError) as exc:
            text = node.value if len(node.value) <= 40 else node.value[:40] + "..."
            reason = str(exc).split(";")[0]
            raise _Refused(None, None, f"cannot read {text!r}: {reason}", node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    raise _Refused(None, None, "a mapping key must be plain text", key_node.start_mark) from None
                if duplicate:
                    first = f"first given on line {seen[key].line + 1}"
                    raise _Refused(None, None, f"duplicate key {key!r} ({first})", key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _ExactLoader(_ExactConstruction, yaml.SafeLoader):
    """The pure-Python loader: the reference, and the one that refuses aliases and words every refusal."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                None, None, f"YAML aliases (*{event.anchor}) are not allowed in exportctl files", event.start_mark
            )
        return super().compose_node(parent, index)


_FastLoader: type | None = None
if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml (every wheel on PyPI)

    class _CExactLoader(_ExactConstruction, yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        """The same construction on libyaml's parser, for text that holds no alias."""

    _FastLoader = _CExactLoader


def _describe(exc: yaml.MarkedYAMLError) -> tuple[str | None, str]:
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}" if mark else None
    problem = str(exc.problem)  # PyYAML and _Refused always name the problem
    if isinstance(exc, _Refused):
        return where, problem
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:
        return (
            where,
            f"unsupported YAML tag {tag.group(1).replace('tag:yaml.org,2002:', '!!')}; tags are never executed",
        )
    return where, f"malformed YAML: {problem}"


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, refusing what is not a small UTF-8 text file."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise InputError(source, None, f"file too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise InputError(source, None, "binary file (contains NUL bytes), not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, None, f"not valid UTF-8 text (bad byte at offset {exc.start})") from None


def load_yaml(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """Parse one YAML document from a file, with the refusals described above."""
    text = read_text(path, max_bytes)
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str) -> Any:
    if not text.strip():
        raise InputError(source, None, "file is empty")
    if _FastLoader is not None and "&" not in text and "*" not in text:
        try:
            document = yaml.load(text, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError):
            pass  # reported below, in the reference loader's words
        else:
            if document is None:
                raise InputError(source, None, "file is empty")
            return document
    try:
        document = yaml.load(text, Loader=_ExactLoader)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"control character U+{exc.character:04X} is not allowed in YAML text"
        raise InputError(source, f"line {line}", message) from None
    except yaml.MarkedYAMLError as exc:
        where, problem = _describe(exc)
        raise InputError(source, where, problem) from None
    except yaml.YAMLError as exc:  # defensive: PyYAML raises only the two kinds above while loading
        raise InputError(source, None, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise InputError(source, None, "YAML nested too deeply") from None
    if document is None:
        raise InputError(source, None, "file is empty")
    return document
