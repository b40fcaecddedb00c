"""The map drawn without a browser: geopandas and matplotlib in EPSG:3035, PNG or true vector SVG and PDF."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecosystem.attributions import EUROGEOGRAPHICS, NATURAL_EARTH
from ecosystem.map_style import (
    EMPTY_REGION_COLOUR,
    GAP_OUTLINE,
    LEGEND_SWATCH,
    REGIONS,
    SEA_COLOUR,
    DrawnPoints,
    LegendEntry,
    class_colour,
    count_classes,
    initiative_points,
    legend_entries,
    organisation_points,
)
from ecosystem.maps import BALTIC_BOUNDS
from ecosystem.outlines import country_outlines
from ecosystem.pictures.base import (
    DEFAULT_SLIDE,
    PictureError,
    check_size,
)
from ecosystem.taxonomy import Taxonomy

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

STATIC_MAP_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_SLIDE_CRS = "EPSG:3035"  # ETRS89 Lambert equal-area: the Baltic Sea without Mercator's stretch
_PX = 0.72  # typographic points per CSS pixel in a figure of 100 CSS px per inch
_MPL_LOCK = threading.Lock()  # rcParams are global: one figure at a time changes them
_MPL_STYLE: dict[RcKeyType, Any] = {"font.family": "DejaVu Sans", "svg.hashsalt": "ecosystem", "pdf.fonttype": 42}


def _as_written(text: str) -> str:
    """Text for matplotlib drawn as written: every ``$`` escaped, so nothing between two is typeset as mathtext
    (``text.parse_math`` alone is not enough: wrapped text is measured as mathtext all the same)."""
    return text.replace("$", "\\$")


def _slide_extent(bounds: list[list[float]], aspect: float) -> tuple[float, float, float, float]:
    """``[[south, west], [north, east]]`` in EPSG:3035, widened to ``aspect`` (width / height) around its centre."""
    import geopandas as gpd  # noqa: PLC0415 - heavy import kept off the app's start-up
    from shapely.geometry import box  # noqa: PLC0415

    (south, west), (north, east) = bounds
    outline = gpd.GeoSeries([box(west, south, east, north).segmentize(0.25)], crs="EPSG:4326").to_crs(_SLIDE_CRS)
    x0, y0, x1, y1 = outline.total_bounds
    cx, cy, half_w, half_h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    return cx - half_w, cx + half_w, cy - half_h, cy + half_h


def _projected_points(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """x, y in EPSG:3035 of rows with latitude and longitude."""
    import geopandas as gpd  # noqa: PLC0415

    points = gpd.GeoSeries(gpd.points_from_xy(rows["longitude"], rows["latitude"]), crs="EPSG:4326").to_crs(_SLIDE_CRS)
    return points.x.to_numpy(), points.y.to_numpy()


def _region_paths(geometries: Iterable[Any]) -> list[Any]:
    """Matplotlib paths of (multi)polygons, rings oriented so that holes stay empty."""
    from matplotlib.path import Path as MplPath  # noqa: PLC0415
    from shapely.geometry.polygon import orient  # noqa: PLC0415

    paths = []
    for geometry in geometries:
        polygons = [orient(polygon) for polygon in getattr(geometry, "geoms", [geometry]) if not polygon.is_empty]
        rings = [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
        paths.append(MplPath.make_compound_path(*(MplPath(np.asarray(ring.coords), closed=True) for ring in rings)))
    return paths


def _draw_regions(ax: Axes, regions: Any, counts: pd.Series, outlined: Iterable[str] = ()) -> list[tuple[int, int]]:
    """The coverage choropleth, the regions ``outlined`` (gaps) edged in dark red; returns its count classes."""
    from matplotlib.collections import PathCollection  # noqa: PLC0415
    from matplotlib.colors import to_rgba  # noqa: PLC0415

    classes = count_classes(counts)
    drawn = regions[regions.geometry.notna() & ~regions.geometry.is_empty].to_crs(_SLIDE_CRS)
    fills = [to_rgba(class_colour(int(counts.get(code, 0)), classes), REGIONS.opacity) for code in drawn["nuts_id"]]
    ax.add_collection(PathCollection(_region_paths(drawn.geometry), facecolors=fills, edgecolors=REGIONS.edge,
                                     linewidths=REGIONS.weight * _PX, zorder=1), autolim=False)
    gaps = drawn[drawn["nuts_id"].isin(list(outlined))]
    if len(gaps):
        ax.add_collection(PathCollection(_region_paths(gaps.geometry), facecolors="none", edgecolors=GAP_OUTLINE.edge,
                                         linewidths=GAP_OUTLINE.weight * _PX, zorder=2), autolim=False)
    return classes


def _draw_countries(ax: Axes) -> None:
    """The shipped country outlines (coasts and borders) as the live map draws them without regions."""
    from matplotlib.collections import PathCollection  # noqa: PLC0415
    from matplotlib.colors import to_rgba  # noqa: PLC0415

    drawn = country_outlines().to_crs(_SLIDE_CRS)
    ax.add_collection(PathCollection(_region_paths(drawn.geometry), facecolors=to_rgba(EMPTY_REGION_COLOUR, REGIONS.opacity),
                                     edgecolors=REGIONS.edge, linewidths=REGIONS.weight * _PX, zorder=1), autolim=False)


def _draw_points(ax: Axes, points: DrawnPoints, zorder: int) -> None:
    """Circles like the map page's canvas markers, in the same colours and style."""
    if points.rows.empty:
        return
    x, y = _projected_points(points.rows)
    style = points.style
    ax.scatter(x, y, s=(2 * style.radius * _PX) ** 2, c=points.colours(), alpha=style.opacity, edgecolors=style.stroke,
               linewidths=style.weight * _PX, zorder=zorder)


