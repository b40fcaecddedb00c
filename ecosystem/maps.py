"""folium map builders: the point layers, the coverage colours, the legend and the base map.

No Leaflet object is made per row. The rows with coordinates form a *point table* (``PointTable``: int32
latitudes and longitudes, 8 bytes a point) that the browser fetches from an address: for the live map this
server's versioned file (``ecosystem.server``), fetched once per registry version and shared by all sessions;
for a standalone page a ``data:`` URI. A point layer only says which table rows it shows (a bitmask or a row
list) and their colour classes; ``web/eco_map.js`` draws them on one canvas, groups them with supercluster
below the clustering zoom, and answers hover and click from a k-d index of what it drew. The region outlines
belong to the base map (fetched the same way); the coverage layer only sends each region's colour and label.
Names reach the browser on hover from the server, or inside a standalone page as dictionary-encoded columns.
Per-feature colours are read in JavaScript, never written as one ``style_function`` case per feature. Every
text goes through ``safe_json`` and is inserted with ``textContent``, so names containing markup stay text.
What is drawn in which colour and style, and the legend's entries, come from ``map_style``.
"""

from __future__ import annotations

import base64
import json
import math
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from html import escape
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from ecosystem.attributions import EUROGEOGRAPHICS, NATURAL_EARTH, OSM_ATTRIBUTION
from ecosystem.countries import country_names
from ecosystem.i18n import LANGUAGES, format_number, t
from ecosystem.map_style import (
    CLUSTERS,
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
    rate_classes,
    rate_colour,
)
from ecosystem.outlines import country_outlines
from ecosystem.schema import join_labels
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "BALTIC_BOUNDS",
    "ECO_SCRIPT",
    "KDBUSH_JS",
    "SUPERCLUSTER_JS",
    "MapData",
    "MapLayers",
    "PointTable",
    "add_stamp",
    "base_map",
    "build_map",
    "data_uri",
    "inline_map_data",
    "map_layers",
    "map_legend",
    "map_outlines",
    "point_layer",
    "point_table",
    "RegionShading",
    "region_layer",
    "region_outlines",
    "rows_at",
    "safe_json",
    "text_columns",
    "view_bounds",
]

BALTIC_BOUNDS: list[list[float]] = [[53.3, 9.0], [66.2, 30.5]]
_SCALE = 1e5  # coordinates travel as integers of 1e-5 degree (about 1 m)


def safe_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``</script>``, no HTML, no line separators, and no
    quote that streamlit-folium's ``{{'name'}}`` rewriting could match inside a string."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


class _Verbatim(Element):
    """Text placed in the page exactly as given (branca's ``Element(text)`` would compile it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def page_of(element: Element) -> Figure:
    """The HTML page (branca Figure) an element is drawn into: a folium Map makes its own on creation."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{element.get_name()} is not on a page yet")
    return root


