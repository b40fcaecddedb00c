"""Text that people or files supply is data: template syntax in registry cells, programme names, export titles
and the ``q`` filter comes out of every output literally, and nothing it asks for happens.

Each payload would, if a template engine evaluated it, leave a visible trace: a word that only evaluation
writes (``injected``, ``loopedloopedlooped``) or a file created on the server.
"""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from streamlit_folium import generate_leaflet_string

from conftest import DATA, NUTS_2024_L3, REPO, make_frame
from ecosystem.charts import CHARTS
from ecosystem.coverage import region_counts
from ecosystem.exports import ExportOptions, chart_file, deck_file, html_file, map_file
from ecosystem.filters import FilterState
from ecosystem.maps import MapLayers, build_map, map_layers, safe_json
from ecosystem.regions import load_regions
from ecosystem.registry import Registry, read_raw_csv
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes, registry_xlsx_bytes
from ecosystem.schema import PROBLEM_COLUMNS
from ecosystem.view import View

TRACES = ("injected", "loopedloopedlooped")
OPTIONS = ExportOptions(base_url="http://dash.example")
FREE_TEXT_COLUMNS = ("id", "name", "municipality", "partner", "description", "source")


def payloads(marker: Path) -> list[str]:
    """Template syntax of every kind; each one leaves a trace if evaluated."""
    return [
        "Pilot {{7*7}} {{ 'inj' ~ 'ected' }}",
        "{% for i in range(3) %}looped{% endfor %}",
        "{{ cycler.__init__.__globals__.os.mkdir('%s') }}" % (marker / "mkdir"),
        "{{ lipsum.__globals__['os'].system('touch %s') }}" % (marker / "system"),
        "{{'window'}} {#- comment -#} {%- raw %}",
        "Price $\\frac{$ and $x^2$ </script><script>alert(1)</script>",
    ]


@pytest.fixture()
def marker(tmp_path: Path) -> Path:
    folder = tmp_path / "evaluated"
    folder.mkdir()
    return folder


def assert_nothing_happened(marker: Path, *outputs: str) -> None:
    assert list(marker.iterdir()) == [], "a template payload ran on this machine"
    for output in outputs:
        for trace in TRACES:
            assert trace not in output


def hostile_frame(texts: list[str]) -> pd.DataFrame:
    """One initiative and one organisation per payload, the payload in every free-text column."""
    rows = []
    for n, text in enumerate(texts):
        cells = {column: f"{text} {n}" for column in FREE_TEXT_COLUMNS}
        rows.append(cells | {"country": "LT", "region_code": "LT027", "latitude": f"{55 + n / 10}",
                             "longitude": "22.29", "location_precision": "settlement",
                             "service_types": "transport_mobility", "target_groups": "older_people",
                             "programmes": "socifaction", "start_year": "2017", "website": "https://example.org/a"})
        rows.append(cells | {"id": f"org {text} {n}", "actor_type": "support_organisation", "country": "LV",
                             "latitude": "56.5", "longitude": f"{21 + n / 10}", "location_precision": "settlement"})
    return make_frame(rows)


@pytest.fixture()
def texts(marker: Path) -> list[str]:
    return payloads(marker)


@pytest.fixture()
def view(taxonomy, texts: list[str]) -> View:
    regions = None
    if NUTS_2024_L3.exists():

        regions = load_regions(NUTS_2024_L3)
    frame = hostile_frame(texts)
    registry = Registry(frame, pd.DataFrame({"id": ["socifaction"], "name": [texts[0]]}), "7", "2026-11-29",
                        pd.DataFrame(columns=PROBLEM_COLUMNS))
    return View(taxonomy, registry, regions, {"LT027": texts[1]},
                FilterState(countries=("LT", "LV"), text=" ".join(texts)), frame, "en")


def test_live_map_renders_every_cell_as_json_data(view: View, texts: list[str], marker: Path) -> None:
    def layers() -> MapLayers:
        counts = region_counts(view.filtered, view.regions["nuts_id"]) if view.regions is not None else None
        return map_layers(view.filtered, view.taxonomy, "en", view.programme_names, tiles=None, regions=view.regions,
                          region_counts=counts)

    page = build_map(layers()).get_root().render()  # st_folium renders the whole page on the server first
    live = layers()
    for overlay in live.overlays:  # then each overlay as st_folium does, and sends the script it generates
        overlay.add_to(live.base)
        overlay.render()
    browser_script = "\n".join(generate_leaflet_string(overlay) for overlay in live.overlays)
    for n, text in enumerate(texts):
        assert safe_json(f"{text} {n}")[1:-1] in browser_script
        assert safe_json(f"{text} {n}")[1:-1] in page
    assert "{{7*7}}" in page and "{{7*7}}" in browser_script
    assert "</script><script>" not in page
    assert_nothing_happened(marker, page, browser_script)


