"""Slide pictures: chart bytes through kaleido, map PNGs through headless Chromium, the matplotlib fallback map.

The browser tests skip when Chromium, Playwright or kaleido is missing, except under ``CI=true``, where they fail
(the ``browsers`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import io
import math
import re
import threading
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from shapely.geometry import MultiPolygon, Polygon, box

from conftest import make_frame
from ecosystem.assets import inline_assets_html
from ecosystem.attributions import NATURAL_EARTH
from ecosystem.map_style import CLUSTERS
from ecosystem.maps import BALTIC_BOUNDS, build_map, map_layers
from ecosystem.outlines import country_outlines
from ecosystem.pictures import (
    SLIDE_SIZES,
    ChartRenderer,
    MapRenderer,
    PictureError,
    browser_available,
    find_map_variable,
    map_shape_count,
    map_shots,
    render_chart,
    render_map_png,
    static_map_figure,
    static_map_picture,
)
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import Taxonomy

PNG, PDF = b"\x89PNG\r\n\x1a\n", b"%PDF-"
# three initiatives, one service each, placed clear of the legend (bottom left) and the attribution (bottom right)
POINTS = {"employment_integration": (58.0, 20.0), "care_day_services": (62.0, 25.0), "housing": (64.0, 14.0)}
LOAD_SAFETY_NET = 300.0  # seconds: a page that loads at all loads well within this, however busy the machine


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rows = [{"id": f"i-{code}", "name": f"<b>{code}</b>", "service_types": code, "latitude": str(lat),
             "longitude": str(lng), "region_code": "LT011"} for code, (lat, lng) in POINTS.items()]
    rows.append({"id": "org", "actor_type": "public_authority", "latitude": "56.5", "longitude": "24.0"})
    rows.append({"id": "nowhere", "name": "Not located"})
    return make_frame(rows)


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    """Two hand-made regions: a square, and two squares one of which has a hole."""
    holed = Polygon(box(20, 54, 23, 56).exterior.coords, [box(21, 54.5, 22, 55.5).exterior.coords])
    return gpd.GeoDataFrame({"nuts_id": ["LT011", "LV006"], "name": ["Square", "Holed"]},
                            geometry=[box(24, 55, 26, 57), MultiPolygon([holed, box(27, 57, 28, 58)])],
                            crs="EPSG:4326")


def _page(frame: pd.DataFrame, taxonomy: Taxonomy, **layers: object) -> str:
    return inline_assets_html(build_map(map_layers(frame, taxonomy, "en", {}, tiles=None, **layers)).get_root().render())


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _assert_not_blank(png: bytes, min_colours: int = 5, min_share: float = 0.01) -> None:
    """Several distinct colours, and enough pixels that differ from the most common (background) colour."""
    pixels = _pixels(png).reshape(-1, 3).astype(np.uint32)
    packed = pixels[:, 0] << 16 | pixels[:, 1] << 8 | pixels[:, 2]
    _, counts = np.unique(packed, return_counts=True)
    assert len(counts) >= min_colours
    assert 1 - counts.max() / len(packed) > min_share


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


def _leaflet_point(lat: float, lng: float, width: int, height: int, snap: float = 0.25) -> tuple[float, float]:
    """Where Leaflet's fitBounds(BALTIC_BOUNDS) in a width×height map puts (lat, lng), in CSS px (Web Mercator)."""

    def world(lat: float, lng: float) -> tuple[float, float]:  # pixel position at zoom 0 (256 px world)
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return 256 * (lng + 180) / 360, 256 * (0.5 - y / (2 * math.pi))

    (south, west), (north, east) = BALTIC_BOUNDS
    (x0, y0), (x1, y1) = world(north, west), world(south, east)
    zoom = math.floor(math.log2(min(width / (x1 - x0), height / (y1 - y0))) / snap) * snap
    x, y = world(lat, lng)
    return (x - (x0 + x1) / 2) * 2**zoom + width / 2, (y - (y0 + y1) / 2) * 2**zoom + height / 2


# --- sizes and inputs, no browser needed ----------------------------------------------------------------------------


def test_slide_sizes():
    assert [(s.width, s.height, s.scale) for s in SLIDE_SIZES.values()] == [(1600, 900, 2), (1200, 900, 2), (1000, 1000, 2)]
    assert SLIDE_SIZES["16:9"].pixels == (3200, 1800)


def test_map_variable_and_shape_count(frame, taxonomy, regions):
    html = build_map(map_layers(frame, taxonomy, "en", {}, tiles=None)).get_root().render()
    assert find_map_variable(html).startswith("map_")
    with pytest.raises(PictureError, match="exactly one folium map; this page has no folium map"):
        find_map_variable("<html><head></head><body></body></html>")
    countries = len(country_outlines())  # drawn when no regions are
    assert map_shape_count(frame) == 4 + countries
    assert map_shape_count(frame, show_organisations=False) == 3 + countries
    assert map_shape_count(frame, regions=regions) == 6