class DataElement(MacroElement):
    """Base of our map elements: their templates hold only code we wrote, the values they carry are JSON
    (``safe_json``), and what the macros render goes into the page verbatim.

    branca's ``MacroElement.render`` wraps each rendered macro in a new ``Element``, which compiles it as a
    Jinja template once more — so a registry name, a title or a filter text containing ``{{ … }}`` would be
    evaluated on the server. Here the rendered text is never compiled again."""

    # branca's MacroElement.render returns nothing either; only a plain Element's render returns its text
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = page_of(self)
        module = self._template.module
        for part, holder in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = getattr(module, part, None)
            if macro is not None:
                holder.add_child(_Verbatim(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(_little_endian(array)).decode("ascii")


def _little_endian(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()


def _dictionary(values: pd.Series) -> dict[str, Any]:
    """Dictionary-encode a text column: base64 indices (``i``), their byte width (``w``: 2 for uint16, 4 for
    uint32 past 65,535 distinct values) and the distinct values (``v``)."""
    codes, uniques = pd.factorize(values, sort=False)
    dtype = np.uint16 if len(uniques) <= np.iinfo(np.uint16).max + 1 else np.uint32
    return {"i": _b64(codes.astype(dtype)), "w": np.dtype(dtype).itemsize, "v": [str(value) for value in uniques]}


def text_columns(rows: pd.DataFrame, columns: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Text columns of ``rows`` as a standalone page carries them, one dictionary-encoded column each."""
    return {column: _dictionary(rows[column].fillna("").astype(str)) for column in columns}


_TABLE_MAGIC = b"ECO1"
_POPUP_COLUMNS = ("name", "actor_type", "municipality", "service_types", "target_groups", "programmes", "status",
                  "website")
_TABLE_COLUMNS = ["latitude", "longitude", *_POPUP_COLUMNS]


class PointTable:
    """Every located row of a frame as the browser holds it: ``ECO1``, the row count (uint32), then latitudes and
    longitudes as int32 in 1e-5 degree (little-endian) — 8 bytes a point. Rows keep the frame's order; a layer
    names the rows it shows by their position here."""

    def __init__(self, frame: pd.DataFrame) -> None:
        located = frame.loc[frame["latitude"].notna() & frame["longitude"].notna(), _TABLE_COLUMNS]
        self.rows = located
        self.labels = located.index
        coordinates = [np.round(located[column].to_numpy(dtype=float) * _SCALE).astype(np.int32)
                       for column in ("latitude", "longitude")]
        self.data = b"".join([_TABLE_MAGIC, np.uint32(len(located)).astype("<u4").tobytes(),
                              *(_little_endian(values) for values in coordinates)])

    def __len__(self) -> int:
        return len(self.labels)

    @cached_property
    def names(self) -> list[str]:
        """Each table row's name (what the hover label shows)."""
        return self.rows["name"].fillna("").astype(str).tolist()

    def positions(self, rows: pd.DataFrame) -> np.ndarray:
        """Where ``rows`` (rows of the table's frame) sit in the table."""
        found = self.labels.get_indexer(rows.index)
        if (found < 0).any():
            raise ValueError("some rows are not in this point table (not located, or from another frame)")
        return found


_tables: dict[int, tuple[weakref.ref, PointTable]] = {}


def point_table(frame: pd.DataFrame) -> PointTable:
    """The point table of ``frame``, built once per frame object (a registry version is one frame)."""
    held = _tables.get(id(frame))
    if held is not None and held[0]() is frame:
        return held[1]
    table = PointTable(frame)
    _tables[id(frame)] = (weakref.ref(frame), table)
    weakref.finalize(frame, _tables.pop, id(frame), None)
    return table


def data_uri(data: bytes, media_type: str) -> str:
    """``data`` as a ``data:`` address (what a standalone page fetches its map data from)."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class MapData:
    """The map's heavy data and where the browser gets it: the point table and the region outlines, each at an
    address — this server's versioned files (fetched once per registry version and shared by every session) or
    ``data:`` URIs (a standalone page). ``label_url`` (``{row}`` for a table row) names a point on hover; without
    it the names and details travel in the page."""

    table: PointTable
    table_url: str
    regions_url: str | None = None
    label_url: str | None = None


def inline_map_data(frame: pd.DataFrame, regions: Any = None, lang: str = "en") -> MapData:
    """Map data carried inside the page, for a page that must work on its own (a file, a picture)."""
    table = point_table(frame)
    outlines = data_uri(map_outlines(regions, lang), "application/json")
    return MapData(table, data_uri(table.data, "application/octet-stream"), outlines)


class _PointLayer(DataElement):
    """One point layer: the rows of the point table it shows, their colours, and how a point looks
    (``web/eco_map.js`` draws them on one canvas)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            L.ecoForgetRemovedGroups({{ this._parent._parent.get_name() }});
            group.addLayer(new L.EcoPoints({{ this.spec }}));
        })();
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._name = "EcoPoints"
        self.spec = safe_json(spec)


def _selection(positions: np.ndarray, size: int) -> dict[str, str]:
    """Which table rows a layer shows, as a bitmask over the table or a list of row numbers, whichever is smaller."""
    if len(positions) * 4 < (size + 7) // 8:
        return {"rows": _b64(positions.astype(np.uint32))}
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return {"mask": base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode("ascii")}


def point_layer(points: DrawnPoints, taxonomy: Taxonomy, lang: str, programme_names: Mapping[str, str], name: str,
                data: MapData, cluster: bool = False) -> folium.FeatureGroup:
    """A point layer of ``data``'s table in its colours and style; grouped below the clustering zoom when
    ``cluster``; with translated popup fields when the names travel in the page."""
    table = data.table
    positions = table.positions(points.rows)
    order = np.argsort(positions, kind="stable")
    spec: dict[str, Any] = {
        "table": data.table_url, "labels": data.label_url, "lang": lang, "cluster": cluster,
        "selection": _selection(positions[order], len(table)),
        "kind": _b64(points.category.to_numpy()[order].astype(np.uint8)),
        "palette": points.palette, "style": asdict(points.style), "clusterStyle": asdict(CLUSTERS),
        "text": {"cluster": t("map.cluster_label", lang, number="{number}"),
                 "failed": t("map.data_failed", lang, reason="{reason}")},
    }
    if data.label_url is None:
        rows = table.rows
        shown = pd.DataFrame({
            "name": rows["name"],
            "actor_type": rows["actor_type"].map(taxonomy.labels("actor_type", lang)).fillna(rows["actor_type"]),
            "service_types": join_labels(rows["service_types"], taxonomy.labels("service_type", lang)),
            "target_groups": join_labels(rows["target_groups"], taxonomy.labels("target_group", lang)),
            "programmes": join_labels(rows["programmes"], programme_names),
            "status": rows["status"].map(taxonomy.labels("status", lang)).fillna(rows["status"]),
            "municipality": rows["municipality"],
            "website": rows["website"],
        })
        spec["columns"] = text_columns(shown, _POPUP_COLUMNS)
        spec["fields"] = [[column, t(f"column.{column}", lang)] for column in _POPUP_COLUMNS]
    group = folium.FeatureGroup(name=name, show=True)
    group.add_child(_PointLayer(spec))
    return group


def _rounded(coordinates: Any) -> Any:
    """Nested coordinate lists rounded to 4 decimals (≈10 m, finer than the 1:20M boundaries)."""
    if isinstance(coordinates, (list, tuple)) and coordinates and isinstance(coordinates[0], (int, float)):
        return [round(value, 4) for value in coordinates]
    return [_rounded(part) for part in coordinates]


_outlines: dict[int, tuple[weakref.ref, bytes]] = {}


def region_outlines(regions: Any) -> bytes:
    """The regions as the browser draws them: GeoJSON with each region's ``id`` and ``name`` (UTF-8), built once
    per boundaries frame."""
    held = _outlines.get(id(regions))
    if held is not None and held[0]() is regions:
        return held[1]
    features = [{
        "type": "Feature",
        "properties": {"id": str(row.nuts_id), "name": f"{row.name} ({row.nuts_id})"},
        "geometry": {"type": row.geometry.geom_type, "coordinates": _rounded(row.geometry.__geo_interface__["coordinates"])},
    } for row in regions.itertuples(index=False)]
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    _outlines[id(regions)] = (weakref.ref(regions), data)
    weakref.finalize(regions, _outlines.pop, id(regions), None)
    return data


@lru_cache(maxsize=len(LANGUAGES))
def _country_outlines(lang: str) -> bytes:
    """The shipped country outlines as the browser draws them: GeoJSON with each country's code as ``id`` and its
    name in ``lang``."""
    names = country_names(lang)
    features = [{
        "type": "Feature",
        "properties": {"id": str(row.country), "name": names.get(row.country, str(row.country))},
        "geometry": row.geometry.__geo_interface__,
    } for row in country_outlines().itertuples(index=False)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def map_outlines(regions: Any, lang: str) -> bytes:
    """What the base map outlines: the NUTS regions when loaded, else the country outlines that ship with the
    project (coasts and borders on every machine), named in ``lang``."""
    return region_outlines(regions) if regions is not None else _country_outlines(lang)


class _RegionOutlines(DataElement):
    """The region outlines of the base map, fetched from their address and drawn in the empty-region colour."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.ecoRegions({{ this._parent.get_name() }}, {{ this.spec }});
        {% endmacro %}
        """
    )

    def __init__(self, url: str, lang: str, credit: str) -> None:
        super().__init__()
        self._name = "EcoRegions"
        self.spec = safe_json({"url": url, "attribution": credit, "style": asdict(REGIONS),
                               "empty": EMPTY_REGION_COLOUR, "failed": t("map.data_failed", lang, reason="{reason}")})


class _Coverage(DataElement):
    """Colours the base map's regions by their number of initiatives (or per 100,000 residents) while its group is
    on the map; a region's third entry, when there is one, restyles its outline (a gap)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.addLayer(new L.EcoCoverage({{ this.spec }}));
        {% endmacro %}
        """
    )

    def __init__(self, regions: dict[str, tuple]) -> None:
        super().__init__()
        self._name = "EcoCoverage"
        self.spec = safe_json({"regions": regions})


@dataclass(frozen=True)
class RegionShading:
    """The classes the choropleth's fills were taken from, for its legend: of counts, or of rates per 100,000
    residents; and whether regions are outlined as gaps."""

    counts: list[tuple[int, int]] | None = None
    rates: list[tuple[float, float]] | None = None
    gaps: bool = False


def region_layer(regions: Any, counts: pd.Series, lang: str, *, rates: pd.Series | None = None,
                 outlined: Iterable[str] = ()) -> tuple[folium.FeatureGroup, RegionShading]:
    """Coverage choropleth: every region of the base map coloured by its number of initiatives, or by ``rates``
    (initiatives per 100,000 residents) when given (none, or unknown, in a pale neutral); the regions
    ``outlined`` (gaps) drawn with a dark red edge. Only the colours, labels and edges travel, the outlines are
    the base map's."""
    outlined = set(outlined)
    shading = (RegionShading(rates=rate_classes(rates), gaps=bool(outlined)) if rates is not None
               else RegionShading(counts=count_classes(counts), gaps=bool(outlined)))
    gap_edge = {"color": GAP_OUTLINE.edge, "weight": GAP_OUTLINE.weight}
    styled: dict[str, tuple] = {}
    for code, name in zip(regions["nuts_id"], regions["name"], strict=True):
        count = int(counts.get(code, 0))
        label = f"{name} ({code}): {t('map.initiatives_count', lang, count=count)}"
        if shading.rates is not None and rates is not None:
            rate = float(rates.get(code, float("nan")))
            fill = rate_colour(rate, shading.rates)
            label += " — " + (t("map.per_100k", lang, rate=format_number(round(rate, 1), lang)) if not math.isnan(rate)
                              else t("map.residents_unknown", lang))
        else:
            fill = class_colour(count, shading.counts or [])
        styled[str(code)] = (fill, label, gap_edge) if code in outlined else (fill, label)
    group = folium.FeatureGroup(name=t("map.layer_coverage", lang), show=True)
    group.add_child(_Coverage(styled))
    return group, shading


class _Legend(DataElement):
    """A legend control in the map's corner that lives and dies with its feature group (which must be on the map
    when the page is rendered: its parent is the map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }}, map = {{ this._parent._parent.get_name() }};
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "eco-legend");
                div.innerHTML = {{ this.html }};
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            group.on("add", function () { legend.addTo(map); });
            group.on("remove", function () { legend.remove(); });
            if (map.hasLayer(group)) { legend.addTo(map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "EcoLegend"
        self.html = safe_json(html)


_LEGEND_STYLE = (
    "background:rgba(255,255,255,.94);padding:8px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
    "font:12px/1.35 Arial,Helvetica,sans-serif;color:#222;max-height:60vh;overflow:auto"
)


def _swatch(entry: LegendEntry) -> str:
    """One legend line: a bold heading, or a round (point) or square (region) swatch and its label."""
    if entry.kind == "heading":
        return f"<b>{escape(entry.label)}</b>"
    if entry.kind == "cluster":
        return (f'<div><span style="display:inline-block;min-width:18px;height:18px;margin-right:6px;border-radius:50%;'
                f'background:{escape(entry.colour)};color:{CLUSTERS.text};font:bold 10px/18px Arial,sans-serif;'
                f'text-align:center;vertical-align:middle">12</span>{escape(entry.label)}</div>')
    shape = "border-radius:50%;" if entry.kind == "point" else ""
    size, edge = f"{LEGEND_SWATCH.size:g}px", f"{LEGEND_SWATCH.edge_width:g}px solid {LEGEND_SWATCH.edge}"
    fill = escape(entry.colour)
    if entry.kind == "gap":  # a region's dark red edge around the empty-region fill
        fill, edge = EMPTY_REGION_COLOUR, f"{GAP_OUTLINE.weight:g}px solid {escape(entry.colour)}"
    return (f'<div><span style="display:inline-block;width:{size};height:{size};margin-right:6px;{shape}'
            f'background:{fill};border:{edge};vertical-align:-1px"></span>{escape(entry.label)}</div>')


def map_legend(entries: Iterable[LegendEntry], lang: str) -> folium.FeatureGroup:
    """The legend control listing ``entries`` (``map_style.legend_entries``)."""
    html = f'<div style="{_LEGEND_STYLE}">' + "".join(_swatch(entry) for entry in entries) + "</div>"
    group = folium.FeatureGroup(name=t("map.layer_legend", lang), show=True, control=False)
    group.add_child(_Legend(html))
    return group


@dataclass(frozen=True)
class MapLayers:
    """A base map that stays the same across filter changes, and the overlays that follow the filters."""

    base: folium.Map
    overlays: list[folium.FeatureGroup]


ECO_SCRIPT = "eco:eco_map.js"
"""The link of this project's map script (``ecosystem/web/eco_map.js``); ``assets`` resolves it like a CDN link."""
SUPERCLUSTER_JS = "https://cdn.jsdelivr.net/npm/supercluster@9.1.0/dist/supercluster.min.js"
KDBUSH_JS = "https://cdn.jsdelivr.net/npm/kdbush@4.1.0/kdbush.min.js"


class _EcoScripts(JSCSSMixin, MacroElement):
    """Loads what draws the points and regions: supercluster, kdbush and the project's map script."""

    default_js = [("supercluster", SUPERCLUSTER_JS), ("kdbush", KDBUSH_JS), ("eco_map", ECO_SCRIPT)]

    def __init__(self) -> None:
        super().__init__()
        self._name = "EcoScripts"


class _FitView(DataElement):
    """Moves the map to the filters' place when that place changes (a rerun with the same place keeps the
    visitor's pan and zoom)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.ecoFit({{ this._parent._parent.get_name() }}, {{ this.bounds }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "EcoFitView"
        self.bounds = safe_json(bounds)


def _view_group(bounds: list[list[float]] | None) -> folium.FeatureGroup:
    """An overlay without a layer switch that shows ``bounds`` (the Baltic Sea when None)."""
    group = folium.FeatureGroup(name="view", show=True, control=False)
    group.add_child(_FitView(bounds or BALTIC_BOUNDS))
    return group


class _ZoomControl(DataElement):
    """Leaflet's zoom buttons with their titles (tooltips, screen readers) in the page's language."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.zoom({{ this.titles }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._name = "EcoZoom"
        self.titles = safe_json({"zoomInTitle": t("map.zoom_in", lang), "zoomOutTitle": t("map.zoom_out", lang)})


def base_map(tiles: str | None, lang: str, height: str = "100%", bounds: list[list[float]] | None = None,
             regions_url: str | None = None, regions_credit: str = EUROGEOGRAPHICS) -> folium.Map:
    """The Baltic Sea view (or ``bounds``): optional XYZ tiles (``osm`` or a URL), the outlines fetched from
    ``regions_url`` (credited with ``regions_credit``), no animations, fractional zoom. ``map_layers`` keeps it
    the same across filter changes (its overlays move the view), so the browser keeps it too."""
    m = folium.Map(tiles=None, zoom_snap=0.25, zoom_delta=0.5, height=height, control_scale=False,
                   prefer_canvas=True, world_copy_jump=False, fade_animation=False, zoom_animation=False,
                   zoom_control=False)
    m.add_child(_ZoomControl(lang))
    m.options["max_zoom"] = 18  # folium drops it when there are no tiles
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name=t("map.layer_tiles", lang), attr=OSM_ATTRIBUTION, control=False).add_to(m)
    elif tiles:
        folium.TileLayer(tiles, name=t("map.layer_tiles", lang), attr=t("map.tiles_attribution", lang), control=False).add_to(m)
    m.add_child(_EcoScripts())
    if regions_url is not None:
        m.add_child(_RegionOutlines(regions_url, lang, regions_credit))
    m.fit_bounds(bounds or BALTIC_BOUNDS)
    page_of(m).header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{SEA_COLOUR}!important;font-family:Arial,Helvetica,sans-serif}}"
        ".eco-popup{font:13px/1.4 Arial,Helvetica,sans-serif}.eco-label{color:#555}"
        ".eco-map-error{position:absolute;z-index:1000;top:10px;left:50px;right:50px;background:#fff3cd;color:#5c4400;"
        "padding:8px 12px;border-radius:4px;font:13px Arial,Helvetica,sans-serif}</style>"))
    return m