def test_html_map_keeps_title_filters_and_cells_literal(view: View, texts: list[str], marker: Path) -> None:
    page = html_file(view, title=texts[2], options=OPTIONS).data.decode("utf-8")
    assert safe_json(html.escape(texts[2]))[1:-1] in page  # the title, as escaped text inside the JSON stamp
    for n, text in enumerate(texts):
        assert safe_json(f"{text} {n}")[1:-1] in page
    assert "<script>alert(1)" not in page
    assert_nothing_happened(marker, page)


def test_static_map_pictures_draw_text_as_written(view: View, texts: list[str], marker: Path) -> None:
    svg = map_file(view, "svg", title=texts[5], use_browser=False).data.decode("utf-8")
    assert "Price $\\frac{$ and $x^2$" in html.unescape(svg)  # no mathtext: the dollars and backslash stay
    assert map_file(view, "pdf", title=texts[0], use_browser=False).data.startswith(b"%PDF-")
    assert_nothing_happened(marker, svg)


def test_registry_files_round_trip_every_cell(view: View, marker: Path) -> None:
    frame = view.filtered
    csv = pd.read_csv(io.BytesIO(registry_csv_bytes(frame)), dtype=str, keep_default_na=False)
    geojson = json.loads(registry_geojson_bytes(frame))
    workbook = openpyxl.load_workbook(io.BytesIO(registry_xlsx_bytes(frame)), read_only=True)
    sheet = workbook.worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    for column in FREE_TEXT_COLUMNS:
        expected = frame[column].tolist()
        assert csv[column].tolist() == expected
        assert [feature["properties"][column] for feature in geojson["features"]] == expected
        assert [row[header.index(column)] for row in rows] == expected
    assert_nothing_happened(marker)


@pytest.mark.browser
def test_chart_and_map_pictures_and_deck_run_nothing(browsers, view: View, texts: list[str],
                                                     marker: Path) -> None:
    outputs = []
    for chart in CHARTS:
        svg = chart_file(view, chart, "svg", title=texts[0]).data.decode("utf-8")
        outputs.append(svg)
    assert "{{7*7}}" in html.unescape(outputs[0])
    assert chart_file(view, "heatmap", "pdf", title=texts[2]).data.startswith(b"%PDF-")
    assert chart_file(view, "country", "png", title=texts[3], qr=True).data.startswith(b"\x89PNG")
    assert map_file(view, "png", title=texts[3], qr=True).data.startswith(b"\x89PNG")
    deck = Presentation(io.BytesIO(deck_file(view, title=texts[0]).data))
    deck_text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                          if shape.has_text_frame)
    assert texts[0] in deck_text
    assert_nothing_happened(marker, deck_text, *outputs)


def hostile_data_dir(folder: Path, texts: list[str]) -> Path:
    """A copy of the data folder whose seed rows carry the payloads in their names and descriptions."""
    data = folder / "data"
    data.mkdir()
    for path in DATA.glob("*.csv"):
        (data / path.name).write_bytes(path.read_bytes())
    raw = read_raw_csv(DATA / "initiatives.csv")
    for n, text in enumerate(texts):
        raw.loc[n, "name"] = f"{text} {n}"
        raw.loc[n, "description"] = text
    raw.to_csv(data / "initiatives.csv", index=False)
    return data


@pytest.mark.browser
def test_export_figures_command_runs_nothing(browsers, tmp_path: Path, texts: list[str], marker: Path) -> None:
    data = hostile_data_dir(tmp_path, texts)
    out = tmp_path / "out"
    env = os.environ | {"ECOSYSTEM_DATA_DIR": str(data),
                        "ECOSYSTEM_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite'}"}
    result = subprocess.run([sys.executable, "-m", "ecosystem", "export-figures", "--query", "q=",
                             "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert safe_json(f"{texts[0]} 0")[1:-1] in page
    with zipfile.ZipFile(next(out.glob("*.pptx"))) as deck:
        slides = "".join(deck.read(name).decode("utf-8") for name in deck.namelist() if name.endswith(".xml"))
    assert_nothing_happened(marker, page, slides)