def test_the_map_ready_rule_reads_only_public_leaflet_api():
    # Leaflet's fields starting with "_" change without notice between releases; the rule listens to events instead
    for name in ("_TRACKER_JS", "_READY_JS", "_STATE_JS", "_SETTLE_JS"):
        script = getattr(map_shots, name)
        assert not re.findall(r"\._[A-Za-z]", script), f"{name} reads a private field"


def test_without_a_browser_errors_are_plain(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert not browser_available()
    with pytest.raises(PictureError, match=r"^No browser is installed for chart pictures: apt-get install chromium"):
        ChartRenderer().render(go.Figure(go.Bar(y=[1])))
    renderer = MapRenderer()
    try:
        with pytest.raises(PictureError, match=r"^No browser is installed for map pictures: apt-get install chromium"):
            renderer.render('<html><head></head><body><script>var map_ab12 = L.map("map_ab12");</script></body></html>')
    finally:
        renderer.shutdown()


# --- charts ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SLIDE_SIZES.values(), ids=SLIDE_SIZES.keys())
def test_chart_png_has_the_slide_size(browsers, size):
    fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2], marker_color=["#CC6677", "#332288", "#117733"]))
    fig.update_layout(title="Slide chart", height=420)  # the picture's size wins over the figure's
    png = render_chart(fig, "png", size.width, size.height, size.scale)
    assert png.startswith(PNG)
    assert Image.open(io.BytesIO(png)).size == size.pixels
    _assert_not_blank(png)


def test_chart_svg_and_pdf_are_vector_and_names_stay_text(browsers):
    planted = "<script>alert(1)</script>"
    fig = go.Figure(go.Bar(x=[1, 2], y=[2, 1], name=planted, showlegend=True))
    svg = render_chart(fig, "svg", 800, 450)
    pdf = render_chart(fig, "pdf", 800, 450)
    assert svg.lstrip().startswith(b"<svg") and pdf.startswith(PDF)
    assert b"&lt;script&gt;" in svg or b"&#60;script&#62;" in svg
    root = ET.fromstring(svg)
    assert not [element for element in root.iter() if element.tag.rsplit("}", 1)[-1].lower() == "script"]
    assert planted in "".join(root.itertext())


def test_concurrent_chart_calls_get_their_own_bytes(browsers):
    figures = [go.Figure(go.Bar(y=[n + 1, 3, 2]), layout={"title": f"Chart {n}"}) for n in range(4)]
    expected = [render_chart(fig, "png", 400, 300, 1) for fig in figures]
    assert len(set(expected)) == 4
    results: dict[int, bytes] = {}
    barrier = threading.Barrier(4)

    def draw(n: int) -> None:
        barrier.wait()
        results[n] = render_chart(figures[n], "png", 400, 300, 1)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # each render is bounded by the chart renderer's own timeout
    assert [results.get(n) for n in range(4)] == expected


def test_chart_timeout_stops_the_browser_and_the_next_call_works(browsers):
    renderer = ChartRenderer(timeout=0.001)
    try:
        with pytest.raises(PictureError, match="took longer than 0.001 s"):
            renderer.render(go.Figure(go.Bar(y=[1, 2])), "png", 300, 200, 1)
        renderer.timeout = 30
        assert renderer.render(go.Figure(go.Bar(y=[1, 2])), "png", 300, 200, 1).startswith(PNG)
    finally:
        renderer.shutdown()


# --- maps in the browser ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SLIDE_SIZES.values(), ids=SLIDE_SIZES.keys())
def test_map_png_has_the_slide_size_and_markers_where_leaflet_puts_them(browsers, frame, taxonomy, size):
    png = render_map_png(_page(frame, taxonomy), size.width, size.height, size.scale,
                         expected_shapes=map_shape_count(frame))
    assert Image.open(io.BytesIO(png)).size == size.pixels
    _assert_not_blank(png, min_share=0.002)
    pixels, colours = _pixels(png), taxonomy.colours("service_type")
    palette = {code: _hex(colour) for code, colour in colours.items()}
    for code, (lat, lng) in POINTS.items():
        x, y = _leaflet_point(lat, lng, size.width, size.height)
        row, column = round(y * size.scale), round(x * size.scale)
        centre = np.median(pixels[row - 2:row + 3, column - 2:column + 3].reshape(-1, 3), axis=0)
        nearest = min(palette, key=lambda other: np.linalg.norm(palette[other] - centre))
        assert nearest == code, f"{code} at ({lat}, {lng}) → px ({x:.0f}, {y:.0f}) shows {centre}"


def test_map_png_of_the_same_page_is_byte_identical(browsers, frame, taxonomy, regions):
    html = _page(frame, taxonomy, regions=regions, region_counts=pd.Series({"LT011": 3}))
    shapes = map_shape_count(frame, regions=regions)
    first = render_map_png(html, 800, 450, expected_shapes=shapes)
    assert render_map_png(html, 800, 450, expected_shapes=shapes) == first


