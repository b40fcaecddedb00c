"""What every exported picture says about itself: title, filters in words, source, attributions, permalink.

A ``Stamp`` is made once per export (``make_stamp``) and read by the chart export (``stamp_figure``), the
slide deck (``ecosystem.deck``) and the file names (``export_file_name``). Texts are plain; whoever draws them
escapes them for their medium (Plotly's pseudo-HTML here, XML in python-pptx).
"""

from __future__ import annotations

import datetime
import io
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import plotly.graph_objects as go
import segno

from ecosystem.charts import CHARTS, plotly_text
from ecosystem.filters import FilterState, describe_filters
from ecosystem.i18n import t
from ecosystem.links import view_link
from ecosystem.taxonomy import Taxonomy

__all__ = ["Stamp", "export_file_name", "make_stamp", "qr_png", "stamp_figure", "toImageButtonOptions"]

# view kind (a chart's export kind, or "map" / "deck") → i18n key of its default title
_TITLE_KEYS: dict[str, str] = {
    **{spec.kind: spec.title_key for spec in CHARTS.values()},
    "map": "export.title.map",
    "deck": "export.title.deck",
}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_COUNTRIES_IN_NAME = 3
_IMAGE_FORMATS = ("png", "svg", "jpeg", "webp")
# pixel sizes of the stamped figure's texts and the room its parts take
_TITLE_SIZE, _SUBTITLE_SIZE, _FOOTER_SIZE, _PERMALINK_SIZE = 20, 13, 11, 9
_BOTTOM_AXIS_GAP, _NO_AXIS_GAP, _TOP_AXIS_ROOM = 62, 12, 170
_LEGEND_ROW, _LEGEND_LINE, _LEGEND_SYMBOL, _LEGEND_CHAR = 22, 16, 40, 6.5


@dataclass(frozen=True)
class Stamp:
    """The self-description of one exported view, in one language."""

    title: str
    subtitle: str
    source: str
    attributions: tuple[str, ...]
    permalink: str
    """the link that reopens the view (``ecosystem.links.view_link``); ``""`` when the dashboard's address is not
    known: the export then carries no link and no QR code"""
    lang: str
    version: str
    version_date: str

    @property
    def credits(self) -> str:
        """Source line and attributions on one line."""
        return " · ".join((self.source, *self.attributions))


def make_stamp(
    kind: str,
    state: FilterState,
    taxonomy: Taxonomy,
    lang: str,
    *,
    version: str,
    version_date: str,
    base_url: str,
    page: str,
    attributions: Sequence[str],
    programme_names: Mapping[str, str],
    region_names: Mapping[str, str],
    title: str | None = None,
) -> Stamp:
    """The stamp of view ``kind`` under ``state``, crediting ``attributions`` (``ecosystem.attributions``: those of
    what the export draws); ``title`` replaces the default title of the kind."""
    if title is None and kind not in _TITLE_KEYS:
        raise ValueError(f"No default title for view kind {kind!r}; expected one of {', '.join(_TITLE_KEYS)}.")
    return Stamp(
        title=t(_TITLE_KEYS[kind], lang) if title is None else title,
        subtitle=describe_filters(state, taxonomy, lang, programme_names, region_names),
        source=t("app.source_footnote", lang, version=version, date=version_date),
        attributions=tuple(attributions),
        permalink=view_link(base_url, page, state.query_string(lang=lang)),
        lang=lang,
        version=version,
        version_date=version_date,
    )


def _name_part(text: str) -> str:
    """``text`` reduced to the characters allowed in an export file name."""
    return _NAME_UNSAFE.sub("-", text).strip("-.")


def export_file_name(kind: str, state: FilterState, date: datetime.date | str, version: str | int, ext: str) -> str:
    """``coverage-heatmap_LT-LV_2026-11-26_v42.png``: view, countries (``all``, ``LT-LV-EE-3more``), date, version."""
    countries = [_name_part(code.upper()) for code in state.countries]
    shown = "-".join(code for code in countries[:_COUNTRIES_IN_NAME] if code) or "all"
    if len(countries) > _COUNTRIES_IN_NAME:
        shown += f"-{len(countries) - _COUNTRIES_IN_NAME}more"  # "+3" would leave the safe character set
    stem = "_".join((_name_part(kind) or "export", shown, _name_part(str(date)), f"v{_name_part(str(version))}"))
    suffix = _name_part(ext.lstrip("."))
    return f"{stem}.{suffix}" if suffix else stem


def qr_png(url: str, size_px: int) -> bytes:
    """A PNG QR code of ``url``, at most ``size_px`` wide (whole pixels per module, so it stays sharp)."""
    code = segno.make(url, error="m")
    width, _ = code.symbol_size(scale=1)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, size_px // width))
    return buffer.getvalue()


