"""Pictures (matplotlib, PNG or SVG): a round's regions on a plane of two metrics with the chips on it, a chip's
status over time, and a sweep's step plot. Each function returns a Figure; nothing global is touched (no
pyplot: every figure has its own canvas). Imported only when a picture is asked for: matplotlib costs a
second to import, and `exportctl --version` must not pay it.

Labels are placed by adjustText, so a whole catalog stays readable; axes are logarithmic where the data spans
decades (TPP runs from hundreds to tens of thousands).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis.regions import RegionMap
from ..analysis.sweep import Sweep
from ..core.quantities import format_number
from ..results.timeline import Change

# Region and status colours: red for the strictest control, orange for the lesser one, green for none.
_REGION = {
    "3A090.a": "#d62728",
    "3A090.b": "#ff7f0e",
    "3A090.c": "#9467bd",
    "controlled": "#d62728",
    "not controlled": "#2ca02c",
    "not addressed": "#b0b0b0",
    "indeterminate": "#e377c2",
    "review": "#bcbd22",
}
_OTHER = ["#8c564b", "#17becf", "#7f7f7f", "#1f77b4"]
_STATUS = {
    "controlled": "#d62728",
    "indeterminate": "#e377c2",
    "review": "#bcbd22",
    "not-controlled": "#2ca02c",
    "none": "#dddddd",
}


# adjustText's moves per call: a bound on work (its time limit would make a picture depend on the machine's load)
ITERATIONS = 300


def colour(name: str) -> str:
    if name in _REGION:
        return _REGION[name]
    return _OTHER[sum(map(ord, name)) % len(_OTHER)]


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # its own canvas: adjustText and savefig need a renderer, pyplot is never involved
    return figure


@dataclass(frozen=True)
class Point:
    """A chip on a plane: where it is, the region label of its own answer, and how it is drawn."""

    name: str
    x: float
    y: float
    label: str
    datacenter: bool | None
    addressed: bool = True


def _deepest(mask: Any) -> tuple[int, int] | None:
    """The cell farthest (in cells) from the region's edge: where its label goes (the region may be an L)."""
    if not mask.any():
        return None
    current, last = mask.copy(), mask
    while current.any():
        last = current
        inner = current.copy()
        inner[1:, :] &= current[:-1, :]
        inner[:-1, :] &= current[1:, :]
        inner[:, 1:] &= current[:, :-1]
        inner[:, :-1] &= current[:, 1:]
        inner[0, :] = inner[-1, :] = False
        inner[:, 0] = inner[:, -1] = False
        current = inner
    cells = np.argwhere(last)
    row, col = cells[len(cells) // 2]
    return int(row), int(col)


def _tall(mask: Any) -> bool:
    """Whether a region is a narrow upright band (its label then reads better turned)."""
    rows, cols = np.nonzero(mask)
    return bool(len(rows)) and (rows.max() - rows.min()) > 2 * (cols.max() - cols.min())


def _boundaries(regions: RegionMap) -> LineCollection:
    """Segments between cells of different labels (a region's outline)."""
    cells, xe, ye = regions.cells, regions.x_edges, regions.y_edges
    segments = []
    rows, cols = np.nonzero(cells[:, 1:] != cells[:, :-1])
    segments += [((xe[c + 1], ye[r]), (xe[c + 1], ye[r + 1])) for r, c in zip(rows, cols, strict=True)]
    rows, cols = np.nonzero(cells[1:, :] != cells[:-1, :])
    segments += [((xe[c], ye[r + 1]), (xe[c + 1], ye[r + 1])) for r, c in zip(rows, cols, strict=True)]
    return LineCollection(segments)


def _shade(ax: Any, regions: RegionMap, blocked: Any, alpha: float = 0.28) -> list[Any]:
    """Each region filled in its colour and named at its deepest cell away from the chips; the names' texts."""
    palette = ListedColormap([to_rgba(colour(name), alpha) for name in regions.labels])
    ax.pcolormesh(
        regions.x_edges,
        regions.y_edges,
        regions.cells,
        cmap=palette,
        vmin=-0.5,
        vmax=len(regions.labels) - 0.5,
        rasterized=True,  # an SVG holds one image of the cells, not 160,000 rectangles
    )
    texts = []
    for index, name in enumerate(regions.labels):
        mask = regions.cells == index
        where = _deepest(mask & ~blocked) or _deepest(mask)
        if where is None:
            continue
        row, col = where
        x = float(np.sqrt(regions.x_edges[col] * regions.x_edges[col + 1]))
        y = float(np.sqrt(regions.y_edges[row] * regions.y_edges[row + 1]))
        texts.append(
            ax.text(x, y, name, ha="center", va="center", fontsize=15, weight="bold", color=colour(name), alpha=0.8)
        )
    return texts


def _lines(ax: Any, regions: RegionMap, style: str = "--", colour_: str = "0.35") -> None:
    x_low, x_high = regions.x_edges[0], regions.x_edges[-1]
    for line in regions.lines:
        if line.axis == "x":
            ax.axvline(line.value, ls=style, lw=0.9, color=colour_)
            ax.annotate(
                line.text,
                (line.value, 1),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=7,
                color=colour_,
                xytext=(-2, -2),
                textcoords="offset points",
            )
        elif line.axis == "y":
            ax.axhline(line.value, ls=style, lw=0.9, color=colour_)
            ax.annotate(
                line.text,
                (1, line.value),
                xycoords=("axes fraction", "data"),
                va="bottom",
                ha="right",
                fontsize=7,
                color=colour_,
                xytext=(-2, 2),
                textcoords="offset points",
            )
        else:  # x + y = value: a curve on log axes
            xs = np.geomspace(x_low, min(x_high, line.value * 0.999), 200)
            ys = line.value - xs
            keep = ys > 0
            ax.plot(xs[keep], ys[keep], ls=style, lw=0.9, color=colour_)
            middle = keep.nonzero()[0][len(keep.nonzero()[0]) // 2] if keep.any() else None
            if middle is not None:
                ax.annotate(line.text, (xs[middle], ys[middle]), fontsize=7, color=colour_, ha="left", va="bottom")


def _short(name: str) -> str:
    """A chip's label: its name without the vendor's own prefix when that leaves a name ("GeForce RTX 4090")."""
    for prefix in ("NVIDIA ", "AMD ", "Intel ", "Google ", "Huawei ", "AWS ", "Microsoft "):
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix) :]
    return name


