"""Presentation mode: the map and one chart in large, high-contrast type, no sidebar, for projecting on a wall.

Open it with the view's query string plus ``embed=true`` (Streamlit's embed mode hides the app chrome),
e.g. ``/present?country=LT,LV&service=transport_mobility&chart=heatmap&embed=true``.
"""

import streamlit as st

from ecosystem.charts import CHARTS, UnknownChartError, presentation_figure
from ecosystem.coverage import headline
from ecosystem.i18n import t
from ecosystem.ui.map_widget import map_tiles, render_map, view_map_layers
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.presentation import presentation_mode
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View, *, home: st.Page) -> None:
    """The presentation of ``view``: the map and the chart the URL's ``chart`` names, a way back to ``home``."""
    lang = view.lang
    presentation_mode()
    figures = headline(view.filtered)
    st.title(t("present.title", lang, initiatives=figures.initiatives, regions=figures.regions))
    st.subheader(plain(view.filters_in_words))

    tiles, _ = map_tiles()  # a picture for a wall says nothing about missing tiles
    chart = st.query_params.get("chart", "heatmap")
    layers = view_map_layers(view, tiles, show_organisations=False)
    render_map(layers, lang, key="present_map", height=620, returned_objects=[])
    try:
        figure = presentation_figure(chart, view.filtered, view.taxonomy, lang, view.footnote, view.programme_names,
                                     view.region_names)
    except UnknownChartError:
        st.error(t("present.unknown_chart", lang, chart=plain(chart), known=", ".join(CHARTS)))
    else:
        st.plotly_chart(figure, width="stretch", config={"displaylogo": False})
    st.caption(view.footnote)
    st.page_link(home, label=t("present.leave", lang), icon=":material/close:")


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