class _StampControl(DataElement):
    """The export stamp on the map itself: title and filters at the top, source and permalink at the bottom."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            function box(position, html) {
                var control = L.control({position: position});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "eco-stamp");
                    div.innerHTML = html;
                    return div;
                };
                control.addTo(map);
            }
            box("topleft", {{ this.head }});
            box("bottomright", {{ this.foot }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, head: str, foot: str) -> None:
        super().__init__()
        self._name = "EcoStamp"
        self.head = safe_json(head)
        self.foot = safe_json(foot)


_STAMP_STYLE = (
    "<style>.eco-stamp{background:rgba(255,255,255,.94);padding:8px 12px;border-radius:4px;color:#222;"
    "font-family:Arial,Helvetica,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.25);max-width:60vw}"
    ".eco-stamp h1{font-size:22px;margin:0 0 4px}.eco-stamp p{font-size:13px;margin:0}"
    ".eco-stamp small{font-size:11px;display:block;color:#444}</style>"
)


def add_stamp(m: folium.Map, title: str, subtitle: str, footer_lines: Iterable[str],
              qr_png: bytes | None = None) -> folium.Map:
    """Put an export stamp on a map (all text escaped), optionally with a QR code of its permalink: the map then
    describes itself in a picture or file."""
    head = f"<h1>{escape(title)}</h1><p>{escape(subtitle)}</p>"
    foot = "".join(f"<small>{escape(line)}</small>" for line in footer_lines if line)
    if qr_png is not None:
        encoded = base64.b64encode(qr_png).decode("ascii")
        foot = (f'<img src="data:image/png;base64,{encoded}" alt="QR" '
                f'style="float:right;width:72px;height:72px;margin-left:10px">{foot}')
    page_of(m).header.add_child(folium.Element(_STAMP_STYLE))
    m.add_child(_StampControl(head, foot))
    return m


def build_map(layers: MapLayers) -> folium.Map:
    """One self-contained map (base + overlays + layer switcher), e.g. for a standalone HTML file."""
    for overlay in layers.overlays:
        overlay.add_to(layers.base)
    folium.LayerControl(collapsed=False).add_to(layers.base)
    return layers.base


def map_layers(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, programme_names: Mapping[str, str], *,
               tiles: str | None, regions: Any = None, region_counts: pd.Series | None = None,
               show_organisations: bool = True, cluster: bool = False, colour_services: Iterable[str] = (),
               bounds: list[list[float]] | None = None, data: MapData | None = None,
               region_rates: pd.Series | None = None, outlined: Iterable[str] = ()) -> MapLayers:
    """The whole map of a filtered frame: base (outlining ``regions`` when given, else the countries), coverage
    colours (with ``region_counts``; per 100,000 residents with ``region_rates``), the regions ``outlined`` as
    gaps, organisations, initiatives, legend.

    ``data`` holds the point table the layers select from (the whole registry's, published by this server, for
    the live map); by default the frame's own, inside the page."""
    data = data or inline_map_data(frame, regions, lang)
    base = base_map(tiles, lang, regions_url=data.regions_url,
                    regions_credit=EUROGEOGRAPHICS if regions is not None else NATURAL_EARTH)
    overlays, shading = [_view_group(bounds)], RegionShading()
    if regions is not None and region_counts is not None:
        choropleth, shading = region_layer(regions, region_counts, lang, rates=region_rates, outlined=outlined)
        overlays.append(choropleth)
    initiatives = initiative_points(frame, taxonomy, colour_services)
    organisations = organisation_points(frame, taxonomy) if show_organisations else None
    if organisations is not None:
        overlays.append(point_layer(organisations, taxonomy, lang, programme_names, name=t("map.layer_organisations", lang),
                                    data=data, cluster=cluster))
    overlays.append(point_layer(initiatives, taxonomy, lang, programme_names, name=t("map.layer_initiatives", lang),
                                data=data, cluster=cluster))
    overlays.append(map_legend(legend_entries(taxonomy, lang, initiatives, organisations, shading.counts, clustered=cluster,
                                              rates=shading.rates, gaps=shading.gaps), lang))
    return MapLayers(base, overlays)


