"""Reading YAML from untrusted files without surprises.

Spec sheets and rule files come from vendors, colleagues and scripts, so the reader refuses what could
hurt or silently change a number: aliases (the "billion laughs" bomb), duplicate keys (the second would
silently win), custom tags (never executed), huge, binary or special files (a named pipe or a device is
never opened), documents of more than MAX_NODES values. Floats are kept as their decimal text so that `0.1`
reaches the quantity parser exactly as written.

Integers follow YAML 1.2's core schema, not PyYAML's YAML 1.1: only plain decimal digits are an integer, and
a leading zero does not make one octal (`tpp: 011200` is 11200, where YAML 1.1 read 4736 and turned 3A090.a
into 3A090.b). Hexadecimal, octal, binary, base-60 (`80:00`, 4800 to YAML 1.1) and `1_000` are left as the
text written: a text field (a part number, a time) keeps it, and a number field refuses it, saying which
notation it is (engine/core/quantities.py), rather than exportctl guessing what a legal figure meant.
Dates are still read as dates (`2023-10-17`), and an impossible one is refused here with its line.

Reading runs on libyaml's C parser (shipped with PyYAML, about 8x faster than the pure-Python one) with the same
resolver and constructor, so duplicate keys, numbers kept as text and unreadable scalars are handled by the same
code. Aliases are refused by the pure-Python composer, so text that could hold one (`&` or `*` anywhere) is read
by it; and any refusal is reported by re-reading with the pure-Python loader, so every message is the same
whichever parser read the file. (Not the value count: it is worded the same by both, and re-reading a huge file
would undo the bound.)
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any, ClassVar

import yaml

from .errors import InputError

MAX_BYTES = 8 * 1024 * 1024
# A spec sheet holds a few hundred values, a list of a whole catalog a few tens of thousands. Reading costs about
# 10 microseconds a value on libyaml (a 7.99 MB list of 4 million `1,` took 45 s and 1.5 GB), so this bounds the
# work for any file under MAX_BYTES to about a second.
MAX_NODES = 100_000

_INT = "tag:yaml.org,2002:int"
_DECIMAL = re.compile(r"^[-+]?[0-9]+$")  # YAML 1.2 core schema, decimal integers only (see above)


class _Refused(yaml.MarkedYAMLError):
    """One of our refusals (alias, duplicate key, unreadable scalar): its problem is already the message."""


class _TooManyNodes(Exception):
    """More than MAX_NODES values: reported as it is, without reading the file again."""


_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:float", _INT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "-+0123456789":
    _RESOLVERS.setdefault(_first, []).append((_INT, _DECIMAL))


def _construct_int(constructor: Any, node: Any) -> int:
    text = constructor.construct_scalar(node)
    if not _DECIMAL.match(text):  # only an explicit `!!int 0x1F` gets here
        raise ValueError("not a decimal integer")
    return int(text)  # Python refuses more than 4300 digits; the message is reported with its line


class _ExactConstruction:
    """Construction shared by both loaders: no float resolution, decimal integers, no duplicate keys, unreadable
    scalars refused, at most MAX_NODES values."""

    yaml_implicit_resolvers = _RESOLVERS
    yaml_constructors: ClassVar = {**yaml.SafeLoader.yaml_constructors, _INT: _construct_int}
    nodes = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # both parsers ask this for (nearly) every node as they compose it: counting here stops a huge document
        # before it is built, on libyaml too (an explicitly tagged scalar is not asked about, nor counted)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooManyNodes
        return super().resolve(kind, value, implicit)  # type: ignore[misc]

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
            anchor = event.anchor if len(event.anchor) <= 40 else event.anchor[:40] + "..."
            raise _Refused(None, None, f"YAML aliases (*{anchor}) are not allowed in exportctl files", event.start_mark)
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


_SPECIAL = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _not_regular(source: str, mode: int) -> InputError:
    if stat.S_ISDIR(mode):
        return InputError(source, None, f"cannot read file: {os.strerror(errno.EISDIR)}")
    kind = _SPECIAL.get(stat.S_IFMT(mode), "a special file")
    return InputError(source, None, f"not a regular file ({kind}); spec sheets and rule files are read from files")


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, refusing what is not a small UTF-8 text file.

    A named pipe would block the whole run and /dev/zero would be read until memory runs out, so anything but a
    regular file is refused from its metadata, without being opened; the file is then opened without waiting,
    checked again (it may have been replaced in between) and read no further than the size limit.
    """
    source = str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(source, info.st_mode)
    if info.st_size > max_bytes:
        raise _too_large(source, info.st_size, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_regular(source, mode)
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew after it was measured
        raise _too_large(source, len(data), max_bytes)
    if b"\x00" in data:
        raise InputError(source, None, "binary file (contains NUL bytes), not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, None, f"not valid UTF-8 text (bad byte at offset {exc.start})") from None


def _too_large(source: str, size: int, max_bytes: int) -> InputError:
    return InputError(source, None, f"file too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)")


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
        except _TooManyNodes:
            raise _too_many(source) from None
        except (yaml.YAMLError, RecursionError):
            pass  # reported below, in the reference loader's words
        else:
            if document is None:
                raise InputError(source, None, "file is empty")
            return document
    try:
        document = yaml.load(text, Loader=_ExactLoader)
    except _TooManyNodes:
        raise _too_many(source) from None
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


def _too_many(source: str) -> InputError:
    return InputError(
        source,
        None,
        f"more than {MAX_NODES:,} YAML values; a spec sheet or rule file holds a few hundred (split a long list "
        "of chips into several files)",
    )
