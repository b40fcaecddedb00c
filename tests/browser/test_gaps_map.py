"""The Gaps page's map in headless Chromium, offline: the region canvas edges exactly the gap regions in dark red,
and the per-100,000 colouring keeps them edged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ecosystem.config import PROJECT_DIR
from ecosystem.coverage import regions_in_scope
from ecosystem.filters import FilterState, apply_filters
from ecosystem.gaps import find_gaps
from ecosystem.regions import load_regions
from ecosystem.registry import read_raw_csv, typed_registry
from tests.conftest import NUTS_2024_L3, copy_seed_data

if TYPE_CHECKING:
    from tests.browser.conftest import RecordedPage, StreamlitServer

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event


@pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
def test_gap_regions_are_edged_on_the_map(local_assets: Path, streamlit_server: StreamlitServer,
                                          browser_page: RecordedPage, tmp_path: Path) -> None:
    data = copy_seed_data(tmp_path / "data")
    env = {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none", "ECOSYSTEM_DATA_DIR": str(data),
           "ECOSYSTEM_DATABASE_URL": f"sqlite:///{data / 'registry.sqlite'}",
           "ECOSYSTEM_REFERENCE_DIR": str(NUTS_2024_L3.parent)}
    base_url = streamlit_server(PROJECT_DIR / "app.py", env)

    regions = load_regions(NUTS_2024_L3)
    registry = typed_registry(read_raw_csv(data / "initiatives.csv"))
    state = FilterState(countries=("LT", "LV"), targets=("older_people",))
    scope = regions_in_scope(regions, registry, state.countries, state.regions)
    expected = find_gaps(apply_filters(registry, state), regions, scope,
                         apply_filters(registry, replace(state, countries=()))).gaps
    assert 0 < len(expected) < len(scope)

    page = browser_page.page
    page.goto(f"{base_url}/gaps?country=LT,LV&target=older_people")
    page.get_by_role("heading", name="Where nothing exists yet", exact=True).wait_for(timeout=TIMEOUT_MS)
    frame = page.wait_for_selector(MAP_FRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    frame.wait_for_function(f"window.__ecoMap && window.__ecoMap.edged === {len(expected)}", timeout=TIMEOUT_MS)
    frame.evaluate("window.map.setView([56.5, 24.5], 6, {animate: false}) && null")  # every gap of LT and LV in view
    frame.wait_for_function(f"window.__ecoMap.edged === {len(expected)}", timeout=TIMEOUT_MS)
    legend = frame.locator(".eco-legend").inner_text()
    assert "No initiative (gap)" in legend
