"""Coverage: who is served with what, per country and region, over time — and where nothing exists yet."""

import streamlit as st

from ecosystem import app
from ecosystem.charts import CHARTS, coverage_figure
from ecosystem.coverage import gap_regions, regions_in_scope
from ecosystem.i18n import t
from ecosystem.tables import regions_table

view = app.current_view()
lang, frame = view.lang, view.filtered
st.title(t("page.coverage", lang))
st.caption(app.plain(view.filters_in_words))
app.show_notices(view)
st.caption(t("coverage.intro", lang))
app.export_panel(view, "coverage", list(CHARTS), include_map=False)


def chart(chart_id: str) -> None:
    """One coverage chart of the filtered rows, with the plotly modebar's picture export."""
    figure = coverage_figure(chart_id, frame, view.taxonomy, lang, view.footnote, view.programme_names, view.region_names)
    st.plotly_chart(figure, width="stretch", config=app.plotly_config(view, chart_id), key=f"chart_{chart_id}")


chart("heatmap")
country_tab, region_tab = st.tabs([t("coverage.by_country", lang), t("coverage.by_region", lang)])
with country_tab:
    chart("country")
    chart("country-targets")
with region_tab:
    chart("region")
    chart("region-targets")
chart("timeline")

st.subheader(t("coverage.gap_regions", lang))
if view.regions is None:
    st.caption(t("coverage.gap_regions_unknown", lang))
else:
    gaps = gap_regions(frame, regions_in_scope(view.regions, frame, view.state.countries, view.state.regions))
    if gaps:
        st.dataframe(regions_table(view.regions, gaps, lang), hide_index=True, width="stretch")
    else:
        st.caption(t("coverage.gap_regions_none", lang))
