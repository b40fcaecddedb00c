"""The page declares its language to the browser: ``<html lang>`` follows the interface language, from the URL's
``lang`` and from the language menu (ecosystem/ui/html_lang.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ecosystem.config import PROJECT_DIR
from tests.browser.conftest import wait_until_idle

if TYPE_CHECKING:
    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
HTML_LANG = "() => document.documentElement.lang"
IS_LANG = "(lang) => document.documentElement.lang === lang"


def test_html_lang_follows_the_url_and_the_language_menu(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage
) -> None:
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none"})
    page = browser_page.page
    page.goto(f"{base_url}/overview?lang=de")
    page.get_by_role("heading", name="Karte des sozialen Ökosystems im Ostseeraum").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(IS_LANG, arg="de", timeout=TIMEOUT_MS)

    wait_until_idle(page)
    page.get_by_role("combobox", name="Sprache").click()  # the language menu, labelled in the page's language
    page.get_by_role("option", name="English", exact=True).click()
    page.get_by_role("heading", name="Baltic Social Ecosystem Map").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(IS_LANG, arg="en", timeout=TIMEOUT_MS)
    assert page.evaluate(HTML_LANG) == "en" and "lang=" not in page.url  # English is the default: no lang in the URL
    assert [error for error in browser_page.console_errors if "status of 404" not in error] == []
