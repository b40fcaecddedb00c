"""Coverage: who is served with what, per country and region, over time — and where nothing exists yet."""

import streamlit as st

from ecosystem.charts import CHARTS
from ecosystem.i18n import t
from ecosystem.ui import cache
from ecosystem.ui.export_panel import export_panel, plotly_config
from ecosystem.ui.navigation import leave_legacy_pages_mode
from ecosystem.ui.notices import show_notices
from ecosystem.ui.text import plain
from ecosystem.view import View


def render(view: View, *, gaps: st.Page) -> None:
    """The Coverage page of ``view``: its charts, the export panel, the way to the regions without any initiative
    (the page ``gaps``)."""
    lang = view.lang
    st.title(t("page.coverage", lang))
    st.caption(plain(view.filters_in_words))
    show_notices(view)
    st.caption(t("coverage.intro", lang))
    export_panel(view, "coverage", list(CHARTS), include_map=False)

    _chart(view, "heatmap")
    country_tab, region_tab = st.tabs([t("coverage.by_country", lang), t("coverage.by_region", lang)])
    with country_tab:
        _chart(view, "country")
        _chart(view, "country-targets")
    with region_tab:
        _chart(view, "region")
        _chart(view, "region-targets")
    _chart(view, "timeline")

    st.subheader(t("coverage.gap_regions", lang))
    st.page_link(gaps, label=t("coverage.see_gaps", lang), icon=gaps.icon)


def _chart(view: View, chart_id: str) -> None:
    """One coverage chart of the filtered rows (shared by every session), with the plotly modebar's picture export."""
    st.plotly_chart(cache.chart(view, chart_id), width="stretch", config=plotly_config(view, chart_id),
                    key=f"chart_{chart_id}")


if __name__ == "__main__":  # run on its own by Streamlit's legacy pages/ mode: hand over to the router
    leave_legacy_pages_mode()
