"""How the map looks, whichever renderer draws it: the one home of its colours, point styles, choropleth classes
and legend.

The folium map (``maps``: the live map and the standalone HTML export) and the picture renderer without a browser
(``pictures``: PNG, SVG and PDF, and so the deck's map slide) both draw from these descriptions, so the page and
the slide cannot drift apart. Sizes are CSS pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from ecosystem.i18n import format_number, t
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "CLASS_COLOURS",
    "CLUSTERS",
    "EMPTY_REGION_COLOUR",
    "GAP_OUTLINE",
    "INITIATIVE_POINTS",
    "LEGEND_SWATCH",
    "ORGANISATION_POINTS",
    "OTHER_SERVICE_COLOUR",
    "REGIONS",
    "SEA_COLOUR",
    "ClusterStyle",
    "DrawnPoints",
    "LegendEntry",
    "PointStyle",
    "RegionStyle",
    "SwatchStyle",
    "choropleth_classes",
    "class_colour",
    "count_classes",
    "initiative_points",
    "legend_entries",
    "located_points",
    "organisation_points",
    "rate_classes",
    "rate_colour",
]


@dataclass(frozen=True)
class PointStyle:
    """One kind of point: a circle of ``radius`` with a ``stroke`` line ``weight`` wide, filled at ``opacity``."""

    radius: float
    stroke: str
    weight: float
    opacity: float


@dataclass(frozen=True)
class ClusterStyle:
    """A group of nearby points at low zoom: a disc in ``fill`` at ``opacity`` outlined in ``stroke`` ``weight``
    wide, its number of points written in ``text``."""

    fill: str
    opacity: float
    stroke: str
    weight: float
    text: str


@dataclass(frozen=True)
class RegionStyle:
    """Region polygons: filled at ``opacity``, outlined in ``edge`` ``weight`` wide."""

    edge: str
    weight: float
    opacity: float


@dataclass(frozen=True)
class SwatchStyle:
    """A legend swatch: ``size`` wide, outlined in ``edge`` ``edge_width`` wide."""

    size: float
    edge: str
    edge_width: float


INITIATIVE_POINTS = PointStyle(radius=7, stroke="#ffffff", weight=1.2, opacity=0.92)
ORGANISATION_POINTS = PointStyle(radius=5, stroke="#222222", weight=1.5, opacity=0.85)
CLUSTERS = ClusterStyle(fill="#1f3b57", opacity=0.88, stroke="#ffffff", weight=2, text="#ffffff")
REGIONS = RegionStyle(edge="#6b6b6b", weight=0.6, opacity=0.8)
GAP_OUTLINE = RegionStyle(edge="#b2182b", weight=2.4, opacity=0.8)
"""A region without an initiative (the Gaps page): outlined in a dark red the blues never take, filled as others."""
LEGEND_SWATCH = SwatchStyle(size=11, edge="#555555", edge_width=1)
OTHER_SERVICE_COLOUR = "#7f7f7f"  # a point whose code has no colour in the taxonomy
SEA_COLOUR = "#dfe9f0"  # the map's background where no tile or region is drawn
EMPTY_REGION_COLOUR = "#f4f4f2"
# single-hue sequential blues (ColorBrewer "Blues"), readable for colour-blind viewers
CLASS_COLOURS: tuple[str, ...] = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def choropleth_classes(max_count: int) -> list[tuple[int, int]]:
    """Count classes for the choropleth: ``[(1, 1), (2, 3), (4, 7), …]`` up to ``max_count`` (at most 5)."""
    if max_count <= 0:
        return []
    bounds: list[tuple[int, int]] = []
    low = 1
    while low <= max_count and len(bounds) < len(CLASS_COLOURS):
        high = low * 2 - 1 if len(bounds) < len(CLASS_COLOURS) - 1 else max_count
        bounds.append((low, min(high, max_count)))
        low = high + 1
    return bounds


def count_classes(counts: pd.Series) -> list[tuple[int, int]]:
    """The choropleth classes of initiatives counted per region."""
    return choropleth_classes(int(counts.max()) if len(counts) else 0)


def class_colour(count: int, classes: list[tuple[int, int]]) -> str:
    """The fill of a region with ``count`` initiatives (the empty-region colour outside every class)."""
    for (low, high), colour in zip(classes, CLASS_COLOURS, strict=False):  # fewer classes than colours when counts are low
        if low <= count <= high:
            return colour
    return EMPTY_REGION_COLOUR


def _two_digits(value: float, *, up: bool = False) -> float:
    """``value`` rounded (``up``: rounded up) to two significant digits, bounds people read: 3.4, 12, 150."""
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return round((math.ceil(value / step) if up else round(value / step)) * step, 12)


def rate_classes(rates: pd.Series) -> list[tuple[float, float]]:
    """Classes of initiatives per 100,000 residents for the choropleth: up to five, split at the quintiles of the
    regions that have any (rounded to two significant digits), the last ending at the highest rate."""
    positive = rates[rates > 0].dropna()
    if positive.empty:
        return []
    highest = _two_digits(float(positive.max()), up=True)
    cuts = sorted({_two_digits(value) for value in positive.quantile([0.2, 0.4, 0.6, 0.8]).tolist()})
    uppers = [cut for cut in cuts if cut < highest] + [highest]
    return list(zip([0.0, *uppers[:-1]], uppers, strict=True))


def rate_colour(rate: float, classes: list[tuple[float, float]]) -> str:
    """The fill of a region with ``rate`` initiatives per 100,000 residents (the empty-region colour for none or
    unknown)."""
    for (low, high), colour in zip(classes, CLASS_COLOURS, strict=False):  # fewer classes than colours when few regions
        if low < rate <= high:
            return colour
    return EMPTY_REGION_COLOUR


@dataclass(frozen=True)
class DrawnPoints:
    """One point layer as every renderer draws it: its rows, each row's index into ``palette`` (``category``),
    and its style. ``palette`` holds one colour per code of ``codes``, then the grey of a code without one."""

    rows: pd.DataFrame
    category: pd.Series
    codes: list[str]
    palette: list[str]
    style: PointStyle

    def colours(self) -> list[str]:
        """Each row's fill colour."""
        return [self.palette[number] for number in self.category]

    def drawn_colours(self) -> list[tuple[str, str]]:
        """(code, colour) of each code some row is coloured by, in the taxonomy's order."""
        used = set(self.category)
        return [(code, self.palette[number]) for number, code in enumerate(self.codes) if number in used]


