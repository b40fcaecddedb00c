"""One map style: the live map (folium) and the picture renderer (matplotlib) draw the same points, regions and
legend. The folium side is read back from the rendered page and the matplotlib side from the figure, so a style
changed in only one renderer fails here."""

from __future__ import annotations

import base64
import json
import re
from html import unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgba
from shapely.geometry import box

from ecosystem.map_style import (
    CLASS_COLOURS,
    EMPTY_REGION_COLOUR,
    GAP_OUTLINE,
    LEGEND_SWATCH,
    choropleth_classes,
    rate_classes,
)
from ecosystem.maps import build_map, map_layers
from ecosystem.pictures import map_shape_count, static_map_figure
from ecosystem.pictures.static_map import _PX

SWATCH = re.compile(r'<b>(?P<heading>.*?)</b>|<div><span style="(?P<style>[^"]*)"></span>(?P<label>.*?)</div>')


@pytest.fixture(scope="module")
def seed(seed_registry) -> pd.DataFrame:
    return seed_registry.initiatives


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"nuts_id": ["LT027", "LV00B", "SE332"], "name": ["Tauragė", "Kurzeme", "Norrbotten"]},
                            geometry=[box(21.5, 55, 23.5, 56), box(20.9, 56.3, 23, 57.7), box(17, 65, 24, 68)],
                            crs="EPSG:4326")


@pytest.fixture(scope="module")
def counts() -> pd.Series:
    return pd.Series({"LT027": 7, "LV00B": 4, "SE332": 0})


def _page(frame, taxonomy, **options) -> str:
    return build_map(map_layers(frame, taxonomy, "en", {}, tiles=None, **options)).get_root().render()


def _folium_points(html: str) -> list[dict]:
    """Per point layer, in drawing order: each point's fill, and the layer's radius, stroke, weight and opacity."""
    points = []
    for found in re.findall(r"new L\.EcoPoints\((\{.*?\})\)\);", html):
        spec = json.loads(found)
        kind = np.frombuffer(base64.b64decode(spec["kind"]), dtype=np.uint8)
        points.append({"fills": [to_hex(spec["palette"][k]) for k in kind], **spec["style"]})
    return points


def _picture_points(fig) -> list[dict]:
    """The same, read back from the picture's scatter collections (organisations below initiatives)."""
    scatters = sorted((c for c in fig.axes[0].collections if c.get_zorder() > 1), key=lambda c: c.get_zorder())
    points = []
    for scatter in scatters:
        faces, edges = scatter.get_facecolors(), scatter.get_edgecolors()
        points.append({
            "fills": [to_hex(face[:3]) for face in faces],
            "radius": float(np.sqrt(scatter.get_sizes()[0]) / 2 / _PX),
            "stroke": to_hex(edges[0][:3]),
            "weight": float(scatter.get_linewidths()[0] / _PX),
            "opacity": float(faces[0][3]),
        })
    return points


def _folium_legend(html: str) -> list[tuple]:
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    entries = []
    for match in SWATCH.finditer(legend):
        if match["heading"] is not None:
            entries.append(("heading", unescape(match["heading"])))
            continue
        style = match["style"]
        kind = "point" if "border-radius:50%" in style else "region"
        colour = re.search(r"background:(#[0-9a-fA-F]{6})", style).group(1)
        size = float(re.search(r"width:([\d.]+)px", style).group(1))
        edge = re.search(r"border:([\d.]+)px solid (#[0-9a-fA-F]{6})", style)
        entries.append((kind, unescape(match["label"]), to_hex(colour), size, float(edge[1]), to_hex(edge[2])))
    return entries


def _picture_legend(fig) -> list[tuple]:
    legend = fig.axes[0].get_legend()
    entries = []
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        if text.get_fontweight() == "bold":
            entries.append(("heading", text.get_text()))
            continue
        kind = {"o": "point", "s": "region"}[handle.get_marker()]
        entries.append((kind, text.get_text(), to_hex(handle.get_markerfacecolor()),
                        round(handle.get_markersize() / _PX, 6), round(handle.get_markeredgewidth() / _PX, 6),
                        to_hex(handle.get_markeredgecolor())))
    return entries


def test_choropleth_classes():
    assert choropleth_classes(0) == []
    assert choropleth_classes(1) == [(1, 1)]
    assert choropleth_classes(6) == [(1, 1), (2, 3), (4, 6)]
    assert choropleth_classes(100) == [(1, 1), (2, 3), (4, 7), (8, 15), (16, 100)]


@pytest.mark.parametrize("options", [{}, {"show_organisations": False}, {"colour_services": ["housing"]}],
                         ids=["all", "initiatives only", "coloured by housing"])
def test_picture_points_look_like_the_live_map_points(seed, taxonomy, options):
    live = _folium_points(_page(seed, taxonomy, **options))
    legend_services = options.pop("colour_services", ())
    picture = _picture_points(static_map_figure(seed, taxonomy, "en", legend_services=legend_services,
                                                width=800, height=450, scale=1, **options))
    assert len(live) == len(picture) == (1 if options else 2)
    for drawn, shown in zip(live, picture, strict=True):
        assert shown["fills"] == drawn["fills"]
        assert shown["radius"] == pytest.approx(drawn["radius"])
        assert shown["stroke"] == to_hex(drawn["stroke"])
        assert shown["weight"] == pytest.approx(drawn["weight"])
        assert shown["opacity"] == pytest.approx(drawn["opacity"])


