"""In a real browser: a deck exported from Overview links (text and QR code) to the dashboard's address the browser
used, and following that link opens Overview at its own address with the same filters — no "Page not found"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from pptx import Presentation

from ecosystem.config import PROJECT_DIR
from ecosystem.coverage import headline
from ecosystem.filters import FilterState, apply_filters
from ecosystem.registry import load_registry
from ecosystem.taxonomy import load_taxonomy
from tests.browser.conftest import wait_until_idle
from tests.conftest import copy_seed_data
from tests.qr import decoded_qr_codes

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event


def _on_overview(page: Page) -> None:
    """Wait until Overview has drawn its figures at its own address."""
    page.wait_for_url(lambda url: urlsplit(url).path == "/overview", timeout=TIMEOUT_MS)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=TIMEOUT_MS)


def test_a_decks_link_and_qr_code_reopen_the_view(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    data = copy_seed_data(tmp_path / "data")
    env = {"ECOSYSTEM_DATA_DIR": str(data), "ECOSYSTEM_TILES": "none", "ECOSYSTEM_MAP_ASSETS": "local",
           "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none"), "ECOSYSTEM_PUBLIC_URL": ""}  # the browser's address
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", env)
    page = browser_page.page
    page.goto(f"{base_url}/?country=LT,LV")  # the dashboard's address opens Overview at its own, filters kept
    _on_overview(page)
    assert parse_qs(urlsplit(page.url).query)["country"] == ["LT,LV"]

    wait_until_idle(page)
    page.get_by_text("Export for slides").click(timeout=TIMEOUT_MS)
    page.get_by_role("combobox", name="What to export").click()
    page.get_by_role("option", name="Briefing deck (PPTX)").click()
    page.get_by_role("button", name="Prepare the file").click()
    download_button = page.get_by_role("button", name="Download deck_LT-LV_")
    download_button.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        download_button.click()
    title_slide = Presentation(download.value.path()).slides[0]
    links = {run.hyperlink.address for shape in title_slide.shapes if shape.has_text_frame
             for paragraph in shape.text_frame.paragraphs for run in paragraph.runs if run.hyperlink.address}
    link = f"{base_url}/overview?country=LT%2CLV&lang=en"
    assert links == {link}
    assert decoded_qr_codes(title_slide) == [link]

    page.goto("about:blank")
    page.goto(link)
    _on_overview(page)
    assert parse_qs(urlsplit(page.url).query)["country"] == ["LT,LV"]
    registry = load_registry(data, load_taxonomy(data / "taxonomy.csv"))
    expected = headline(apply_filters(registry.initiatives, FilterState(countries=("LT", "LV")))).initiatives
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == str(expected)
    assert page.get_by_role("dialog").count() == 0  # Streamlit's "Page not found" is a dialog
    assert browser_page.blocked_requests == []
