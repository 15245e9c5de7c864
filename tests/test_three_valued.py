"""Unknown is not no: a missing value never yields not-controlled."""

from __future__ import annotations

from exportctl import classify

from tests.conftest import parse_chip, shipped_rules


def _chip(**fields):
    base = {"name": "Three-valued test chip", "vendor": "Test", "datacenter": True}
    base.update(fields)
    return parse_chip(base, "<test>")


def test_tpp_6000_without_die_area_is_still_3a090a():
    (found,) = classify(_chip(throughput={"int8": "750 TOPS"}), ["us-2023-10"])
    assert (found.status, found.classification) == ("controlled", "3A090.a")


def test_tpp_3000_without_die_area_is_indeterminate_and_names_die_area_as_missing():
    (found,) = classify(_chip(throughput={"int8": "375 TOPS"}), ["us-2023-10"])
    assert found.status == "indeterminate"
    assert "die_area" in found.missing


def test_no_throughput_at_all_is_indeterminate_not_uncontrolled():
    (found,) = classify(_chip(die_area="800 mm^2"), ["us-2023-10"])
    assert found.status == "indeterminate"
    assert "tpp" in found.missing


def test_unknown_datacenter_with_tpp_under_4800_and_high_density_is_indeterminate():
    chip = parse_chip(
        {"name": "x", "vendor": "Test", "throughput": {"int8": "500 TOPS"}, "die_area": "600 mm^2"}, "<t>"
    )
    (found,) = classify(chip, ["us-2023-10"])
    assert found.status == "indeterminate"
    assert "datacenter" in found.missing


def test_unknown_io_link_keeps_the_known_part_as_a_lower_bound():
    chip = _chip(throughput={"int8": "600 TOPS"}, io={"nvlink": "700 GB/s", "pcie": "unknown"})
    (found,) = classify(chip, ["us-2022-10"])
    assert found.status == "controlled"


def test_unknown_io_link_under_the_line_is_indeterminate():
    chip = _chip(throughput={"int8": "600 TOPS"}, io={"nvlink": "400 GB/s", "pcie": "unknown"})
    (found,) = classify(chip, ["us-2022-10"])
    assert found.status == "indeterminate"
    assert found.missing == ["io_bandwidth"]


def test_a_sparse_only_figure_is_halved_and_the_result_says_so():
    (found,) = classify(
        _chip(throughput={"fp4": {"rate": "2400 TOPS", "sparse": True}}, die_area="1000 mm^2"), ["us-2023-10"]
    )
    assert any("sparsity" in a for a in found.assumptions)
    tpp = next(c for c in found.conditions if c.metric == "tpp")
    assert tpp.value == "4800"


def test_a_published_tpp_that_disagrees_is_a_warning():
    (found,) = classify(_chip(throughput={"int8": "600 TOPS"}, tpp=5200, die_area="800 mm^2"), ["us-2023-10"])
    assert any("differs from derived" in w for w in found.warnings)


def test_a_lower_bound_decides_only_the_comparisons_it_can():
    from fractions import Fraction

    from exportctl.conditions.compare import truth
    from exportctl.metrics.compute import MetricValue
    from exportctl.rules.program import Comparison

    # io_bandwidth is at least 700 GB/s (a known link plus an unknown one)
    metric = MetricValue("io_bandwidth", None, "bandwidth", lower=Fraction(700))
    expected = {  # threshold 600: the bound decides every order; threshold 700 or 800: only some
        (">=", 600): "T", (">", 600): "T", ("<", 600): "F", ("<=", 600): "F",
        (">=", 700): "T", (">", 700): "U", ("<", 700): "F", ("<=", 700): "U",
        (">=", 800): "U", (">", 800): "U", ("<", 800): "U", ("<=", 800): "U",
        ("==", 600): "U", ("!=", 600): "U",
    }  # fmt: skip
    for (op, line), value in expected.items():
        comparison = Comparison(f"io_bandwidth {op} {line}", "io_bandwidth", op, "bandwidth", "number", Fraction(line))
        assert truth(comparison, metric, Fraction(line)) == value, (op, line)


def test_a_derived_sum_keeps_the_lower_bound_of_a_partly_known_operand():
    from fractions import Fraction

    from exportctl.metrics.compute import compute_metrics
    from exportctl.metrics.definitions import MetricDef

    chip = _chip(io={"nvlink": "700 GB/s", "pcie": "unknown"}, memory={"bandwidth": "4 TB/s"})
    extra = {
        "all_links": MetricDef(
            dimension="bandwidth", description="io and memory", sum=("io_bandwidth", "memory_bandwidth")
        )
    }
    total = compute_metrics(chip, shipped_rules().definitions, extra=extra).values["all_links"]
    assert (total.value, total.lower) == (None, Fraction(4700))
    assert total.basis == "io_bandwidth at least 700 GB/s + memory_bandwidth 4000 GB/s"
    known = compute_metrics(
        _chip(io={"nvlink": "700 GB/s"}, memory={"bandwidth": "4 TB/s"}), shipped_rules().definitions, extra=extra
    )
    assert (known.values["all_links"].value, known.values["all_links"].lower) == (Fraction(4700), None)


