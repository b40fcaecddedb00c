"""The Coverage page's Plotly figures, drawn from the tables of ``ecosystem.coverage``.

``CHARTS`` is the one registry of coverage charts: the id that pages, URLs (``chart=``), the export panel and
the CLI name a chart by, what it is called and titled, the export kind (file names, stamp) and its builder.

Every figure carries a title, axis titles and the page's source footnote in the interface language, sits
on a white template in a font found on office laptops, and names itself in ``layout.meta`` (its export kind,
used for export file names). Text that comes from data is escaped, so a name such as ``<b>x</b>`` shows
literally. An empty table gives ``empty_figure`` (a message, no axes) instead of an error.

Lengths mean what their axes say: a stacked bar titled "Initiatives" is as long as its number of initiatives,
an initiative with several service types (or programmes) split equally among its segments — the hover says both
that share and how many initiatives have the segment's code. A heatmap cell counts every initiative it concerns
(``ecosystem.coverage`` states the rules).
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

import pandas as pd
import plotly.graph_objects as go

from ecosystem import coverage
from ecosystem.coverage import NO_CODE, UNASSIGNED
from ecosystem.i18n import number_separators, t
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "BLUES",
    "CHARTS",
    "ChartSpec",
    "FONT_FAMILY",
    "NO_CODE_COLOUR",
    "OKABE_ITO",
    "UnknownChartError",
    "area_service_bars",
    "chart_spec",
    "coverage_figure",
    "empty_figure",
    "heatmap_colour_scale",
    "plotly_text",
    "presentation_figure",
    "service_target_heatmap",
    "targets_by_area_chart",
    "timeline_chart",
]

FONT_FAMILY = "Arial, Helvetica, sans-serif"
# Okabe & Ito (2008), colour-blind-safe qualitative palette (black left out: too heavy for bars)
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
# after every palette colour is used once, the same colours come back hatched
_PATTERNS = ("", "/", ".", "x", "\\", "+")
NO_CODE_COLOUR = "#BBBBBB"  # the segment of initiatives without a service type or programme
# ColorBrewer "Blues" without its near-white end: 0 alone is white, so a count of 1 never looks empty
BLUES = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B")
_GRID_COLOUR = "#D9D9D9"
_ROW_HEIGHT = 28  # pixels per bar or heatmap row


def plotly_text(text: object) -> str:
    """Text shown as written: Plotly's pseudo-HTML characters escaped (quotes stay, Plotly has no &quot;), and
    ``$`` as an entity so that text between two dollar signs is never typeset as LaTeX."""
    return html.escape(str(text), quote=False).replace("$", "&#36;")


def _wrap(text: str, width: int) -> str:
    """Plain text escaped and broken into lines of about ``width`` characters (Plotly does not wrap text)."""
    return "<br>".join(plotly_text(line) for line in textwrap.wrap(text, width, break_long_words=False))


def _tick_step(span: int, ticks: int) -> int:
    """A whole tick step (1, 2, 5, 10, 20, …) giving at most about ``ticks`` ticks over ``span``."""
    raw = max(span, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 1 else 1
    return next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= raw)


def _count_axis(maximum: float, headroom: float) -> dict:
    """Axis settings for a count of initiatives: whole-number ticks from zero, room above ``maximum`` (a sum of
    equal shares, which may be a hair off a whole number)."""
    top = max(math.ceil(round(maximum, 6)), 1)
    return {
        "tickformat": ",d",
        "tick0": 0,
        "dtick": _tick_step(top, 6),
        "range": [0, top * headroom],
        "showgrid": True,
    }


def _legend_height(names: list[str]) -> int:
    """About how many pixels a vertical legend of these (wrapped) names needs, with its title."""
    return 30 + sum(20 + 15 * name.count("<br>") for name in names)


def _finish(
    fig: go.Figure,
    *,
    chart_id: str,
    lang: str,
    title: str,
    footnote: str,
    note: str = "",
    x_title: str = "",
    y_title: str = "",
    x_on_top: bool = False,
    height: int,
) -> go.Figure:
    """Apply what every chart shares: title and note, axis titles, footnote, font, margins and the chart id."""
    # the footnote sits below the plot area, clear of a bottom axis's tick labels and title
    footnote_gap = 12 if x_on_top else 62
    legend = [trace.name for trace in fig.data if trace.type == "bar"]
    if legend:  # a vertical legend is cut off at the height of the plot area
        height = max(height, _legend_height(legend) + 220)
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 13, "color": "#222222"},
        separators=number_separators(lang),
        title={
            "text": plotly_text(title),
            "subtitle": {"text": _wrap(note, 95), "font": {"size": 12, "color": "#555555"}},
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14},
            "automargin": True,
            "font": {"size": 17},
        },
        margin={"l": 16, "r": 16, "t": 40, "b": footnote_gap + 34, "autoexpand": True},
        legend={"traceorder": "normal", "font": {"size": 12}, "tracegroupgap": 4},
        hoverlabel={"font_family": FONT_FAMILY},
        meta=chart_id,
        height=height,
    )
    fig.update_xaxes(title_text=plotly_text(x_title), automargin=True)
    fig.update_yaxes(title_text=plotly_text(y_title), automargin=True)
    fig.add_annotation(
        name="footnote",
        text=plotly_text(footnote),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-footnote_gap,
        align="left",
        showarrow=False,
        font={"size": 11, "color": "#555555"},
    )
    return fig


def empty_figure(
    message: str | None = None, lang: str = "en", *, chart_id: str = "empty", title: str = "", footnote: str = ""
) -> go.Figure:
    """A figure with only a message in its middle (default: no initiatives match the filters)."""
    fig = go.Figure()
    fig.add_annotation(
        name="empty",
        text=_wrap(message or t("chart.empty", lang), 60),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 16, "color": "#555555"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, chart_id=chart_id, lang=lang, title=title, footnote=footnote, x_on_top=True, height=320)


def _area_names(
    codes: Iterable[str], area: str, taxonomy: Taxonomy, lang: str, area_labels: Mapping[str, str] | None
) -> dict[str, str]:
    """Area code → name: ``area_labels``, else the country's label, else the code; ``""`` → "No country" / "No region"."""
    names = taxonomy.labels("country", lang) if area == "country" else {}
    names.update(area_labels or {})
    return {code: t(f"chart.no_{area}", lang) if code == UNASSIGNED else names.get(code, code) for code in codes}


