"""Gaps: the regions where nothing exists for the chosen target groups and service types, ranked by the residents
concerned, with the distance to the nearest initiative, on a map and as a table."""

import streamlit as st

from ecosystem.i18n import format_number, t
from ecosystem.population import AGE_GROUP_KEYS
from ecosystem.tables import gaps_table
from ecosystem.ui import cache
from ecosystem.ui.map_widget import map_tiles, render_map, view_map_layers
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.notices import show_notices
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View) -> None:
    """The Gaps page of ``view``: what is counted, the gap regions as a table, then on the map."""
    lang = view.lang
    st.title(t("gaps.title", lang))
    st.caption(plain(view.filters_in_words))
    tiles, tiles_notice = map_tiles()
    show_notices(view, tiles_notice)
    st.write(t("gaps.intro", lang))
    answer = cache.gaps_of(view)
    if answer is None:
        st.info(t("gaps.no_regions", lang))
        return
    if view.population_problem is not None:
        st.warning(t("gaps.population_unusable", lang, reason=plain(view.population_problem)))
    elif view.population is None:
        st.warning(t("gaps.no_population", lang))

    concerned = ", ".join(t(AGE_GROUP_KEYS[age], lang) for age in answer.ages)
    columns = st.columns(2)
    columns[0].metric(t("gaps.regions_metric", lang),
                      t("gaps.regions_of", lang, gaps=format_number(len(answer.gaps), lang),
                        total=format_number(len(answer.regions), lang)))
    if answer.population_year is not None:
        columns[1].metric(t("gaps.residents_metric", lang, concerned=concerned),
                          format_number(round(answer.residents_in_gaps), lang))
        st.caption(t("gaps.counted", lang, concerned=concerned, year=answer.population_year))

    if answer.gaps.empty:
        st.success(t("gaps.none", lang))
    else:
        st.dataframe(gaps_table(answer.gaps, view.taxonomy, lang), hide_index=True, width="stretch")
        st.caption(t("gaps.distance_note", lang))

    per_100k = st.toggle(t("gaps.per_100k", lang), key="gaps_per_100k", disabled=answer.population_year is None,
                         help=t("gaps.per_100k_help", lang))
    rates = answer.regions.set_index("nuts_id")["per_100k"] if per_100k and answer.population_year is not None else None
    layers = view_map_layers(view, tiles, show_organisations=False, rates=rates, outlined=answer.gaps["nuts_id"])
    render_map(layers, lang, key="gaps_map", height=480, returned_objects=[])
    st.caption(t("gaps.map_caption", lang))


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
