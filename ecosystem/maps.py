"""folium map builders: compact canvas points, the region choropleth, the legend and the base map.

Points are not one folium ``Marker`` per row. Each layer ships its rows as a compact payload
(coordinates as base64 int32 in 1e-5°, every text column dictionary-encoded as base64 uint16 indices — uint32
past 65,536 distinct values — into a list of distinct, already translated values) and a small script draws them
as canvas circle markers, building tooltips and popups with ``textContent`` on demand. Per-feature colours are read in JavaScript,
never written as one ``style_function`` case per feature. Every text that reaches the page goes through
JSON with ``<``, ``>`` and ``&`` escaped, and is inserted as text, so names containing markup stay text.
What is drawn in which colour and style, and the legend's entries, come from ``map_style``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from ecosystem.i18n import t
from ecosystem.map_style import (
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
from ecosystem.schema import join_labels
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "BALTIC_BOUNDS",
    "EUROGEOGRAPHICS",
    "MARKERCLUSTER_CSS",
    "MARKERCLUSTER_JS",
    "MapLayers",
    "add_stamp",
    "base_map",
    "build_map",
    "compact_payload",
    "map_layers",
    "map_legend",
    "point_layer",
    "region_layer",
    "rows_at",
    "safe_json",
    "view_bounds",
]

BALTIC_BOUNDS: list[list[float]] = [[53.3, 9.0], [66.2, 30.5]]
EUROGEOGRAPHICS = "© EuroGeographics for the administrative boundaries"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
MARKERCLUSTER_JS = [("markercluster", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js")]
MARKERCLUSTER_CSS = [
    ("markerclustercss", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css"),
    ("markerclusterdefault", "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css"),
]
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
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()).decode("ascii")


def _dictionary(values: pd.Series) -> dict[str, Any]:
    """Dictionary-encode a text column: base64 indices (``i``), their byte width (``w``: 2 for uint16, 4 for
    uint32 past 65,535 distinct values) and the distinct values (``v``)."""
    codes, uniques = pd.factorize(values, sort=False)
    dtype = np.uint16 if len(uniques) <= np.iinfo(np.uint16).max + 1 else np.uint32
    return {"i": _b64(codes.astype(dtype)), "w": np.dtype(dtype).itemsize, "v": [str(value) for value in uniques]}


def compact_payload(points: pd.DataFrame, category: pd.Series, text_columns: Iterable[str]) -> dict[str, Any]:
    """Rows with coordinates → the payload the point script reads (see module docstring)."""
    coordinates = np.column_stack([points["latitude"].to_numpy(), points["longitude"].to_numpy()])
    payload: dict[str, Any] = {
        "n": len(points),
        "xy": _b64(np.round(coordinates * _SCALE).astype(np.int32).ravel()),
        "k": _b64(category.to_numpy().astype(np.uint8)),
        "t": {},
    }
    for column in text_columns:
        payload["t"][column] = _dictionary(points[column].fillna("").astype(str))
    return payload


class _PointLayer(DataElement):
    """A script that decodes a compact payload into canvas circle markers inside its parent group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var payload = {{ this.payload }};
            var style = {{ this.style }};
            var palette = {{ this.palette }};
            var fields = {{ this.fields }};
            function decode(b64, Type) {
                var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
                return new Type(bytes.buffer);
            }
            function column(name) {
                var c = payload.t[name];
                return c ? {index: decode(c.i, c.w === 4 ? Uint32Array : Uint16Array), values: c.v} : null;
            }
            var xy = decode(payload.xy, Int32Array), kind = decode(payload.k, Uint8Array);
            var columns = {};
            fields.forEach(function (f) { columns[f[0]] = column(f[0]); });
            function text(name, i) { var c = columns[name]; return c ? c.values[c.index[i]] : ""; }
            // a click reports the marker's own position (not the pointer's) so the app finds the row exactly
            var Point = L.CircleMarker.extend({
                fire: function (type, data, propagate) {
                    if (type === "click" && data) { data.latlng = this.getLatLng(); }
                    return L.CircleMarker.prototype.fire.call(this, type, data, propagate);
                }
            });
            function popup(i) {
                var box = document.createElement("div");
                box.className = "eco-popup";
                var title = document.createElement("strong");
                title.textContent = text("name", i);
                box.appendChild(title);
                fields.forEach(function (f) {
                    var value = text(f[0], i);
                    if (!value || f[0] === "name") { return; }
                    var line = document.createElement("div");
                    var label = document.createElement("span");
                    label.className = "eco-label";
                    label.textContent = f[1] + ": ";
                    line.appendChild(label);
                    if (f[0] === "website") {
                        if (!/^https?:\\/\\//i.test(value)) { return; }
                        var link = document.createElement("a");
                        link.href = value; link.target = "_blank"; link.rel = "noopener noreferrer";
                        link.textContent = value;
                        line.appendChild(link);
                    } else {
                        line.appendChild(document.createTextNode(value));
                    }
                    box.appendChild(line);
                });
                return box;
            }
            var renderer = L.canvas({padding: 0.5});
            var markers = new Array(payload.n);
            for (var i = 0; i < payload.n; i++) {
                var marker = new Point([xy[2 * i] / 1e5, xy[2 * i + 1] / 1e5], {
                    renderer: renderer, radius: style.radius, color: style.stroke, weight: style.weight,
                    fillColor: palette[kind[i]], fillOpacity: style.opacity, interactive: true, ecoIndex: i
                });
                markers[i] = marker;
            }
            var target = group;
            if ({{ this.cluster }} && L.markerClusterGroup) {
                target = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45});
                group.addLayer(target);
            }
            if (target.addLayers) { target.addLayers(markers); } else { markers.forEach(function (m) { target.addLayer(m); }); }
            group.on("mouseover", function (e) {
                var m = e.layer;
                if (m && m.options.ecoIndex !== undefined && !m.getTooltip()) {
                    var tip = document.createElement("span");
                    tip.textContent = text("name", m.options.ecoIndex);
                    m.bindTooltip(tip, {direction: "top", offset: [0, -4]}).openTooltip();
                }
            });
            group.on("click", function (e) {
                var m = e.layer;
                if (m && m.options.ecoIndex !== undefined) {
                    if (!m.getPopup()) { m.bindPopup(popup(m.options.ecoIndex), {maxWidth: 320}); }
                    m.openPopup();
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], palette: list[str], fields: list[tuple[str, str]],
                 style: dict[str, float | str], cluster: bool) -> None:
        super().__init__()
        self._name = "EcoPoints"
        self.payload = safe_json(payload)
        self.palette = safe_json(palette)
        self.fields = safe_json([list(field) for field in fields])
        self.style = safe_json(style)
        self.cluster = "true" if cluster else "false"


class _ClusteredGroup(folium.FeatureGroup):
    """A FeatureGroup that also loads the marker-cluster plugin (its assets are listed like folium's)."""

    default_js = MARKERCLUSTER_JS
    default_css = MARKERCLUSTER_CSS


def _point_group(name: str, show: bool, cluster: bool) -> folium.FeatureGroup:
    group_class = _ClusteredGroup if cluster else folium.FeatureGroup
    return group_class(name=name, show=show)


def point_layer(points: DrawnPoints, taxonomy: Taxonomy, lang: str, programme_names: Mapping[str, str], name: str,
                cluster: bool = False) -> folium.FeatureGroup:
    """A point layer as canvas circle markers in its colours and style, with translated popup fields."""
    rows = points.rows
    shown = pd.DataFrame({
        "name": rows["name"],
        "actor_type": rows["actor_type"].map(taxonomy.labels("actor_type", lang)).fillna(rows["actor_type"]),
        "service_types": join_labels(rows["service_types"], taxonomy.labels("service_type", lang)),
        "target_groups": join_labels(rows["target_groups"], taxonomy.labels("target_group", lang)),
        "programmes": join_labels(rows["programmes"], programme_names),
        "status": rows["status"].map(taxonomy.labels("status", lang)).fillna(rows["status"]),
        "municipality": rows["municipality"],
        "website": rows["website"],
        "latitude": rows["latitude"],
        "longitude": rows["longitude"],
    })
    fields = [(column, t(f"column.{column}", lang)) for column in
              ("name", "actor_type", "municipality", "service_types", "target_groups", "programmes", "status", "website")]
    payload = compact_payload(shown, points.category, [column for column, _ in fields])
    group = _point_group(name, show=True, cluster=cluster)
    group.add_child(_PointLayer(payload, points.palette, fields, asdict(points.style), cluster))
    return group


class _RegionLayer(DataElement):
    """Region polygons styled from a ``fill`` property in JavaScript, with a text tooltip."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var style = {{ this.style }};
            var layer = L.geoJSON({{ this.data }}, {
                attribution: {{ this.attribution }},
                style: function (f) {
                    return {fillColor: f.properties.fill, fillOpacity: style.opacity, color: style.edge, weight: style.weight};
                },
                onEachFeature: function (f, l) {
                    var tip = document.createElement("span");
                    tip.textContent = f.properties.label;
                    l.bindTooltip(tip, {sticky: true});
                }
            });
            group.addLayer(layer);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, geojson: dict[str, Any], attribution: str) -> None:
        super().__init__()
        self._name = "EcoRegions"
        self.data = safe_json(geojson)
        self.attribution = safe_json(attribution)
        self.style = safe_json(asdict(REGIONS))


def _rounded(coordinates: Any) -> Any:
    """Nested coordinate lists rounded to 4 decimals (≈10 m, finer than the 1:20M boundaries)."""
    if isinstance(coordinates, (list, tuple)) and coordinates and isinstance(coordinates[0], (int, float)):
        return [round(value, 4) for value in coordinates]
    return [_rounded(part) for part in coordinates]


def region_layer(regions: Any, counts: pd.Series, lang: str) -> tuple[folium.FeatureGroup, list[tuple[int, int]]]:
    """Coverage choropleth: every region coloured by its number of initiatives (0 in a pale neutral)."""
    classes = count_classes(counts)
    features = []
    for row in regions.itertuples(index=False):
        count = int(counts.get(row.nuts_id, 0))
        label = f"{row.name} ({row.nuts_id}): {t('map.initiatives_count', lang, count=count)}"
        features.append({
            "type": "Feature",
            "properties": {"fill": class_colour(count, classes), "label": label},
            "geometry": {"type": row.geometry.geom_type, "coordinates": _rounded(row.geometry.__geo_interface__["coordinates"])},
        })
    group = folium.FeatureGroup(name=t("map.layer_coverage", lang), show=True)
    group.add_child(_RegionLayer({"type": "FeatureCollection", "features": features}, EUROGEOGRAPHICS))
    return group, classes


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
    shape = "border-radius:50%;" if entry.kind == "point" else ""
    size, edge = f"{LEGEND_SWATCH.size:g}px", f"{LEGEND_SWATCH.edge_width:g}px solid {LEGEND_SWATCH.edge}"
    return (f'<div><span style="display:inline-block;width:{size};height:{size};margin-right:6px;{shape}'
            f'background:{escape(entry.colour)};border:{edge};vertical-align:-1px"></span>{escape(entry.label)}</div>')


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


def base_map(tiles: str | None, lang: str, height: str = "100%", bounds: list[list[float]] | None = None) -> folium.Map:
    """The Baltic Sea view (or ``bounds``): optional XYZ tiles (``osm`` or a URL), no animations, fractional zoom."""
    m = folium.Map(tiles=None, zoom_snap=0.25, zoom_delta=0.5, height=height, control_scale=False,
                   prefer_canvas=True, world_copy_jump=False, fade_animation=False, zoom_animation=False)
    m.options["max_zoom"] = 18  # folium drops it when there are no tiles; marker clustering needs it
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name=t("map.layer_tiles", lang), attr=OSM_ATTRIBUTION, control=False).add_to(m)
    elif tiles:
        folium.TileLayer(tiles, name=t("map.layer_tiles", lang), attr=t("map.tiles_attribution", lang), control=False).add_to(m)
    m.fit_bounds(bounds or BALTIC_BOUNDS)
    page_of(m).header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{SEA_COLOUR}!important;font-family:Arial,Helvetica,sans-serif}}"
        ".eco-popup{font:13px/1.4 Arial,Helvetica,sans-serif}.eco-label{color:#555}</style>"))
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
               show_organisations: bool = True, cluster: bool = False,
               colour_services: Iterable[str] = (), bounds: list[list[float]] | None = None) -> MapLayers:
    """The whole map of a filtered frame: base, coverage choropleth, organisations, initiatives, legend."""
    base = base_map(tiles, lang, bounds=bounds)
    overlays, classes = [], None
    if regions is not None and region_counts is not None:
        choropleth, classes = region_layer(regions, region_counts, lang)
        overlays.append(choropleth)
    initiatives = initiative_points(frame, taxonomy, colour_services)
    organisations = organisation_points(frame, taxonomy) if show_organisations else None
    if organisations is not None:
        overlays.append(point_layer(organisations, taxonomy, lang, programme_names,
                                    name=t("map.layer_organisations", lang), cluster=cluster))
    overlays.append(point_layer(initiatives, taxonomy, lang, programme_names,
                                name=t("map.layer_initiatives", lang), cluster=cluster))
    overlays.append(map_legend(legend_entries(taxonomy, lang, initiatives, organisations, classes), lang))
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