def _chips(ax: Any, points: Sequence[Point], avoid: Sequence[Any] = ()) -> None:
    """The chips as markers in their own answer's colour (hollow: the round does not address them), labelled;
    chips at the same place (within half a percent on both axes) share one label."""
    from adjustText import adjust_text

    markers = {True: "o", False: "^", None: "s"}
    places: dict[tuple[int, int], list[Point]] = {}
    for point in points:
        filled = colour(point.label) if point.addressed else "white"
        ax.scatter(
            [point.x],
            [point.y],
            s=30,
            marker=markers[point.datacenter],
            facecolor=filled,
            edgecolor="black" if point.addressed else colour(point.label),
            linewidth=0.7,
            zorder=5,
        )
        key = (round(float(np.log(point.x)) / 0.005), round(float(np.log(max(point.y, 1e-12))) / 0.005))
        places.setdefault(key, []).append(point)
    texts = [
        ax.text(
            group[0].x,
            group[0].y,
            " / ".join(_short(p.name) for p in group),
            fontsize=6.5,
            zorder=6,
            bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.6},
        )
        for group in places.values()
    ]
    if texts:
        adjust_text(
            texts,
            x=[p.x for p in points],
            y=[p.y for p in points],
            ax=ax,
            objects=list(avoid) or None,
            expand=(1.15, 1.5),
            prevent_crossings=False,
            iter_lim=ITERATIONS,
            arrowprops={"arrowstyle": "-", "color": "0.45", "lw": 0.5},
            ensure_inside_axes=True,
        )


def _blocked(regions: RegionMap, points: Sequence[Point], reach: int = 6) -> Any:
    """Cells near a chip's marker: a region's own label is not put there."""
    blocked = np.zeros(regions.cells.shape, dtype=bool)
    for point in points:
        col = int(np.searchsorted(regions.x_edges, point.x)) - 1
        row = int(np.searchsorted(regions.y_edges, point.y)) - 1
        blocked[max(row - reach, 0) : row + reach + 1, max(col - 3 * reach, 0) : col + 3 * reach + 1] = True
    return blocked


