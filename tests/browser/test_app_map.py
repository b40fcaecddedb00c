"""The real dashboard in headless Chromium, offline: the map draws the registry's markers, a click on a
marker opens its detail card, boundaries carry their attribution, and markup in names stays text."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from ecosystem.config import PROJECT_DIR

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from tests.browser.conftest import RecordedPage, StreamlitServer

DATA = PROJECT_DIR / "data"
NUTS = PROJECT_DIR.parent / "shared" / "reference" / "nuts"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# our markers on the map, through Leaflet's public eachLayer and the ecoIndex option maps.point_layer gives them
MARKERS = ("(() => { const found = []; window.map.eachLayer(layer => {"
           " if (layer.options.ecoIndex !== undefined) { found.push(layer); } }); return found; })()")
TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">SIVAN"


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    for name in ("initiatives.csv", "programmes.csv", "taxonomy.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    path = tmp_path / "initiatives.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",SIVAN,", f',"{HOSTILE.replace(chr(34), chr(34) * 2)}",', 1),
                    encoding="utf-8")
    return tmp_path


def map_frame(recorded: RecordedPage) -> Frame:
    frame = recorded.page.wait_for_selector(MAP_FRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    return frame


def test_map_page_draws_markers_and_a_click_opens_the_card(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage, data_dir: Path
) -> None:
    env = {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none", "ECOSYSTEM_DATA_DIR": str(data_dir),
           "ECOSYSTEM_REFERENCE_DIR": str(NUTS if NUTS.exists() else data_dir / "none")}
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", env)
    page = browser_page.page
    page.goto(f"{base_url}/map?country=SE,LT")  # the first visit of a fresh server opens a page URL
    frame = map_frame(browser_page)
    page.get_by_role("heading", name="Map", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stSidebarNav").get_by_text("Coverage").count() == 1  # the router's navigation
    seed = pd.read_csv(data_dir / "initiatives.csv", dtype=str).fillna("")
    located = seed[seed["country"].isin(["SE", "LT"]) & (seed["latitude"] != "")]
    frame.wait_for_function(f"window.map && {MARKERS}.length >= {len(located)}", timeout=TIMEOUT_MS)
    assert frame.evaluate(f"{MARKERS}.length") == len(located)
    frame.locator(".eco-legend").wait_for(timeout=TIMEOUT_MS)  # the legend comes with its layer
    assert frame.locator(".eco-legend").count() == 1

    # click SIVAN's marker where Leaflet draws it on the canvas: a real click, hit-tested by Leaflet
    frame.evaluate(f"""(() => {{
        const m = {MARKERS}.find(layer => Math.abs(layer.getLatLng().lat - 65.5848) < 1e-6);
        window.map.setView(m.getLatLng(), 9, {{animate: false}});
    }})()""")
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    point = frame.evaluate(f"""(() => {{
        const m = {MARKERS}.find(layer => Math.abs(layer.getLatLng().lat - 65.5848) < 1e-6);
        const p = window.map.latLngToContainerPoint(m.getLatLng());
        const r = window.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }})()""")
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    card = page.get_by_text(HOSTILE, exact=False)
    card.first.wait_for(timeout=TIMEOUT_MS)
    assert page.title() != "pwned" and frame.evaluate("document.title") != "pwned"
    assert page.locator("img[src='x']").count() == 0

    if NUTS.exists():
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "EuroGeographics for the administrative boundaries" in attribution
    assert browser_page.blocked_requests == []
    # Streamlit itself probes /map/_stcore/… before it knows its base path: those 404s are not ours
    assert [error for error in browser_page.console_errors if "status of 404" not in error] == []
