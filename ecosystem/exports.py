"""Exports of a view for slides and meetings: chart and map pictures, the briefing deck, a standalone map.

Everything here takes the ``View`` the page shows (``ecosystem.view``: the filtered rows and what describes
them), with ``ExportOptions`` for what only an export needs (the dashboard's address, the map's tiles, extent
and layers as shown), and returns an ``ExportFile`` (name, bytes, MIME type). Every file carries its stamp:
title, the filters in words, the source line with the registry version and date, the attributions that
apply, and the permalink. Exports run one at a
time per process (``_ONE_AT_A_TIME``); the page shows a progress state meanwhile, other sessions go on.
"""

from __future__ import annotations

import datetime
import functools
import html
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from PIL import Image

from ecosystem.assets import inline_assets_html
from ecosystem.attributions import attributions
from ecosystem.charts import chart_spec
from ecosystem.coverage import region_counts
from ecosystem.deck import build_deck
from ecosystem.gaps import Gaps, gaps_of_view
from ecosystem.i18n import t
from ecosystem.maps import add_stamp, build_map, map_layers, page_of, view_bounds
from ecosystem.pictures import (
    DEFAULT_SLIDE,
    ChartFormat,
    PictureError,
    SlideSize,
    browser_available,
    map_shape_count,
    render_chart,
    render_map_png,
    static_map_picture,
)
from ecosystem.stamp import Stamp, export_file_name, make_stamp, qr_png, stamp_figure
from ecosystem.view import View

__all__ = [
    "ExportFile", "ExportOptions", "chart_file", "deck_file", "html_file", "map_file", "map_title", "view_stamp",
    "write_files",
]

_ONE_AT_A_TIME = threading.RLock()  # whole exports, not just browser calls: a deck and a map never interleave


def _one_at_a_time(export: Callable[..., ExportFile]) -> Callable[..., ExportFile]:
    """Run an export while holding the process's export lock."""
    @functools.wraps(export)
    def run(*args: Any, **kwargs: Any) -> ExportFile:
        with _ONE_AT_A_TIME:
            return export(*args, **kwargs)
    return run
_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


@dataclass(frozen=True)
class ExportFile:
    """One exported file: a name that says what is inside, its bytes and MIME type."""

    name: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class ExportOptions:
    """What an export needs besides the view: the dashboard's address (``ecosystem.links.dashboard_address``: the
    links and QR codes point there; none without it), and the map as shown — its tiles, its extent (None: the
    view's own, as the Map page frames it) and which layers are on."""

    base_url: str = ""
    tiles: str | None = None
    bounds: list[list[float]] | None = None
    show_organisations: bool = True
    show_coverage: bool = True
    cluster: bool = False
    """nearby points grouped with their number, as on the Map page (where it is switched on by default above 2,000
    rows)"""


def _map_regions(view: View, options: ExportOptions) -> Any:
    """The boundaries the map draws: none (the country outlines) when the coverage layer is switched off."""
    return view.regions if options.show_coverage else None


def _region_counts(view: View, options: ExportOptions) -> pd.Series | None:
    """Initiatives per region when boundaries are drawn."""
    regions = _map_regions(view, options)
    return region_counts(view.filtered, regions["nuts_id"]) if regions is not None else None


def _bounds(view: View, options: ExportOptions) -> list[list[float]] | None:
    """The map's extent: as shown, else the chosen places (None: the Baltic Sea view)."""
    return options.bounds or view_bounds(view.filtered, view.regions, view.state.countries, view.state.regions)


def _gaps_map(view: View, gaps: Gaps | None) -> bytes | None:
    """The regions in the gap answer's scope by their initiatives, the gaps outlined: a picture drawn without a
    browser for the deck's gap slide (None without boundaries or regions in scope)."""
    if gaps is None or view.regions is None or gaps.regions.empty:
        return None
    scope = view.regions[view.regions["nuts_id"].isin(gaps.regions["nuts_id"])]
    counts = gaps.regions.set_index("nuts_id")["initiatives"]
    return static_map_picture(view.filtered, view.taxonomy, view.lang, regions=scope, region_counts=counts,
                              show_organisations=False, legend_services=view.state.services,
                              bounds=view_bounds(view.filtered, scope, (), list(scope["nuts_id"])),
                              outlined=gaps.gaps["nuts_id"], width=1000, height=800, scale=1.5)


