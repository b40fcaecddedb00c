"""The map draws and answers clicks with every request off this machine blocked, from the installed assets that
travel inside the page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import folium
from folium.plugins import MarkerCluster

from ecosystem.assets import inline_assets_html

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

    from tests.browser.conftest import RecordedPage, StreamlitServer

APP = Path(__file__).parent / "apps" / "offline_map_app.py"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOADED_LIBRARIES = "[typeof L, typeof L.markerClusterGroup, typeof jQuery]"
LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
SHAPES = "document.querySelectorAll('path.leaflet-interactive').length"
DRAWN_SHAPES = 5  # three circle markers, one clustered circle marker, one polygon
RIGA_LATITUDE = "56.9496"  # the first shape drawn is the Riga marker
TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event


def _map_frame(page: Page) -> Frame:
    """The st_folium component's frame, once its iframe is in the page."""
    frame = page.wait_for_selector(MAP_FRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    return frame


def test_local_assets_draw_and_click_offline(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage
) -> None:
    base_url = streamlit_server(APP, {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none"})
    page = browser_page.page
    page.goto(base_url)
    frame = _map_frame(page)
    frame.wait_for_function(f"{SHAPES} >= {DRAWN_SHAPES}", timeout=TIMEOUT_MS)

    assert frame.evaluate(LOADED_LIBRARIES) == ["object", "function", "function"]
    assert frame.evaluate(SHAPES) == DRAWN_SHAPES
    sources = frame.evaluate("[...document.scripts].filter(script => script.src).map(script => script.src)")
    embedded = [source for source in sources if source.startswith("data:text/javascript;base64,")]
    assert len(embedded) == 3  # Leaflet, jQuery, MarkerCluster

    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.click()
    page.get_by_test_id("stJson").filter(has_text=RIGA_LATITUDE).wait_for(timeout=TIMEOUT_MS)

    assert browser_page.blocked_requests == []
    assert browser_page.failed_requests == []
    assert browser_page.console_errors == []


def test_cdn_assets_stay_blank_offline(streamlit_server: StreamlitServer, browser_page: RecordedPage) -> None:
    base_url = streamlit_server(APP, {"ECOSYSTEM_MAP_ASSETS": "cdn", "ECOSYSTEM_TILES": "none"})
    page = browser_page.page
    with page.expect_event("requestfailed", lambda request: request.url == LEAFLET_CDN, timeout=TIMEOUT_MS):
        page.goto(base_url)
    frame = _map_frame(page)

    assert LEAFLET_CDN in browser_page.blocked_requests
    assert frame.evaluate("typeof L") == "undefined"
    assert frame.evaluate(SHAPES) == 0


def test_inlined_standalone_page_draws_offline(local_assets: Path, browser_page: RecordedPage) -> None:
    m = folium.Map(location=[57.5, 24.5], zoom_start=5, tiles=None)
    m.options["max_zoom"] = 18
    folium.Marker([56.9496, 24.1052], popup="Riga").add_to(m)
    folium.CircleMarker([59.4370, 24.7536], radius=10).add_to(MarkerCluster().add_to(m))
    page = browser_page.page

    page.set_content(inline_assets_html(m.get_root().render(), source=local_assets))
    page.wait_for_function(f"{SHAPES} >= 1", timeout=TIMEOUT_MS)

    assert page.evaluate(LOADED_LIBRARIES) == ["object", "function", "function"]
    icon = page.locator("img.leaflet-marker-icon")
    icon.first.wait_for(timeout=TIMEOUT_MS)
    assert icon.first.evaluate("image => image.complete && image.naturalWidth > 0")
    assert browser_page.blocked_requests == []
    assert browser_page.console_errors == []
