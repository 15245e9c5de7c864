"""Fuzzing the loaders: whatever the bytes, the only failure is an InputError naming the file.

Runs briefly in the `ci` hypothesis profile; `HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz.py` runs longer.
"""

from __future__ import annotations

import string

import yaml
from exportctl.errors import InputError
from exportctl.rulebook import RoundFile
from exportctl.sheets import parse_chip
from exportctl.validation import validate_data
from exportctl.yamlsafe import parse_yaml
from hypothesis import given
from hypothesis import strategies as st

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
    from exportctl.errors import RuleFileError

    _only_input_errors(lambda: validate_data(RoundFile, document, "<fuzz>", RuleFileError))


@given(DOCUMENTS)
def test_a_dumped_document_survives_the_text_path(document):
    text = yaml.safe_dump(document)
    _only_input_errors(lambda: parse_chip(parse_yaml(text, "<fuzz>"), "<fuzz>"))
