"""Pictures (issue 13): the shaded regions are the rule files' answers (exact points sampled in every region and
classified through the whole pipeline), and the three pictures render for the whole catalog, PNG and SVG."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from exportctl import Engine, Status
from exportctl.analysis.regions import edges, region_map, thresholds
from exportctl.cli import main
from exportctl.metrics.compute import compute_metrics

from tests.conftest import CATALOG, ROOT

DAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(backend="python")


@pytest.fixture(scope="module")
def chips(engine):
    return engine.load_chips([CATALOG]).chips


def named(result) -> str:
    """A result in the words a region is labelled with (written here, not taken from the plotting code)."""
    if result.status is Status.CONTROLLED:
        return result.classification or "controlled"
    if result.applicable is False:
        return "not addressed"
    return "not controlled" if result.status is Status.NOT_CONTROLLED else str(result.status)


def decimal(value: float) -> str:
    """A float as short exact decimal text (six significant digits)."""
    return format(Decimal(repr(value)).normalize(), "f") if value >= 1 else f"{value:.6g}"


def grid(engine, round_id: str, x: str, y: str, base: dict, x_range, y_range, cells: int = 120):
    program = engine.rules[round_id]
    x_edges = edges(*x_range, thresholds(program, x, DAY), cells)
    y_edges = edges(*y_range, thresholds(program, y, DAY), cells)
    metrics = compute_metrics(engine.parse_chip(base), engine.definitions)
    return region_map(program, metrics, x, y, x_edges, y_edges, DAY, engine.memo)


def sample(regions, per_label: int = 20):
    """Up to `per_label` random cells of each label, as (row, col)."""
    rng = random.Random(13)
    out = []
    for index in range(len(regions.labels)):
        cells = [tuple(c) for c in zip(*(regions.cells == index).nonzero(), strict=True)]
        out += rng.sample(cells, min(per_label, len(cells)))
    return out


@pytest.mark.parametrize("datacenter", [True, False])
def test_every_region_of_the_tpp_density_plane_is_the_answer_of_us_2023_10_there(engine, datacenter):
    base = {"name": "p", "vendor": "X", "kind": "accelerator", "datacenter": datacenter}
    regions = grid(engine, "us-2023-10", "tpp", "performance_density", base, (500.0, 80000.0), (0.3, 100.0))
    expected = {"3A090.a", "not controlled"} | ({"3A090.b"} if datacenter else set())
    assert set(regions.labels) == expected
    checked = 0
    for row, col in sample(regions):
        tpp = decimal(float((regions.x_edges[col] * regions.x_edges[col + 1]) ** 0.5))
        density = float((regions.y_edges[row] * regions.y_edges[row + 1]) ** 0.5)
        die = decimal(float(Fraction(tpp)) / density)
        exact = Fraction(tpp) / Fraction(die)  # the point classified: inside its cell
        assert regions.y_edges[row] < exact < regions.y_edges[row + 1]
        chip = {**base, "tpp": tpp, "die_area": f"{die} mm^2"}
        (result,) = engine.classify(chip, ["us-2023-10"], DAY)
        assert named(result) == regions.labels[regions.cells[row, col]], (tpp, str(exact))
        checked += 1
    assert checked >= 40


def test_every_region_of_the_bandwidth_plane_is_the_answer_of_us_2025_04_there(engine):
    base = {"name": "an unnamed chip", "vendor": "NVIDIA", "kind": "accelerator", "datacenter": True}
    regions = grid(engine, "us-2025-04", "memory_bandwidth", "io_bandwidth", base, (100.0, 20000.0), (10.0, 5000.0))
    assert set(regions.labels) == {"controlled", "not addressed"}
    assert {(line.axis, line.value) for line in regions.lines} == {("x", 1400.0), ("y", 1100.0), ("sum", 1700.0)}
    for row, col in sample(regions, 40):
        memory = decimal(float((regions.x_edges[col] * regions.x_edges[col + 1]) ** 0.5))
        io = decimal(float((regions.y_edges[row] * regions.y_edges[row + 1]) ** 0.5))
        if abs(float(memory) + float(io) - 1700) < 1:  # a cell the combined line crosses: its centre decides
            continue
        chip = {**base, "memory": {"bandwidth": f"{memory} GB/s"}, "io": {"nvlink": f"{io} GB/s"}}
        (result,) = engine.classify(chip, ["us-2025-04"], DAY)
        assert named(result) == regions.labels[regions.cells[row, col]], (memory, io)


def test_a_what_if_moves_the_region_with_its_line(engine):
    variant = engine.with_parameters({"us-2023-10.tpp_line": 4000})
    base = {"name": "p", "vendor": "X", "kind": "accelerator", "datacenter": True}
    shipped = grid(engine, "us-2023-10", "tpp", "performance_density", base, (500.0, 80000.0), (0.3, 100.0))
    moved = grid(variant, "us-2023-10", "tpp", "performance_density", base, (500.0, 80000.0), (0.3, 100.0))
    assert shipped.label_at(4400, 1.0) == "not controlled" and moved.label_at(4400, 1.0) == "3A090.a"
    assert shipped.label_at(4900, 1.0) == moved.label_at(4900, 1.0) == "3A090.a"


# --- the pictures themselves -----------------------------------------------------------------------------------------


def texts(figure) -> set[str]:
    return {t.get_text() for ax in figure.axes for t in ax.texts}


def test_the_plane_renders_for_the_whole_catalog_with_its_regions_named(engine, chips, tmp_path):
    lower = engine.with_parameters({"us-2023-10.tpp_line": 4000})
    figure = engine.plot_plane(chips, "us-2023-10", [(lower, "us-2023-10")], as_of=DAY)
    shown = texts(figure)
    assert {"3A090.a", "3A090.b", "not controlled"} <= shown
    assert "3A090.a in us-2023-10+tpp_line=4000" in shown  # the what-if: outlined, named where it differs
    labels = " ".join(shown)
    for chip in ("H20", "H100 SXM5 80GB", "GeForce RTX 4090 D", "Ascend 910B"):  # on the plane or in the strip
        assert chip in labels
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "non-datacenter line" in legend and "outline: us-2023-10+tpp_line=4000" in legend
    for suffix in ("png", "svg"):
        figure.savefig(tmp_path / f"plane.{suffix}", dpi=60)
        assert (tmp_path / f"plane.{suffix}").stat().st_size > 10_000


def test_the_bandwidth_plane_and_the_timeline_render_for_the_whole_catalog(engine, chips, tmp_path):
    figure = engine.plot_bandwidth(chips, as_of=DAY)
    assert {"controlled", "not addressed"} <= texts(figure)
    lines = {t.get_text() for t in figure.axes[0].texts}
    assert {"memory_bandwidth >= 1400", "io_bandwidth >= 1100", "memory_plus_io >= 1700"} <= lines
    figure.savefig(tmp_path / "bandwidth.svg")
    timeline = engine.plot_timeline(chips, until=DAY)
    assert len(timeline.axes[0].get_yticklabels()) == len(chips)
    assert {"us-2022-10", "us-2023-10", "us-2025-04"} <= {t.get_text() for t in timeline.axes[0].texts}
    timeline.savefig(tmp_path / "timeline.png", dpi=50)
    assert (tmp_path / "timeline.png").stat().st_size > 10_000


def test_the_command_line_writes_a_picture_and_refuses_other_suffixes(tmp_path, capsys):
    chip = str(CATALOG / "nvidia" / "h20.yaml")
    assert main(["plot", "timeline", chip, "-o", str(tmp_path / "t.svg")]) == 0
    assert (tmp_path / "t.svg").read_text().count("<svg") == 1
    assert main(["plot", "plane", chip, "-o", str(tmp_path / "t.pdf")]) == 2
    assert "a picture is written as .png or .svg" in capsys.readouterr().err


def test_exportctl_version_does_not_import_matplotlib():
    code = "import sys; from exportctl.cli import main; main(['--version']); print('matplotlib' in sys.modules)"
    shim = str(ROOT / "engine" / "..")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=shim, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_without_matplotlib_a_picture_is_refused_with_what_to_install(monkeypatch, tmp_path, capsys):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, globals=None, locals=None, fromlist=(), level=0):
        if name.startswith("matplotlib") or (name.endswith("outputs") and "plots" in (fromlist or ())):
            raise ImportError("No module named 'matplotlib'", name="matplotlib")
        return real(name, globals, locals, fromlist, level)

    import exportctl.outputs

    monkeypatch.delitem(sys.modules, "exportctl.outputs.plots", raising=False)
    monkeypatch.delattr(exportctl.outputs, "plots", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    code = main(["plot", "timeline", str(CATALOG / "nvidia" / "h20.yaml"), "-o", str(tmp_path / "t.png")])
    err = capsys.readouterr().err
    assert code == 2 and "pictures need matplotlib, adjustText and numpy" in err and "exportctl[plot]" in err