def rows_at(frame: pd.DataFrame, latitude: float, longitude: float) -> pd.DataFrame:
    """The rows drawn at a clicked marker position (markers travel in 1e-5° steps, so compare those)."""
    lat = np.round(frame["latitude"].to_numpy() * _SCALE)
    lon = np.round(frame["longitude"].to_numpy() * _SCALE)
    hit = (lat == round(latitude * _SCALE)) & (lon == round(longitude * _SCALE))
    return frame[hit]


def view_bounds(frame: pd.DataFrame, regions: Any, countries: Iterable[str], region_codes: Iterable[str],
                padding: float = 0.05) -> list[list[float]] | None:
    """Where a geographically filtered view should look: the chosen regions, else the chosen countries (their
    boundaries when loaded, else their rows' points); None (the Baltic Sea view) when no place is chosen."""
    countries, region_codes = list(countries), list(region_codes)
    box = None
    if regions is not None and (region_codes or countries):
        chosen = regions[regions["nuts_id"].isin(region_codes)] if region_codes else regions[regions["country"].isin(countries)]
        if not chosen.empty:
            west, south, east, north = chosen.total_bounds
            box = [south, west, north, east]
    if box is None and (region_codes or countries):
        located = frame[frame["latitude"].notna() & frame["longitude"].notna()]
        if located.empty:
            return None
        box = [located["latitude"].min(), located["longitude"].min(), located["latitude"].max(), located["longitude"].max()]
    if box is None:
        return None
    south, west, north, east = box
    pad_lat, pad_lon = max((north - south) * padding, 0.3), max((east - west) * padding, 0.5)
    return [[round(south - pad_lat, 4), round(west - pad_lon, 4)], [round(north + pad_lat, 4), round(east + pad_lon, 4)]]
