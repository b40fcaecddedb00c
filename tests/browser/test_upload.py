"""The upload page in a real browser: sign in, send a partner's Excel-style CSV, confirm, see the new version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ecosystem.auth import hash_password
from ecosystem.config import PROJECT_DIR
from ecosystem.i18n import t
from ecosystem.store import open_store

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
PASSWORD = "correct horse battery staple"
PARTNER_CSV = (
    "id;name;actor_type;country;region_code;municipality;latitude;longitude;location_precision;service_types;"
    "target_groups;programmes;status;start_year;end_year;partner;website;description;source;last_updated\n"
    "lt-jurbarkas-new-club;Jurbarko jaunimo klubas „Ąžuolas“;initiative;Lietuva;;Jurbarko rajono savivaldybė;"
    "55,0773;22,7653;municipality;Švietimas ir mokymai;Vaikai ir jaunimas;;pilot;2026;;Partner LT;;;partner survey;\n"
).encode("cp1257")


def _dashboard(streamlit_server: StreamlitServer, tmp_path: Path) -> tuple[str, str]:
    """A dashboard on a copy of the seed data with one partner account; its address and its database's URL."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("initiatives.csv", "programmes.csv", "taxonomy.csv"):
        shutil.copy(PROJECT_DIR / "data" / name, data / name)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[accounts.ona]\npassword_hash = "{hash_password(PASSWORD)}"\nrole = "partner"\n'
                       f'partner = "Partner LT"\n', encoding="utf-8")
    database = f"sqlite:///{data / 'registry.sqlite'}"
    env = {"ECOSYSTEM_DATA_DIR": str(data), "ECOSYSTEM_DATABASE_URL": database, "ECOSYSTEM_TILES": "none",
           "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none")}
    return streamlit_server(PROJECT_DIR / "dashboard.py", env, ["--secrets.files", str(secrets)]), database


def _sign_in(page: Page, lang: str) -> None:
    page.get_by_label(t("auth.username", lang)).fill("ona", timeout=TIMEOUT_MS)
    page.get_by_label(t("auth.password", lang), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("auth.sign_in", lang)).click()
    page.get_by_text(t("auth.signed_in_as", lang, name="ona")).wait_for(timeout=TIMEOUT_MS)


def test_partner_signs_in_uploads_and_saves(
    streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    base_url, database = _dashboard(streamlit_server, tmp_path)
    upload = tmp_path / "jurbarkas.csv"
    upload.write_bytes(PARTNER_CSV)
    page = browser_page.page
    page.goto(f"{base_url}/upload")
    _sign_in(page, "en")

    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_text("encoding cp1257").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("1 row added, 0 changed, 0 removed").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Save as a new registry version").click()
    page.get_by_text("Saved as registry version 2.").wait_for(timeout=TIMEOUT_MS)

    with open_store(database) as store:
        saved = store.read()
    row = saved[saved["id"] == "lt-jurbarkas-new-club"].iloc[0]
    assert row["name"] == "Jurbarko jaunimo klubas „Ąžuolas“"
    assert (row["country"], row["latitude"], row["service_types"]) == ("LT", "55.0773", "education_training")
    assert browser_page.blocked_requests == []


def test_the_file_uploader_and_the_tab_speak_the_interface_language(
    streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    base_url, _ = _dashboard(streamlit_server, tmp_path)
    page = browser_page.page
    page.goto(f"{base_url}/upload?lang=lt")
    _sign_in(page, "lt")
    zone = page.get_by_test_id("stFileUploaderDropzone")
    zone.get_by_role("button", name=t("upload.dropzone_button", "lt"), exact=True).wait_for(timeout=TIMEOUT_MS)
    limits = zone.get_by_test_id("stFileUploaderDropzoneInstructions").locator("span")
    said = t("upload.dropzone_limits", "lt", limit=20, types="CSV, TXT, TSV, XLSX, GEOJSON, JSON")
    assert limits.evaluate("span => getComputedStyle(span, '::after').content") == json.dumps(said, ensure_ascii=False)
    assert limits.evaluate("span => getComputedStyle(span).visibility") == "hidden"  # "20MB per file", unseen, unread
    assert zone.get_by_role("button", name="Upload", exact=True).count() == 0
    assert page.title() == t("app.title", "lt")