def _stack_hover(lang: str, *, axis: str, distinct_key: str | None) -> str:
    """The hover of a stacked segment: the bar, the segment, how many initiatives have its code (``distinct_key``,
    from ``customdata``) and the equal shares it adds to the bar (the value on ``axis``)."""
    across = "y" if axis == "x" else "x"
    lines = [f"<b>%{{{across}}}</b>", "%{fullData.name}"]
    if distinct_key is not None:
        lines.append(plotly_text(t(distinct_key, lang, number="%{customdata:,d}")))
    lines.append(plotly_text(t("chart.hover.counted", lang, number=f"%{{{axis}:,.2~f}}")))
    return "<br>".join(lines) + "<extra></extra>"


def heatmap_colour_scale(zmax: int) -> list[list[float | str]]:
    """White at 0, then the blues from halfway between 0 and 1 (every count of at least 1 is visibly blue) up to
    exactly 1 at ``zmax``: stops computed as fractions may land a hair above 1, which Plotly refuses."""
    first = 0.5 / max(zmax, 1)
    last = len(BLUES) - 1
    steps = [min(first + (1 - first) * i / last, 1.0) for i in range(last)] + [1.0]
    scale: list[list[float | str]] = [[0.0, "#FFFFFF"]]
    scale += [[step, colour] for step, colour in zip(steps, BLUES, strict=True)]
    return scale


