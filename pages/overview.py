"""Overview (home): headline figures, a small map, the latest registry update, the way into the other pages."""

from collections.abc import Sequence

import streamlit as st

from ecosystem.i18n import t
from ecosystem.ui import cache
from ecosystem.ui.export_panel import export_panel
from ecosystem.ui.map_widget import map_tiles, render_map, view_map_layers
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.notices import show_notices
from ecosystem.ui.text import plain
from ecosystem.view import View

_FIGURES = ("initiatives", "organisations", "countries", "regions", "targets")  # the headline figures, in order


def render(view: View, *, links: Sequence[st.Page]) -> None:
    """The Overview page of ``view``, with links into the pages ``links``."""
    lang = view.lang
    st.title(t("app.title", lang))
    st.write(t("overview.intro", lang))
    st.caption(plain(view.filters_in_words))
    tiles, tiles_notice = map_tiles()
    show_notices(view, tiles_notice)

    figures = cache.headline_of(view)
    total_targets = len(view.taxonomy.codes("target_group"))
    columns = st.columns(5)
    values = [figures.initiatives, figures.organisations, figures.countries, figures.regions,
              f"{figures.target_groups} {t('overview.targets_of', lang, total=total_targets)}"]
    for column, name, value in zip(columns, _FIGURES, values, strict=True):
        column.metric(t(f"overview.{name}", lang), value, help=t(f"overview.{name}_help", lang))

    map_column, side_column = st.columns([2, 1])
    with map_column:
        layers = view_map_layers(view, tiles, show_organisations=False)
        render_map(layers, lang, key="overview_map", height=380, returned_objects=[])
    with side_column:
        st.caption(t("app.registry_version", lang, version=view.registry.version, date=view.registry.updated))
        st.caption(t("app.rows_selected", lang, count=len(view.filtered), total=len(view.registry.initiatives)))
        gaps = cache.unserved_targets_of(view)
        if gaps:
            st.markdown(f"**{t('overview.gaps', lang)}**")
            labels = view.taxonomy.labels("target_group", lang)
            st.markdown("\n".join(f"- {plain(labels[code])}" for code in gaps))
        for page in links:
            st.page_link(page, label=t(f"overview.go_{page.url_path}", lang), icon=page.icon)

    export_panel(view, "overview", ["heatmap", "country"], include_map=True, show_organisations=False)


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
