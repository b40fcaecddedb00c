"""Registry: the filtered rows as a searchable, sortable table, downloadable exactly as shown."""

import streamlit as st

from ecosystem.i18n import t
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes
from ecosystem.tables import registry_table
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.notices import show_notices
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View) -> None:
    """The Registry page of ``view``: its rows as a table, their downloads, the registry's warnings."""
    lang = view.lang
    st.title(t("page.registry", lang))
    st.caption(plain(view.filters_in_words))
    show_notices(view)
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


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