def plane(
    regions: RegionMap,
    points: Sequence[Point],
    *,
    title: str,
    x_label: str,
    y_label: str,
    others: Sequence[RegionMap] = (),
    variant: RegionMap | None = None,
    variant_text: str = "",
    strip: Sequence[Point] = (),
    strip_label: str = "",
    footnote: str = "",
) -> Figure:
    """A round's regions shaded and labelled, its lines dashed, other rounds (or what-ifs) as blue outlines,
    a variant of the base chip (a non-datacenter one, say) hatched where its answer differs, the chips on top;
    chips known only on the x axis in a strip below (`strip`)."""
    figure = _figure(15, 11 if strip else 9)
    if strip:
        ax, low = figure.subplots(2, 1, sharex=True, height_ratios=[3.2, 1])
    else:
        ax, low = figure.add_subplot(), None
    ax.set_xscale("log")
    ax.set_yscale("log")
    blocked = _blocked(regions, points)
    region_texts = _shade(ax, regions, blocked)
    _lines(ax, regions)
    handles: list[Any] = [Patch(facecolor=to_rgba(colour(n), 0.28), label=n) for n in regions.labels]
    if variant is not None:
        differs = variant.cells != _relabel(variant, regions)
        if differs.any():
            ax.contourf(
                np.sqrt(variant.x_edges[:-1] * variant.x_edges[1:]),
                np.sqrt(variant.y_edges[:-1] * variant.y_edges[1:]),
                differs.astype(float),
                levels=[0.5, 1.5],
                colors="none",
                hatches=["////"],
            )
            mask = RegionMap(
                variant.round,
                variant.x,
                variant.y,
                variant.x_edges,
                variant.y_edges,
                differs.astype(int),
                ["same", "differs"],
                [],
            )
            outline = _boundaries(mask)
            outline.set(color="black", linewidth=1.6, linestyle=(0, (6, 3)))
            ax.add_collection(outline)
            handles.append(Patch(facecolor="none", edgecolor="black", hatch="////", label=variant_text))
            handles.append(Line2D([], [], color="black", lw=1.6, ls=(0, (6, 3)), label="non-datacenter line"))
    for other, shade in zip(others, itertools.cycle(["#1f3fbf", "#7f1fbf"]), strict=False):
        outline = _boundaries(other)
        outline.set(color=shade, linewidth=1.8)
        ax.add_collection(outline)
        # named only where it answers otherwise than the shaded round (elsewhere the outline is the same region)
        changed = other.cells != _relabel(other, regions)
        for index, name in enumerate(other.labels):
            where = _deepest((other.cells == index) & changed & ~blocked) or _deepest((other.cells == index) & changed)
            if where is not None:
                row, col = where
                region_texts.append(
                    ax.text(
                        float(np.sqrt(other.x_edges[col] * other.x_edges[col + 1])),
                        float(np.sqrt(other.y_edges[row] * other.y_edges[row + 1])),
                        f"{name} in {other.round}",
                        fontsize=7.5,
                        style="italic",
                        color=shade,
                        ha="center",
                        va="center",
                        rotation=90 if _tall(changed & (other.cells == index)) else 0,
                    )
                )
        handles.append(Line2D([], [], color=shade, lw=1.8, label=f"outline: {other.round}"))
    _chips(ax, points, region_texts)
    answers = sorted({p.label for p in [*points, *strip] if p.addressed} - set(regions.labels))
    handles += [Line2D([], [], marker="o", ls="", mfc=colour(n), mec="black", label=f"chip: {n}") for n in answers]
    handles += [
        Line2D([], [], marker="o", ls="", mfc="white", mec="black", label="chip: for datacenters"),
        Line2D([], [], marker="^", ls="", mfc="white", mec="black", label="chip: not for datacenters"),
        Line2D([], [], marker="s", ls="", mfc="white", mec="black", label="chip: datacenter use unknown"),
    ]
    if any(not p.addressed for p in [*points, *strip]):
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="0.5", label="the round does not address it"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, framealpha=0.9)
    ax.set_xlim(regions.x_edges[0], regions.x_edges[-1])
    ax.set_ylim(regions.y_edges[0], regions.y_edges[-1])
    ax.set_ylabel(y_label)
    ax.set_title("\n".join(textwrap.wrap(title, 150)), fontsize=11)
    if low is not None:
        low.set_ylim(0, 1)
        low.set_yticks([])
        low.set_ylabel(strip_label, fontsize=8)
        for line in regions.lines:
            if line.axis == "x":
                low.axvline(line.value, ls="--", lw=0.9, color="0.35")
        _chips(low, strip)
        low.set_xlabel(x_label)
    else:
        ax.set_xlabel(x_label)
    if footnote:
        figure.text(0.01, 0.0, footnote, fontsize=7, ha="left", va="top", wrap=True)
    return figure