def _legend_handles(entries: list[LegendEntry]) -> tuple[list[Any], list[str], set[int]]:
    """Matplotlib handles and labels of ``map_style.legend_entries`` (as ``maps.map_legend`` shows them), and the
    positions of the section headings."""
    from matplotlib.lines import Line2D  # noqa: PLC0415

    handles: list[Any] = []
    for entry in entries:
        if entry.kind == "heading":
            handles.append(Line2D([], [], linestyle="none"))
        elif entry.kind == "gap":  # a region's dark red edge around the empty-region fill
            handles.append(Line2D([], [], linestyle="none", marker="s", markersize=LEGEND_SWATCH.size * _PX,
                                  markerfacecolor=EMPTY_REGION_COLOUR, markeredgecolor=entry.colour,
                                  markeredgewidth=GAP_OUTLINE.weight * _PX))
        else:
            handles.append(Line2D([], [], linestyle="none", marker="o" if entry.kind == "point" else "s",
                                  markersize=LEGEND_SWATCH.size * _PX, markerfacecolor=entry.colour,
                                  markeredgecolor=LEGEND_SWATCH.edge, markeredgewidth=LEGEND_SWATCH.edge_width * _PX))
    headings = {position for position, entry in enumerate(entries) if entry.kind == "heading"}
    return handles, [entry.label for entry in entries], headings


def _add_legend(fig: Figure, renderer: RendererBase, ax: Axes, handles: list[Any], labels: list[str],
                headings: set[int]) -> None:
    """The legend in the lower-left corner, in as many columns as it needs to stay inside the picture (measured
    with ``renderer``)."""
    if not handles:
        return
    for columns in range(1, 5):
        legend = ax.legend(handles, [_as_written(label) for label in labels], loc="lower left", ncols=columns,
                           fontsize=13 * _PX, frameon=True, framealpha=0.94, facecolor="white", edgecolor="none",
                           borderaxespad=0.8, handletextpad=0.4, labelspacing=0.45, borderpad=0.7)
        for position, text in enumerate(legend.get_texts()):
            if position in headings:
                text.set_fontweight("bold")
        legend.set_zorder(5)
        box = legend.get_window_extent(renderer)
        if box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1:
            return
    raise PictureError(f"The map legend does not fit a {fig.bbox.width:.0f}×{fig.bbox.height:.0f} px picture.")


def _check_format(fmt: str) -> None:
    """Raise ValueError for a format the static map is not drawn in."""
    if fmt not in STATIC_MAP_FORMATS:
        raise ValueError(f"Static map pictures are {', '.join(STATIC_MAP_FORMATS)}, not {fmt!r}.")


def _draw_heading(ax: Axes, title: str | None, subtitle: str | None) -> None:
    """Title (bold) and subtitle in white boxes at the top left, like ``maps.add_stamp``'s heading."""
    box = {"facecolor": "white", "alpha": 0.94, "edgecolor": "none", "pad": 5}
    lines = [(text, size, weight) for text, size, weight in ((title, 22, "bold"), (subtitle, 13, "normal")) if text]
    above: Any = None
    for text, size, weight in lines:
        text = _as_written(text)
        style: dict[str, Any] = {"ha": "left", "va": "top", "fontsize": size * _PX, "fontweight": weight, "color": "#222222",
                 "zorder": 5, "bbox": box, "wrap": True}
        if above is None:
            above = ax.text(0.012, 0.985, text, transform=ax.transAxes, **style)
        else:
            above = ax.annotate(text, xy=(0, 0), xycoords=above, xytext=(0, -8), textcoords="offset points", **style)