def _count_heatmap(table: pd.DataFrame, x_labels: list[str], y_labels: list[str], lang: str) -> go.Figure:
    """A white-to-blue heatmap of counts, each count written in its cell, zeros as white cells in a grey grid."""
    x_names = [plotly_text(label) for label in x_labels]
    z = table.to_numpy(dtype=int)
    zmax = max(int(z.max()), 1)
    count = plotly_text(t("chart.initiatives", lang))
    fig = go.Figure(
        go.Heatmap(
            z=z.tolist(),
            x=x_names,
            y=[plotly_text(label) for label in y_labels],
            zmin=0,
            zmax=zmax,
            colorscale=heatmap_colour_scale(zmax),
            xgap=2,
            ygap=2,
            texttemplate="%{z}",
            hovertemplate=f"<b>%{{y}}</b><br>%{{x}}<br>{count}: %{{z}}<extra></extra>",
            colorbar={"title": {"text": count}, "tickformat": ",d", "tick0": 0, "dtick": _tick_step(zmax, 5)},
        )
    )
    fig.update_xaxes(
        side="top",
        tickangle=-90,  # upright labels never run into their neighbours or the colour bar
        tickmode="array",
        tickvals=x_names,
        ticktext=[_wrap(label, 26) for label in x_labels],
        showgrid=False,
    )
    fig.update_yaxes(autorange="reversed", showgrid=False, ticksuffix=" ")
    fig.update_layout(plot_bgcolor=_GRID_COLOUR)
    return fig


def service_target_heatmap(
    matrix: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str, *, title: str | None = None
) -> go.Figure:
    """Initiatives per service type (rows) × target group (columns), gaps as white cells."""
    chart_id, title = _kind_and_title("heatmap", lang, title)
    if matrix.empty or int(matrix.to_numpy().sum()) == 0:
        return empty_figure(None, lang, chart_id=chart_id, title=title, footnote=footnote)
    services, targets = taxonomy.labels("service_type", lang), taxonomy.labels("target_group", lang)
    fig = _count_heatmap(
        matrix,
        [targets.get(code, code) for code in matrix.columns],
        [services.get(code, code) for code in matrix.index],
        lang,
    )
    return _finish(
        fig, chart_id=chart_id, lang=lang, title=title, footnote=footnote, note=t("chart.gaps_note", lang),
        x_title=t("chart.target_group", lang), y_title=t("chart.service_type", lang), x_on_top=True,
        height=340 + _ROW_HEIGHT * len(matrix),
    )


def area_service_bars(
    counts: pd.DataFrame,
    totals: pd.Series,
    area: str,
    taxonomy: Taxonomy,
    lang: str,
    footnote: str,
    area_labels: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars per country or region stacked by service type, each as long as the area's initiatives
    (an initiative with several service types split equally among them), that number at each bar's end."""
    chart_id, title = _kind_and_title(area, lang, title)
    if totals.empty or int(totals.sum()) == 0:
        return empty_figure(None, lang, chart_id=chart_id, title=title, footnote=footnote)
    names = {code: plotly_text(name) for code, name in _area_names(totals.index, area, taxonomy, lang, area_labels).items()}
    order = sorted(totals.index, key=lambda code: (-int(totals[code]), names[code]))
    labels, colours = taxonomy.labels("service_type", lang), taxonomy.colours("service_type")
    labels[NO_CODE], colours[NO_CODE] = t("chart.no_service_type", lang), NO_CODE_COLOUR
    fig = go.Figure()
    for service in [*taxonomy.codes("service_type"), NO_CODE]:
        bars = counts[counts["service_type"] == service].set_index(area)
        if bars.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=bars["initiatives"].astype(float).tolist(),
                y=[names[code] for code in bars.index],
                customdata=bars["distinct"].astype(int).tolist(),
                orientation="h",
                name=_wrap(labels[service], 30),
                marker_color=colours[service],
                hovertemplate=_stack_hover(lang, axis="x",
                                           distinct_key=None if service == NO_CODE else "chart.hover.offering"),
            )
        )
    stacks = counts.groupby(area)["initiatives"].sum().reindex(order, fill_value=0)
    for code in order:
        fig.add_annotation(
            name="total",
            text=f"<b>{int(totals[code])}</b>",
            x=float(stacks[code]),
            y=names[code],
            xanchor="left",
            xshift=4,
            showarrow=False,
        )
    fig.update_layout(barmode="stack", legend_title_text=plotly_text(t("chart.service_type", lang)), bargap=0.3)
    fig.update_xaxes(**_count_axis(stacks.max(), headroom=1.12))
    fig.update_yaxes(
        categoryorder="array", categoryarray=[names[code] for code in order], autorange="reversed", ticksuffix=" "
    )
    return _finish(
        fig, chart_id=chart_id, lang=lang, title=title, footnote=footnote, note=t("chart.area_services.note", lang),
        x_title=t("chart.axis.split_services", lang), y_title=t(f"chart.area.{area}", lang),
        height=240 + _ROW_HEIGHT * len(order),
    )