def test_picture_regions_look_like_the_live_map_regions(seed, taxonomy, regions, counts):
    html = _page(seed, taxonomy, regions=regions, region_counts=counts)
    outlines = json.loads(re.search(r"L\.ecoRegions\([^,]+, (\{.*?\})\);", html).group(1))
    style = outlines["style"]
    data = json.loads(base64.b64decode(outlines["url"].split(",", 1)[1]))
    fills = json.loads(re.search(r"new L\.EcoCoverage\((\{.*?\})\)", html).group(1))["regions"]
    fig = static_map_figure(seed, taxonomy, "en", regions=regions, region_counts=counts, width=800, height=450, scale=1)
    polygons = next(c for c in fig.axes[0].collections if c.get_zorder() == 1)
    expected = [to_rgba(fills[feature["properties"]["id"]][0], style["opacity"]) for feature in data["features"]]
    assert [tuple(face) for face in polygons.get_facecolors()] == pytest.approx(expected)
    assert to_hex(polygons.get_edgecolors()[0][:3]) == to_hex(style["edge"])
    assert polygons.get_linewidths()[0] / _PX == pytest.approx(style["weight"])


@pytest.mark.parametrize("options", [{}, {"show_organisations": False}, {"colour_services": ["housing"]}],
                         ids=["all", "initiatives only", "coloured by housing"])
def test_both_renderers_show_the_same_legend(seed, taxonomy, regions, counts, options):
    html = _page(seed, taxonomy, regions=regions, region_counts=counts, **options)
    legend_services = options.pop("colour_services", ())
    fig = static_map_figure(seed, taxonomy, "en", regions=regions, region_counts=counts,
                            legend_services=legend_services, width=1600, height=900, scale=1, **options)
    live, picture = _folium_legend(html), _picture_legend(fig)
    headings = [entry[1] for entry in live if entry[0] == "heading"]
    expected = ["Initiatives by service type", "Organisations", "Initiatives per region"]
    assert headings == [heading for heading in expected if options == {} or heading != "Organisations"]
    assert picture == live


def test_shape_count_is_what_the_live_map_draws(seed, taxonomy, regions, counts):
    for options, region_options in (({}, {}), ({"show_organisations": False}, {"regions": regions, "region_counts": counts})):
        html = _page(seed, taxonomy, **options, **region_options)
        points = 0
        for found in re.findall(r"new L\.EcoPoints\((\{.*?\})\)\);", html):
            points += len(base64.b64decode(json.loads(found)["kind"]))  # one colour class per point shown
        outlines = re.search(r"L\.ecoRegions\([^,]+, (\{.*?\})\);", html)
        polygons = 0
        if outlines:
            polygons = len(json.loads(base64.b64decode(json.loads(outlines.group(1))["url"].split(",", 1)[1]))["features"])
        assert map_shape_count(seed, **options, regions=region_options.get("regions")) == points + polygons


def _coverage_spec(html: str) -> dict[str, list]:
    return json.loads(re.search(r"new L\.EcoCoverage\((\{.*?\})\)", html).group(1))["regions"]


def test_gaps_are_outlined_alike_on_the_live_map_and_the_picture(seed, taxonomy, regions, counts):
    html = _page(seed, taxonomy, regions=regions, region_counts=counts, outlined=["SE332"])
    spec = _coverage_spec(html)
    assert spec["SE332"][2] == {"color": GAP_OUTLINE.edge, "weight": GAP_OUTLINE.weight}
    assert len(spec["LT027"]) == len(spec["LV00B"]) == 2  # not outlined: fill and label only
    fig = static_map_figure(seed, taxonomy, "en", regions=regions, region_counts=counts, outlined=["SE332"],
                            width=1600, height=900, scale=1)
    edges = next(c for c in fig.axes[0].collections if c.get_zorder() == 2)
    assert len(edges.get_paths()) == 1 and to_hex(edges.get_edgecolors()[0][:3]) == GAP_OUTLINE.edge
    assert edges.get_linewidths()[0] / _PX == pytest.approx(GAP_OUTLINE.weight)
    live = _folium_legend(html)
    assert _picture_legend(fig) == live
    assert live[-1] == ("region", "No initiative (gap)", EMPTY_REGION_COLOUR, LEGEND_SWATCH.size, GAP_OUTLINE.weight,
                        GAP_OUTLINE.edge)


def test_rate_classes_split_at_quintiles_in_two_significant_digits():
    assert rate_classes(pd.Series([0.0, float("nan")])) == []
    assert rate_classes(pd.Series([0.0, 1.234, 2.5, 3.3, 7.77, 12.1456, float("nan")])) == [
        (0.0, 2.2), (2.2, 3.0), (3.0, 5.1), (5.1, 8.6), (8.6, 13.0)]
    assert rate_classes(pd.Series([5.0])) == [(0.0, 5.0)]


def test_regions_coloured_per_100k_residents_say_so_in_labels_and_legend(seed, taxonomy, regions, counts):
    rates = pd.Series({"LT027": 12.0, "LV00B": 2.0, "SE332": float("nan")})
    html = _page(seed, taxonomy, regions=regions, region_counts=counts, region_rates=rates)
    spec = _coverage_spec(html)
    assert spec["LT027"][0] == CLASS_COLOURS[4] and spec["LV00B"][0] == CLASS_COLOURS[0]
    assert spec["LT027"][1] == "Tauragė (LT027): 7 initiatives — 12 per 100,000 residents concerned"
    assert spec["SE332"][0] == EMPTY_REGION_COLOUR and spec["SE332"][1].endswith("— residents unknown")
    legend = _folium_legend(html)
    headings = [entry[1] for entry in legend if entry[0] == "heading"]
    assert "Initiatives per 100,000 residents concerned" in headings and "Initiatives per region" not in headings
    assert [entry[1] for entry in legend[-5:]] == ["0–4", "4–6", "6–8", "8–10", "10–12"]
