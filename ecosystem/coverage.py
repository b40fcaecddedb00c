"""Counting initiatives by region, country, service type and target group — and finding the gaps.

Counting rules (the About page states them to users):
- Only rows with ``actor_type == "initiative"`` count as coverage; organisations are counted apart.
- What a chart stacks into a length (bars by service type, columns by programme) counts every initiative once:
  an initiative with several codes is split equally among them (``equal_shares``: two service types, half
  each), one without any code is counted under ``""``. Each stacked table also says how many distinct
  initiatives have each code (``distinct``).
- A count per code or per pair of codes (a heatmap cell, a target group served) counts every initiative that has
  it, so an initiative with several codes appears under each; every total counts it once (distinct ids, never
  sums of categories).
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
    "NO_CODE",
    "count_by",
    "counts_by_area_and_service",
    "equal_shares",
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
NO_CODE = ""  # what an initiative without any code of a list column is counted under in stacked tables
_LIST_COLUMNS = {code: column for column, code in LIST_COLUMNS.items()}  # dimension → its list column


@dataclass(frozen=True)
class Headline:
    """The overview's headline figures: what the charts beside them count."""

    initiatives: int
    organisations: int
    """rows that are not initiatives: support organisations, public authorities, networks"""
    countries: int
    """countries with at least one initiative (the country chart's bars, "no country" aside)"""
    regions: int
    """regions with at least one initiative (the region chart's bars, "no region" aside)"""
    target_groups: int
    """target groups at least one initiative serves"""


def initiatives_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that are initiatives (the coverage), without support organisations and authorities."""
    return frame[frame["actor_type"] == "initiative"]


def explode_codes(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Long table ``id, <dimension>`` — one row per initiative and code of a list column."""
    codes = split_codes(frame[_LIST_COLUMNS[dimension]])
    return pd.DataFrame({"id": frame.loc[codes.index, "id"].to_numpy(), dimension: codes.to_numpy()})


def equal_shares(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """``id, <dimension>, share``: one row per row of ``frame`` and code of a list column, the codes of a row
    sharing it equally (two codes: 0.5 each); a row without a code is one row under ``NO_CODE`` with share 1, so
    every id's shares add up to 1."""
    codes = explode_codes(frame, dimension).drop_duplicates()
    uncoded = frame.loc[~frame["id"].isin(codes["id"]), ["id"]].assign(**{dimension: NO_CODE})
    long = pd.concat([codes, uncoded], ignore_index=True)
    return long.assign(share=1 / long.groupby("id")["id"].transform("size"))


def _stacked(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per value of ``keys``: the equal shares added up (``initiatives``) and the distinct ids (``distinct``)."""
    grouped = long.groupby(keys)
    return pd.DataFrame({"initiatives": grouped["share"].sum(), "distinct": grouped["id"].nunique()}).reset_index()


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
    """Initiatives, other organisations, and the countries, regions and target groups with an initiative."""
    initiatives = initiatives_only(frame)
    return Headline(
        initiatives=initiatives["id"].nunique(),
        organisations=frame.loc[frame["actor_type"] != "initiative", "id"].nunique(),
        countries=initiatives.loc[initiatives["country"] != "", "country"].nunique(),
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
    """Per area (``country`` or ``region``) and service type (``NO_CODE`` for none): the initiatives' equal shares
    (``initiatives``: an area's shares add up to its initiatives) and how many offer it (``distinct``); and per
    area the distinct initiatives."""
    initiatives = initiatives_only(frame)
    column = "region_code" if area == "region" else area
    areas = pd.DataFrame({"id": initiatives["id"].to_numpy(), area: initiatives[column].to_numpy()})
    counts = _stacked(areas.merge(equal_shares(initiatives, "service_type"), on="id"), [area, "service_type"])
    counts = counts[counts["service_type"].isin([*services, NO_CODE])].reset_index(drop=True)
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
    """Per start year and programme (``NO_CODE`` for none): the initiatives' equal shares (``initiatives``: a
    year's shares add up to the initiatives started in it) and how many the programme supports (``distinct``);
    rows without a start year are left out."""
    initiatives = initiatives_only(frame)
    dated = initiatives[initiatives["start_year"].notna()]
    long = equal_shares(dated, "programme").merge(dated[["id", "start_year"]], on="id")
    return _stacked(long, ["start_year", "programme"]).astype({"start_year": int})


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
