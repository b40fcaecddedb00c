"""The real dashboard (``app.py``: Streamlit plus this server's routes) in headless Chromium, offline: the map
fetches the registry's point table from this server and draws the filtered rows, hover names a point, a click
on a point opens its detail card, boundaries carry their attribution, markup in names stays text, and filter
changes leave nothing behind in the page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from ecosystem.config import PROJECT_DIR
from ecosystem.regions import load_regions

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from tests.browser.conftest import RecordedPage, StreamlitServer

DATA = PROJECT_DIR / "data"
NUTS = PROJECT_DIR.parent / "shared" / "reference" / "nuts"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAWN = "window.__ecoMap ? [window.__ecoMap.drawn, window.__ecoMap.visible] : [0, 0]"  # web/eco_map.js reports it
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


def drawn_after(frame: Frame, count: int, visible: int) -> int:
    """Wait until the map reports a draw after ``count`` with ``visible`` points; the new draw count."""
    frame.wait_for_function(f"(() => {{ const [d, v] = {DRAWN}; return d > {count} && v === {visible}; }})()",
                            timeout=TIMEOUT_MS)
    return frame.evaluate(DRAWN)[0]


def test_map_page_draws_points_names_them_and_a_click_opens_the_card(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage, data_dir: Path
) -> None:
    env = {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none", "ECOSYSTEM_DATA_DIR": str(data_dir),
           "ECOSYSTEM_DATABASE_URL": f"sqlite:///{data_dir / 'registry.sqlite'}",
           "ECOSYSTEM_REFERENCE_DIR": str(NUTS if NUTS.exists() else data_dir / "none")}
    base_url = streamlit_server(PROJECT_DIR / "app.py", env)
    page = browser_page.page
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{base_url}/map?country=SE,LT")  # the first visit of a fresh server opens a page URL
    frame = map_frame(browser_page)
    page.get_by_role("heading", name="Map", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_test_id("stSidebarNav").get_by_text("Coverage").count() == 1  # the router's navigation
    seed = pd.read_csv(data_dir / "initiatives.csv", dtype=str).fillna("")
    located = seed[seed["country"].isin(["SE", "LT"]) & (seed["latitude"] != "")]
    drawn = drawn_after(frame, 0, len(located))
    frame.locator(".eco-legend").wait_for(timeout=TIMEOUT_MS)  # the legend comes with its layer
    assert frame.locator(".eco-legend").count() == 1
    tables = [url for url in fetched if "/_eco/data/" in url and url.endswith(".bin")]
    assert len(tables) == 1  # the whole registry's point table, from this server

    # SIVAN's point where the canvas draws it: hover names it (asked of the server), a real click opens its card
    sivan = seed[seed["name"].str.endswith("SIVAN")].iloc[0]
    frame.evaluate(f"window.map.setView([{sivan['latitude']}, {sivan['longitude']}], 9, {{animate: false}}) && null")
    drawn = drawn_after(frame, drawn, len(located))
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    point = frame.evaluate(f"""(() => {{
        const p = window.map.latLngToContainerPoint([{sivan['latitude']}, {sivan['longitude']}]);
        const r = window.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }})()""")
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.move(box["x"] + point[0], box["y"] + point[1])
    frame.wait_for_function("document.querySelector('.eco-tip') && document.querySelector('.eco-tip').textContent"
                            f" === {HOSTILE!r}", timeout=TIMEOUT_MS)
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    card = page.get_by_text(HOSTILE, exact=False)
    card.first.wait_for(timeout=TIMEOUT_MS)
    assert page.title() != "pwned" and frame.evaluate("document.title") != "pwned"
    assert page.locator("img[src='x']").count() == 0 and frame.locator("img[src='x']").count() == 0

    if NUTS.exists():
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "EuroGeographics for the administrative boundaries" in attribution

    # filter changes in this session: only the selection travels, the table is not fetched again, the previous
    # layers leave the page (st_folium would otherwise keep every overlay group it ever added)
    countries = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    shown = {"SE", "LT"}
    for name, code in (("Latvia", "LV"), ("Germany", "DE"), ("Portugal", "PT")):
        countries.locator("input").click()
        page.keyboard.type(name)
        page.get_by_role("option", name=name).wait_for(timeout=TIMEOUT_MS)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        shown.add(code)
        chosen = seed[seed["country"].isin(shown) & (seed["latitude"] != "")]
        drawn = drawn_after(frame, drawn, len(chosen))
    assert frame.evaluate("document.querySelectorAll('canvas.eco-points').length") == 2
    assert frame.evaluate("window.feature_group.length") <= 5  # view, coverage, organisations, initiatives, legend
    assert len([url for url in fetched if "/_eco/data/" in url and url.endswith(".bin")]) == 1
    if NUTS.exists():  # the region outlines: one canvas, every region, and away from points a hover names one
        regions = load_regions(NUTS / "nuts2024_20m_levl3_baltic.geojson")
        assert frame.evaluate("window.__ecoMap.outlines") == len(regions)
        assert frame.evaluate("document.querySelectorAll('canvas.eco-regions').length") == 1
        assert frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length") == 0
        gotland = regions.loc[regions["nuts_id"] == "SE214", "geometry"].iloc[0].representative_point()
        located_points = seed[seed["latitude"] != ""].astype({"latitude": float, "longitude": float})
        assert not located_points["latitude"].sub(gotland.y).abs().lt(0.5).mul(  # no point there to hover instead
            located_points["longitude"].sub(gotland.x).abs().lt(0.5)).any()
        frame.evaluate(f"window.map.setView([{gotland.y}, {gotland.x}], 8, {{animate: false}}) && null")
        drawn = drawn_after(frame, drawn, len(chosen))
        point = frame.evaluate(f"""(() => {{
            const p = window.map.latLngToContainerPoint([{gotland.y}, {gotland.x}]);
            const r = window.map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }})()""")
        page.mouse.move(box["x"] + point[0], box["y"] + point[1])
        frame.wait_for_function("[...document.querySelectorAll('.eco-tip')].some(tip => tip.textContent.includes("
                                "'(SE214): 0 initiatives'))", timeout=TIMEOUT_MS)

    assert browser_page.blocked_requests == []
    # Streamlit itself probes /map/_stcore/… before it knows its base path: those 404s are not ours
    assert [error for error in browser_page.console_errors if "status of 404" not in error] == []
