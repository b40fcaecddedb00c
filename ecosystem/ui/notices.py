"""What the pages say about the data they show: notices under a page's title, the rows of a broken file, and the
state of the registry database above every page."""

from __future__ import annotations

import streamlit as st

from ecosystem.i18n import t
from ecosystem.tables import problems_table
from ecosystem.ui.text import plain
from ecosystem.view import Notice, Served, View

__all__ = ["say", "say_store_state", "show_notices"]


def say(notice: Notice, lang: str) -> None:
    """One notice, its values shown as written."""
    getattr(st, notice.level)(notice.message.text(lang, plain))


def show_notices(view: View, *more: Notice | None) -> None:
    """The view's notices (missing boundaries, a broken file …) and this page's own, each said once; the broken
    file's problems row by row."""
    for notice in (*view.notices, *more):
        if notice is not None:
            say(notice, view.lang)
    if view.problems is not None:
        with st.expander(t("app.problems_title", view.lang), expanded=True):
            st.dataframe(problems_table(view.problems.problems, view.lang), hide_index=True, width="stretch")


def say_store_state(served: Served, lang: str) -> None:
    """Above every page: a database gone or read-only here, and one replaced since this session's last run."""
    for alert in served.alerts:
        say(alert, lang)
    if served.store_key is None:
        return
    if st.session_state.get("_store_key", served.store_key) != served.store_key:
        st.warning(t("app.store_replaced", lang, path=plain(served.store_location)))
    st.session_state["_store_key"] = served.store_key