def map_title(view: View, options: ExportOptions) -> str:
    """What a map of the view shows, as its title: the points it draws (initiatives, and organisations when
    that layer is on; rows without coordinates are not drawn) and whether regions are coloured by their
    initiatives."""
    located = view.filtered.loc[view.filtered["latitude"].notna() & view.filtered["longitude"].notna(), "actor_type"]
    initiatives = t("map.initiatives_count", view.lang, count=int((located == "initiative").sum()))
    points = initiatives
    if options.show_organisations:
        organisations = t("export.map.organisations", view.lang, count=int((located != "initiative").sum()))
        points = t("export.map.both", view.lang, initiatives=initiatives, organisations=organisations)
    key = "export.title.map_shown_regions" if _map_regions(view, options) is not None else "export.title.map_shown"
    return t(key, view.lang, points=points)


def view_stamp(view: View, kind: str, page: str, title: str | None = None, *, options: ExportOptions = ExportOptions(),
               map_drawn: bool = False) -> Stamp:
    """The stamp of one export; boundaries (else the country outlines) and tiles are credited only when the picture
    draws them. A map's default title says what it shows (``map_title``)."""
    drawn_regions = _map_regions(view, options) if map_drawn else None
    credits = attributions(view.lang, boundaries=drawn_regions is not None, outlines=map_drawn and drawn_regions is None,
                           tiles=options.tiles if map_drawn else None)
    if kind == "map" and not title:
        title = map_title(view, options)
    return make_stamp(kind, view.state, view.taxonomy, view.lang, version=view.registry.version,
                      version_date=view.registry.updated, base_url=options.base_url, page=page,
                      attributions=credits, programme_names=view.programme_names,
                      region_names=view.region_names, title=title or None)


def _name(view: View, kind: str, ext: str) -> str:
    return export_file_name(kind, view.state, datetime.date.today(), view.registry.version, ext)


@_one_at_a_time
def chart_file(view: View, chart: str, fmt: ChartFormat = "png", size: SlideSize = DEFAULT_SLIDE, title: str | None = None,
               *, qr: bool = False, options: ExportOptions = ExportOptions()) -> ExportFile:
    """A coverage chart as a stamped PNG, SVG or PDF of a slide size (PNG: optionally with a QR of the link)."""
    spec = chart_spec(chart)
    stamp = view_stamp(view, spec.kind, "coverage", title, options=options)
    figure = spec.build(view.filtered, view.taxonomy, view.lang, stamp.source, view.programme_names, view.region_names)
    stamped = stamp_figure(figure, stamp, size.width, size.height)
    data = render_chart(stamped, fmt, size.width, size.height, size.scale)
    if qr and fmt == "png" and stamp.permalink:
        data = _with_qr(data, stamp.permalink, size.scale, corner="bottom-right")
    return ExportFile(_name(view, spec.kind, fmt), data, _MIME[fmt])


_QR_CSS_PX = 72


