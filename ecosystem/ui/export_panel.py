"""The "Export for slides" panel of Overview, Map and Coverage, and the charts' own picture button."""

from __future__ import annotations

import datetime

import streamlit as st

from ecosystem.charts import chart_spec
from ecosystem.exports import ExportFile, ExportOptions, chart_file, deck_file, html_file, map_file, view_stamp
from ecosystem.i18n import t
from ecosystem.links import dashboard_address
from ecosystem.pictures import DEFAULT_SLIDE, SLIDE_SIZES, PictureError, SlideSize
from ecosystem.stamp import export_file_name, toImageButtonOptions
from ecosystem.ui.map_widget import map_tiles
from ecosystem.ui.text import plain
from ecosystem.view import View

__all__ = ["export_panel", "plotly_config"]


def export_panel(view: View, page: str, charts: list[str], *, include_map: bool,
                 bounds: list[list[float]] | None = None, show_organisations: bool = True,
                 show_coverage: bool = True, cluster: bool = False) -> None:
    """The shared export panel: pick what and how big, prepare it on click, download it. ``bounds`` and the
    layer switches describe the map as shown."""
    lang = view.lang
    with st.expander(t("export.panel", lang), icon=":material/download:"):
        kinds: dict[str, str] = {}
        if include_map:
            kinds |= {f"map.{fmt}": t(f"export.kind.map.{fmt}", lang) for fmt in ("png", "svg", "pdf")}
            kinds["html"] = t("export.kind.html", lang)
        for chart in charts:
            label = t(chart_spec(chart).label_key, lang)
            for fmt in ("png", "svg", "pdf"):
                kinds[f"chart.{chart}.{fmt}"] = t("export.kind.chart", lang, chart=label, fmt=fmt.upper())
        kinds["deck"] = t("export.kind.deck", lang)
        what = st.selectbox(t("export.what", lang), list(kinds), format_func=kinds.__getitem__, key=f"export_what_{page}")
        size = st.radio(t("export.size", lang), list(SLIDE_SIZES), horizontal=True, key=f"export_size_{page}")
        title = st.text_input(t("export.title_label", lang), key=f"export_title_{page}", max_chars=160,
                              placeholder=_default_title(what, view, ExportOptions(
                                  show_organisations=show_organisations, show_coverage=show_coverage)))
        qr = st.checkbox(t("export.qr", lang), key=f"export_qr_{page}",
                         disabled=what.endswith((".svg", ".pdf")) or what == "deck")
        if st.button(t("export.prepare", lang), key=f"export_go_{page}", type="primary"):
            with st.status(t("export.preparing", lang, name=kinds[what]), expanded=False) as status:
                try:
                    options = _options(page, bounds=bounds, show_organisations=show_organisations,
                                       show_coverage=show_coverage, cluster=cluster)
                    st.session_state[f"export_file_{page}"] = _export(view, options, what, SLIDE_SIZES[size],
                                                                      title or None, qr)
                except (PictureError, OSError, ValueError) as error:
                    status.update(label=t("export.failed", lang, reason=plain(str(error))), state="error")
                    st.session_state.pop(f"export_file_{page}", None)
                else:
                    status.update(label=t("export.ready", lang, name=st.session_state[f"export_file_{page}"].name),
                                  state="complete")
        file = st.session_state.get(f"export_file_{page}")
        if file is not None:
            st.download_button(t("export.download", lang, name=file.name), file.data, file_name=file.name,
                               mime=file.mime, key=f"export_download_{page}")


def _options(page: str, *, bounds: list[list[float]] | None, show_organisations: bool, show_coverage: bool,
             cluster: bool) -> ExportOptions:
    """The map as this page shows it, and this dashboard's address for the links: the configured public one, else
    the one this visitor's browser shows ``page`` at (ValueError when the configured one is not an address)."""
    base_url = dashboard_address(browser_url=st.context.url, page_path=page, headers=dict(st.context.headers))
    return ExportOptions(base_url=base_url, tiles=map_tiles()[0], bounds=bounds,
                         show_organisations=show_organisations, show_coverage=show_coverage, cluster=cluster)


def _default_title(what: str, view: View, layers: ExportOptions) -> str:
    """The title an export of ``what`` gets unless one is typed (a map's says what its ``layers`` draw)."""
    if what == "deck":
        kind = "deck"
    elif what.startswith(("map", "html")):
        kind = "map"
    else:
        kind = chart_spec(what.split(".")[1]).kind
    return view_stamp(view, kind, "", options=layers).title


def _export(view: View, options: ExportOptions, what: str, size: SlideSize, title: str | None, qr: bool) -> ExportFile:
    """One export by its panel key (``map.png``, ``chart.heatmap.svg``, ``deck``, ``html``)."""
    if what == "deck":
        return deck_file(view, title, options=options)  # its title slide always carries the QR code
    if what == "html":
        return html_file(view, title, qr=qr, options=options)
    parts = what.split(".")
    if parts[0] == "map":
        return map_file(view, parts[1], size, title, qr=qr, options=options)
    return chart_file(view, parts[1], parts[2], size, title, qr=qr, options=options)


def plotly_config(view: View, chart: str) -> dict:
    """The chart's modebar: its own PNG download named and sized like the export panel's (16:9, 2×)."""
    name = export_file_name(chart_spec(chart).kind, view.state, datetime.date.today(), view.registry.version, "png")
    return {"displaylogo": False, **toImageButtonOptions(name, DEFAULT_SLIDE.width, DEFAULT_SLIDE.height, 2)}
