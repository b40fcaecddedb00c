"""The coverage report as a 16:9 PowerPoint deck: native, editable charts and tables, notes that say the figures.

Slides: title; map (when a picture is given); initiatives per country and per region by service type; start
years by programme; service type × target group; gaps (the regions without an initiative, most residents concerned
first, with the nearest initiative's distance and a map, and the target groups nobody serves);
sources. Every number comes from ``ecosystem.coverage`` on the given, already filtered frame. Each slide has a
real title (the layout's title placeholder, placed explicitly for 16:9), a footer with the source line and
the permalink, and speaker notes in the deck's language.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypedDict, Unpack, cast

import pandas as pd
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_PATTERN
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide
from pptx.table import Table
from pptx.text.text import TextFrame
from pptx.util import Emu, Inches, Pt

from ecosystem.attributions import EUROGEOGRAPHICS
from ecosystem.charts import BLUES, CHARTS, FONT_FAMILY, NO_CODE_COLOUR, OKABE_ITO
from ecosystem.coverage import (
    NO_CODE,
    UNASSIGNED,
    count_by,
    counts_by_area_and_service,
    headline,
    service_target_matrix,
    targets_by_area,
    timeline_counts,
    unserved_targets,
)
from ecosystem.gaps import Gaps
from ecosystem.i18n import format_number, language_tag, t
from ecosystem.population import AGE_GROUP_KEYS
from ecosystem.schema import split_codes
from ecosystem.sources import source_name
from ecosystem.stamp import Stamp, qr_png
from ecosystem.taxonomy import Taxonomy

if TYPE_CHECKING:
    from pptx.chart.data import ChartData
    from pptx.presentation import Presentation as Deck

__all__ = ["GISCO_CREDIT", "build_deck"]

GISCO_CREDIT = f"Eurostat GISCO NUTS 2024 — {EUROGEOGRAPHICS}"
_FONT = FONT_FAMILY.split(",")[0].strip()  # the page charts' font (Arial), present on office laptops
_WIDTH, _HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 in × 7.5 in
_MARGIN = Inches(0.5)
_BODY_TOP, _FOOTER_TOP = Inches(1.25), Inches(6.78)
_CONTENT_WIDTH = _WIDTH - 2 * _MARGIN
_INK, _GREY, _ACCENT, _RULE = "222222", "595959", "0072B2", "D9D9D9"
_TITLE_ONLY_LAYOUT = 5  # "Title Only" in python-pptx's default template
_MAX_REGION_BARS = 15
_ROWS_PER_BLOCK = 14
_SHARE_FORMAT = "#,##0.0#"  # stacked counts: initiatives split equally among their service types or programmes
_MAX_PROGRAMME_ROWS = 8
_MAX_GAP_ROWS = 14
_PROGRAMME_PATTERNS = (None, MSO_PATTERN.WIDE_UPWARD_DIAGONAL, MSO_PATTERN.SMALL_GRID,
                       MSO_PATTERN.DIAGONAL_CROSS, MSO_PATTERN.WIDE_DOWNWARD_DIAGONAL, MSO_PATTERN.LARGE_CONFETTI)


@dataclass(frozen=True)
class _Context:
    """What every slide needs: the language, the stamp, the taxonomy and the names of codes."""

    lang: str
    stamp: Stamp
    taxonomy: Taxonomy
    programme_names: Mapping[str, str]
    region_names: Mapping[str, str]
    source_names: Mapping[str, str]

    def text(self, key: str, **values: object) -> str:
        """The interface string ``key`` in the deck's language."""
        return t(key, self.lang, **values)

    def number(self, value: float) -> str:
        """A number as the deck's language writes it (``ecosystem.i18n.format_number``), shares to two decimals."""
        return format_number(round(value, 2), self.lang)

    def area_name(self, area: str, code: str) -> str:
        """A country's label or a region's ``code name``; ``""`` → "No country" / "No region" (as on the page)."""
        if code == UNASSIGNED:
            return self.text(f"chart.no_{area}")
        if area == "country":
            return self.taxonomy.label("country", code, self.lang)
        name = self.region_names.get(code)
        return f"{code} {name}" if name else code


