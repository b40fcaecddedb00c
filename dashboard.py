"""Entry point: the page router and the shared sidebar. Run with ``streamlit run dashboard.py``."""

from pathlib import Path

import streamlit as st

from ecosystem import app
from ecosystem.i18n import t

FAVICON = Path(__file__).parent / "static" / "favicon.png"  # served locally: no icon font from the internet


def run() -> None:
    """Set up the page, build the navigation and the shared view, then run the chosen page."""
    st.set_page_config(page_title="Baltic Social Ecosystem Map", page_icon=str(FAVICON), layout="wide")
    lang = app.language()
    pages = [
        st.Page("pages/overview.py", title=t("page.overview", lang), icon=":material/home:", url_path="overview", default=True),
        st.Page("pages/map.py", title=t("page.map", lang), icon=":material/map:", url_path="map"),
        st.Page("pages/coverage.py", title=t("page.coverage", lang), icon=":material/bar_chart:", url_path="coverage"),
        st.Page("pages/registry.py", title=t("page.registry", lang), icon=":material/table:", url_path="registry"),
        st.Page("pages/present.py", title=t("page.present", lang), icon=":material/co_present:", url_path="present"),
        st.Page("pages/upload.py", title=t("page.upload", lang), icon=":material/upload_file:", url_path="upload"),
        st.Page("pages/history.py", title=t("page.history", lang), icon=":material/history:", url_path="history"),
        st.Page("pages/about.py", title=t("page.about", lang), icon=":material/info:", url_path="about"),
    ]
    page = st.navigation(pages)
    st.session_state["_pages"] = pages
    st.session_state["_view"] = app.build_view(lang)
    page.run()


run()
