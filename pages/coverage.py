"""Coverage: who is served with what, per country and region, over time — and where nothing exists yet."""

import streamlit as st

from ecosystem import app
from ecosystem.charts import area_service_bars, service_target_heatmap, targets_by_area_chart, timeline_chart
from ecosystem.coverage import counts_by_area_and_service, gap_regions, service_target_matrix, targets_by_area, timeline_counts
from ecosystem.i18n import t

view = app.current_view()
lang, taxonomy, frame = view.lang, view.taxonomy, view.filtered
services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
st.title(t("page.coverage", lang))
st.caption(view.filters_in_words)
app.show_notices(view)
st.caption(t("coverage.intro", lang))

chart_config = {"displaylogo": False}
st.plotly_chart(service_target_heatmap(service_target_matrix(frame, services, targets), taxonomy, lang, view.footnote),
                width="stretch", config=chart_config)

country_tab, region_tab = st.tabs([t("coverage.by_country", lang), t("coverage.by_region", lang)])
for tab, area, labels in ((country_tab, "country", taxonomy.labels("country", lang)), (region_tab, "region", view.region_names)):
    with tab:
        counts, totals = counts_by_area_and_service(frame, area, services)
        st.plotly_chart(area_service_bars(counts, totals, area, taxonomy, lang, view.footnote, labels),
                        width="stretch", config=chart_config, key=f"bars_{area}")
        st.plotly_chart(targets_by_area_chart(targets_by_area(frame, area, targets), area, taxonomy, lang, view.footnote, labels),
                        width="stretch", config=chart_config, key=f"targets_{area}")

st.plotly_chart(timeline_chart(timeline_counts(frame), view.programme_names, lang, view.footnote),
                width="stretch", config=chart_config)

st.subheader(t("coverage.gap_regions", lang))
if view.regions is None:
    st.caption(t("coverage.gap_regions_unknown", lang))
else:
    countries = view.state.countries or tuple(sorted(set(frame["country"]) - {""}))
    in_scope = view.regions[view.regions["country"].isin(countries)]
    if view.state.regions:
        in_scope = in_scope[in_scope["nuts_id"].isin(view.state.regions)]
    gaps = gap_regions(frame, in_scope["nuts_id"])
    if gaps:
        st.dataframe(in_scope[in_scope["nuts_id"].isin(gaps)][["nuts_id", "name", "country"]]
                     .rename(columns={"nuts_id": t("about.code", lang), "name": t("column.region_code", lang),
                                      "country": t("column.country", lang)}),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("coverage.gap_regions_none", lang))