def _draw_footer(ax: Axes, lines: list[str]) -> None:
    """Source lines (and the boundaries' attribution) in a white box at the bottom right."""
    if lines:
        ax.text(0.996, 0.006, _as_written("\n".join(lines)), transform=ax.transAxes, ha="right", va="bottom", ma="right",
                fontsize=11 * _PX, color="#333333", zorder=5, wrap=True,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 2})


def static_map_figure(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, *, regions: Any = None,
                      region_counts: pd.Series | None = None, show_organisations: bool = True,
                      legend_services: Iterable[str] = (), bounds: list[list[float]] | None = None,
                      width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
                      scale: float = DEFAULT_SLIDE.scale, title: str | None = None, subtitle: str | None = None,
                      footer_lines: Iterable[str] = (), outlined: Iterable[str] = ()) -> Figure:
    """The map of ``maps.map_layers`` as a matplotlib figure in EPSG:3035, ``width``×``height`` CSS px at ``scale``.

    Same colours as the map page: regions in the choropleth classes (without them, the country outlines),
    initiatives in the colour of the first of ``legend_services`` they offer (else their first service),
    organisations in their actor-type colour; the view is ``bounds`` (default ``maps.BALTIC_BOUNDS``) widened to the
    picture's shape. Everything stays inside the frame: the legend at the lower left (in more columns when one
    would not fit), ``title`` and ``subtitle`` at the top left, ``footer_lines`` and the outlines' attribution at the
    lower right. The regions ``outlined`` (gaps) are edged in dark red.
    """
    check_size(width, height, scale)
    import matplotlib  # noqa: PLC0415 - heavy import kept off the app's start-up
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    initiatives = initiative_points(frame, taxonomy, legend_services)
    organisations = organisation_points(frame, taxonomy) if show_organisations else None
    with _MPL_LOCK, matplotlib.rc_context(_MPL_STYLE):
        fig = Figure(figsize=(width / 100, height / 100), dpi=100 * scale, facecolor=SEA_COLOUR)
        canvas = FigureCanvasAgg(fig)  # a canvas that can measure text (the legend's fit) and draw PNG
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        x0, x1, y0, y1 = _slide_extent(bounds or BALTIC_BOUNDS, width / height)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        classes, footer, outlined = None, [line for line in footer_lines if line], list(outlined)
        if regions is not None and region_counts is not None:
            classes = _draw_regions(ax, regions, region_counts, outlined)
            footer.append(EUROGEOGRAPHICS)
        else:
            _draw_countries(ax)
            footer.append(NATURAL_EARTH)
        if organisations is not None:
            _draw_points(ax, organisations, zorder=3)
        _draw_points(ax, initiatives, zorder=4)
        entries = legend_entries(taxonomy, lang, initiatives, organisations, classes,
                                 gaps=bool(outlined) and classes is not None)
        _add_legend(fig, canvas.get_renderer(), ax, *_legend_handles(entries))
        _draw_heading(ax, title, subtitle)
        _draw_footer(ax, footer)
    return fig


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A matplotlib figure as PNG at its own dpi (its exact pixel size), or vector SVG or PDF, without timestamps."""
    _check_format(fmt)
    import matplotlib  # noqa: PLC0415

    output = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with _MPL_LOCK, matplotlib.rc_context(_MPL_STYLE):
        fig.savefig(output, format=fmt, dpi=fig.dpi, facecolor=fig.get_facecolor(), metadata=metadata)
    return output.getvalue()


def static_map_picture(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, *, regions: Any = None,
                       region_counts: pd.Series | None = None, show_organisations: bool = True,
                       legend_services: Iterable[str] = (), bounds: list[list[float]] | None = None,
                       fmt: str = "png", width: int = DEFAULT_SLIDE.width, height: int = DEFAULT_SLIDE.height,
                       scale: float = DEFAULT_SLIDE.scale, title: str | None = None, subtitle: str | None = None,
                       footer_lines: Iterable[str] = (), outlined: Iterable[str] = ()) -> bytes:
    """``static_map_figure`` as PNG (``scale``× pixels), or true vector SVG or PDF bytes, with no browser."""
    _check_format(fmt)
    fig = static_map_figure(frame, taxonomy, lang, regions=regions, region_counts=region_counts,
                            show_organisations=show_organisations, legend_services=legend_services, bounds=bounds,
                            width=width, height=height, scale=scale, title=title, subtitle=subtitle,
                            footer_lines=footer_lines, outlined=outlined)
    return figure_bytes(fig, fmt)
