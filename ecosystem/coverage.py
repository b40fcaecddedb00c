"""Counting initiatives by region, country, service type and target group — and finding the gaps.

Counting rules (the About page states them to users):
- Only rows with ``actor_type == "initiative"`` count as coverage; organisations are counted apart.
- An initiative with several service types or target groups is counted once under *each* of them, but
  every total counts it once (totals are distinct ids, never sums of categories).
- Counts by region use the row's region code; rows without one are counted under ``""`` (unassigned).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ecosystem.schema import LIST_COLUMNS, split_codes

__all__ = [
    "Headline",
    "UNASSIGNED",
    "count_by",
    "counts_by_area_and_service",
    "explode_codes",
    "gap_regions",
    "headline",
    "initiatives_only",
    "region_counts",
    "regions_in_scope",
    "service_target_matrix",
    "targets_by_area",
    "timeline_counts",
    "unserved_targets",
]

UNASSIGNED = ""
NO_PROGRAMME = ""
_LIST_COLUMNS = {code: column for column, code in LIST_COLUMNS.items()}  # dimension → its list column


@dataclass(frozen=True)
class Headline:
    """The overview's headline figures."""

    initiatives: int
    organisations: int
    countries: int
    regions: int
    target_groups: int


def initiatives_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that are initiatives (the coverage), without support organisations and authorities."""
    return frame[frame["actor_type"] == "initiative"]


def explode_codes(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Long table ``id, <dimension>`` — one row per initiative and code of a list column."""
    codes = split_codes(frame[_LIST_COLUMNS[dimension]])
    return pd.DataFrame({"id": frame.loc[codes.index, "id"].to_numpy(), dimension: codes.to_numpy()})


def _long(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """``id, <dimension>`` for a list or single-valued dimension."""
    if dimension in _LIST_COLUMNS:
        return explode_codes(frame, dimension)
    column = "region_code" if dimension == "region" else dimension
    return pd.DataFrame({"id": frame["id"].to_numpy(), dimension: frame[column].to_numpy()})


def count_by(frame: pd.DataFrame, dimension: str, categories: Iterable[str] | None = None) -> pd.Series:
    """Number of distinct initiatives per value of ``dimension`` (zeros for ``categories`` not present)."""
    long = _long(initiatives_only(frame), dimension)
    counts = long.groupby(dimension)["id"].nunique()
    if categories is not None:
        counts = counts.reindex(list(categories), fill_value=0)
    return counts.astype(int).rename("initiatives")


def headline(frame: pd.DataFrame) -> Headline:
    """Initiatives, organisations, countries, regions covered and target groups served (no double counting)."""
    initiatives = initiatives_only(frame)
    return Headline(
        initiatives=initiatives["id"].nunique(),
        organisations=frame.loc[frame["actor_type"] != "initiative", "id"].nunique(),
        countries=frame.loc[frame["country"] != "", "country"].nunique(),
        regions=initiatives.loc[initiatives["region_code"] != UNASSIGNED, "region_code"].nunique(),
        target_groups=explode_codes(initiatives, "target_group")["target_group"].nunique(),
    )


def service_target_matrix(frame: pd.DataFrame, services: list[str], targets: list[str]) -> pd.DataFrame:
    """Initiatives per service type (rows) × target group (columns), all codes present, zeros included."""
    initiatives = initiatives_only(frame)
    pairs = explode_codes(initiatives, "service_type").merge(explode_codes(initiatives, "target_group"), on="id")
    matrix = pairs.groupby(["service_type", "target_group"])["id"].nunique().unstack(fill_value=0)
    return matrix.reindex(index=services, columns=targets, fill_value=0).astype(int)


def counts_by_area_and_service(frame: pd.DataFrame, area: str, services: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Per area (``country`` or ``region``): initiatives by service type (long) and distinct totals."""
    initiatives = initiatives_only(frame)
    column = "region_code" if area == "region" else area
    areas = pd.DataFrame({"id": initiatives["id"].to_numpy(), area: initiatives[column].to_numpy()})
    long = areas.merge(explode_codes(initiatives, "service_type"), on="id")
    counts = long.groupby([area, "service_type"])["id"].nunique().rename("initiatives").reset_index()
    counts = counts[counts["service_type"].isin(services)]
    totals = areas.groupby(area)["id"].nunique().rename("initiatives").sort_values(ascending=False)
    return counts, totals


def targets_by_area(frame: pd.DataFrame, area: str, targets: list[str]) -> pd.DataFrame:
    """Initiatives per area (rows) × target group (columns), zeros included."""
    initiatives = initiatives_only(frame)
    column = "region_code" if area == "region" else area
    areas = pd.DataFrame({"id": initiatives["id"].to_numpy(), area: initiatives[column].to_numpy()})
    long = areas.merge(explode_codes(initiatives, "target_group"), on="id")
    table = long.groupby([area, "target_group"])["id"].nunique().unstack(fill_value=0)
    return table.reindex(columns=targets, fill_value=0).astype(int)


def timeline_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Initiatives by start year and programme (``""`` for none); rows without a start year are left out."""
    initiatives = initiatives_only(frame)
    dated = initiatives[initiatives["start_year"].notna()]
    programmes = explode_codes(dated, "programme")
    undated_programme = dated.loc[~dated["id"].isin(programmes["id"]), ["id"]].assign(programme=NO_PROGRAMME)
    long = pd.concat([programmes, undated_programme], ignore_index=True)
    long = long.merge(dated[["id", "start_year"]], on="id")
    counts = long.groupby(["start_year", "programme"])["id"].nunique().rename("initiatives").reset_index()
    return counts.astype({"start_year": int})


def region_counts(frame: pd.DataFrame, region_codes: Iterable[str]) -> pd.Series:
    """Initiatives per region for every region in ``region_codes`` (zeros where none)."""
    return count_by(frame, "region", categories=region_codes)


def regions_in_scope(regions: pd.DataFrame, frame: pd.DataFrame, countries: Iterable[str] = (),
                     chosen: Iterable[str] = ()) -> list[str]:
    """The regions a gap list looks at: the chosen ones, else those of the chosen countries, else of the
    countries the rows are in (``regions`` has columns nuts_id and country)."""
    countries, chosen = list(countries), list(chosen)
    if chosen:
        return regions.loc[regions["nuts_id"].isin(chosen), "nuts_id"].tolist()
    wanted = countries or sorted(set(frame["country"]) - {""})
    return regions.loc[regions["country"].isin(wanted), "nuts_id"].tolist()


def gap_regions(frame: pd.DataFrame, region_codes: Iterable[str]) -> list[str]:
    """The regions among ``region_codes`` with no initiative in ``frame``."""
    counts = region_counts(frame, region_codes)
    return counts[counts == 0].index.tolist()


def unserved_targets(frame: pd.DataFrame, targets: list[str]) -> list[str]:
    """Target groups no initiative in ``frame`` serves."""
    counts = count_by(frame, "target_group", categories=targets)
    return counts[counts == 0].index.tolist()