_POINT_COLUMNS = ["latitude", "longitude", "actor_type", "service_types"]


def located_points(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows a map draws as points: initiatives, and the other actors, that have coordinates (only the columns
    that place and colour them: copying every column of a million rows took seconds)."""
    located = frame.loc[frame["latitude"].notna() & frame["longitude"].notna(), _POINT_COLUMNS]
    initiative = located["actor_type"] == "initiative"
    return located[initiative], located[~initiative]


def _palette(taxonomy: Taxonomy, vocabulary: str) -> tuple[list[str], list[str]]:
    """A vocabulary's codes and their colours, the other-code grey last."""
    codes = taxonomy.codes(vocabulary)
    colours = taxonomy.colours(vocabulary)
    return codes, [colours[code] for code in codes] + [OTHER_SERVICE_COLOUR]


def initiative_points(frame: pd.DataFrame, taxonomy: Taxonomy, colour_services: Iterable[str] = ()) -> DrawnPoints:
    """Located initiatives coloured by service type: the first of ``colour_services`` they offer, else their first."""
    rows, _ = located_points(frame)
    services, palette = _palette(taxonomy, "service_type")
    preferred = [code for code in colour_services if code in services] or services
    position = {code: number for number, code in enumerate(services)}
    cells = rows["service_types"].unique()
    chosen = {}
    for cell in cells:
        codes = cell.split(";")
        colour_code = next((code for code in preferred if code in codes), codes[0])
        chosen[cell] = position.get(colour_code, len(services))
    category = rows["service_types"].map(chosen).astype(int)
    return DrawnPoints(rows, category, services, palette, INITIATIVE_POINTS)


def organisation_points(frame: pd.DataFrame, taxonomy: Taxonomy) -> DrawnPoints:
    """Located support organisations, authorities and networks coloured by actor type."""
    _, rows = located_points(frame)
    actor_types, palette = _palette(taxonomy, "actor_type")
    position = {code: number for number, code in enumerate(actor_types)}
    category = rows["actor_type"].map(position).fillna(len(actor_types)).astype(int)
    return DrawnPoints(rows, category, actor_types, palette, ORGANISATION_POINTS)


@dataclass(frozen=True)
class LegendEntry:
    """One line of the map legend: a section heading, or a swatch of a point's or a region's colour."""

    kind: Literal["heading", "point", "region", "cluster", "gap"]
    label: str
    colour: str = ""


def legend_entries(taxonomy: Taxonomy, lang: str, initiatives: DrawnPoints, organisations: DrawnPoints | None,
                   classes: list[tuple[int, int]] | None, clustered: bool = False, *,
                   rates: list[tuple[float, float]] | None = None, gaps: bool = False) -> list[LegendEntry]:
    """The legend of what is drawn: the service colours of the initiatives, the actor-type colours of the
    organisations (when shown), the groups of nearby points (when clustered), the choropleth classes (when
    regions are drawn: counts, or ``rates`` per 100,000 residents), the outline of regions without an initiative
    (``gaps``)."""
    entries: list[LegendEntry] = []
    sections = [(initiatives, "service_type", "map.legend_services")]
    if organisations is not None:
        sections.append((organisations, "actor_type", "map.legend_organisations"))
    for points, vocabulary, heading in sections:
        drawn = points.drawn_colours()
        if drawn:
            labels = taxonomy.labels(vocabulary, lang)
            entries.append(LegendEntry("heading", t(heading, lang)))
            entries += [LegendEntry("point", labels[code], colour) for code, colour in drawn]
    if clustered:
        entries.append(LegendEntry("cluster", t("map.legend_cluster", lang), CLUSTERS.fill))
    if classes is not None:
        entries.append(LegendEntry("heading", t("map.legend_coverage", lang)))
        entries.append(LegendEntry("region", t("map.legend_none", lang), EMPTY_REGION_COLOUR))
        entries += [LegendEntry("region", str(low) if low == high else f"{low}–{high}", colour)
                    for (low, high), colour in zip(classes, CLASS_COLOURS, strict=False)]  # at most one class per colour
    if rates is not None:
        entries.append(LegendEntry("heading", t("map.legend_per_100k", lang)))
        entries.append(LegendEntry("region", t("map.legend_none", lang), EMPTY_REGION_COLOUR))
        entries += [LegendEntry("region", f"{format_number(low, lang)}–{format_number(high, lang)}", colour)
                    for (low, high), colour in zip(rates, CLASS_COLOURS, strict=False)]  # at most one class per colour
    if gaps:
        entries.append(LegendEntry("gap", t("map.legend_gap", lang), GAP_OUTLINE.edge))
    return entries