_PROPERTY_LIMIT = 255  # characters in a document property (title, subject) of an Office file


def _property_text(text: str) -> str:
    """A document property: whole when it fits, else cut with an ellipsis (long search texts, titles)."""
    return text if len(text) <= _PROPERTY_LIMIT else text[:_PROPERTY_LIMIT - 1] + "…"


def _rgb(colour: str) -> RGBColor:
    """``#RRGGBB`` or ``RRGGBB`` → RGBColor."""
    return RGBColor.from_string(colour.lstrip("#").upper())


class _Style(TypedDict, total=False):
    """How ``_write`` sets text: its colour, weight and alignment."""

    colour: str
    bold: bool
    align: PP_ALIGN


def _write(frame: TextFrame, lines: Sequence[str], size: float, *, colour: str = _INK, bold: bool = False,
           align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    """Write ``lines`` (one paragraph each) into an empty text frame, in the deck font."""
    frame.word_wrap = True
    for number, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.name, run.font.size, run.font.bold = _FONT, Pt(size), bold
        run.font.color.rgb = _rgb(colour)


def _text_box(slide: Slide, left: int, top: int, width: int, height: int, lines: Sequence[str],
              size: float, **style: Unpack[_Style]) -> TextFrame:
    """A text box holding ``lines`` (box in EMU); its text frame."""
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    box.text_frame.margin_left = box.text_frame.margin_right = 0
    _write(box.text_frame, lines, size, **style)
    return box.text_frame


def _title_size(title: str, large: float) -> float:
    """A title's point size: smaller for long titles so they stay inside their box."""
    return large if len(title) <= 60 else large * 0.8 if len(title) <= 110 else large * 0.65


def _new_slide(deck: Deck, context: _Context, title: str, notes: Iterable[str], *,
               credits: bool = False, cover: bool = False) -> Slide:
    """A slide with its title (large and lower on the ``cover``), footer (source, attributions when ``credits``,
    permalink) and speaker notes."""
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY_LAYOUT])
    heading = slide.shapes.title  # placed explicitly: the layout's own position is for 4:3
    heading.left, heading.width = _MARGIN, _CONTENT_WIDTH
    heading.top, heading.height = (Inches(1.2), Inches(1.6)) if cover else (Inches(0.3), Inches(0.85))
    heading.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM if cover else MSO_ANCHOR.MIDDLE
    heading.text_frame.margin_left = heading.text_frame.margin_right = 0  # flush with the text boxes below
    _write(heading.text_frame, [title], _title_size(title, 36 if cover else 28), bold=True)
    stamp = context.stamp
    footer = _text_box(slide, _MARGIN, _FOOTER_TOP, _CONTENT_WIDTH, Inches(0.55),
                       [stamp.credits if credits else stamp.source] + ([stamp.permalink] if stamp.permalink else []),
                       9, colour=_GREY)
    if stamp.permalink:
        footer.paragraphs[1].runs[0].hyperlink.address = stamp.permalink
    slide.notes_slide.notes_text_frame.text = "\n".join(notes)
    return slide


