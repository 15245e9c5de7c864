"""Fuzzing the loaders: whatever the bytes, the only failure is an InputError naming the file.

Runs briefly in the `ci` hypothesis profile; `HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz.py` runs longer.
"""

from __future__ import annotations

import string

import yaml
from exportctl.core.documents import validate_data
from exportctl.core.errors import InputError
from exportctl.core.yamlsafe import parse_yaml
from exportctl.rules.model import RoundFile
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import parse_chip

KEYS = [
    "name",
    "vendor",
    "kind",
    "datacenter",
    "throughput",
    "die_area",
    "dies",
    "memory",
    "io",
    "tpp",
    "transistors",
    "package_area",
    "sources",
    "released",
    "fp16",
    "bandwidth",
    "rate",
    "sparse",
    "bits",
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.text(max_size=12),
    st.sampled_from(["4.0 TB/s", "814 mm^2", "nan", "1e400 GB/s", "-1 TOPS", "unknown", "900 zorbs", "0 mm^2"]),
)
DOCUMENTS = st.recursive(
    VALUES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=20,
)
YAMLISH = st.text(alphabet=string.printable + "&*!|>-:[]{}#'\"\\\u00e9", max_size=200)


def _only_input_errors(action) -> None:
    try:
        action()
    except InputError as exc:
        assert exc.source == "<fuzz>"


@given(YAMLISH)
def test_any_text_is_yaml_or_an_input_error(text):
    _only_input_errors(lambda: parse_yaml(text, "<fuzz>"))


@given(DOCUMENTS)
def test_any_document_is_a_chip_or_a_spec_sheet_error(document):
    _only_input_errors(lambda: parse_chip(document, "<fuzz>"))


@given(DOCUMENTS)
def test_any_document_is_a_round_or_a_rule_file_error(document):
    from exportctl.core.errors import RuleFileError

    _only_input_errors(lambda: validate_data(RoundFile, document, "<fuzz>", RuleFileError))


@given(DOCUMENTS)
def test_a_dumped_document_survives_the_text_path(document):
    text = yaml.safe_dump(document)
    _only_input_errors(lambda: parse_chip(parse_yaml(text, "<fuzz>"), "<fuzz>"))


# Scalars PyYAML resolves by their shape (dates, times, integers in any base), with impossible parts or sizes
SCALAR_SHAPES = st.one_of(
    st.builds("{}-{:02}-{:02}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)),
    st.builds(
        "2023-10-17 {}:{:02}:{:02} {}".format,
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.sampled_from(["", "Z", "+99:00", "-05:00"]),
    ),
    st.builds(lambda n: "9" * n, st.integers(1, 6000)),
    st.builds("{}{}".format, st.sampled_from(["0x", "0o", "0b", "-0x", "+"]), st.text("0123456789abcdef_", max_size=9)),
    st.builds("{}:{:02}:{:02}".format, st.integers(0, 999), st.integers(0, 99), st.integers(0, 99)),
)


@given(st.sampled_from(KEYS), SCALAR_SHAPES)
def test_any_scalar_text_is_read_or_an_input_error(key, scalar):
    text = f"name: x\nvendor: y\n{key}: {scalar}\n"
    _only_input_errors(lambda: parse_chip(parse_yaml(text, "<fuzz>"), "<fuzz>"))
