"""The sign-in lockout of a running server against Streamlit's ``clear_cache`` message, which any visitor can send.

Wrong passwords go through the Upload page in Chromium; after each one a raw websocket client — no browser, no
cookie, no XSRF token — sends ``clear_cache`` over ``/_stcore/stream`` and waits for the server's answer to a
later message. The lock must still hold, then be lifted by ``python -m ecosystem unlock``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from ecosystem.auth import Authenticator, LoginError, hash_password, load_accounts
from ecosystem.config import PROJECT_DIR
from ecosystem.lockout import StoreAttemptLog
from ecosystem.store import open_store

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import RecordedPage, StreamlitServer

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
TIMEOUT_S = TIMEOUT_MS / 1000
PASSWORD = "admin correct horse battery"
WRONG = "Unknown username or wrong password."
LOCKED = "Too many failed sign-in attempts. Try again in 5 min."
SIGNED_IN = "Signed in as admin"


def clear_cache_anonymously(base_url: str) -> None:
    """Send ``clear_cache`` as a bare websocket client; return once the server has handled it.

    The server handles one connection's messages in order, so its answer to the heartbeat sent next means the
    caches of the whole server were cleared (``AppSession._handle_clear_cache_request``).
    """
    stream = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    with connect(stream, subprotocols=["streamlit"], open_timeout=TIMEOUT_S) as websocket:
        websocket.send(BackMsg(clear_cache=True).SerializeToString())
        websocket.send(BackMsg(app_heartbeat=True).SerializeToString())
        while not ForwardMsg.FromString(websocket.recv(timeout=TIMEOUT_S)).heartbeat_ack:
            pass


def sign_in(page: Page, base_url: str, password: str) -> str:
    """Open the Upload page in a new session, sign in as admin, and return what the page answers."""
    page.goto(f"{base_url}/upload")
    page.get_by_label("Username").fill("admin", timeout=TIMEOUT_MS)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    answer = page.get_by_text(WRONG).or_(page.get_by_text(LOCKED)).or_(page.get_by_text(SIGNED_IN))
    answer.first.wait_for(timeout=TIMEOUT_MS)
    return answer.first.inner_text()


def test_a_lock_holds_through_anonymous_cache_clears_until_an_operator_lifts_it(
    streamlit_server: StreamlitServer, browser_page: RecordedPage, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("initiatives.csv", "programmes.csv", "taxonomy.csv"):
        shutil.copy(PROJECT_DIR / "data" / name, data / name)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[accounts.admin]\npassword_hash = "{hash_password(PASSWORD)}"\nrole = "admin"\n', encoding="utf-8")
    database = f"sqlite:///{data / 'registry.sqlite'}"
    env = {"ECOSYSTEM_DATA_DIR": str(data), "ECOSYSTEM_DATABASE_URL": database, "ECOSYSTEM_TILES": "none",
           "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none")}
    base_url = streamlit_server(PROJECT_DIR / "dashboard.py", env, ["--secrets.files", str(secrets)])
    page = browser_page.page

    for _ in range(5):  # the server's policy: 5 failures lock for 5 minutes
        assert sign_in(page, base_url, "a wrong guess, again") == WRONG
        clear_cache_anonymously(base_url)
    assert sign_in(page, base_url, PASSWORD) == LOCKED  # even the right password waits
    clear_cache_anonymously(base_url)
    assert sign_in(page, base_url, PASSWORD) == LOCKED

    with open_store(database) as store:  # the lock is a row of the registry database: any process sees it
        with pytest.raises(LoginError, match="Try again"):
            accounts = load_accounts(tomllib.loads(secrets.read_text(encoding="utf-8")))
            Authenticator(accounts, attempts=StoreAttemptLog(store)).login("admin", PASSWORD)
    unlock = subprocess.run([sys.executable, "-m", "ecosystem", "unlock", "admin"], capture_output=True, text=True,
                            env={**os.environ, **env}, cwd=PROJECT_DIR, timeout=TIMEOUT_S, check=True)
    assert "admin is unlocked" in unlock.stdout
    assert sign_in(page, base_url, PASSWORD) == SIGNED_IN
    assert browser_page.blocked_requests == []
