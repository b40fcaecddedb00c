"""AppTest of the upload and history pages: sign-in, the step-by-step import, permissions, rollback.

Every test runs ``dashboard.py`` opened at the page's address (``apptests.open_dashboard``), as production runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from apptests import open_dashboard
from conftest import initialise_store, make_raw
from ecosystem.auth import hash_password
from ecosystem.store import RegistryStore, open_store
from ecosystem.view import load_inputs

PASSWORDS = {"ona": "correct horse battery staple", "admin": "another long admin passphrase"}


@pytest.fixture(scope="module")
def accounts() -> dict:
    return {
        "ona": {"password_hash": hash_password(PASSWORDS["ona"]), "role": "partner", "partner": "Partner LT"},
        "admin": {"password_hash": hash_password(PASSWORDS["admin"]), "role": "admin"},
    }


@pytest.fixture()
def data_dir(app_data_dir: Path, empty_database: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's data folder, its registry in an empty database of each kind (SQLite, PostgreSQL), initialised."""
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", empty_database)
    initialise_store()
    return app_data_dir


def page(name: str, accounts: dict | None) -> AppTest:
    return open_dashboard(name, secrets={"accounts": accounts} if accounts is not None else None).run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button[0].click()
    return at.run()


def partner_file(rows: list[dict]) -> bytes:
    return make_raw(rows).to_csv(index=False, sep=";").encode("cp1257")


def test_without_accounts_uploads_are_off(data_dir):
    at = page("upload", None)
    assert not at.exception
    assert any("No accounts are configured" in info.value for info in at.info)
    assert not at.get("file_uploader")


def test_wrong_password_is_refused_and_repeated_failures_lock(data_dir, accounts):
    at = page("upload", accounts)
    for _ in range(5):
        sign_in(at, "ona", "wrong password entirely")
    assert any("incorrect" in error.value.lower() or "wrong" in error.value.lower() for error in at.error)
    sign_in(at, "ona", PASSWORDS["ona"])
    assert any("try again in" in error.value.lower() for error in at.error)
    assert not at.get("file_uploader")


def test_a_lock_outlives_a_cache_clear_and_a_new_session(data_dir, accounts):
    at = page("upload", accounts)
    for _ in range(5):
        sign_in(at, "admin", "wrong password entirely")
    st.cache_data.clear()
    st.cache_resource.clear()  # what Streamlit's clear_cache message does, which any visitor can send
    at = sign_in(page("upload", accounts), "admin", PASSWORDS["admin"])  # another visitor, right password
    assert [error.value for error in at.error] == ["Too many failed sign-in attempts. Try again in 5 min."]
    assert not at.get("file_uploader")


def test_partner_uploads_previews_and_saves_a_new_version(data_dir, accounts):
    at = sign_in(page("upload", accounts), "ona", PASSWORDS["ona"])
    assert not at.exception
    content = partner_file([{"id": "lt-new-social-taxi", "name": "Tauragės socialinis taksi", "partner": "Partner LT",
                             "country": "Lietuva", "latitude": "55,25", "longitude": "22,29",
                             "location_precision": "settlement", "service_types": "Transportas ir judumas"}])
    at.get("file_uploader")[0].upload("taxi.csv", content, "text/csv")
    at.run()
    assert not at.exception
    text = " ".join(markdown.value for markdown in at.markdown)
    assert "CSV" in text and "cp1257" in text and "“;”" in text
    warnings = at.dataframe[0].value
    assert set(warnings["Column"]) >= {"country", "latitude", "service_types"}
    assert any("1 row added, 0 changed, 0 removed" in markdown.value for markdown in at.markdown)
    at.button(key="upload_confirm").click().run()
    assert any("Saved as registry version 2" in success.value for success in at.success)
    stored = open_store().read()
    row = stored[stored["id"] == "lt-new-social-taxi"].iloc[0]
    assert (row["country"], row["latitude"], row["service_types"]) == ("LT", "55.25", "transport_mobility")
    assert open_store().derived_source(2) == load_inputs().derivation.source  # saved with its regions and warnings


def test_partner_cannot_touch_rows_of_others(data_dir, accounts):
    at = sign_in(page("upload", accounts), "ona", PASSWORDS["ona"])
    before = open_store().checksum()
    content = partner_file([{"id": "se-lulea-sivan-dog-day-care", "name": "SIVAN", "partner": "Partner LT"},
                            {"id": "someone-else", "name": "Other", "partner": "seed"}])
    at.get("file_uploader")[0].upload("mixed.csv", content, "text/csv")
    at.run()
    problems = at.dataframe[0].value
    errors = problems[problems["Severity"] == "error"]
    assert {(2, "id"), (3, "partner")} <= set(zip(errors["Row"], errors["Column"], strict=True))
    assert "upload_confirm" not in [button.key for button in at.button]
    assert open_store().checksum() == before


def test_history_lists_versions_and_admin_rolls_back(data_dir, accounts):
    at = page("history", accounts)
    store = open_store()
    frame = store.read()
    store.commit(frame.assign(description=frame["description"].where(frame["id"] != "se-lulea-sivan-dog-day-care", "changed")),
                 base_version=1, account="ona", file_name="edit.csv")
    at.run()
    versions = at.dataframe[0].value
    assert versions.iloc[0]["Version"] == 2 and versions.iloc[0]["Who"] == "ona"
    assert at.selectbox(key="history_version").value == 2  # the newest version is shown when it arrives
    diff = at.dataframe[1].value
    assert len(diff) == 1 and diff.iloc[0]["Field"] == "Description"
    assert diff.iloc[0]["After"] == "changed"
    at.selectbox(key="history_version").set_value(1).run()
    sign_in(at, "admin", PASSWORDS["admin"])
    at.checkbox(key="rollback_confirm").check().run()
    at.button(key="rollback").click().run()
    assert any("Version 3 now holds the content of version 1" in success.value for success in at.success)
    assert store.checksum(3) == store.checksum(1)
    assert store.derived_source(3) == load_inputs().derivation.source



