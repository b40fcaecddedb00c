"""Exports of a view: stamped chart pictures, map pictures (browser and fallback), deck, standalone HTML, batch."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation

from conftest import NUTS_2024_L3, REPO, copy_seed_data, make_frame
from ecosystem.attributions import NATURAL_EARTH
from ecosystem.exports import ExportOptions, chart_file, deck_file, html_file, map_file, map_title
from ecosystem.filters import FilterState
from ecosystem.pictures import SLIDE_SIZES
from ecosystem.regions import load_regions
from ecosystem.registry import Registry
from ecosystem.schema import PROBLEM_COLUMNS
from ecosystem.view import View
from qr import decoded_qr_codes, decoded_qr_codes_in_image

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
OPTIONS = ExportOptions(base_url="http://dash.example")


@pytest.fixture(scope="module")
def regions():
    if not NUTS_2024_L3.exists():
        return None

    return load_regions(NUTS_2024_L3)


@pytest.fixture()
def view(taxonomy, regions) -> View:
    frame = make_frame([
        {"id": "a", "name": HOSTILE, "country": "LT", "region_code": "LT027", "latitude": "55.25", "longitude": "22.29",
         "location_precision": "settlement", "service_types": "transport_mobility", "programmes": "socifaction",
         "start_year": "2017"},
        {"id": "b", "name": "Gramančia", "country": "LT", "region_code": "LT027", "latitude": "55.3",
         "longitude": "22.1", "location_precision": "settlement", "service_types": "care_day_services"},
        {"id": "c", "name": "Org", "country": "LV", "actor_type": "support_organisation", "latitude": "56.5",
         "longitude": "21.0", "location_precision": "settlement"},
    ])
    programmes = pd.DataFrame({"id": ["socifaction"], "name": ["SOCIFACTION"]})
    registry = Registry(frame, programmes, "42", "2026-11-26", pd.DataFrame(columns=PROBLEM_COLUMNS))
    return View(taxonomy, registry, regions, {"LT027": "Tauragės apskritis"}, FilterState(countries=("LT", "LV")),
                frame, "lt")


def test_static_map_needs_no_browser_and_is_vector(view):
    svg = map_file(view, "svg", use_browser=False)
    assert svg.name.startswith("map_LT-LV_") and svg.name.endswith("_v42.svg") and svg.mime == "image/svg+xml"
    text = svg.data.decode("utf-8")
    assert "<svg" in text and "<script" not in text
    assert "Šaltinis" in text or "&#352;altinis" in text  # the Lithuanian source line is drawn as text
    pdf = map_file(view, "pdf", use_browser=False)
    assert pdf.data.startswith(b"%PDF-")
    png = map_file(view, "png", SLIDE_SIZES["4:3"], use_browser=False)
    assert Image.open(io.BytesIO(png.data)).size == (2400, 1800)


def test_html_map_works_offline_and_carries_the_stamp(view, browsers):
    html = html_file(view, title="Tauragė <b>pilot</b>", options=OPTIONS).data.decode("utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert not re.search(r"<link[^>]+href=[\"']https?://", html)
    assert "Tauragė \\u0026lt;b\\u0026gt;pilot" in html and "<b>pilot" not in html  # escaped, then script-safe
    assert html.startswith('<!DOCTYPE html>\n<html lang="lt">')  # the view's language, for browsers and readers
    assert "<title>Tauragė &lt;b&gt;pilot&lt;/b&gt;</title>" in html
    assert "http://dash.example/map?country=LT%2CLV" in html
    if view.regions is not None:
        assert "EuroGeographics for the administrative boundaries" in html


def test_without_boundaries_the_exports_draw_and_credit_the_country_outlines(view, browsers):
    bare = replace(view, regions=None, region_names={})
    html = html_file(bare, options=OPTIONS).data.decode("utf-8")
    assert f'"attribution":"{NATURAL_EARTH}"' in html and "EuroGeographics" not in html
    svg = map_file(bare, "svg", use_browser=False).data.decode("utf-8")
    assert NATURAL_EARTH in svg and "EuroGeographics" not in svg
    png = map_file(bare, "png", options=OPTIONS)  # in the browser: waits for the outlines as well as the points
    assert Image.open(io.BytesIO(png.data)).size == (3200, 1800)
    deck = Presentation(io.BytesIO(deck_file(bare, options=OPTIONS).data))
    texts = [paragraph.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
             for paragraph in shape.text_frame.paragraphs]
    assert NATURAL_EARTH in texts and not any("EuroGeographics" in text or "GISCO" in text for text in texts)


def test_chart_picture_is_slide_sized_and_names_say_what_is_inside(view, browsers):
    png = chart_file(view, "heatmap", "png", SLIDE_SIZES["16:9"])
    assert png.name.startswith("coverage-heatmap_LT-LV_") and png.name.endswith("_v42.png")
    image = Image.open(io.BytesIO(png.data)).convert("RGB")
    assert image.size == (3200, 1800)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 50  # not blank


def test_markup_in_names_stays_text_in_svg(view, browsers):
    svg = chart_file(view, "country", "svg").data.decode("utf-8")
    assert "<script" not in svg and "onerror=alert" not in svg.replace("onerror=alert(2)&gt;", "")


def test_map_picture_in_a_browser(view, browsers):
    png = map_file(view, "png", SLIDE_SIZES["square"])
    image = Image.open(io.BytesIO(png.data)).convert("RGB")
    assert image.size == (2000, 2000)
    transport = tuple(int(view.taxonomy.colours("service_type")["transport_mobility"][i:i + 2], 16) for i in (1, 3, 5))
    assert any(colour == transport for _, colour in image.getcolors(maxcolors=4_000_000))


def test_deck_contains_the_map_and_native_charts(view, browsers):
    deck = Presentation(io.BytesIO(deck_file(view).data))
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    charts = [shape for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    assert pictures and charts
    assert deck.slide_width > deck.slide_height


def test_export_figures_command_writes_a_view(tmp_path: Path, browsers):
    data = copy_seed_data(tmp_path / "data")
    env = {**os.environ, "ECOSYSTEM_DATA_DIR": str(data), "PYTHONPATH": str(REPO),
           "ECOSYSTEM_REFERENCE_DIR": str(NUTS_2024_L3.parent if NUTS_2024_L3.exists() else tmp_path / "none"),
           "ECOSYSTEM_PUBLIC_URL": "https://ecosystem.example.org/"}
    out = tmp_path / "figures"
    result = subprocess.run([sys.executable, "-m", "ecosystem", "export-figures", "--query",
                             "country=LT&service=transport_mobility", "--out", str(out), "--lang", "lt"],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    assert len(names) == 16 and all("_LT_" in name for name in names)
    deck = next(out.glob("deck_*.pptx"))
    assert zipfile.is_zipfile(deck)
    link = "https://ecosystem.example.org/overview?country=LT&service=transport_mobility&lang=lt"
    assert decoded_qr_codes(Presentation(deck).slides[0]) == [link]  # the link that restores the view


def test_qr_code_of_the_permalink_on_pictures(view, browsers):
    link = "http://dash.example/coverage?country=LT%2CLV&lang=lt"
    assert decoded_qr_codes_in_image(chart_file(view, "timeline", "png", options=OPTIONS).data) == []
    assert decoded_qr_codes_in_image(chart_file(view, "timeline", "png", qr=True, options=OPTIONS).data) == [link]
    html = html_file(view, qr=True, options=OPTIONS).data.decode("utf-8")
    pictures = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    codes = [text for picture in pictures for text in decoded_qr_codes_in_image(base64.b64decode(picture))]
    assert codes == [link.replace("/coverage", "/map")]


def test_qr_on_the_static_map(view):
    picture = map_file(view, "png", use_browser=False, qr=True, options=OPTIONS).data
    assert decoded_qr_codes_in_image(picture) == ["http://dash.example/map?country=LT%2CLV&lang=lt"]


def test_without_an_address_exports_carry_no_link(view, browsers):
    """No link is better than one without a host: it would open nothing from a slide."""
    assert decoded_qr_codes_in_image(chart_file(view, "timeline", "png", qr=True).data) == []
    assert decoded_qr_codes_in_image(map_file(view, "png", use_browser=False, qr=True).data) == []
    html = html_file(view, qr=True).data.decode("utf-8")
    assert "alt=\\u0022QR\\u0022" not in html.replace('\\"', "\\u0022") and "?country=" not in html


def test_the_deck_credits_what_its_pictures_draw(view, browsers):
    """The deck's map picture is drawn without tiles, with the NUTS boundaries when there are any."""
    deck = Presentation(io.BytesIO(deck_file(view, options=ExportOptions(base_url="http://dash.example",
                                                                         tiles="osm")).data))
    texts = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert "OpenStreetMap" not in texts
    assert ("EuroGeographics" in texts) == (view.regions is not None)


def test_a_map_is_titled_by_what_it_shows(view, browsers):
    """Two initiatives and one organisation with coordinates are drawn (view: in Lithuanian)."""
    shown = ("Žemėlapis: 2 iniciatyvos ir 1 organizacija; regionai nuspalvinti pagal iniciatyvų skaičių"
             if view.regions is not None else "Žemėlapis: 2 iniciatyvos ir 1 organizacija")
    assert map_title(view, OPTIONS) == shown
    assert map_title(view, ExportOptions(show_organisations=False, show_coverage=False)) == "Žemėlapis: 2 iniciatyvos"
    unlocated = replace(view, filtered=view.filtered.assign(latitude=[None, 55.3, 56.5]))
    assert map_title(unlocated, ExportOptions(show_coverage=False)) == "Žemėlapis: 1 iniciatyva ir 1 organizacija"
    deck = Presentation(io.BytesIO(deck_file(view, options=OPTIONS).data))
    assert [slide.shapes.title.text for slide in deck.slides][1] == shown
    svg = map_file(view, "svg", use_browser=False, options=OPTIONS).data.decode("utf-8")
    assert "2 iniciatyvos ir 1 organizacija" in svg
