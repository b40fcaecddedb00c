"""Presentation mode in a real browser: no sidebar, no header, large type. Its CSS names Streamlit's own elements
(ecosystem/ui/presentation.py), so this is where a Streamlit upgrade that renames them shows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ecosystem.config import PROJECT_DIR

if TYPE_CHECKING:
    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
LOOK = """() => {
  const shown = (element) => !!element && getComputedStyle(element).display !== "none"
    && element.getBoundingClientRect().width > 0;
  const caption = document.querySelector('[data-testid="stCaptionContainer"]');
  return {sidebar: shown(document.querySelector('[data-testid="stSidebar"]')),
          header: shown(document.querySelector("header")),
          expand: shown(document.querySelector('[data-testid="stExpandSidebarButton"]')),
          title: getComputedStyle(document.querySelector("h1")).fontSize,
          caption: caption && getComputedStyle(caption).fontSize};
}"""


def test_presentation_hides_the_app_chrome_and_enlarges_the_type(
    local_assets: Path, streamlit_server: StreamlitServer, browser_page: RecordedPage
) -> None:
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", {"ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_TILES": "none"})
    page = browser_page.page
    page.goto(f"{base_url}/present?country=LT&chart=heatmap")  # without embed=true: the CSS alone hides the chrome
    page.get_by_role("link", name="Leave presentation mode").wait_for(timeout=TIMEOUT_MS)  # the page's last element
    assert page.evaluate(LOOK) == {"sidebar": False, "header": False, "expand": False, "title": "60px", "caption": "20px"}
