"""What registry rows are checked against — the taxonomy, the programmes, and the NUTS boundaries when loaded, else
the country outlines that ship with the project — and how their problems are listed: blocking errors first, each
kind by row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecosystem.i18n import t
from ecosystem.outlines import countries_at, country_outlines, near_country
from ecosystem.regions import assign_regions, other_edition_code
from ecosystem.schema import PROBLEM_COLUMNS, ValidationContext
from ecosystem.taxonomy import Taxonomy

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["blocking_first", "country_warnings", "problem_lines", "region_warnings", "validation_context"]


def _edition_hint(code: str) -> tuple[str, str, str] | None:
    other = other_edition_code(code)
    return (str(other.edition), other.name, ", ".join(other.codes)) if other else None


def validation_context(taxonomy: Taxonomy, programme_ids: Iterable[str], regions: gpd.GeoDataFrame | None = None
                       ) -> ValidationContext:
    """What rows are checked against: the taxonomy, the programmes, and the boundaries when loaded (their codes,
    and where rows lie: ``region_warnings``), else the shipped country outlines (where rows lie:
    ``country_warnings``)."""
    if regions is None:
        return ValidationContext(taxonomy=taxonomy, programme_ids=frozenset(programme_ids), other_edition=_edition_hint,
                                 location_problems=country_warnings)
    return ValidationContext(
        taxonomy=taxonomy,
        programme_ids=frozenset(programme_ids),
        region_codes=frozenset(regions["nuts_id"]),
        other_edition=_edition_hint,
        location_problems=lambda raw, lang: region_warnings(raw, regions, lang),
    )


def region_warnings(frame: pd.DataFrame, regions: gpd.GeoDataFrame, lang: str = "en") -> pd.DataFrame:
    """Problems of where rows lie, judged against the boundaries (countries the boundaries cover only):

    - coordinates outside the stated country (in another country, or in no region within 5 km): error;
    - latitude and longitude that look swapped (swapped, the point lies in the stated country): error;
    - a stated region that does not contain the coordinates: warning.
    """
    placed = assign_regions(frame, regions)
    country_of = dict(zip(regions["nuts_id"], regions["country"], strict=True))
    stated = frame["country"].fillna("").astype(str).str.strip().str.upper()
    covered = stated.isin(set(regions["country"]))
    located = (pd.to_numeric(frame["latitude"], errors="coerce").notna()
               & pd.to_numeric(frame["longitude"], errors="coerce").notna())
    found_country = placed["region_from_point"].map(country_of).fillna("")
    outside = covered & located & (found_country != stated)
    swapped_frame = frame.assign(latitude=frame["longitude"], longitude=frame["latitude"])
    swapped_country = assign_regions(swapped_frame, regions)["region_from_point"].map(country_of).fillna("")
    swapped = outside & (swapped_country == stated)
    problems = _misplaced(frame, stated, outside.to_numpy(), swapped.to_numpy(), found_country.to_numpy(dtype=object), lang)
    mismatched = placed["region_mismatch"] & ~outside
    for index in frame.index[mismatched]:
        problems.append((index + 2, "region_code", frame.at[index, "region_code"], "warning",
                         t("v.region_mismatch", lang, found=placed.at[index, "region_from_point"],
                           value=frame.at[index, "region_code"])))
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def country_warnings(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Problems of where rows lie, judged against the country outlines that ship with the project (when there are
    no NUTS boundaries; countries the outlines draw only), both errors:

    - coordinates neither in the stated country nor within ``COAST_TOLERANCE_M`` of its outline;
    - latitude and longitude that look swapped (swapped, the point lies in or near the stated country).
    """
    latitude = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    longitude = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    stated = frame["country"].fillna("").astype(str).str.strip().str.upper()
    countries = stated.to_numpy(dtype=object)
    covered = stated.isin(set(country_outlines()["country"])).to_numpy()
    outside = covered & np.isfinite(latitude) & np.isfinite(longitude) & ~near_country(latitude, longitude, countries)
    swapped = outside & near_country(longitude, latitude, countries)
    found = np.full(len(frame), "", dtype=object)
    found[outside] = countries_at(latitude[outside], longitude[outside])
    return pd.DataFrame(_misplaced(frame, stated, outside, swapped, found, lang), columns=PROBLEM_COLUMNS)


def _misplaced(frame: pd.DataFrame, stated: pd.Series, outside: np.ndarray, swapped: np.ndarray, found: np.ndarray,
               lang: str) -> list[tuple]:
    """The errors of rows outside their stated country (``found``: the country each point lies in, "" for none),
    those that look swapped said as such; masks and ``found`` by position."""
    problems = []
    for position in np.flatnonzero(swapped):
        index = frame.index[position]
        problems.append((index + 2, "latitude", f"{frame.at[index, 'latitude']}, {frame.at[index, 'longitude']}", "error",
                         t("v.swapped", lang, country=stated.iloc[position], latitude=frame.at[index, "longitude"],
                           longitude=frame.at[index, "latitude"])))
    for position in np.flatnonzero(outside & ~swapped):
        index = frame.index[position]
        problems.append((index + 2, "latitude", f"{frame.at[index, 'latitude']}, {frame.at[index, 'longitude']}", "error",
                         t("v.outside_country", lang, country=stated.iloc[position], found=found[position] or "—")))
    return problems


def blocking_first(problems: list[pd.DataFrame]) -> pd.DataFrame:
    """Problem tables as one, errors first, each kind by row (the first table stands in when all are empty)."""
    table = pd.concat([frame for frame in problems if not frame.empty] or problems[:1], ignore_index=True)
    table = table.assign(_later=table["severity"] != "error").sort_values(["_later", "row"], kind="stable")
    return table.drop(columns="_later").reset_index(drop=True)


def problem_lines(problems: pd.DataFrame, lang: str = "en") -> list[str]:
    """A problems table as lines for a terminal, in ``lang``: ``ERROR   row 3, column actor_type [robot]: …``."""
    severities = {severity: t(f"severity.{severity}", lang).upper() for severity in ("error", "warning")}
    width = max(len(name) for name in severities.values())
    lines = []
    for problem in problems.itertuples(index=False):
        where = (t("cli.at_row_column", lang, row=problem.row, column=problem.column) if problem.column
                 else t("cli.at_row", lang, row=problem.row))
        value = f" [{problem.value}]" if problem.value else ""
        lines.append(f"{severities[problem.severity]:{width}} {where}{value}: {problem.message}")
    return lines
