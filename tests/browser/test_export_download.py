"""In a real browser: open the export panel, prepare a chart picture, and receive the file by download."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from ecosystem.config import PROJECT_DIR

if TYPE_CHECKING:
    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event


def test_export_of_a_chart_downloads_a_slide_sized_png(
    streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    for name in ("initiatives.csv", "programmes.csv", "taxonomy.csv"):
        shutil.copy(PROJECT_DIR / "data" / name, tmp_path / name)
    env = {"ECOSYSTEM_DATA_DIR": str(tmp_path), "ECOSYSTEM_TILES": "none",
           "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none")}
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", env)
    page = browser_page.page
    page.goto(f"{base_url}/coverage?country=LT")
    page.get_by_text("Export for slides").click(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Prepare the file").click()
    download_button = page.get_by_role("button", name="Download coverage-heatmap_LT_")
    download_button.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        download_button.click()
    file = download.value
    assert file.suggested_filename.startswith("coverage-heatmap_LT_") and file.suggested_filename.endswith(".png")
    image = Image.open(io.BytesIO(Path(file.path()).read_bytes()))
    assert image.size == (3200, 1800)
    assert browser_page.blocked_requests == []
