"""Two app servers on one registry database behind nginx (Debian's), configured with deploy/nginx/locations.conf as
the deployment is (tests/nginx_proxy.py), and a real browser session through it: the map with its data from this
server's routes, a filter change, a partner's upload; the websocket never breaks, and the other server shows the new
version."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import nginx_proxy
from conftest import copy_seed_data
from ecosystem.auth import hash_password
from ecosystem.config import PROJECT_DIR
from tests.browser.conftest import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from tests.browser.conftest import RecordedPage, StreamlitServer

TIMEOUT_MS = 120_000  # a safety net: every wait ends at its event
PASSWORD = "correct horse battery staple"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
PARTNER_CSV = (
    "id,name,actor_type,country,municipality,latitude,longitude,location_precision,service_types,target_groups,"
    "programmes,status,partner,source\n"
    "lv-cesis-proxy-club,Cēsu kopienas klubs,initiative,LV,Cēsu novads,57.3119,25.2749,settlement,social_support,"
    "older_people,,active,Partner LT,partner survey\n"
)


@pytest.fixture()
def nginx(tmp_path: Path):
    """Factory ``(upstreams) -> base_url`` starting nginx in front of ``upstreams`` (stopped after the test)."""
    reason = nginx_proxy.missing_nginx()
    if reason is not None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    started: list[nginx_proxy.Proxy] = []

    def start(upstreams: list[str]) -> str:
        try:
            proxy = nginx_proxy.start(tmp_path / "nginx", free_port(), upstreams)
        except RuntimeError as failure:
            pytest.fail(str(failure))
        started.append(proxy)
        return proxy.base_url

    yield start
    for proxy in started:
        proxy.stop()


def drawn_after(frame: Frame, count: int) -> int:
    frame.wait_for_function(f"window.__ecoMap && window.__ecoMap.drawn > {count}", timeout=TIMEOUT_MS)
    return frame.evaluate("window.__ecoMap.drawn")


def test_a_session_through_nginx_in_front_of_two_servers(
    local_assets: Path, streamlit_server: StreamlitServer, nginx, browser_page: RecordedPage, tmp_path: Path
) -> None:
    data = copy_seed_data(tmp_path / "data")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[accounts.ona]\npassword_hash = "{hash_password(PASSWORD)}"\nrole = "partner"\n'
                       f'partner = "Partner LT"\n', encoding="utf-8")
    upload = tmp_path / "cesis.csv"
    upload.write_text(PARTNER_CSV, encoding="utf-8")
    env = {"ECOSYSTEM_DATA_DIR": str(data), "ECOSYSTEM_DATABASE_URL": f"sqlite:///{data / 'registry.sqlite'}",
           "ECOSYSTEM_TILES": "none", "ECOSYSTEM_MAP_ASSETS": "local", "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none")}
    servers = [streamlit_server(PROJECT_DIR / "app.py", env, ["--secrets.files", str(secrets)]) for _ in range(2)]
    base_url = nginx([server.removeprefix("http://") for server in servers])
    page = browser_page.page
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    server_errors: list[str] = []  # what nginx or an app server answered with a 5xx (a broken upstream, a dead socket)
    page.on("response", lambda response: response.status >= 500 and server_errors.append(f"{response.status} {response.url}"))

    page.goto(f"{base_url}/map")
    frame = page.wait_for_selector(MAP_FRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    drawn = drawn_after(frame, 0)
    countries = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    countries.locator("input").click()
    page.keyboard.type("Latvia")
    page.get_by_role("option", name="Latvia").wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    drawn_after(frame, drawn)

    page.goto(f"{base_url}/upload")
    page.get_by_label("Username").fill("ona", timeout=TIMEOUT_MS)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as ona").wait_for(timeout=TIMEOUT_MS)
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_text("1 row added, 0 changed, 0 removed").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Save as a new registry version").click()
    page.get_by_text("Saved as registry version 2.").wait_for(timeout=TIMEOUT_MS)

    for server in servers:  # both servers serve the new version (one of them never saw the upload)
        page.goto(f"{server}/registry?q=proxy-club")
        page.get_by_text("Cēsu kopienas klubs").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    assert sockets and all(url.startswith(base_url.replace("http", "ws")) for url in sockets[:2])
    assert page.get_by_text("Connection error").count() == 0
    assert browser_page.blocked_requests == [] and server_errors == []
    # leaving a page cancels the frontend's script chunks still loading (net::ERR_ABORTED); nothing else may fail
    assert [failed for failed in browser_page.failed_requests if "ERR_ABORTED" not in failed] == []
    assert [error for error in browser_page.console_errors if "status of 404" not in error] == []
