"""Overview (home): headline figures, a small map, the latest registry update, the way into the other pages."""

import streamlit as st

from ecosystem import app
from ecosystem.coverage import headline, unserved_targets
from ecosystem.i18n import t

view = app.current_view()
lang = view.lang
st.title(t("app.title", lang))
st.write(t("overview.intro", lang))
st.caption(app.plain(view.filters_in_words))
tiles = app.tiles_setting(lang, view.notices)
app.show_notices(view)

figures = headline(view.filtered)
total_targets = len(view.taxonomy.codes("target_group"))
columns = st.columns(5)
columns[0].metric(t("overview.initiatives", lang), figures.initiatives)
columns[1].metric(t("overview.organisations", lang), figures.organisations)
columns[2].metric(t("overview.countries", lang), figures.countries)
columns[3].metric(t("overview.regions", lang), figures.regions)
columns[4].metric(t("overview.targets", lang), f"{figures.target_groups} {t('overview.targets_of', lang, total=total_targets)}")

map_column, side_column = st.columns([2, 1])
with map_column:
    layers = app.view_map_layers(view, tiles, show_organisations=False)
    app.render_map(layers, key="overview_map", height=380, returned_objects=[])
with side_column:
    st.caption(t("app.registry_version", lang, version=view.registry.version, date=view.registry.updated))
    st.caption(t("app.rows_selected", lang, count=len(view.filtered), total=len(view.registry.initiatives)))
    gaps = unserved_targets(view.filtered, view.taxonomy.codes("target_group"))
    if gaps:
        st.markdown(f"**{t('overview.gaps', lang)}**")
        labels = view.taxonomy.labels("target_group", lang)
        st.markdown("\n".join(f"- {app.plain(labels[code])}" for code in gaps))
    app.page_links(lang)

app.export_panel(view, "overview", ["heatmap", "country"], include_map=True, show_organisations=False)
