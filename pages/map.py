"""Map: initiatives by service type, support organisations, coverage by region; a detail card on click."""

import streamlit as st

from ecosystem.i18n import t
from ecosystem.maps import rows_at
from ecosystem.ui.detail_card import detail_card
from ecosystem.ui.export_panel import export_panel
from ecosystem.ui.map_widget import CLUSTER_FROM, bounds_of, map_tiles, render_map, view_map_layers
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.notices import show_notices
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View) -> None:
    """The Map page of ``view``: the map with its layer switches, the clicked rows' cards, the export panel."""
    lang = view.lang
    st.title(t("page.map", lang))
    st.caption(plain(view.filters_in_words))
    tiles, tiles_notice = map_tiles()
    show_notices(view, tiles_notice)

    toggles = st.columns(4)
    show_organisations = toggles[0].toggle(t("map.organisations", lang), value=True, key="map_organisations")
    show_coverage = toggles[1].toggle(t("map.choropleth", lang), value=view.regions is not None, key="map_coverage",
                                      disabled=view.regions is None)
    cluster = toggles[2].toggle(t("map.cluster", lang), value=len(view.filtered) > CLUSTER_FROM, key="map_cluster")
    follow_extent = toggles[3].toggle(t("export.extent", lang), value=False, key="map_follow_extent")

    layers = view_map_layers(view, tiles, show_organisations=show_organisations, coverage=show_coverage,
                             cluster=cluster)

    map_column, card_column = st.columns([3, 1])
    with map_column:
        returned = ["last_object_clicked", "bounds"] if follow_extent else ["last_object_clicked"]
        result = render_map(layers, lang, key="eco_map", height=640, returned_objects=returned)
    unlocated = int(view.filtered["latitude"].isna().sum())
    if unlocated:
        map_column.caption(t("map.not_located", lang, count=unlocated))

    with card_column:
        st.subheader(t("map.detail_title", lang))
        clicked = result.get("last_object_clicked")
        selected = rows_at(view.filtered, clicked["lat"], clicked["lng"]) if clicked else view.filtered.iloc[0:0]
        if selected.empty:
            st.caption(t("map.detail_hint", lang))
        for row in selected.itertuples(index=False):
            detail_card(row, view)

    export_panel(view, "map", [], include_map=True, bounds=bounds_of(result) if follow_extent else None,
                 show_organisations=show_organisations, show_coverage=show_coverage, cluster=cluster)


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