def test_a_dated_threshold_changes_on_its_date_not_the_day_after():
    from datetime import date
    from fractions import Fraction

    from exportctl.rules.calendar import threshold_on
    from exportctl.rules.program import Comparison

    steps = ((date(2025, 1, 16), Fraction(30 * 10**9)), (date(2027, 1, 1), Fraction(35 * 10**9)))
    line = Comparison("transistors >= $t", "transistors", ">=", "dimensionless", "number", None, "t", steps)
    days = [date(2025, 1, 16), date(2026, 12, 31), date(2027, 1, 1)]
    assert [threshold_on(line, d) for d in days] == [30 * 10**9, 30 * 10**9, 35 * 10**9]


def test_an_accelerator_listing_only_fp32_has_its_tpp_as_a_lower_bound_and_is_not_cleared_by_it():
    from datetime import date

    from exportctl import Engine, Status

    engine = Engine(backend="python")
    only_fp32 = {
        "name": "G",
        "vendor": "V",
        "datacenter": True,
        "die_area": "600 mm^2",
        "throughput": {"fp32": "14.4 TFLOPS"},
    }
    (result,) = engine.classify(only_fp32, ["us-2023-10"], date(2026, 1, 1))
    # 14.4 x 32 = 460.8 decides nothing: the usual fp16/int8 matrix rate could be far higher
    assert result.status == Status.INDETERMINATE and "tpp" in result.missing
    assert any("throughput lists only fp32" in w and "at least 460.8" in w for w in result.warnings)
    big = {**only_fp32, "throughput": {"fp32": "200 TFLOPS"}}  # 6400: the lower bound alone passes 4800
    (caught,) = engine.classify(big, ["us-2023-10"], date(2026, 1, 1))
    assert (caught.status, caught.classification) == (Status.CONTROLLED, "3A090.a")


def test_the_tpp_lower_bound_is_not_applied_where_a_matrix_rate_or_a_published_tpp_is_given():
    from datetime import date

    from exportctl import Engine, Status

    engine = Engine(backend="python")
    base = {"name": "G", "vendor": "V", "datacenter": True, "die_area": "600 mm^2"}
    with_fp16 = {**base, "throughput": {"fp32": "14.4 TFLOPS", "fp16": "28.8 TFLOPS"}}
    published = {**base, "throughput": {"fp32": "14.4 TFLOPS"}, "tpp": 460.8}
    memory_part = {"name": "M", "vendor": "V", "kind": "memory", "package_area": "121 mm^2"}
    (result,) = engine.classify(with_fp16, ["us-2023-10"], date(2026, 1, 1))
    assert result.status == Status.NOT_CONTROLLED and not any("lists only" in w for w in result.warnings)
    (result,) = engine.classify(published, ["us-2023-10"], date(2026, 1, 1))  # the vendor's figure decides
    assert result.status == Status.NOT_CONTROLLED and "tpp" not in result.missing
    (memory,) = engine.classify(memory_part, ["us-2024-12"], date(2026, 1, 1))
    assert not any("lists only" in w for w in memory.warnings)


def test_restating_a_bit_length_or_naming_a_32_bit_operation_does_not_make_an_incomplete_tpp_exact():
    from datetime import date

    from exportctl import Engine, Status

    engine = Engine(backend="python")
    base = {"name": "G", "vendor": "V", "datacenter": True, "io": {"link": "900 GB/s"}}
    for throughput in (
        {"fp32": "100 TFLOPS"},
        {"fp32": {"rate": "100 TFLOPS", "bits": 32}},
        {"fp33": {"rate": "100 TFLOPS", "bits": 33}},
    ):
        (result,) = engine.classify({**base, "throughput": throughput}, ["us-2022-10"], date(2023, 1, 1))
        assert result.status == Status.INDETERMINATE, throughput  # TPP at least 3200: 4800 could be reached


def test_with_an_incomplete_rate_list_the_published_tpp_is_the_figure_used():
    from datetime import date

    from exportctl import Engine, Status

    engine = Engine(backend="python")
    chip = {
        "name": "G",
        "vendor": "V",
        "datacenter": True,
        "io": {"link": "900 GB/s"},
        "throughput": {"fp32": "100 TFLOPS"},
        "tpp": 5000,
    }
    (result,) = engine.classify(chip, ["us-2022-10"], date(2023, 1, 1))
    assert result.status == Status.CONTROLLED  # the vendor's 5000, not the lower bound 3200 from fp32 alone
    assert any("the published tpp 5000 is used" in w for w in result.warnings)
