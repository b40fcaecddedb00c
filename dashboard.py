"""Entry point: the page router. Run with ``streamlit run dashboard.py``.

Every run sets up the page, draws the shared sidebar, builds the one view of this run and runs the chosen
page with it: each module in ``pages/`` draws its page in ``render(view)``, and a page's URL path is its file's
name (``/map`` is ``pages/map.py``); the dashboard's own address opens ``/overview``, keeping the query string.
"""

from collections.abc import Callable
from functools import partial
from pathlib import Path

import streamlit as st

from ecosystem.i18n import t
from ecosystem.ui import cache, live, notices, sidebar
from ecosystem.ui.html_lang import declare_language
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.view import View
from pages import about, coverage, gaps, history, overview, present, registry, upload
from pages import map as map_page

FAVICON = Path(__file__).parent / "static" / "favicon.png"  # served locally: no icon font from the internet


def run() -> None:
    """Set up the page, build this run's view from the sidebar's filters, then run the chosen page with it."""
    leave_legacy_pages_mode()
    lang = sidebar.language()
    st.set_page_config(page_title=t("app.title", lang), page_icon=str(FAVICON), layout="wide")  # the tab's title
    declare_language(lang)
    served = cache.served()
    live.follow(served)
    notices.say_store_state(served, lang)
    view = sidebar.filtered_view(served, lang)
    st.navigation(navigation(view)).run()


def navigation(view: View) -> list[st.Page]:
    """The pages in menu order, each drawing ``view``."""
    lang = view.lang

    def page(render: Callable[[], None], name: str, title: str, icon: str) -> st.Page:
        """A page at ``/name``, ``name`` being its file's name in pages/ (Streamlit's legacy mode opens that file)."""
        return st.Page(render, title=title, icon=icon, url_path=name)

    gaps_ = page(partial(gaps.render, view), "gaps", t("page.gaps", lang), ":material/location_off:")
    map_ = page(partial(map_page.render, view), "map", t("page.map", lang), ":material/map:")
    coverage_ = page(partial(coverage.render, view, gaps=gaps_), "coverage", t("page.coverage", lang),
                     ":material/bar_chart:")
    registry_ = page(partial(registry.render, view), "registry", t("page.registry", lang), ":material/table:")
    home = page(partial(overview.render, view, links=[gaps_, map_, coverage_, registry_]), "overview",
                t("page.overview", lang), ":material/home:")
    # the dashboard's own address opens Overview at its address, as every page has one (Streamlit serves its
    # default page at the root only, and answers the default page's own path with "Page not found")
    root = st.Page(partial(_open, home), title=t("page.overview", lang), url_path="", default=True,
                   visibility="hidden")
    return [
        root, home, gaps_, map_, coverage_, registry_,
        page(partial(present.render, view, home=home), "present", t("page.present", lang), ":material/co_present:"),
        page(partial(upload.render, view), "upload", t("page.upload", lang), ":material/upload_file:"),
        page(partial(history.render, view), "history", t("page.history", lang), ":material/history:"),
        page(partial(about.render, view), "about", t("page.about", lang), ":material/info:"),
    ]


def _open(page: st.Page) -> None:
    """Go to ``page`` with this view's query string (the address bar then shows the page's own address)."""
    st.switch_page(page, query_params=st.query_params.to_dict())


run()
