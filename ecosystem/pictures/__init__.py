"""Static pictures for slides: charts through kaleido, maps through headless Chromium, and a map without a browser.

Three renderers, one module each: ``chart_pictures`` (Plotly figures through one kaleido Chromium),
``map_shots`` (folium pages through one Playwright Chromium) and ``static_map`` (geopandas and matplotlib, no
browser); ``base`` holds what they share. This package is the one place that drives a headless browser. A process
keeps at most two Chromiums, each started on first use, serialised by a lock, bounded by a timeout and closed by
``close_browsers()``.

Sizes are CSS pixels; ``scale`` is the pixel density, so a W×H picture at scale 2 is 2W×2H pixels.
"""

from __future__ import annotations

import atexit

from ecosystem.pictures import chart_pictures, map_shots
from ecosystem.pictures.base import (
    CHROMIUM_ARGS,
    DEFAULT_SLIDE,
    SLIDE_SIZES,
    PictureError,
    SlideSize,
    browser_available,
    chromium_path,
)
from ecosystem.pictures.chart_pictures import CHART_FORMATS, ChartFormat, ChartRenderer, render_chart
from ecosystem.pictures.map_shots import MapRenderer, find_map_variable, map_shape_count, render_map_png
from ecosystem.pictures.static_map import STATIC_MAP_FORMATS, figure_bytes, static_map_figure, static_map_picture

__all__ = [
    "CHART_FORMATS",
    "CHROMIUM_ARGS",
    "DEFAULT_SLIDE",
    "SLIDE_SIZES",
    "STATIC_MAP_FORMATS",
    "ChartFormat",
    "ChartRenderer",
    "MapRenderer",
    "PictureError",
    "SlideSize",
    "browser_available",
    "chromium_path",
    "close_browsers",
    "figure_bytes",
    "find_map_variable",
    "map_shape_count",
    "render_chart",
    "render_map_png",
    "static_map_figure",
    "static_map_picture",
]


def close_browsers() -> None:
    """Close the chart and the map browser of this process (they start again when next needed)."""
    chart_pictures.shutdown()
    map_shots.shutdown()


atexit.register(close_browsers)
