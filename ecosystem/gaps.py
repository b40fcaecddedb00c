"""Where nothing exists, for whom, and how many people live there: the gap answer of a filtered view.

For the regions in scope (``coverage.regions_in_scope``) the filtered initiatives are counted per NUTS-3 region
(``coverage.region_counts``: distinct initiatives by region code). A region with none is a gap. Each region gets
the residents its target groups concern (``ecosystem.population``: the age groups of the chosen target groups,
all residents without one) and its initiatives per 100,000 of them; each gap gets the distance to the nearest
initiative that would count there — one passing every filter but the place filters, in any country, so a
neighbour across a border counts — and the gaps are ranked by residents concerned (unknown last), then by that
distance, farthest first.

Distances are great-circle kilometres on a sphere of the Earth's mean radius (6,371 km), from the region's centre
(its centroid in the equal-area EPSG:3035, or a point inside it when the centroid falls outside, as for a
crescent-shaped coast) to the initiative's coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ecosystem.coverage import initiatives_only, region_counts, regions_in_scope
from ecosystem.filters import apply_filters
from ecosystem.population import age_groups_of, population_year, region_population, target_age_groups

if TYPE_CHECKING:  # a view is only read here; ecosystem.view does not need this module
    from ecosystem.view import View

__all__ = [
    "EARTH_RADIUS_KM", "GAP_COLUMNS", "REGION_COLUMNS", "Gaps", "find_gaps", "gaps_of_view", "nearest_km",
    "region_centres",
]

EARTH_RADIUS_KM = 6371.0088
REGION_COLUMNS = ["nuts_id", "name", "country", "initiatives", "residents", "year", "per_100k"]
GAP_COLUMNS = ["nuts_id", "name", "country", "residents", "year", "nearest_km"]
_PER = 100_000


@dataclass(frozen=True)
class Gaps:
    """The gap answer: every region in scope with its initiatives and residents concerned, and the regions without
    an initiative, ranked."""

    regions: pd.DataFrame
    """``REGION_COLUMNS``, one row per region in scope, in scope order"""
    gaps: pd.DataFrame
    """``GAP_COLUMNS``, the regions without an initiative, most residents concerned first"""
    ages: tuple[str, ...]
    """the Eurostat age groups the residents are counted in"""
    population_year: int | None
    """the year of the population counted (None without a population table)"""

    @property
    def residents_in_gaps(self) -> float:
        """The residents concerned who live in a gap region (the known ones)."""
        return float(self.gaps["residents"].sum())


def region_centres(regions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each region's centre: its centroid in EPSG:3035, or a point inside it when the
    centroid falls outside."""
    metric = regions.geometry.to_crs("EPSG:3035")
    centroids = metric.centroid
    inside = centroids.within(metric).to_numpy()
    centres = centroids.where(inside, metric.representative_point()).to_crs("EPSG:4326")
    return centres.y.to_numpy(dtype=float), centres.x.to_numpy(dtype=float)


def _unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(latitude), np.radians(longitude)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def nearest_km(latitude: np.ndarray, longitude: np.ndarray, points: pd.DataFrame) -> np.ndarray:
    """Great-circle kilometres from each (latitude, longitude) to the nearest row of ``points`` (columns latitude,
    longitude; rows without coordinates ignored); NaN when there is none."""
    located = points[points["latitude"].notna() & points["longitude"].notna()]
    if located.empty or len(latitude) == 0:
        return np.full(len(latitude), np.nan)
    tree = cKDTree(_unit_vectors(located["latitude"].to_numpy(dtype=float), located["longitude"].to_numpy(dtype=float)))
    chord, _ = tree.query(_unit_vectors(np.asarray(latitude, dtype=float), np.asarray(longitude, dtype=float)))
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.asarray(chord) / 2, 1.0))  # the chord's arc: nearest in both


def find_gaps(filtered: pd.DataFrame, regions: pd.DataFrame, scope: list[str], candidates: pd.DataFrame,
              population: pd.DataFrame | None = None, ages: tuple[str, ...] = ("TOTAL",)) -> Gaps:
    """The gap answer for the regions ``scope`` (NUTS codes of ``regions``: nuts_id, name, country, edition,
    geometry): ``filtered`` counted per region, the residents of ``ages`` from ``population`` (None: unknown), and
    for each region without an initiative the distance to the nearest initiative of ``candidates``."""
    chosen = regions.set_index("nuts_id").loc[scope]
    counts = region_counts(filtered, scope)
    year = None
    residents = pd.Series(np.nan, index=scope, dtype=float)
    years = pd.Series(pd.NA, index=scope, dtype="Int64")
    if population is not None and len(population):
        editions = chosen["edition"].dropna() if "edition" in chosen else pd.Series(dtype="Int64")
        year = population_year(population, int(editions.iloc[0]) if len(editions) else None)
        counted = region_population(population, scope, ages, year)
        residents, years = counted["population"], counted["year"]
    per_100k = (counts / residents.where(residents > 0)) * _PER
    table = pd.DataFrame({
        "nuts_id": scope, "name": chosen["name"].to_numpy(), "country": chosen["country"].to_numpy(),
        "initiatives": counts.to_numpy(), "residents": residents.to_numpy(), "year": years.to_numpy(),
        "per_100k": per_100k.to_numpy(dtype=float),
    }, columns=REGION_COLUMNS)
    gaps = table[table["initiatives"] == 0].drop(columns=["initiatives", "per_100k"])
    if len(gaps):
        latitude, longitude = region_centres(regions.set_index("nuts_id").loc[gaps["nuts_id"]])
        gaps = gaps.assign(nearest_km=nearest_km(latitude, longitude, initiatives_only(candidates)))
    else:
        gaps = gaps.assign(nearest_km=pd.Series(dtype=float))
    gaps = gaps.sort_values(["residents", "nearest_km", "nuts_id"], ascending=[False, False, True], na_position="last")
    return Gaps(table, gaps[GAP_COLUMNS].reset_index(drop=True), tuple(ages), year)


def gaps_of_view(view: View) -> Gaps | None:
    """The gap answer of a view (None without boundaries): its regions in scope — the chosen regions, else those of
    the chosen countries, else of every country of the registry, so a country where nobody serves the chosen
    groups is not left out — its filtered rows counted, the residents its target groups concern, and the nearest
    initiative passing its filters but the place ones."""
    if view.regions is None:
        return None
    registry = view.registry.initiatives
    scope = regions_in_scope(view.regions, registry, view.state.countries, view.state.regions)
    everywhere = replace(view.state, countries=(), regions=())
    candidates = registry if everywhere.is_empty else apply_filters(registry, everywhere)
    ages = age_groups_of(view.state.targets, target_age_groups())
    return find_gaps(view.filtered, view.regions, scope, candidates, view.population, ages)
