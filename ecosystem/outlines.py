"""The country outlines that ship with the project: Natural Earth's countries of Europe, simplified.

``data/outlines/countries.geojson`` (made by ``python -m ecosystem outlines build``; how, and from what, in
``data/outlines/SOURCE.md``) is part of the code, not downloaded: every machine has it, online or not. It draws
the coasts and borders of maps made without NUTS boundaries, and answers the country checks (a point outside its
stated country, latitude and longitude swapped) when the NUTS files are absent.

Where a point lies is judged with ``COAST_TOLERANCE_M``: the outlines are generalised to about a kilometre, so a
harbour office on the shore (or a border town) may fall just outside its country's outline; a point within that
distance of its stated country's outline is taken to be in it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ecosystem.config import PROJECT_DIR

if TYPE_CHECKING:  # geopandas loads with the outlines, not with this module
    import geopandas as gpd

__all__ = [
    "COAST_TOLERANCE_M", "NATURAL_EARTH_SOURCE", "OUTLINES_FILE", "countries_at", "country_outlines",
    "near_country",
]

OUTLINES_FILE = PROJECT_DIR / "data" / "outlines" / "countries.geojson"
NATURAL_EARTH_SOURCE = "Natural Earth 4.1.0, 1:50m Admin 0 – Countries (public domain)"
"""What the outlines are, for a list of sources (a map that draws them credits ``attributions.NATURAL_EARTH``)."""
COAST_TOLERANCE_M = 5_000.0

_METRIC_CRS = "EPSG:3035"


@lru_cache(maxsize=1)
def country_outlines() -> gpd.GeoDataFrame:
    """The shipped outlines: one row per country, columns ``country`` (ISO 3166-1 alpha-2) and ``geometry``
    (EPSG:4326), sorted by code; read once per process."""
    import geopandas as gpd  # noqa: PLC0415 - loaded with the outlines (see TYPE_CHECKING above)

    frame = gpd.read_file(OUTLINES_FILE)[["country", "geometry"]].to_crs("EPSG:4326")
    return frame.sort_values("country").reset_index(drop=True)


@lru_cache(maxsize=1)
def _by_country() -> dict[str, tuple[object, object, tuple[float, float, float, float]]]:
    """Code → (outline prepared for point tests, the outline in metres, its bounds in degrees)."""
    import shapely  # noqa: PLC0415 - loaded with the outlines

    outlines = country_outlines()
    metric = outlines.geometry.to_crs(_METRIC_CRS).values
    shapely.prepare(metric)
    found = {}
    for code, geometry, in_metres in zip(outlines["country"], outlines.geometry.values, metric, strict=True):
        shapely.prepare(geometry)
        found[str(code)] = (geometry, in_metres, tuple(geometry.bounds))
    return found


def _usable(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    return np.isfinite(latitude) & np.isfinite(longitude) & (np.abs(latitude) <= 90) & (np.abs(longitude) <= 180)


def countries_at(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """The code of the country whose outline holds each point (on a shared border, the lower code); ``""`` for a
    point in the sea, outside the outlines' Europe or without usable coordinates."""
    import shapely  # noqa: PLC0415 - loaded with the outlines

    latitude, longitude = np.asarray(latitude, dtype=float), np.asarray(longitude, dtype=float)
    found = np.full(len(latitude), "", dtype=object)
    usable = _usable(latitude, longitude)
    for code, (outline, _, (west, south, east, north)) in _by_country().items():
        candidates = np.flatnonzero(usable & (found == "") & (longitude >= west) & (longitude <= east)
                                    & (latitude >= south) & (latitude <= north))
        if candidates.size:
            inside = shapely.intersects_xy(outline, longitude[candidates], latitude[candidates])
            found[candidates[inside]] = code
    return found


def near_country(latitude: np.ndarray, longitude: np.ndarray, countries: np.ndarray,
                 tolerance_m: float = COAST_TOLERANCE_M) -> np.ndarray:
    """Whether each point lies in the outline of its country (``countries``: ISO codes) or within ``tolerance_m``
    metres of it; False for a country the outlines do not draw and for unusable coordinates."""
    import geopandas as gpd  # noqa: PLC0415 - loaded with the outlines
    import shapely  # noqa: PLC0415

    latitude, longitude = np.asarray(latitude, dtype=float), np.asarray(longitude, dtype=float)
    countries = np.asarray(countries, dtype=object)
    near = np.zeros(len(latitude), dtype=bool)
    usable = _usable(latitude, longitude)
    outlines = _by_country()
    for code in {str(code) for code in countries[usable]} & outlines.keys():
        outline, in_metres, _ = outlines[code]
        rows = np.flatnonzero(usable & (countries == code))
        inside = shapely.intersects_xy(outline, longitude[rows], latitude[rows])
        near[rows[inside]] = True
        rest = rows[~inside]
        if rest.size and tolerance_m > 0:
            points = gpd.GeoSeries(gpd.points_from_xy(longitude[rest], latitude[rest]), crs="EPSG:4326")
            near[rest] = shapely.dwithin(in_metres, points.to_crs(_METRIC_CRS).values, tolerance_m)
    return near
