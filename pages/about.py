"""About: what the data is, where it comes from, the taxonomy, and how coverage is counted."""

import streamlit as st

from ecosystem.i18n import t
from ecosystem.outlines import NATURAL_EARTH_SOURCE
from ecosystem.population import target_age_groups
from ecosystem.schema import split_codes
from ecosystem.sources import source_name
from ecosystem.tables import target_population_table, taxonomy_table
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View) -> None:
    """The About page of ``view``."""
    lang = view.lang
    st.title(t("about.title", lang))
    st.write(t("about.body", lang))

    st.subheader(t("about.counting", lang))
    st.write(t("about.counting_body", lang))

    st.subheader(t("about.population", lang))
    st.write(t("about.population_body", lang))
    st.dataframe(target_population_table(view.taxonomy, target_age_groups(), lang), hide_index=True, width="stretch")

    st.subheader(t("about.sources", lang))
    citations = split_codes(view.registry.initiatives["source"]).value_counts()
    for source, count in citations.items():
        st.markdown(f"- {plain(source_name(source, view.source_names))} — {t('about.rows_citing', lang, count=count)}")
    if view.regions is not None:  # the geography in use: the NUTS regions, else the shipped country outlines
        st.caption(t("about.boundaries", lang))
    else:
        st.caption(t("about.outlines", lang, source=NATURAL_EARTH_SOURCE))

    st.subheader(t("about.programmes", lang))
    programmes = view.registry.programmes[["name", "funder", "lead", "start_year", "end_year", "website"]]
    st.dataframe(programmes, hide_index=True, width="stretch")

    st.subheader(t("about.taxonomy", lang))
    for vocabulary, key in (("service_type", "filter.services"), ("target_group", "filter.targets"),
                            ("actor_type", "filter.actor_types"), ("status", "filter.statuses")):
        st.markdown(f"**{t(key, lang)}**")
        st.dataframe(taxonomy_table(view.taxonomy, vocabulary, lang), hide_index=True, width="stretch")


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
