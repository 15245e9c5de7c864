"""`exportctl schema` publishes JSON Schemas other tools validate against: they accept what exportctl accepts."""

from __future__ import annotations

import json

import jsonschema
import pytest
from exportctl.cli import main
from exportctl.core.yamlsafe import load_yaml

from tests.conftest import CATALOG, FIXTURES, ROOT

CATALOG_FILES = sorted(CATALOG.rglob("*.yaml"))


def schema(capsys, what: str) -> dict:
    assert main(["schema", what]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def chip_validator(capsys):
    return jsonschema.Draft202012Validator(schema(capsys, "chip"))


def as_json(path):  # type: ignore[no-untyped-def]
    """A YAML document as a JSON tool sees it (dates become ISO text, keys included)."""

    def plain(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v) for v in node]
        return node if isinstance(node, (str, int, float, bool, type(None))) else str(node)

    return plain(load_yaml(path))


def quantity_at(document: dict, *path: str) -> dict:
    """The schema of a quantity field, without the `null` alternative pydantic adds for optional fields."""

    def resolve(node: dict) -> dict:
        node = next((s for s in node.get("anyOf", []) if s.get("type") != "null"), node)
        return document["$defs"][node["$ref"].split("/")[-1]] if "$ref" in node else node

    node = document
    for key in path:
        node = resolve(node["properties"][key])
    return node


def test_every_catalog_sheet_validates_against_the_chip_schema(chip_validator):
    for path in CATALOG_FILES:
        errors = [e.message for e in chip_validator.iter_errors(as_json(path))]
        assert errors == [], path


def test_the_chip_schema_refuses_a_figure_without_a_unit_and_a_negative_one(chip_validator):
    base = as_json(FIXTURES / "sheets" / "good-h20-like.yaml")
    assert chip_validator.is_valid(base)
    for bad in ("4000", "-4 TB/s", "fast"):
        assert not chip_validator.is_valid({**base, "memory": {"bandwidth": bad}}), bad
        assert not chip_validator.is_valid({**base, "throughput": {"fp8": bad}}), bad
        assert not chip_validator.is_valid({**base, "throughput": {"fp8": {"rate": bad}}}), bad
    assert chip_validator.is_valid({**base, "throughput": {"fp8": {"rate": "296 TFLOPS", "sparse": True}}})


def test_a_link_rate_may_be_unknown_but_a_memory_bandwidth_may_not(chip_validator):
    base = as_json(FIXTURES / "sheets" / "good-h20-like.yaml")
    assert chip_validator.is_valid({**base, "io": {"pcie": "unknown"}})
    assert not chip_validator.is_valid({**base, "io": {"pcie": "fast"}})
    assert not chip_validator.is_valid({**base, "memory": {"bandwidth": "unknown"}})


def test_a_quantity_field_describes_its_unit_with_an_example(capsys):
    chip = schema(capsys, "chip")
    bandwidth = quantity_at(chip, "memory", "bandwidth")
    assert bandwidth["description"] == "bandwidth with a unit, e.g. 900 GB/s or 4.0 TB/s"
    assert bandwidth["examples"] == ["900 GB/s"] and bandwidth["type"] == "string"
    area = quantity_at(chip, "die_area")
    assert area["description"] == "area with a unit, e.g. 814 mm^2 or 8.14 cm^2"


def test_a_plain_count_may_be_a_number(capsys, chip_validator):
    transistors = quantity_at(schema(capsys, "chip"), "transistors")
    assert transistors["examples"] == ["2368"]
    base = as_json(FIXTURES / "sheets" / "good-h20-like.yaml")
    assert chip_validator.is_valid({**base, "transistors": 80000000000})
    assert chip_validator.is_valid({**base, "transistors": 0})
    for bad in (-1, [1], True):
        assert not chip_validator.is_valid({**base, "transistors": bad}), bad


def test_schemas_print_as_indented_json(capsys):
    assert main(["schema", "chip"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "') and not lines[1].startswith("   ")


def test_every_shipped_rule_file_validates_against_the_rules_schema(capsys):
    validator = jsonschema.Draft202012Validator(schema(capsys, "rules"))
    files = sorted(p for p in (ROOT / "rules").glob("*.yaml") if not p.name.startswith("_"))
    assert files
    for path in files:
        assert [e.message for e in validator.iter_errors(as_json(path))] == [], path


def test_the_rules_schema_takes_conditions_as_text_and_refuses_a_malformed_one(capsys):
    validator = jsonschema.Draft202012Validator(schema(capsys, "rules"))
    document = as_json(ROOT / "rules" / "us-2022-10.yaml")
    clause = document["clauses"][0]
    for good in ("tpp >= 4800", "clause 3A090.a", {"all": ["tpp >= 4800", {"not": "clause b"}]}):
        assert validator.is_valid({**document, "clauses": [{**clause, "when": good}]}), good
    for bad in ("tpp", "4800 <= tpp", {"both": ["tpp >= 4800"]}):
        assert not validator.is_valid({**document, "clauses": [{**clause, "when": bad}]}), bad


def test_a_condition_is_described_with_examples_the_engine_accepts(capsys):
    from exportctl.rules.model import ClauseRef, ComparisonText, parse_condition

    definitions = schema(capsys, "rules")["$defs"]
    comparison, reference = definitions["ComparisonText"], definitions["ClauseRef"]
    assert comparison["description"] == (
        "metric operator threshold: >= <= > < == != in matches; a $name is a dated parameter"
    )
    assert comparison["examples"] == ["tpp >= 4800", "io_bandwidth >= 600 GB/s", "transistors >= $transistor_threshold"]
    assert reference["examples"] == ["clause 3A090.a"]
    for example in comparison["examples"]:
        assert isinstance(parse_condition(example), ComparisonText)
        assert jsonschema.Draft202012Validator(comparison).is_valid(example)
    for example in reference["examples"]:
        assert isinstance(parse_condition(example), ClauseRef)
        assert jsonschema.Draft202012Validator(reference).is_valid(example)


def test_the_schema_takes_an_exponent_in_either_case_and_leaves_unknown_to_links(chip_validator):
    base = as_json(FIXTURES / "sheets" / "good-h20-like.yaml")
    for good in ("4e3 GB/s", "4E3 GB/s", "4.0e+3 GB/s"):
        assert chip_validator.is_valid({**base, "memory": {"bandwidth": good}}), good
    assert not chip_validator.is_valid({**base, "throughput": {"fp8": "unknown"}})
    assert not chip_validator.is_valid({**base, "throughput": {"fp8": {"rate": "unknown"}}})


def test_a_two_word_dimension_is_described_in_words():
    from exportctl.core.fields import json_schema

    assert json_schema("bandwidth_density")["description"] == "bandwidth density with a unit, e.g. 2 GB/s/mm^2"
