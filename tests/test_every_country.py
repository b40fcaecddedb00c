"""A registry that reaches beyond the Baltic Sea (Bulgaria, Greece, Ireland, Malta, Ukraine, Portugal, Cyprus): every
page, filter, chart, export and the deck works with it, and names its countries in the interface language."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation

from apptests import open_dashboard
from conftest import copy_seed_data, initialise_store
from ecosystem import exports
from ecosystem.charts import CHARTS
from ecosystem.exports import ExportOptions, deck_file, html_file, map_file
from ecosystem.filters import describe_filters
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes, registry_xlsx_bytes
from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.store import open_store
from ecosystem.view import load_view

FAR_ROWS = [  # (id, country, region, latitude, longitude, actor type)
    ("bg-sofia-social-kitchen", "BG", "BG411", "42.6977", "23.3219", "initiative"),
    ("gr-athens-day-centre", "GR", "EL303", "37.9838", "23.7275", "initiative"),
    ("ie-dublin-youth-hub", "IE", "", "53.3498", "-6.2603", "initiative"),
    ("mt-valletta-care", "MT", "", "35.8989", "14.5146", "initiative"),
    ("ua-kyiv-refugee-help", "UA", "", "50.4501", "30.5234", "initiative"),
    ("pt-lisbon-network", "PT", "", "38.7223", "-9.1393", "support_organisation"),
]
PAGES = ["overview", "gaps", "map", "coverage", "registry", "about", "present", "history", "upload"]


def _far_rows() -> list[dict[str, str]]:
    rows = []
    for row_id, country, region, latitude, longitude, actor in FAR_ROWS:
        initiative = actor == "initiative"
        rows.append({column: "" for column in REGISTRY_COLUMNS} | {
            "id": row_id, "name": f"Test {row_id}", "actor_type": actor, "country": country, "region_code": region,
            "latitude": latitude, "longitude": longitude, "location_precision": "settlement",
            "service_types": "social_support;food_nutrition" if initiative else "",
            "target_groups": "migrants_refugees;older_people" if initiative else "", "status": "active",
            "start_year": "2023", "partner": "seed", "source": "test", "last_updated": "2026-11-26"})
    return rows


@pytest.fixture()
def europe_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed registry and rows from six countries outside the Baltic Sea region, set up as the server does."""
    copy_seed_data(tmp_path)
    with (tmp_path / "initiatives.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, REGISTRY_COLUMNS, lineterminator="\n").writerows(_far_rows())
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "none"))
    initialise_store()
    return tmp_path


@pytest.mark.parametrize("query", [{}, {"country": "BG,GR,UA"}, {"country": "MT", "lang": "lt"}],
                         ids=["all", "far-countries", "malta-lt"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_countries_beyond_the_baltic_sea(europe_dir, page, query):
    at = open_dashboard(page, query).run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]


def test_the_sidebar_offers_the_far_countries_by_name_and_the_filter_selects_them(europe_dir):
    at = open_dashboard("registry", {"country": "BG,GR", "lang": "de"}).run()
    assert not at.exception
    chosen = at.multiselect(key="f_countries")
    assert chosen.value == ["BG", "GR"]
    assert {"Bulgarien", "Griechenland", "Irland", "Malta", "Ukraine", "Portugal", "Litauen"} <= set(chosen.options)
    table = at.dataframe[0].value
    assert set(table["Land"]) == {"Bulgarien", "Griechenland"}


def test_charts_exports_and_the_deck_of_a_view_of_far_countries(europe_dir, monkeypatch):
    monkeypatch.setattr(exports, "browser_available", lambda: False)  # the map picture without a browser
    view = load_view("country=BG,GR,IE,MT,UA", "pl")
    assert set(view.filtered["country"]) == {"BG", "GR", "IE", "MT", "UA"}
    assert "Kraj: Bułgaria, Grecja, Irlandia, Malta, Ukraina" in describe_filters(view.state, view.taxonomy, "pl")
    for spec in CHARTS.values():
        figure = spec.build(view.filtered, view.taxonomy, view.lang, "source", view.programme_names, view.region_names)
        assert figure.data, spec.id
    country_chart = CHARTS["country"].build(view.filtered, view.taxonomy, "pl", "", view.programme_names, {})
    assert {"Bułgaria", "Grecja", "Irlandia", "Malta", "Ukraina"} <= {str(label) for trace in country_chart.data
                                                                    for label in trace.y}
    options = ExportOptions(base_url="http://dash.example")
    deck = Presentation(io.BytesIO(deck_file(view, options=options).data))
    texts = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert "Bułgaria" in texts
    assert b"<svg" in map_file(view, "svg", options=options).data
    assert "Test bg-sofia-social-kitchen" in html_file(view, options=options).data.decode("utf-8")
    stored = open_store().read()
    assert {"BG", "GR", "IE", "MT", "UA", "PT"} <= set(stored["country"])
    assert b"BG411" in registry_csv_bytes(stored) and b"EL303" in registry_geojson_bytes(view.filtered)
    with zipfile.ZipFile(io.BytesIO(registry_xlsx_bytes(stored))) as workbook:
        assert workbook.namelist()
