"""Presentation mode: the map and one chart in large, high-contrast type, no sidebar, for projecting on a wall.

Open it with the view's query string plus ``embed=true`` (Streamlit's embed mode hides the app chrome),
e.g. ``/present?country=LT,LV&service=transport_mobility&chart=heatmap&embed=true``.
"""

import streamlit as st

from ecosystem import app
from ecosystem.charts import CHARTS, UnknownChartError, presentation_figure
from ecosystem.coverage import headline
from ecosystem.i18n import t

view = app.current_view()
lang = view.lang
st.markdown(app.PRESENTATION_CSS, unsafe_allow_html=True)
figures = headline(view.filtered)
st.title(t("present.title", lang, initiatives=figures.initiatives, regions=figures.regions))
st.subheader(app.plain(view.filters_in_words))

tiles = app.tiles_setting(lang, view.notices)
chart = st.query_params.get("chart", "heatmap")
layers = app.view_map_layers(view, tiles, show_organisations=False)
app.render_map(layers, key="present_map", height=620, returned_objects=[])
try:
    figure = presentation_figure(chart, view.filtered, view.taxonomy, lang, view.footnote, view.programme_names,
                                 view.region_names)
except UnknownChartError:
    st.error(t("present.unknown_chart", lang, chart=app.plain(chart), known=", ".join(CHARTS)))
else:
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False})
st.caption(view.footnote)
app.leave_presentation_link(lang)
