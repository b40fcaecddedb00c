"""AppTests of the dashboard as a running server runs it: the router, opened at a page's address."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import REPO

ENTRY = REPO / "tests" / "dashboard_entry.py"


def open_dashboard(page: str = "overview", query: dict[str, str] | None = None,
                   secrets: dict[str, object] | None = None) -> AppTest:
    """The dashboard as a browser opens ``/<page>?<query>`` (not yet run): every run and rerun goes through the
    router, which draws the sidebar, builds the view and hands it to the page."""
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.switch_page(f"../pages/{page}.py")  # before the first run a page is named by its file: its URL path
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    return at
