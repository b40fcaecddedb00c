"""The live map on a page: its tiles, its layers for the view, and st_folium rendering with the map's assets.

The map's JavaScript comes with the page from the installed copies when there are any (or required), else
from public CDNs; when neither is possible the page says which command installs them instead of showing a
blank map. A page view never installs anything. Panning and zooming do not rerun the script.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlparse

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from ecosystem import config, server
from ecosystem.assets import Link, assets_installed, data_link, localise_map_assets, needs_jquery
from ecosystem.i18n import t
from ecosystem.maps import MapData, MapLayers, map_layers, map_outlines, point_table, view_bounds
from ecosystem.ui import cache
from ecosystem.view import Message, Notice, View

__all__ = ["CLUSTER_FROM", "bounds_of", "map_data", "map_tiles", "render_map", "view_map_layers"]

CLUSTER_FROM = 2000
"""Above this many rows a map groups nearby points until they separate (the Map page has a switch for it)."""

CDN_PROBE = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"


@st.cache_data(ttl=600, show_spinner=False)
def _reachable(url: str) -> bool:
    """Whether the host of a tile URL answers a TCP connection within 1.5 s."""
    host = urlparse(url.replace("{s}", "a")).hostname or ""
    try:
        with socket.create_connection((host, 443), timeout=1.5):
            return True
    except OSError:
        return False


def map_tiles() -> tuple[str | None, Notice | None]:
    """The base-map tiles to draw (``osm``, a URL or None), and a notice when their host cannot be reached (the
    map is then drawn without them)."""
    tiles = config.tile_url()
    if tiles is None:
        return None, None
    probe = "https://tile.openstreetmap.org/0/0/0.png" if tiles == "osm" else tiles
    if not _reachable(probe):
        host = urlparse(probe.replace("{s}", "a")).hostname or ""
        return None, Notice("info", Message("app.no_tiles", {"host": host}))
    return tiles, None


def _base_path() -> str:
    """The path this server's pages live under (``server.baseUrlPath``), with slashes at both ends."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def map_data(view: View) -> MapData | None:
    """Where the live map gets the whole registry's point table and its outlines (``maps.map_outlines``: the NUTS
    regions, else the countries): this server's versioned files (published once per registry version, shared by
    every session; the page then carries only which rows the filters show). None where this process serves no
    routes (``streamlit run dashboard.py``, AppTest): the map then carries the filtered rows itself."""
    if not server.serving():
        return None
    base = _base_path()
    table = point_table(view.registry.initiatives)
    outlines = base + server.publish(map_outlines(view.regions, view.lang), "json")
    return MapData(table, base + server.publish(table.data, "bin", labels=table.names), outlines,
                   base + server.label_url(table.data))


def view_map_layers(view: View, tiles: str | None, *, show_organisations: bool, coverage: bool = True,
                    cluster: bool | None = None, rates: pd.Series | None = None,
                    outlined: Iterable[str] = ()) -> MapLayers:
    """The map of the view's filtered rows over the region outlines (the countries' without boundaries), coloured by
    coverage when ``coverage`` (per 100,000 residents with ``rates``), the regions ``outlined`` as gaps, nearby
    points grouped when ``cluster`` (by default above ``CLUSTER_FROM`` rows)."""
    if cluster is None:
        cluster = len(view.filtered) > CLUSTER_FROM
    counts = cache.region_counts_of(view) if coverage else None  # shared by every session with these filters
    bounds = view_bounds(view.filtered, view.regions, view.state.countries, view.state.regions)
    return map_layers(view.filtered, view.taxonomy, view.lang, view.programme_names, tiles=tiles,
                      regions=view.regions, region_counts=counts, show_organisations=show_organisations,
                      cluster=cluster, colour_services=view.state.services, bounds=bounds, data=map_data(view),
                      region_rates=rates, outlined=outlined)


def _asset_link() -> Link:
    """How the page refers to the map's scripts: this server's asset route, else ``data:`` URIs."""
    if not server.serving():
        return data_link
    base = _base_path()
    return lambda package, name, _source: base + server.asset_url(package, name)


def render_map(layers: MapLayers, lang: str, *, key: str, height: int, returned_objects: list[str]) -> dict:
    """Show a map with st_folium: the base stays put, overlays swap on filter changes, no rerun on pan/zoom;
    what it reports among ``returned_objects``."""
    mode, link = config.map_assets_mode(), _asset_link()
    local = mode != "cdn" and assets_installed()
    if not local and mode == "local":
        st.warning(t("app.assets_missing", lang))
    elif not local and not _reachable(CDN_PROBE):
        st.warning(t("app.assets_unreachable", lang))
    jquery = needs_jquery(layers.base, *layers.overlays)
    for element in (layers.base, *layers.overlays):
        localise_map_assets(element, link=link, cdn=not local, jquery=jquery)
    return st_folium(layers.base, key=key, height=height, use_container_width=True,
                     feature_group_to_add=layers.overlays, layer_control=folium.LayerControl(collapsed=False),
                     returned_objects=returned_objects) or {}


def bounds_of(result: dict) -> list[list[float]] | None:
    """The map extent st_folium reported, as [[south, west], [north, east]] (None before it reports one)."""
    bounds = result.get("bounds") or {}
    south_west, north_east = bounds.get("_southWest") or {}, bounds.get("_northEast") or {}
    if None in (south_west.get("lat"), south_west.get("lng"), north_east.get("lat"), north_east.get("lng")):
        return None
    return [[south_west["lat"], south_west["lng"]], [north_east["lat"], north_east["lng"]]]
