"""Registry: the filtered rows as a searchable, sortable table, downloadable exactly as shown."""

import streamlit as st

from ecosystem import app
from ecosystem.i18n import t
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes
from ecosystem.tables import registry_table

view = app.current_view()
lang = view.lang
st.title(t("page.registry", lang))
st.caption(app.plain(view.filters_in_words))
app.show_notices(view)
st.caption(t("app.rows_selected", lang, count=len(view.filtered), total=len(view.registry.initiatives)))
st.caption(t("registry.search_hint", lang))

st.dataframe(registry_table(view.filtered, view.taxonomy, lang, view.programme_names), hide_index=True,
             width="stretch", height=560)

stem = f"baltic-ecosystem-registry_v{view.registry.version}"
downloads = st.columns(2)
downloads[0].download_button(t("registry.download_csv", lang), registry_csv_bytes(view.filtered),
                             file_name=f"{stem}.csv", mime="text/csv", width="stretch")
downloads[1].download_button(t("registry.download_geojson", lang), registry_geojson_bytes(view.filtered),
                             file_name=f"{stem}.geojson", mime="application/geo+json", width="stretch")

if not view.registry.warnings.empty:
    with st.expander(t("registry.warnings", lang)):
        st.dataframe(view.registry.warnings.rename(columns=lambda c: t(f"column.{c}", lang)), hide_index=True,
                     width="stretch")