def _relabel(variant: RegionMap, regions: RegionMap) -> Any:
    """The main map's cells in the variant's label numbering (the grids are the same)."""
    index = {name: i for i, name in enumerate(variant.labels)}
    table = np.array([index.get(name, -1) for name in regions.labels])
    return table[regions.cells]


def timeline(rows: Sequence[tuple[str, list[Change]]], rounds: Sequence[tuple[str, date]], until: date) -> Figure:
    """One band per chip: its combined status between the dates it changed, the rounds' dates marked."""
    import matplotlib.dates as mdates

    height = 1.6 + 0.26 * max(1, len(rows))
    figure = _figure(13, height)
    ax = figure.add_subplot()
    start = min([c.since for _, changes in rows for c in changes] + [d for _, d in rounds] + [until]) - timedelta(60)
    for row, (_name, changes) in enumerate(rows):
        y = len(rows) - 1 - row
        spans = [(c, changes[i + 1].since if i + 1 < len(changes) else until) for i, c in enumerate(changes)]
        for change, end in spans:
            status = str(change.status) if change.rounds else "none"
            left, width = mdates.date2num(change.since), mdates.date2num(end) - mdates.date2num(change.since)
            ax.barh(y, width, left=left, height=0.72, color=_STATUS[status], edgecolor="white", linewidth=0.5)
            if change.classification and width > 120:
                ax.text(left + width / 2, y, change.classification, ha="center", va="center", fontsize=6.5)
    for round_id, day in rounds:
        ax.axvline(mdates.date2num(day), color="0.3", lw=0.7, ls=":")
        ax.annotate(
            round_id,
            (mdates.date2num(day), 1),
            xycoords=("data", "axes fraction"),
            rotation=35,
            fontsize=7,
            ha="left",
            va="bottom",
        )
    ax.set_yticks(range(len(rows)), [name for name, _ in reversed(rows)], fontsize=7)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(until))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(axis="x", color="0.9")
    handles = [Patch(color=c, label=s if s != "none" else "no round applies") for s, c in _STATUS.items()]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.06), ncol=5, fontsize=8, frameon=False)
    return figure


def sweep(found: Sweep, *, x_label: str) -> Figure:
    """Chips controlled (and indeterminate) per value: a step plot, the rules' own value marked."""
    from adjustText import adjust_text

    figure = _figure(12, 6.5)
    ax = figure.add_subplot()
    xs = [float(p.value) for p in found.points]
    ax.step(
        xs, [len(p.controlled) for p in found.points], where="post", color=_STATUS["controlled"], label="controlled"
    )
    ax.step(
        xs,
        [len(p.indeterminate) for p in found.points],
        where="post",
        color=_STATUS["indeterminate"],
        ls="--",
        label="indeterminate",
    )
    if any(p.review for p in found.points):
        reviews = [len(p.review) for p in found.points]
        ax.step(xs, reviews, where="post", color=_STATUS["review"], ls="-.", label="review")
    for since, value in found.shipped:
        ax.axvline(float(value), color="0.3", ls=":", lw=1)
        ax.annotate(
            f"in the rules: {format_number(value)} from {since}",
            (float(value), 1),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
        )
    changes = found.changes()
    texts = []
    if len(changes) <= 40:
        counts = {p.value: len(p.controlled) for p in found.points}
        for value, came, left in changes:
            names = [f"+{_short(n)}" for n in came] + [f"-{_short(n)}" for n in left]
            shown = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
            texts.append(ax.text(float(value), counts[value], shown, fontsize=6.5))
    if texts:
        adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5}, iter_lim=ITERATIONS)
        ax.text(
            0.01,
            0.01,
            "+chip: controlled from this value on; -chip: no longer controlled",
            transform=ax.transAxes,
            fontsize=7,
            color="0.3",
        )
    ax.set_xlabel(x_label)
    ax.set_ylabel("chips")
    ax.set_ylim(bottom=0)
    ax.set_title(
        f"{found.round}: chips controlled as {found.parameter} moves ({len(found.points)} values)", fontsize=11
    )
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(color="0.92")
    return figure
