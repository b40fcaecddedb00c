"""The shared sidebar: the interface language and one widget per filter, mirrored in the URL's query string.

On a session's first run the URL's filters are put into the widgets; after every run the widgets' filters and
the language are written back into the URL, so the address bar is always the permalink of the view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

import streamlit as st

from ecosystem.filters import QUERY_KEYS, FilterOptions, FilterState
from ecosystem.i18n import LANGUAGE_NAMES, t
from ecosystem.taxonomy import LANGUAGES
from ecosystem.ui import cache
from ecosystem.view import Served, View

__all__ = ["filtered_view", "language"]

_FILTER_WIDGETS = ("countries", "regions", "services", "targets", "programmes", "actor_types", "statuses")


def language() -> str:
    """The interface language: the sidebar's choice, first taken from the URL's ``lang``."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", "en")
        st.session_state["lang"] = wanted if wanted in LANGUAGES else "en"
    return st.sidebar.selectbox(t("app.language", st.session_state["lang"]), LANGUAGES, key="lang",
                                format_func=LANGUAGE_NAMES.__getitem__)


def filtered_view(served: Served, lang: str) -> View:
    """This run's view: the sidebar's filters (restored from the URL on a session's first run) applied to the
    registry — once for every session asking for the same (``cache.view``) — and written back into the URL."""
    _restore_filters(served.options)
    state = _filter_widgets(served, lang)
    _sync_url(state, lang)
    return cache.view(served, state, lang)


def _query_lists() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _restore_filters(options: FilterOptions) -> None:
    """On a session's first run, put the URL's filters into the sidebar widgets."""
    if st.session_state.get("_filters_restored"):
        return
    state = FilterState.from_query(_query_lists(), options)
    for name in _FILTER_WIDGETS:
        st.session_state[f"f_{name}"] = list(getattr(state, name))
    st.session_state["f_years"] = state.years or options.years
    st.session_state["f_text"] = state.text
    st.session_state["_filters_restored"] = True


def _clear_filters(options: FilterOptions) -> None:
    for name in _FILTER_WIDGETS:
        st.session_state[f"f_{name}"] = []
    st.session_state["f_years"] = options.years
    st.session_state["f_text"] = ""


def _filter_widgets(served: Served, lang: str) -> FilterState:
    """One widget per filter, labels in the chosen language; the state they select."""
    sidebar, options, taxonomy, names = st.sidebar, served.options, served.inputs.taxonomy, served.region_names
    sidebar.subheader(t("app.filters", lang))
    labels = {
        "countries": taxonomy.labels("country", lang),
        "regions": {code: f"{names[code]} ({code})" if code in names else code for code in options.regions},
        "services": taxonomy.labels("service_type", lang),
        "targets": taxonomy.labels("target_group", lang),
        "programmes": served.registry.programme_names,
        "actor_types": taxonomy.labels("actor_type", lang),
        "statuses": taxonomy.labels("status", lang),
    }
    chosen: dict[str, tuple[str, ...]] = {}
    for name in _FILTER_WIDGETS:
        offered = getattr(options, name)
        st.session_state[f"f_{name}"] = [value for value in st.session_state.get(f"f_{name}", []) if value in offered]
        chosen[name] = tuple(sidebar.multiselect(
            t(f"filter.{name}", lang), offered, key=f"f_{name}", placeholder=t("filter.all", lang),
            format_func=_labelled(labels[name])))
    low, high = options.years
    years: tuple[int, int] | None = None
    if low < high:
        # a range slider: its value is the (start, end) pair put in st.session_state["f_years"] above, which
        # Streamlit's overloads (typed by the value argument, left out here) cannot see
        picked = sidebar.slider(t("filter.years", lang), low, high, key="f_years", help=t("filter.years_help", lang))
        start, end = cast("tuple[int, int]", picked)
        years = None if (start, end) == (low, high) else (start, end)
    text = sidebar.text_input(t("filter.text", lang), key="f_text", help=t("filter.text_help", lang), max_chars=200)
    sidebar.button(t("app.reset", lang), on_click=_clear_filters, args=(options,), width="stretch")
    return FilterState(**chosen, years=years, text=text.strip())


def _labelled(labels: Mapping[str, str]) -> Callable[[str], str]:
    """A multiselect's format_func: a code's label, the code itself when it has none."""
    return lambda code: labels.get(code, code)


def _sync_url(state: FilterState, lang: str) -> None:
    """Write the filters and language into the URL, so the address bar is the permalink; the page's own
    parameters (``embed``, ``chart`` …) stay."""
    current = _query_lists()
    kept = {key: values for key, values in current.items() if key not in QUERY_KEYS | {"lang"}}
    wanted = {**kept, **state.to_query(), **({"lang": lang} if lang != "en" else {})}
    if {key: (values[0] if len(values) == 1 else values) for key, values in current.items()} != wanted:
        st.query_params.from_dict(wanted)