def _wrapped(text: str, width: int, *, break_words: bool = False) -> list[str]:
    """Escaped lines of about ``width`` characters."""
    return [plotly_text(line) for line in textwrap.wrap(text, max(width, 20), break_long_words=break_words)] or [""]


def _legend_names(fig: go.Figure) -> list[str]:
    """The names the figure's legend shows."""
    if fig.layout.showlegend is False:
        return []
    return [trace.name for trace in fig.data if trace.name and trace.showlegend is not False and trace.type != "heatmap"]


def _horizontal_legend_height(names: list[str], title: str, width: int) -> int:
    """About how many pixels a horizontal legend of ``names`` takes when its rows wrap at ``width``."""
    extra_lines, used = [0], len(title) * _LEGEND_CHAR  # per row: lines beyond the first of its tallest entry
    for name in names:
        lines = name.split("<br>")
        entry = _LEGEND_SYMBOL + _LEGEND_CHAR * max(len(line) for line in lines)
        if used and used + entry > width:
            extra_lines.append(0)
            used = 0
        used += entry
        extra_lines[-1] = max(extra_lines[-1], len(lines) - 1)
    return sum(_LEGEND_ROW + _LEGEND_LINE * extra for extra in extra_lines) + 8


def stamp_figure(fig: go.Figure, stamp: Stamp, width: int, height: int) -> go.Figure:
    """A copy of ``fig`` laid out for a ``width`` × ``height`` picture: title, filters, legend inside, footer."""
    stamped = go.Figure(fig)
    stamped.layout.annotations = [note for note in stamped.layout.annotations if note.name != "footnote"]
    chars = max(40, (width - 120) // 7)
    note = stamped.layout.title.subtitle.text
    subtitle = _wrapped(stamp.subtitle, chars) + ([note] if note else [])
    x_axis = stamped.layout.xaxis
    axis_on_top = x_axis.side == "top" or x_axis.visible is False
    footer = _wrapped(stamp.credits, (width - 120) // 6)
    permalink = _wrapped(stamp.permalink, (width - 120) // 5, break_words=True) if stamp.permalink else []
    footer_height = len(footer) * (_FOOTER_SIZE + 5) + len(permalink) * (_PERMALINK_SIZE + 5) + 10
    axis_gap = _NO_AXIS_GAP if axis_on_top else _BOTTOM_AXIS_GAP

    legend_height = 0
    names = _legend_names(stamped)
    if names:
        top_room = 60 + (_SUBTITLE_SIZE + 5) * len(subtitle) + (_TOP_AXIS_ROOM if axis_on_top else 0)
        plot_room = height - top_room - axis_gap - footer_height
        vertical_height = 40 + sum(_LEGEND_ROW + _LEGEND_LINE * name.count("<br>") for name in names)
        if vertical_height > plot_room:  # a vertical legend would be cut at the plot's height: lay it under the plot
            legend_title = stamped.layout.legend.title.text or ""
            legend_height = _horizontal_legend_height(names, legend_title, width - 20)
            stamped.update_layout(legend={
                "orientation": "h", "xref": "paper", "x": 0, "xanchor": "left",
                "yref": "container", "y": (footer_height + 6) / height, "yanchor": "bottom",
            })
    stamped.update_layout(
        width=width,
        height=height,
        autosize=False,
        title={
            "text": plotly_text(stamp.title),
            "subtitle": {"text": "<br>".join(subtitle), "font": {"size": _SUBTITLE_SIZE, "color": "#555555"}},
            "x": 0, "xref": "paper", "xanchor": "left",
            "y": 1, "yref": "container", "yanchor": "top",
            "pad": {"t": 16}, "automargin": True,
            "font": {"size": _TITLE_SIZE},
        },
        margin={"b": axis_gap + legend_height + footer_height + 6},
    )
    stamped.add_annotation(
        name="stamp-footer",
        text="<br>".join(footer + [f'<span style="font-size:{_PERMALINK_SIZE}px">{line}</span>' for line in permalink]),
        xref="paper", x=0, xanchor="left",
        yref="paper", y=0, yanchor="top", yshift=-(axis_gap + legend_height),
        align="left", showarrow=False,
        font={"size": _FOOTER_SIZE, "color": "#555555"},
    )
    return stamped


def toImageButtonOptions(file_name: str, width: int, height: int, scale: int = 2) -> dict:  # noqa: N802 (Plotly's name)
    """The Plotly modebar config that downloads the chart as ``file_name`` at ``width`` × ``height``."""
    path = PurePath(file_name)
    suffix = path.suffix.lstrip(".").lower()
    return {"toImageButtonOptions": {
        "format": suffix if suffix in _IMAGE_FORMATS else "png",
        "filename": path.stem,
        "width": width,
        "height": height,
        "scale": scale,
    }}