def targets_by_area_chart(
    table: pd.DataFrame,
    area: str,
    taxonomy: Taxonomy,
    lang: str,
    footnote: str,
    area_labels: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Initiatives per area (rows, by code, unassigned last) × target group (columns), gaps as white cells."""
    chart_id, title = _kind_and_title(f"{area}-targets", lang, title)
    if table.empty or int(table.to_numpy().sum()) == 0:
        return empty_figure(None, lang, chart_id=chart_id, title=title, footnote=footnote)
    table = table.loc[sorted(table.index, key=lambda code: (code == UNASSIGNED, code))]
    names = _area_names(table.index, area, taxonomy, lang, area_labels)
    targets = taxonomy.labels("target_group", lang)
    fig = _count_heatmap(
        table, [targets.get(code, code) for code in table.columns], [names[code] for code in table.index], lang
    )
    return _finish(
        fig, chart_id=chart_id, lang=lang, title=title, footnote=footnote, note=t("chart.gaps_note", lang),
        x_title=t("chart.target_group", lang), y_title=t(f"chart.area.{area}", lang), x_on_top=True,
        height=340 + _ROW_HEIGHT * len(table),
    )


def timeline_chart(
    counts: pd.DataFrame, programme_names: Mapping[str, str], lang: str, footnote: str, *, title: str | None = None
) -> go.Figure:
    """Initiatives by start year, stacked by programme (colours follow the order of ``programme_names``); an
    initiative of several programmes is split equally among them, so a year's column counts it once."""
    chart_id, title = _kind_and_title("timeline", lang, title)
    if counts.empty:
        return empty_figure(None, lang, chart_id=chart_id, title=title, footnote=footnote)
    present = set(counts["programme"])
    palette_order = [code for code in programme_names if code != NO_CODE]
    palette_order += sorted(present - set(palette_order) - {NO_CODE})
    fig = go.Figure()
    for position, code in enumerate(palette_order + [NO_CODE]):
        if code not in present:
            continue
        rows = counts[counts["programme"] == code].sort_values("start_year")
        if code == NO_CODE:
            name, colour, pattern = t("chart.no_programme", lang), NO_CODE_COLOUR, ""
        else:
            name = programme_names.get(code, code)
            colour = OKABE_ITO[position % len(OKABE_ITO)]
            pattern = _PATTERNS[position // len(OKABE_ITO) % len(_PATTERNS)]
        fig.add_trace(
            go.Bar(
                x=rows["start_year"].astype(int).tolist(),
                y=rows["initiatives"].astype(float).tolist(),
                customdata=rows["distinct"].astype(int).tolist(),
                name=_wrap(name, 30),
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate=_stack_hover(lang, axis="y",
                                           distinct_key=None if code == NO_CODE else "chart.hover.in_programme"),
            )
        )
    first, last = int(counts["start_year"].min()), int(counts["start_year"].max())
    fig.update_layout(barmode="stack", legend_title_text=plotly_text(t("chart.programme", lang)), bargap=0.2)
    fig.update_xaxes(
        type="linear", tickformat="d", hoverformat="d", tick0=0, dtick=_tick_step(last - first, 12),
        range=[first - 0.5, last + 0.5], tickangle=0, showgrid=False,
    )
    fig.update_yaxes(**_count_axis(counts.groupby("start_year")["initiatives"].sum().max(), headroom=1.05))
    return _finish(
        fig, chart_id=chart_id, lang=lang, title=title, footnote=footnote, note=t("chart.timeline.note", lang),
        x_title=t("chart.start_year", lang), y_title=t("chart.axis.split_programmes", lang), height=460,
    )


ChartBuilder = Callable[[pd.DataFrame, Taxonomy, str, str, Mapping[str, str], Mapping[str, str]], go.Figure]
"""Draws a chart of a filtered registry frame: (frame, taxonomy, lang, footnote, programme names, region names)."""


@dataclass(frozen=True)
class ChartSpec:
    """One coverage chart: its id, the export kind (``layout.meta``, file names, stamp), its i18n keys, its builder."""

    id: str
    kind: str
    title_key: str
    label_key: str
    build: ChartBuilder


class UnknownChartError(ValueError):
    """A chart id that no chart is registered under."""

    def __init__(self, chart: str) -> None:
        self.chart = chart
        super().__init__(f"Unknown chart {chart!r}; known charts: {', '.join(CHARTS)}.")


def _heatmap(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str, programme_names: Mapping[str, str],
             region_names: Mapping[str, str]) -> go.Figure:
    """Service type × target group of the frame."""
    matrix = coverage.service_target_matrix(frame, taxonomy.codes("service_type"), taxonomy.codes("target_group"))
    return service_target_heatmap(matrix, taxonomy, lang, footnote)


def _area_services(area: str, frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str,
                   programme_names: Mapping[str, str], region_names: Mapping[str, str]) -> go.Figure:
    """Service types per country or region of the frame."""
    counts, totals = coverage.counts_by_area_and_service(frame, area, taxonomy.codes("service_type"))
    return area_service_bars(counts, totals, area, taxonomy, lang, footnote, region_names if area == "region" else None)


def _area_targets(area: str, frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str,
                  programme_names: Mapping[str, str], region_names: Mapping[str, str]) -> go.Figure:
    """Target groups per country or region of the frame."""
    table = coverage.targets_by_area(frame, area, taxonomy.codes("target_group"))
    return targets_by_area_chart(table, area, taxonomy, lang, footnote, region_names if area == "region" else None)


def _timeline(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str, programme_names: Mapping[str, str],
              region_names: Mapping[str, str]) -> go.Figure:
    """Initiatives of the frame by start year and programme."""
    return timeline_chart(coverage.timeline_counts(frame), programme_names, lang, footnote)


CHARTS: Mapping[str, ChartSpec] = MappingProxyType({spec.id: spec for spec in (
    ChartSpec("heatmap", "coverage-heatmap", "chart.heatmap.title", "chart.id.heatmap", _heatmap),
    ChartSpec("country", "coverage-country-services", "chart.area_services.title.country", "chart.id.country",
              partial(_area_services, "country")),
    ChartSpec("region", "coverage-region-services", "chart.area_services.title.region", "chart.id.region",
              partial(_area_services, "region")),
    ChartSpec("country-targets", "coverage-country-targets", "chart.area_targets.title.country",
              "chart.id.country-targets", partial(_area_targets, "country")),
    ChartSpec("region-targets", "coverage-region-targets", "chart.area_targets.title.region",
              "chart.id.region-targets", partial(_area_targets, "region")),
    ChartSpec("timeline", "coverage-timeline", "chart.timeline.title", "chart.id.timeline", _timeline),
)})


def chart_spec(chart: str) -> ChartSpec:
    """The registered chart with id ``chart``; ``UnknownChartError`` (a ``ValueError``) for any other id."""
    try:
        return CHARTS[chart]
    except KeyError:
        raise UnknownChartError(chart) from None


def _kind_and_title(chart: str, lang: str, title: str | None) -> tuple[str, str]:
    """The export kind of a registered chart and ``title``, or its default title in ``lang`` when none is given."""
    spec = CHARTS[chart]
    return spec.kind, title or t(spec.title_key, lang)


def coverage_figure(chart: str, frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str,
                    programme_names: Mapping[str, str], region_names: Mapping[str, str]) -> go.Figure:
    """One coverage chart of a filtered registry frame, by id (see ``CHARTS``; other ids raise ``UnknownChartError``)."""
    return chart_spec(chart).build(frame, taxonomy, lang, footnote, programme_names, region_names)


def presentation_figure(chart: str, frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, footnote: str,
                        programme_names: Mapping[str, str], region_names: Mapping[str, str]) -> go.Figure:
    """A coverage chart in large, high-contrast type for a projector."""
    fig = coverage_figure(chart, frame, taxonomy, lang, footnote, programme_names, region_names)
    fig.update_layout(font={"size": 20, "color": "#000000"}, title_font_size=28, height=max(fig.layout.height or 0, 720))
    return fig
