"""When the map's data cannot be loaded (a server restarted, a file gone), the map says so in the page's language
and how to get it back, instead of staying empty."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conftest import make_frame
from ecosystem.assets import inline_assets_html
from ecosystem.maps import MapData, build_map, map_layers, point_table

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 60_000  # a safety net: the wait ends at its event


def test_a_map_whose_data_cannot_be_read_says_so(chromium: Browser, local_assets, taxonomy) -> None:
    frame = make_frame([{"id": "a", "name": "A", "latitude": "55.0", "longitude": "22.0",
                         "location_precision": "settlement"}])
    broken = MapData(point_table(frame), "data:application/octet-stream;base64,AAAAAAAAAAA=")  # not a point table
    html = inline_assets_html(build_map(map_layers(frame, taxonomy, "de", {}, tiles=None, data=broken)).get_root().render())
    page = chromium.new_page()
    try:
        page.set_content(html)
        message = page.locator(".eco-map-error").first
        message.wait_for(timeout=TIMEOUT_MS)
        expected = "Die Kartendaten konnten nicht geladen werden (not a point table). Laden Sie die Seite neu."
        assert message.inner_text() == expected
    finally:
        page.close()