def _picture(slide: Slide, png: bytes, left: int, top: int, width: int, height: int) -> None:
    """``png`` fitted into the box (in EMU) without distortion, centred."""
    picture = slide.shapes.add_picture(io.BytesIO(png), Emu(left), Emu(top))
    scale = min(width / picture.width, height / picture.height)
    picture.width, picture.height = Emu(int(picture.width * scale)), Emu(int(picture.height * scale))
    picture.left, picture.top = Emu(left + (width - picture.width) // 2), Emu(top + (height - picture.height) // 2)


def _chart(slide: Slide, kind: XL_CHART_TYPE, height: int, data: CategoryChartData) -> Chart:
    """A native chart of ``data`` across the body of the slide, ``height`` EMU tall."""
    # python-pptx annotates chart_data as its ChartData subclass (it takes any chart data, hence the cast) and the
    # result as Chart, though it returns the GraphicFrame holding the chart (as its own docstring says)
    frame = slide.shapes.add_chart(kind, _MARGIN, _BODY_TOP, Emu(_CONTENT_WIDTH), Emu(height), cast("ChartData", data))
    return frame.chart  # type: ignore[attr-defined]


def _style_chart(chart: Chart, value_title: str) -> None:
    """Deck font, legend under the plot, whole-number value axis with light gridlines."""
    chart.font.name, chart.font.size = _FONT, Pt(12)
    chart.has_legend = True
    chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb(_RULE)
    axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = "#,##0", False
    axis.has_title = True
    _write(axis.axis_title.text_frame, [value_title], 12, colour=_GREY)
    chart.plots[0].gap_width = 60


def _table(slide: Slide, rows: Sequence[Sequence[str]], left: int, top: int, widths: Sequence[int],
           row_height: int, size: float) -> Table:
    """A plain native table (lengths in EMU): bold header row, no banding, text in the deck font."""
    shape = slide.shapes.add_table(len(rows), len(widths), Emu(left), Emu(top), Emu(sum(widths)),
                                   Emu(row_height * len(rows)))
    table = shape.table
    table.horz_banding = False
    for index, width in enumerate(widths):  # the table has one column per width
        table.columns[index].width = Emu(width)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb("F2F2F2" if r == 0 else "FFFFFF")
            _write(cell.text_frame, [value], size, bold=r == 0)
    return table


def _side_by_side(rows: Sequence[list[str]], groups: int) -> tuple[list[list[str]], int]:
    """Non-empty ``rows`` in up to ``groups`` column groups of ``_ROWS_PER_BLOCK`` rows; how many did not fit."""
    fitting = rows[: _ROWS_PER_BLOCK * groups]
    height = min(_ROWS_PER_BLOCK, len(fitting))
    blocks = [fitting[start:start + height] for start in range(0, len(fitting), height)]
    blank = [""] * len(rows[0])
    laid = [sum((block[r] if r < len(block) else blank for block in blocks), []) for r in range(height)]
    return laid, len(rows) - len(fitting)


# --- slides ---------------------------------------------------------------------------------------------


def _headline_sentence(context: _Context, frame: pd.DataFrame) -> str:
    """Initiatives, organisations, countries, regions and target groups under the filters, in one sentence."""
    numbers = headline(frame)
    return context.text(
        "export.notes.headline", initiatives=context.number(numbers.initiatives),
        organisations=context.number(numbers.organisations), countries=context.number(numbers.countries),
        regions=context.number(numbers.regions), targets=context.number(numbers.target_groups),
        all_targets=context.number(len(context.taxonomy.codes("target_group"))),
    )


def _title_slide(deck: Deck, context: _Context, frame: pd.DataFrame, exported: datetime.date,
                 map_missing: bool) -> None:
    """Title, filters in words, export date, registry version, permalink and its QR code."""
    stamp = context.stamp
    missing = [context.text("export.map_missing")] if map_missing else []
    notes = [context.text("export.notes.filters", filters=stamp.subtitle), _headline_sentence(context, frame)]
    slide = _new_slide(deck, context, stamp.title, notes + missing, cover=True)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, _MARGIN, Inches(2.95), Inches(1.2), Inches(0.08))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(_ACCENT)
    bar.line.fill.background()
    text_width = _CONTENT_WIDTH - Inches(2.2)
    _text_box(slide, _MARGIN, Inches(3.2), text_width, Inches(1.2), [stamp.subtitle],
              18 if len(stamp.subtitle) <= 160 else 14)
    lines = [context.text("export.exported", date=exported.isoformat()),
             context.text("app.registry_version", version=stamp.version, date=stamp.version_date)]
    _text_box(slide, _MARGIN, Inches(4.55), text_width, Inches(1.0), lines + missing, 14, colour=_GREY)
    if not stamp.permalink:  # no address known: no link rather than one that opens nothing
        return
    link = _text_box(slide, _MARGIN, Inches(5.65), text_width, Inches(0.9),
                     [context.text("app.permalink"), stamp.permalink], 12, colour=_GREY)
    link.paragraphs[1].runs[0].hyperlink.address = stamp.permalink
    side = Inches(1.6)
    _picture(slide, qr_png(stamp.permalink, 480), _WIDTH - _MARGIN - side, Inches(4.95), side, side)