def test_a_grouped_map_of_10000_rows_is_drawn_with_its_groups(browsers, taxonomy):
    rows = synthetic_registry(10_000, taxonomy)
    located = rows[rows["latitude"] != ""].astype({"latitude": float, "longitude": float})
    group = _hex(CLUSTERS.fill)

    def share_of_group_colour(cluster: bool) -> float:
        png = render_map_png(_page(located, taxonomy, cluster=cluster), 800, 450, 1,
                             expected_shapes=map_shape_count(located))
        _assert_not_blank(png, min_share=0.002)
        return float((np.abs(_pixels(png).astype(int) - group).sum(axis=2) < 30).mean())

    grouped, single = share_of_group_colour(True), share_of_group_colour(False)
    assert grouped > 0.003 and single < grouped / 10  # the groups' discs (supercluster, installed and inlined)


def test_map_not_ready_in_time_says_what_is_missing(browsers, frame, taxonomy):
    # None of these pages can ever become ready, so their short budgets are never raced; the pages that do load get
    # a budget for loading that only a hung browser would use up.
    html = _page(frame, taxonomy)
    with pytest.raises(PictureError, match=r"not ready after 1 s: \d+ of 4000 expected shapes drawn \(4 points\)"):
        render_map_png(html, 400, 300, 1, expected_shapes=4000, timeout=1, load_timeout=LOAD_SAFETY_NET)
    raw = build_map(map_layers(frame, taxonomy, "en", {}, tiles=None)).get_root().render()  # CDN links, not inlined
    with pytest.raises(PictureError, match=r"Leaflet did not load .*blocked requests: https://"):
        render_map_png(raw, 400, 300, 1, timeout=1, load_timeout=LOAD_SAFETY_NET)
    stuck = html.replace("</body>", "<script>while (true) {}</script></body>")
    with pytest.raises(PictureError, match=r"did not finish loading within 1 s \(a script on it may be stuck\)"):
        render_map_png(stuck, 400, 300, 1, load_timeout=1)
    assert render_map_png(html, 400, 300, 1, expected_shapes=4).startswith(PNG)  # the browser is still fine


# --- maps without a browser -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width, height", [(1600, 900), (1200, 900), (1000, 1000), (420, 260)])
def test_static_map_legend_stays_inside_the_picture(frame, taxonomy, regions, width, height):
    fig = static_map_figure(frame, taxonomy, "en", regions=regions, region_counts=pd.Series({"LT011": 3}),
                            width=width, height=height, title="Coverage", subtitle="Lithuania · all services",
                            footer_lines=["Source: registry v1", "https://example.org/?view=1"])
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    for artist in [legend, *ax.texts]:
        box_ = artist.get_window_extent()
        assert box_.x0 >= 0 and box_.y0 >= 0 and box_.x1 <= fig.bbox.x1 and box_.y1 <= fig.bbox.y1, artist
    assert [text.get_text() for text in ax.texts] == [
        "Coverage", "Lithuania · all services",
        "Source: registry v1\nhttps://example.org/?view=1\n© EuroGeographics for the administrative boundaries"]
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels[:4] == ["Initiatives by service type", "Employment & work integration", "Care & day services", "Housing"]
    assert "Public authority" in labels and "none yet" in labels


def test_static_map_png_svg_pdf(frame, taxonomy, regions):
    counts = pd.Series({"LT011": 3})
    png = static_map_picture(frame, taxonomy, "lt", regions=regions, region_counts=counts, width=800, height=450)
    assert png.startswith(PNG) and Image.open(io.BytesIO(png)).size == (1600, 900)
    _assert_not_blank(png, min_share=0.05)
    pixels, legend_corner = _pixels(png), (900 - 30, 30)
    assert (pixels[legend_corner] > 240).all()  # the legend's white box fills the lower-left corner
    svg = static_map_picture(frame, taxonomy, "en", regions=regions, region_counts=counts, fmt="svg", width=800, height=450)
    root = ET.fromstring(svg)
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert "path" in tags and "image" not in tags  # vector, no embedded bitmap
    pdf = static_map_picture(frame, taxonomy, "en", fmt="pdf", width=800, height=450)
    assert pdf.startswith(PDF) and b"/Subtype /Image" not in pdf
    with pytest.raises(ValueError, match="not 'gif'"):
        static_map_picture(frame, taxonomy, "en", fmt="gif")


def test_static_map_without_regions_draws_the_country_outlines(frame, taxonomy):
    ax = static_map_figure(frame, taxonomy, "en", footer_lines=["Source: registry v1"]).axes[0]
    outlines = [collection for collection in ax.collections if len(collection.get_paths()) == len(country_outlines())]
    assert len(outlines) == 1 and outlines[0].get_zorder() < min(c.get_zorder() for c in ax.collections if c not in outlines)
    assert ax.texts[-1].get_text() == f"Source: registry v1\n{NATURAL_EARTH}"  # credited, and EuroGeographics not


def test_static_map_follows_the_view_bounds(frame, taxonomy):
    baltic = static_map_figure(frame, taxonomy, "en").axes[0]
    lithuania = static_map_figure(frame, taxonomy, "en", bounds=[[53.9, 20.9], [56.5, 26.9]]).axes[0]
    assert np.ptp(lithuania.get_xlim()) < np.ptp(baltic.get_xlim()) / 3
    assert np.ptp(lithuania.get_xlim()) / np.ptp(lithuania.get_ylim()) == pytest.approx(16 / 9)