def _with_qr(png: bytes, url: str, scale: float, corner: str) -> bytes:
    """The picture with a small QR code of ``url`` pasted into a corner its layout keeps free."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    code = Image.open(io.BytesIO(qr_png(url, round(_QR_CSS_PX * scale)))).convert("RGB")
    margin = round(8 * scale)
    left = picture.width - code.width - margin
    top = picture.height - code.height - margin if corner == "bottom-right" else margin
    picture.paste(code, (left, top))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _stamped_map(view: View, options: ExportOptions, stamp: Stamp, qr: bool = False) -> folium.Map:
    """The folium map of the view with its stamp (and a QR code of its permalink when asked)."""
    layers = map_layers(view.filtered, view.taxonomy, view.lang, view.programme_names, tiles=options.tiles,
                        regions=_map_regions(view, options), region_counts=_region_counts(view, options),
                        show_organisations=options.show_organisations, cluster=options.cluster,
                        colour_services=view.state.services, bounds=_bounds(view, options))
    m = build_map(layers)
    code = qr_png(stamp.permalink, 2 * _QR_CSS_PX) if qr and stamp.permalink else None
    return add_stamp(m, stamp.title, stamp.subtitle, [stamp.source, stamp.permalink], code)


@_one_at_a_time
def map_file(view: View, fmt: str = "png", size: SlideSize = DEFAULT_SLIDE, title: str | None = None,
             *, use_browser: bool = True, qr: bool = False, options: ExportOptions = ExportOptions()) -> ExportFile:
    """The map as a stamped picture: a headless-browser shot (PNG) or, without a browser, matplotlib (PNG/SVG/PDF).

    Pictures are drawn without base-map tiles (deterministic, offline, no licence question): the regions are
    the background."""
    picture = replace(options, tiles=None)
    stamp = view_stamp(view, "map", "map", title, options=picture, map_drawn=True)
    regions, counts = _map_regions(view, picture), _region_counts(view, picture)
    if fmt == "png" and use_browser and browser_available():
        html = inline_assets_html(_stamped_map(view, picture, stamp, qr).get_root().render())
        expected = map_shape_count(view.filtered, regions=regions, show_organisations=picture.show_organisations)
        data = render_map_png(html, size.width, size.height, size.scale, expected_shapes=expected)
        return ExportFile(_name(view, "map", "png"), data, _MIME["png"])
    data = static_map_picture(view.filtered, view.taxonomy, view.lang, regions=regions, region_counts=counts,
                              show_organisations=picture.show_organisations, legend_services=view.state.services,
                              bounds=_bounds(view, picture), fmt=fmt, width=size.width, height=size.height,
                              scale=size.scale, title=stamp.title, subtitle=stamp.subtitle,
                              footer_lines=[stamp.source, stamp.permalink])
    if qr and fmt == "png" and stamp.permalink:
        data = _with_qr(data, stamp.permalink, size.scale, corner="top-right")
    return ExportFile(_name(view, "map", fmt), data, _MIME[fmt])


@_one_at_a_time
def deck_file(view: View, title: str | None = None, *, options: ExportOptions = ExportOptions()) -> ExportFile:
    """The briefing deck (PPTX) of the view: title, map, coverage charts, gaps, sources, with speaker notes; it
    credits what its map picture draws (no tiles: pictures are drawn without them), nothing when there is none."""
    try:
        map_png = map_file(view, "png", DEFAULT_SLIDE, options=options).data
    except PictureError:
        map_png = None  # the deck says on its title slide that the map could not be drawn
    stamp = view_stamp(view, "deck", "overview", title, options=replace(options, tiles=None),
                       map_drawn=map_png is not None)
    gaps = gaps_of_view(view)
    data = build_deck(frame=view.filtered, taxonomy=view.taxonomy, lang=view.lang, stamp=stamp,
                      programme_names=view.programme_names, region_names=view.region_names, gaps=gaps,
                      map_png=map_png, heatmap_png=None, gaps_map_png=_gaps_map(view, gaps),
                      source_names=view.source_names, map_title=map_title(view, options))
    return ExportFile(_name(view, "deck", "pptx"), data, _MIME["pptx"])


@_one_at_a_time
def html_file(view: View, title: str | None = None, *, qr: bool = False,
              options: ExportOptions = ExportOptions()) -> ExportFile:
    """The map as one interactive HTML file that works offline (assets inlined) and carries the stamp."""
    stamp = view_stamp(view, "map", "map", title, options=options, map_drawn=True)
    page = page_of(_stamped_map(view, options, stamp, qr))
    page.title = html.escape(stamp.title)  # the tab's and the bookmark's name; branca writes it as given
    text = inline_assets_html(page.render()).replace("<html>", f'<html lang="{view.lang}">', 1)  # branca names none
    return ExportFile(_name(view, "map", "html"), text.encode("utf-8"), _MIME["html"])


def write_files(files: list[ExportFile], out: Path) -> list[Path]:
    """Save export files into a folder; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for file in files:
        path = out / file.name
        path.write_bytes(file.data)
        paths.append(path)
    return paths
