"""Without NUTS boundaries and offline, the real dashboard's map (``app.py``) still draws coasts and borders: the
country outlines that ship with the project, fetched from this server, named in the page's language and credited
to Natural Earth."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conftest import copy_seed_data
from ecosystem.config import PROJECT_DIR
from ecosystem.outlines import country_outlines

if TYPE_CHECKING:
    from tests.browser.conftest import RecordedPage, StreamlitServer

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event


def test_without_boundaries_the_live_map_draws_the_country_outlines_offline(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    copy_seed_data(tmp_path)
    env = {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none", "ECOSYSTEM_DATA_DIR": str(tmp_path),
           "ECOSYSTEM_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite'}",
           "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "no-boundaries")}
    base_url = streamlit_server(PROJECT_DIR / "app.py", env)
    page = browser_page.page
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{base_url}/map?lang=de")
    frame = page.wait_for_selector(MAP_FRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    # the outlines' layer puts its credit into the map's attribution once it has drawn them
    frame.locator(".leaflet-control-attribution", has_text="Natural Earth").wait_for(timeout=TIMEOUT_MS)

    outlines = [url for url in fetched if "/_eco/data/" in url and url.endswith(".json")]
    assert len(outlines) == 1  # from this server, not inside the page
    features = frame.evaluate("url => fetch(url).then(answer => answer.json()).then(data => data.features"
                              ".map(feature => [feature.properties.id, feature.properties.name]))", outlines[0])
    named = dict(features)
    assert set(named) == set(country_outlines()["country"])
    assert (named["LT"], named["SE"], named["RU"]) == ("Litauen", "Schweden", "Russland")  # in the page's language
    assert "EuroGeographics" not in frame.locator(".leaflet-control-attribution").inner_text()
    assert browser_page.blocked_requests == []