def roll_back_after_a_partner_saved(at: AppTest) -> RegistryStore:
    """On History: a partner saves, the admin confirms a rollback to version 1, the partner saves again, then
    the admin clicks Roll back (the registry changed since they looked)."""
    store = open_store()
    frame = store.read()
    store.commit(frame.assign(description="first edit"), base_version=1, account="ona", file_name="edit.csv")
    at.run()
    at.selectbox(key="history_version").set_value(1).run()
    sign_in(at, "admin", PASSWORDS["admin"])
    at.checkbox(key="rollback_confirm").check().run()
    store.commit(frame.assign(description="second edit"), base_version=2, account="ona", file_name="again.csv")
    at.button(key="rollback").click().run()
    return store


def test_a_rollback_is_refused_when_a_partner_saved_meanwhile_and_can_be_reviewed_again(data_dir, accounts):
    at = page("history", accounts)
    store = roll_back_after_a_partner_saved(at)

    assert not at.exception
    assert store.current_version() == 3  # nothing rolled back
    assert [error.value for error in at.error] == [
        "Nothing was rolled back: the registry changed since you looked. Version 3 is now the current version "
        "(you saw version 2). Look at what changed since then above — rolling back to version 1 would undo that "
        "too — and roll back again if you still want to."]
    assert at.selectbox(key="history_version").value == 3  # what changed meanwhile is shown

    at.button(key="rollback_review").click().run()
    assert not at.error and at.selectbox(key="history_version").value == 1
    assert at.checkbox(key="rollback_confirm").value is False  # confirmed again, knowing version 3
    at.checkbox(key="rollback_confirm").check().run()
    at.button(key="rollback").click().run()
    assert any("Version 4 now holds the content of version 1" in success.value for success in at.success)
    assert store.checksum(4) == store.checksum(1)


def test_a_refused_rollback_is_explained_in_latvian(data_dir, accounts):
    at = open_dashboard("history", {"lang": "lv"}, {"accounts": accounts}).run()
    roll_back_after_a_partner_saved(at)
    assert any(error.value.startswith("Nekas netika atjaunots") and "versija tagad ir 3" in error.value
               for error in at.error)
    assert at.button(key="rollback_review").label == "Vēlreiz pārskatīt versijas 1 atjaunošanu"

def test_partner_cannot_roll_back(data_dir, accounts):
    at = page("history", accounts)
    store = open_store()
    frame = store.read()
    store.commit(frame[frame["id"] != "se-lulea-sivan-dog-day-care"], base_version=1, account="x", file_name="x.csv")
    at.run()
    at.selectbox(key="history_version").set_value(1).run()
    sign_in(at, "ona", PASSWORDS["ona"])
    assert any("Only an administrator" in caption.value for caption in at.caption)
    assert "rollback" not in [button.key for button in at.button]


def test_identity_provider_login_is_offered_when_configured(data_dir):
    at = open_dashboard("upload", secrets={"auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "secret", "client_id": "id",
        "client_secret": "client-secret", "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
    }}).run()
    assert not at.exception
    assert "oidc_sign_in" in [button.key for button in at.button]
    assert not at.get("file_uploader")


def test_history_says_when_the_database_is_unreachable(data_dir, monkeypatch, accounts):
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{data_dir / 'missing-folder' / 'registry.sqlite'}")
    at = page("history", accounts)
    assert not at.exception
    assert any("registry database cannot be opened" in error.value for error in at.error)


def test_a_confirm_after_someone_else_saved_saves_nothing_and_shows_the_new_preview(data_dir, accounts):
    at = sign_in(page("upload", accounts), "ona", PASSWORDS["ona"])
    content = partner_file([{"id": "lt-new-social-taxi", "name": "Tauragės socialinis taksi", "partner": "Partner LT",
                             "country": "LT", "latitude": "55.25", "longitude": "22.29",
                             "location_precision": "settlement", "service_types": "transport_mobility"}])
    at.get("file_uploader")[0].upload("taxi.csv", content, "text/csv")
    at.run()
    store = open_store()
    frame = store.read()
    store.commit(frame.assign(description="meanwhile"), base_version=1, account="admin", file_name="other.csv")

    at.button(key="upload_confirm").click().run()

    assert not at.exception
    assert store.current_version() == 2  # the plan made from version 1 was not saved
    assert any("version 1 is now 2" in error.value for error in at.error)
    assert any("(compared with version 2)" in markdown.value for markdown in at.markdown)
    at.button(key="upload_confirm").click().run()  # the new preview, seen, is saved
    assert store.current_version() == 3
    assert any("Saved as registry version 3" in success.value for success in at.success)


def test_rolling_back_to_a_version_equal_to_the_current_one_says_so(data_dir, accounts):
    at = page("history", accounts)
    store = open_store()
    frame = store.read()
    store.commit(frame.assign(description="edit"), base_version=1, account="ona", file_name="edit.csv")
    store.commit(frame, base_version=2, account="ona", file_name="undo.csv")  # version 3 equals version 1
    at.run()
    at.selectbox(key="history_version").set_value(1).run()
    sign_in(at, "admin", PASSWORDS["admin"])
    at.checkbox(key="rollback_confirm").check().run()
    at.button(key="rollback").click().run()
    assert not at.exception
    assert store.current_version() == 3
    assert [info.value for info in at.info] == [
        "Nothing was rolled back: version 1 holds the same registry as the current version 3."]