def _map_slide(deck: Deck, context: _Context, frame: pd.DataFrame, map_png: bytes, title: str) -> None:
    """The map picture, fitted, under ``title``, with the map's attributions in the footer."""
    notes = [context.text("export.notes.map"), _headline_sentence(context, frame), context.stamp.credits]
    slide = _new_slide(deck, context, title, notes, credits=True)
    _picture(slide, map_png, _MARGIN, _BODY_TOP, _CONTENT_WIDTH, Inches(6.7) - _BODY_TOP)


def _empty_slide(deck: Deck, context: _Context, title: str, message: str) -> None:
    """A slide that says there is nothing to chart under these filters."""
    slide = _new_slide(deck, context, title, [message])
    _text_box(slide, _MARGIN, Inches(3.2), _CONTENT_WIDTH, Inches(1.0), [message], 20, colour=_GREY,
              align=PP_ALIGN.CENTER)


def _area_slide(deck: Deck, context: _Context, frame: pd.DataFrame, area: str) -> None:
    """Stacked bars per country or region by service type (native chart), each as long as its initiatives (shared
    equally among their service types, as on the page), the totals in the caption."""
    services = context.taxonomy.codes("service_type")
    counts, totals = counts_by_area_and_service(frame, area, services)
    title = context.text(CHARTS[area].title_key)
    if totals.empty:
        _empty_slide(deck, context, title, context.text("chart.empty"))
        return
    names = {code: context.area_name(area, code) for code in totals.index}
    order = sorted(totals.index, key=lambda code: (-int(totals[code]), names[code]))
    shown = order[:_MAX_REGION_BARS] if area == "region" else order
    table = counts.pivot_table(index=area, columns="service_type", values="initiatives", fill_value=0)
    present = [code for code in [*services, NO_CODE] if code in table.columns]
    table = table.reindex(index=shown, columns=present, fill_value=0).astype(float)
    labels, colours = context.taxonomy.labels("service_type", context.lang), context.taxonomy.colours("service_type")
    labels[NO_CODE], colours[NO_CODE] = context.text("chart.no_service_type"), NO_CODE_COLOUR

    def parts(code: str) -> str:
        return ", ".join(f"{labels[service]} {context.number(table.at[code, service])}"
                         for service in present if table.at[code, service])

    cut = [context.text("export.top_regions", shown=len(shown), total=len(order))] if len(shown) < len(order) else []
    totals_line = context.text("export.totals", totals="; ".join(
        f"{names[code]} {context.number(int(totals[code]))}" for code in shown))
    notes = [context.text("coverage.intro"), *cut] + [
        context.text("export.notes.area_line", area=names[code], count=int(totals[code]),
                     parts=parts(code)) for code in shown
    ] + [context.text("export.notes.chart_data")]
    slide = _new_slide(deck, context, title, notes)
    bottom_up = shown[::-1]  # a bar chart draws its first category at the bottom: the largest goes last, on top
    data = CategoryChartData(number_format=_SHARE_FORMAT)
    data.categories = [names[code] for code in bottom_up]
    for service in present:
        data.add_series(labels[service], table.loc[bottom_up, service].tolist())
    chart = _chart(slide, XL_CHART_TYPE.BAR_STACKED, Inches(4.3), data)
    _style_chart(chart, context.text("chart.axis.split_services"))
    chart.category_axis.tick_labels.font.size = Pt(12 if len(shown) <= 8 else 9)  # every bar keeps its name
    for series, service in zip(chart.plots[0].series, present, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(colours[service])
    _text_box(slide, _MARGIN, Inches(5.6), _CONTENT_WIDTH, Inches(1.1),
              [*cut, context.text("chart.area_services.note"), totals_line], 10, colour=_GREY)


def _timeline_slide(deck: Deck, context: _Context, frame: pd.DataFrame) -> None:
    """Initiatives by start year stacked by programme (native column chart), programme colours as on the page."""
    title = context.text(CHARTS["timeline"].title_key)
    counts = timeline_counts(frame)
    if counts.empty:
        _empty_slide(deck, context, title, context.text("export.notes.timeline_empty"))
        return
    years = list(range(int(counts["start_year"].min()), int(counts["start_year"].max()) + 1))
    per_year = count_by(frame, "start_year").reindex(years, fill_value=0)  # distinct initiatives per year
    table = counts.pivot_table(index="start_year", columns="programme", values="initiatives", fill_value=0)
    table = table.reindex(index=years, fill_value=0).astype(float)
    palette = [code for code in context.programme_names if code != NO_CODE]
    palette += sorted(set(table.columns) - set(palette) - {NO_CODE})
    by_programme = count_by(frame, "programme", categories=palette)
    notes = [context.text("export.notes.timeline", dated=context.number(int(per_year.sum())), first=years[0],
                          last=years[-1], peak_year=int(per_year.idxmax()), peak=context.number(int(per_year.max())))]
    named = [code for code in palette if by_programme[code]]
    if named:
        notes.append(context.text("export.notes.programmes", parts=", ".join(
            f"{context.programme_names.get(code, code)} {context.number(int(by_programme[code]))}" for code in named)))
    slide = _new_slide(deck, context, title, notes + [context.text("export.notes.chart_data")])

    # (programme code, name, colour, pattern) in the page's order and colours; "no programme" last, in grey
    series = [(code, context.programme_names.get(code, code), OKABE_ITO[position % len(OKABE_ITO)],
               _PROGRAMME_PATTERNS[position // len(OKABE_ITO) % len(_PROGRAMME_PATTERNS)])
              for position, code in enumerate(palette) if code in table.columns]
    if NO_CODE in table.columns:
        series.append((NO_CODE, context.text("chart.no_programme"), NO_CODE_COLOUR, None))
    data = CategoryChartData(number_format=_SHARE_FORMAT)
    data.categories = [str(year) for year in years]
    for code, name, _, _ in series:
        data.add_series(name, table[code].tolist())
    chart = _chart(slide, XL_CHART_TYPE.COLUMN_STACKED, Inches(4.75), data)
    _style_chart(chart, context.text("chart.axis.split_programmes"))
    for plotted, (_, _, colour, pattern) in zip(chart.plots[0].series, series, strict=True):
        fill = plotted.format.fill
        if pattern is None:
            fill.solid()
            fill.fore_color.rgb = _rgb(colour)
        else:
            fill.patterned()
            fill.pattern = pattern
            fill.fore_color.rgb, fill.back_color.rgb = _rgb(colour), _rgb("FFFFFF")
    _text_box(slide, _MARGIN, Inches(6.1), _CONTENT_WIDTH, Inches(0.6), [context.text("chart.timeline.note")],
              10, colour=_GREY)


def _shade(count: int, maximum: int) -> tuple[str, str]:
    """Cell fill and text colour of a count: white for 0, then the page heatmap's blues."""
    if count == 0:
        return "FFFFFF", _GREY
    step = min(len(BLUES) - 1, (count - 1) * len(BLUES) // max(maximum, 1))
    return BLUES[step].lstrip("#"), "FFFFFF" if step >= 4 else _INK


def _heatmap_slide(deck: Deck, context: _Context, frame: pd.DataFrame, heatmap_png: bytes | None) -> None:
    """Service type × target group: the page's heatmap picture when given, else a native shaded table."""
    taxonomy, lang = context.taxonomy, context.lang
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    title = context.text(CHARTS["heatmap"].title_key)
    matrix = service_target_matrix(frame, services, targets)
    if int(matrix.to_numpy().sum()) == 0:
        _empty_slide(deck, context, title, context.text("chart.empty"))
        return
    service_labels, target_labels = taxonomy.labels("service_type", lang), taxonomy.labels("target_group", lang)
    per_target = count_by(frame, "target_group", categories=targets).sort_values(ascending=False, kind="stable")
    by_country = targets_by_area(frame, "country", targets)
    notes = []
    for target, count in per_target[per_target > 0].items():
        column = by_country[target].sort_values(ascending=False, kind="stable")
        top = column.index[0]
        notes.append(context.text("export.notes.target_line", target=target_labels[target],
                                  count=int(count),
                                  top_area=context.area_name("country", top),
                                  top_count=context.number(int(column.iloc[0]))))
    service, target = matrix.stack().idxmax()
    notes.append(context.text("export.notes.largest", service=service_labels[service], target=target_labels[target],
                              count=int(matrix.at[service, target])))
    notes.append(context.text("export.notes.heatmap_gaps", empty=context.number(int((matrix == 0).to_numpy().sum())),
                              cells=context.number(matrix.size)))
    slide = _new_slide(deck, context, title, notes)
    body_height = Inches(6.15) - _BODY_TOP
    if heatmap_png is not None:
        _picture(slide, heatmap_png, _MARGIN, _BODY_TOP, _CONTENT_WIDTH, body_height)
    else:
        first, header = Inches(1.7), Inches(0.8)
        other = Emu((_CONTENT_WIDTH - first) // len(targets))
        rows = [[context.text("chart.service_type")] + [target_labels[code] for code in targets]]
        rows += [[service_labels[code]] + [str(int(value)) for value in matrix.loc[code]] for code in services]
        table = _table(slide, rows, _MARGIN, _BODY_TOP, [first] + [other] * len(targets),
                       Emu((body_height - header) // len(services)), 9)
        table.rows[0].height = header
        for cell in list(table.rows[0].cells)[1:]:  # long target group names: smaller, so no word is split
            cell.margin_left = cell.margin_right = Inches(0.03)
            font = cell.text_frame.paragraphs[0].runs[0].font
            font.size, font.bold = Pt(8), False
        maximum = int(matrix.to_numpy().max())
        for r, code in enumerate(services, start=1):
            for c, target in enumerate(targets, start=1):
                fill, ink = _shade(int(matrix.at[code, target]), maximum)
                cell = table.cell(r, c)
                cell.fill.fore_color.rgb = _rgb(fill)
                paragraph = cell.text_frame.paragraphs[0]
                paragraph.alignment = PP_ALIGN.CENTER
                paragraph.runs[0].font.color.rgb = _rgb(ink)
    _text_box(slide, _MARGIN, Inches(6.25), _CONTENT_WIDTH, Inches(0.45),
              [context.text("chart.gaps_note") + " " + context.text("coverage.intro")], 10, colour=_GREY)


def _gaps_slide(deck: Deck, context: _Context, frame: pd.DataFrame, gaps: Gaps | None,
                gaps_map_png: bytes | None) -> None:
    """The regions without an initiative, most residents concerned first, with the distance to the nearest
    initiative (a table of the first ``_MAX_GAP_ROWS``, all of them in the notes), the map with the gaps outlined,
    and the target groups nobody serves."""
    target_labels = context.taxonomy.labels("target_group", context.lang)
    unserved = [target_labels[code] for code in unserved_targets(frame, context.taxonomy.codes("target_group"))]
    if gaps is None:
        region_sentence = context.text("export.gap_regions_unknown")
    elif len(gaps.gaps):
        region_sentence = context.text("export.notes.gap_regions",
                                       regions=", ".join(context.area_name("region", code) for code in gaps.gaps["nuts_id"]))
    else:
        region_sentence = context.text("coverage.gap_regions_none")
    counted = ""
    if gaps is not None and gaps.population_year is not None:
        concerned = ", ".join(context.text(AGE_GROUP_KEYS[age]) for age in gaps.ages)
        counted = context.text("gaps.counted", concerned=concerned, year=gaps.population_year)
    target_sentence = (context.text("export.notes.unserved", targets=", ".join(unserved)) if unserved
                       else context.text("export.unserved_none"))
    notes = [region_sentence, counted, context.text("gaps.distance_note") if gaps is not None and len(gaps.gaps) else "",
             target_sentence]
    slide = _new_slide(deck, context, context.text("export.title.gaps"), [note for note in notes if note],
                       credits=gaps_map_png is not None)
    left_width, gutter = Inches(6.9), Inches(0.3)
    right_left = _MARGIN + left_width + gutter
    right_width = _WIDTH - _MARGIN - right_left
    _text_box(slide, _MARGIN, _BODY_TOP, left_width, Inches(0.45), [context.text("coverage.gap_regions")], 14,
              bold=True)
    table_top, row_height = _BODY_TOP + Inches(0.5), Inches(0.27)
    if gaps is not None and len(gaps.gaps):
        shown = gaps.gaps.head(_MAX_GAP_ROWS)
        countries = context.taxonomy.labels("country", context.lang)
        rows = [[f"{row.nuts_id} {row.name}", countries.get(row.country, row.country),
                 "" if pd.isna(row.residents) else context.number(round(row.residents)),
                 "" if pd.isna(row.nearest_km) else context.number(round(row.nearest_km))]
                for row in shown.itertuples()]
        header = [context.text("column.region_code"), context.text("column.country"), context.text("gaps.residents"),
                  context.text("gaps.nearest_km")]
        _table(slide, [header] + rows, _MARGIN, table_top, [Inches(2.9), Inches(1.3), Inches(1.35), Inches(1.35)],
               row_height, 10)
        below = table_top + row_height * (len(rows) + 1) + Inches(0.1)
        lines = [context.text("export.more", count=len(gaps.gaps) - len(shown))] if len(gaps.gaps) > len(shown) else []
        _text_box(slide, _MARGIN, below, left_width, Inches(0.6), lines + ([counted] if counted else []), 10,
                  colour=_GREY)
    else:
        _text_box(slide, _MARGIN, table_top, left_width, Inches(0.8), [region_sentence], 12, colour=_GREY)
    map_height = Inches(3.6)
    if gaps_map_png is not None:
        _picture(slide, gaps_map_png, right_left, _BODY_TOP, right_width, map_height)
    _text_box(slide, right_left, _BODY_TOP + map_height + Inches(0.15), right_width, Inches(0.35),
              [context.text("export.unserved_targets")], 12, bold=True)
    _text_box(slide, right_left, _BODY_TOP + map_height + Inches(0.5), right_width, Inches(1.0),
              [", ".join(unserved) if unserved else target_sentence], 11, colour=_GREY)


def _sources_slide(deck: Deck, context: _Context, frame: pd.DataFrame, gaps: Gaps | None) -> None:
    """The articles the rows cite, the programmes they name, and the reference data of the regions (and of the
    population, when the gap slide counted residents)."""
    citations = split_codes(frame["source"]).value_counts()
    named = set(split_codes(frame["programmes"]))
    programmes = [code for code in context.programme_names if code in named]
    programmes += sorted(named - set(programmes))
    initiatives = count_by(frame, "programme", categories=programmes)
    reference = [f"{context.text('export.boundaries')}: {GISCO_CREDIT}" if line == EUROGEOGRAPHICS else line
                 for line in context.stamp.attributions]  # what the deck draws, and only that
    if gaps is not None and gaps.population_year is not None:
        reference.append(context.text("export.population_source", year=gaps.population_year))
    notes = [context.text("export.notes.sources", rows=context.number(len(frame)),
                          articles=context.number(len(citations)), programmes=context.number(len(programmes)))]
    notes += [f"{source_name(source, context.source_names)}: {context.text('about.rows_citing', count=int(count))}"
              for source, count in citations.items()]
    notes += [f"{context.programme_names.get(code, code)}: {context.text('chart.initiatives')} "
              f"{context.number(int(initiatives[code]))}." for code in programmes]
    slide = _new_slide(deck, context, context.text("about.sources"), notes + reference)
    left_width, gutter = Inches(5.6), Inches(0.4)
    right_left = _MARGIN + left_width + gutter
    right_width = _WIDTH - _MARGIN - right_left
    row_height, table_top = Inches(0.3), _BODY_TOP + Inches(0.5)
    _text_box(slide, _MARGIN, _BODY_TOP, left_width, Inches(0.4), [context.text("export.articles")], 14, bold=True)
    if citations.empty:
        _text_box(slide, _MARGIN, table_top, left_width, Inches(0.6), [context.text("export.no_sources")], 12,
                  colour=_GREY)
    else:
        rows = [[source_name(source, context.source_names), context.number(int(count))]
                for source, count in citations.items()]
        shown = rows[:_ROWS_PER_BLOCK]
        _table(slide, [[context.text("column.source"), context.text("history.rows")]] + shown, _MARGIN, table_top,
               [left_width - Inches(1.0), Inches(1.0)], row_height, 10)
        if len(rows) > len(shown):
            _text_box(slide, _MARGIN, table_top + row_height * (len(shown) + 1) + Inches(0.1), left_width,
                      Inches(0.35), [context.text("export.more", count=len(rows) - len(shown))], 10,
                      colour=_GREY)
    _text_box(slide, right_left, _BODY_TOP, right_width, Inches(0.4), [context.text("about.programmes")], 14, bold=True)
    shown_programmes = programmes[:_MAX_PROGRAMME_ROWS]
    if programmes:
        _table(slide, [[context.text("chart.programme"), context.text("chart.initiatives")]] + [
            [context.programme_names.get(code, code), context.number(int(initiatives[code]))]
            for code in shown_programmes], right_left, table_top, [right_width - Inches(1.2), Inches(1.2)],
            row_height, 10)
    else:
        _text_box(slide, right_left, table_top, right_width, Inches(0.6), [context.text("export.no_programmes")], 12,
                  colour=_GREY)
    if len(programmes) > len(shown_programmes):
        more = len(programmes) - len(shown_programmes)
        reference = [context.text("export.more", count=more)] + reference
    _text_box(slide, right_left, Inches(4.75), right_width, Inches(1.6), reference, 11, colour=_GREY)


def _declare_language(deck: Deck, tag: str) -> None:
    """Every text default of ``deck`` in the language ``tag`` instead of python-pptx's template's en-US (the
    presentation's, the slide masters' and layouts', the notes master's and the charts'), which the slides' and
    notes' text inherits: PowerPoint checks spelling, and screen readers read, in the deck's language."""
    elements = [deck.element, deck.notes_master.element]
    for master in deck.slide_masters:
        elements += [master.element, *(layout.element for layout in master.slide_layouts)]
    elements += [shape.chart.element for slide in deck.slides for shape in slide.shapes
                 if isinstance(shape, GraphicFrame) and shape.has_chart]
    for element in elements:
        for node in element.iter():
            if "lang" in node.attrib:
                node.set("lang", tag)


def build_deck(
    *,
    frame: pd.DataFrame,
    taxonomy: Taxonomy,
    lang: str,
    stamp: Stamp,
    programme_names: Mapping[str, str],
    region_names: Mapping[str, str],
    gaps: Gaps | None,
    map_png: bytes | None,
    heatmap_png: bytes | None,
    gaps_map_png: bytes | None = None,
    exported: datetime.date | None = None,
    source_names: Mapping[str, str] = MappingProxyType({}),
    map_title: str | None = None,
) -> bytes:
    """The coverage report of the filtered ``frame`` as a 16:9 PPTX file (bytes), with the gap answer ``gaps``
    (None without boundaries) and its map picture; the sources the rows cite are named by ``source_names`` (title
    and publisher, ``ecosystem.sources``), else as cited; the map slide is titled ``map_title`` (what the picture
    shows), else generically."""
    context = _Context(lang, stamp, taxonomy, programme_names, region_names, source_names)
    deck = Presentation()
    deck.slide_width, deck.slide_height = _WIDTH, _HEIGHT
    properties = deck.core_properties
    properties.title, properties.subject = _property_text(stamp.title), _property_text(stamp.subtitle)
    properties.language = lang
    properties.author = properties.last_modified_by = t("app.title", lang)
    _title_slide(deck, context, frame, exported or datetime.date.today(), map_png is None)
    if map_png is not None:
        _map_slide(deck, context, frame, map_png, map_title or context.text("export.title.map"))
    _area_slide(deck, context, frame, "country")
    _area_slide(deck, context, frame, "region")
    _timeline_slide(deck, context, frame)
    _heatmap_slide(deck, context, frame, heatmap_png)
    _gaps_slide(deck, context, frame, gaps, gaps_map_png)
    _sources_slide(deck, context, frame, gaps)
    _declare_language(deck, language_tag(lang))
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
