"""NUTS regions: find and load the boundary file, tell the NUTS editions apart, place points in NUTS-3 regions.

Edition rule (the ``edition`` column of :func:`load_regions`, see :func:`detect_edition`):
the codes decide first. ``data/nuts_code_changes.csv`` lists the NUTS-3 codes that exist in only one
of the 2021 and 2024 editions (e.g. LV003 only in 2021, LV00B only in 2024). A file holding any
2024-only code and no 2021-only code is NUTS 2024, and the other way round; a file holding both is
refused as a mix. When no such code is present (e.g. a file of Sweden, Poland or Lithuania, which
did not change, or a level-0 file), a lone ``2021`` or ``2024`` in the file name decides
(``nuts2024_20m_levl3_baltic.geojson``, ``NUTS_RG_20M_2021_4326_LEVL_3.geojson``); otherwise the
edition is unknown (<NA>). Only 2021 and 2024 are told apart: older editions read as 2021.

How ``data/nuts_code_changes.csv`` was made: the 2021 and 2024 GISCO 1:20 million level-3 files were
intersected in EPSG:3035. Eurostat gives a new code to every region whose boundary changes, so only
codes dropped in 2024 were paired with codes new in 2024; a pair is kept when the shared area is at
least 3 % of either region and at least 25 km² (smaller overlaps are generalisation noise at 1:20M).
``relation``, read from the 2021 region's side: ``recoded`` (most of it became most of the 2024
region), ``merged`` (it became a minor part of a larger 2024 region), ``split`` (it was divided
between 2024 regions), ``part_moved`` (a small part of it went to this 2024 region), ``renamed``
(same code, new name). NO0B1/NO0B2 (Jan Mayen, Svalbard) are NUTS 2021 codes too, missing only
from the early 2021 1:20M release, so they are not listed.

Point assignment (:func:`assign_regions`): a point takes the NUTS-3 region that contains it or whose
boundary it touches (preferring the row's own country, then the lower code, on a shared border).
A point inside no region (a harbour or coastal village just outside the generalised coastline) takes
the nearest region within ``FALLBACK_DISTANCE_M`` metres measured in EPSG:3035, looked up among the
regions of the row's own country only (all regions when the row names no country).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # geopandas, shapely and pyogrio load with the first boundary file, not with this module
    import geopandas as gpd

from ecosystem.config import PROJECT_DIR, data_dir, reference_dir
from ecosystem.countries import iso_from_nuts
from ecosystem.reference_download import reference_file_name

__all__ = [
    "CODE_CHANGES_FILE",
    "EDITIONS",
    "FALLBACK_DISTANCE_M",
    "EditionCounterpart",
    "OtherEditionCode",
    "RegionsError",
    "assign_regions",
    "detect_edition",
    "find_regions_file",
    "load_regions",
    "other_edition_code",
    "region_names",
]

EDITIONS = (2021, 2024)
CODE_CHANGES_FILE = PROJECT_DIR / "data" / "nuts_code_changes.csv"
FALLBACK_DISTANCE_M = 5_000.0

_METRIC_CRS = "EPSG:3035"
_NUTS_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")
_EDITION_IN_NAME = re.compile(r"(?<!\d)(2021|2024)(?!\d)")
_PROPERTY_NAMES = {"country": ("cntr_code", "country"), "name": ("name_latn", "nuts_name", "name")}


class RegionsError(Exception):
    """A boundary file cannot be used; the message names the file and what is wrong with it."""


class EditionCounterpart(NamedTuple):
    """A region of the other NUTS edition and how it relates (``relation`` as in the changes CSV)."""

    code: str
    name: str
    relation: str


@dataclass(frozen=True)
class OtherEditionCode:
    """A NUTS-3 code that belongs to ``edition`` rather than ``target_edition``, with its counterparts there."""

    code: str
    name: str
    edition: int
    target_edition: int
    counterparts: tuple[EditionCounterpart, ...]

    @property
    def codes(self) -> list[str]:
        """The counterpart codes in ``target_edition``."""
        return [counterpart.code for counterpart in self.counterparts]

    def message(self) -> str:
        """One plain sentence, e.g. "LV003 is the NUTS 2021 code of Kurzeme; the NUTS 2024 code is LV00B (Kurzeme)."."""
        head = f"{self.code} is the NUTS {self.edition} code of {self.name}"
        target = f"NUTS {self.target_edition}"
        if self.edition < self.target_edition:
            if recoded := self._having("recoded"):
                clauses = [f"the {target} code is {_listing(recoded)}"]
            elif merged := self._having("merged"):
                clauses = [f"in {target} it is part of {_listing(merged)}"]
            else:
                clauses = [f"in {target} its area is divided between {_listing(self.counterparts)}"]
            if self._having("recoded", "merged") and (parts := self._having("split", "part_moved")):
                clauses.append(f"part of it now belongs to {_listing(parts)}")
        elif recoded := self._having("recoded"):
            clauses = [f"the {target} code was {_listing(recoded)}"]
            if others := self._having("merged", "split", "part_moved"):
                clauses.append(f"it also covers land of {_listing(others)}")
        else:
            clauses = [f"in {target} its area belonged to {_listing(self.counterparts)}"]
        return "; ".join([head, *clauses]) + "."

    def _having(self, *relations: str) -> list[EditionCounterpart]:
        """The counterparts whose relation is one of ``relations``."""
        return [item for item in self.counterparts if item.relation in relations]


def _listing(items: Iterable[EditionCounterpart]) -> str:
    """``A (name), B (name) and C (name)``."""
    parts = [f"{item.code} ({item.name})" for item in items]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@lru_cache(maxsize=1)
def _code_changes() -> tuple[dict[str, str], ...]:
    """The rows of ``data/nuts_code_changes.csv``."""
    with CODE_CHANGES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def _edition_only_codes() -> dict[int, set[str]]:
    """For each edition, the codes that exist in that edition only."""
    old = {row["code_2021"] for row in _code_changes()}
    new = {row["code_2024"] for row in _code_changes()}
    return {2021: old - new, 2024: new - old}


def other_edition_code(code: str, edition: int = 2024) -> OtherEditionCode | None:
    """What ``code`` stands for when it is not a NUTS ``edition`` code but one of the other edition; else None."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition}")
    source = 2021 if edition == 2024 else 2024
    code = code.strip().upper()
    if code not in _edition_only_codes()[source]:
        return None
    rows = [row for row in _code_changes() if row[f"code_{source}"] == code]
    return OtherEditionCode(
        code=code,
        name=rows[0][f"name_{source}"],
        edition=source,
        target_edition=edition,
        counterparts=tuple(
            EditionCounterpart(row[f"code_{edition}"], row[f"name_{edition}"], row["relation"]) for row in rows
        ),
    )


def detect_edition(codes: Iterable[str], file_name: str = "") -> int | None:
    """The NUTS edition the codes belong to, else the one named in ``file_name``, else None (rule: module docstring)."""
    present = set(codes)
    seen = {edition: sorted(present & only) for edition, only in _edition_only_codes().items()}
    if seen[2021] and seen[2024]:
        raise ValueError(
            f"it mixes NUTS 2021 codes ({', '.join(seen[2021][:3])}) with NUTS 2024 codes ({', '.join(seen[2024][:3])})"
        )
    for edition, found in seen.items():
        if found:
            return edition
    named = set(_EDITION_IN_NAME.findall(file_name))
    return int(named.pop()) if len(named) == 1 else None


def find_regions_file(level: int = 3, *, year: int = 2024, scale: str = "20M") -> Path | None:
    """The boundary file to use: the downloaded reference file, else ``data/regions.geojson``, else None."""
    for candidate in (reference_dir() / reference_file_name(year, scale, level), data_dir() / "regions.geojson"):
        if candidate.is_file():
            return candidate
    return None


def load_regions(path: Path, *, level: int | None = 3) -> gpd.GeoDataFrame:
    """Read a NUTS GeoJSON as columns nuts_id, country, name, level, edition, geometry in EPSG:4326."""
    import geopandas as gpd  # noqa: PLC0415 - loaded with the first boundary file (see TYPE_CHECKING above)
    import pyogrio.errors  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise RegionsError(f"The regions file {path} does not exist.")
    try:
        raw = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise RegionsError(f"{path.name} could not be read as GeoJSON ({exc}).") from exc
    if raw.empty:
        raise RegionsError(f"{path.name} holds no features; a GeoJSON FeatureCollection of NUTS regions is needed.")
    columns = {str(column).lower(): column for column in raw.columns}
    if "nuts_id" not in columns:
        found = ", ".join(str(column) for column in raw.columns if column != "geometry") or "none"
        raise RegionsError(
            f"{path.name} is not a NUTS regions file: its features have no NUTS_ID property (properties found: {found})."
        )
    codes = _text(raw[columns["nuts_id"]], upper=True)
    bad = codes[~codes.map(lambda code: bool(_NUTS_CODE.fullmatch(code)))]
    if not bad.empty:
        examples = ", ".join(f"feature {position + 1}: {code!r}" for position, code in bad.head(5).items())
        raise RegionsError(f"{path.name} has {len(bad)} features whose NUTS_ID is not a NUTS code ({examples}).")
    country_column = next((columns[name] for name in _PROPERTY_NAMES["country"] if name in columns), None)
    name_column = next((columns[name] for name in _PROPERTY_NAMES["name"] if name in columns), None)
    names = _text(raw[name_column]) if name_column is not None else codes
    frame = gpd.GeoDataFrame(
        {
            "nuts_id": codes,
            # the ISO code: GISCO writes Greece and the United Kingdom as EL and UK, as in their NUTS codes
            "country": (_text(raw[country_column], upper=True) if country_column is not None
                        else codes.str[:2]).map(iso_from_nuts),
            "name": names.mask(names == "", codes),
            "level": codes.str.len() - 2,
        },
        geometry=raw.geometry.values,
        crs=raw.crs or "EPSG:4326",
    )
    try:
        edition = detect_edition(frame["nuts_id"], path.name)
    except ValueError as exc:
        raise RegionsError(f"{path.name} cannot be used: {exc}.") from exc
    if level is not None:
        levels_found = sorted(frame["level"].unique())
        frame = frame[frame["level"] == level]
        if frame.empty:
            raise RegionsError(
                f"{path.name} has no NUTS level-{level} regions (it has levels {', '.join(map(str, levels_found))})."
            )
    frame = _clean_geometry(frame, path.name)
    frame.insert(4, "edition", pd.array([edition] * len(frame), dtype="Int64"))
    return frame.sort_values("nuts_id").reset_index(drop=True)


def _text(values: pd.Series, *, upper: bool = False) -> pd.Series:
    """Values as trimmed (optionally upper-cased) strings, missing values as ''; each distinct value cleaned once."""
    positions, distinct = pd.factorize(values, use_na_sentinel=True)
    cleaned = [str(value).strip().upper() if upper else str(value).strip() for value in distinct]
    lookup = np.array([*cleaned, ""], dtype=object)  # position -1 (missing) reads the last entry
    return pd.Series(lookup[positions], index=values.index, dtype=object)


def _clean_geometry(frame: gpd.GeoDataFrame, file_name: str) -> gpd.GeoDataFrame:
    """Check the regions are distinct polygons, repair invalid ones and bring them to EPSG:4326."""
    import shapely  # noqa: PLC0415 - loaded with the first boundary file

    duplicated = frame["nuts_id"][frame["nuts_id"].duplicated()].unique()
    if len(duplicated):
        raise RegionsError(f"{file_name} lists these NUTS codes more than once: {', '.join(duplicated[:5])}.")
    missing = frame["nuts_id"][frame.geometry.isna() | frame.geometry.is_empty]
    if not missing.empty:
        raise RegionsError(f"{file_name} has regions without a boundary: {', '.join(missing.head(5))}.")
    not_polygons = frame[~frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if not not_polygons.empty:
        kinds = zip(not_polygons["nuts_id"], not_polygons.geom_type, strict=True)
        examples = ", ".join(f"{code} is a {kind}" for code, kind in kinds)
        raise RegionsError(f"{file_name} must hold region polygons, but {examples}.")
    frame = frame.copy()
    invalid = ~frame.is_valid
    if invalid.any():
        frame.loc[invalid, "geometry"] = shapely.make_valid(
            frame.geometry[invalid].values, method="structure", keep_collapsed=False
        )
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    west, south, east, north = frame.total_bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise RegionsError(
            f"{file_name} has coordinates outside longitude/latitude ({west:.0f}, {south:.0f}, {east:.0f}, {north:.0f}); "
            "it probably uses a projected CRS without declaring it."
        )
    return frame


def region_names(regions: gpd.GeoDataFrame) -> dict[str, str]:
    """NUTS code → region name, for display."""
    return dict(zip(regions["nuts_id"], regions["name"], strict=True))


def assign_regions(
    frame: pd.DataFrame, regions: gpd.GeoDataFrame, *, max_distance_m: float = FALLBACK_DISTANCE_M
) -> pd.DataFrame:
    """A copy of ``frame`` with region_from_point, region_mismatch, region_code_source and empty region codes filled."""
    missing = [column for column in ("latitude", "longitude", "country", "region_code") if column not in frame.columns]
    if missing:
        raise ValueError(f"assign_regions needs the columns {', '.join(missing)}")
    latitude = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    longitude = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    country = _text(frame["country"], upper=True).to_numpy(dtype=object)
    stated = _text(frame["region_code"], upper=True).to_numpy(dtype=object)
    codes = regions["nuts_id"].to_numpy(dtype=object)
    region_country = regions["country"].to_numpy(dtype=object)

    import shapely  # noqa: PLC0415 - loaded with the first boundary file

    usable = np.flatnonzero(
        np.isfinite(latitude) & np.isfinite(longitude) & (np.abs(latitude) <= 90) & (np.abs(longitude) <= 180)
    )
    points = shapely.points(longitude[usable], latitude[usable])
    found = np.full(len(frame), -1)
    found[usable] = _containing_region(points, country[usable], regions)
    outside = found[usable] < 0
    if outside.any() and max_distance_m > 0:
        found[usable[outside]] = _nearest_region(points[outside], country[usable[outside]], regions, max_distance_m)

    located = found >= 0
    from_point = np.where(located, codes[found], "")
    point_country = np.where(located, region_country[found], "")
    has_stated = stated != ""
    fill = ~has_stated & located & ((country == "") | (country == point_country))
    result = frame.copy()
    result["region_code"] = np.where(has_stated, stated, np.where(fill, from_point, ""))
    result["region_from_point"] = from_point
    result["region_mismatch"] = has_stated & located & (stated != from_point)
    result["region_code_source"] = np.where(has_stated, "stated", np.where(fill, "point", ""))
    return result


def _containing_region(points: np.ndarray, countries: np.ndarray, regions: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``regions`` of the region each point lies in or touches, -1 for none."""
    point_index, region_index = regions.sindex.query(points, predicate="intersects")
    foreign = regions["country"].to_numpy(dtype=object)[region_index] != countries[point_index]
    return _pick(len(points), point_index, region_index, regions, foreign)


def _nearest_region(
    points: np.ndarray, countries: np.ndarray, regions: gpd.GeoDataFrame, max_distance_m: float
) -> np.ndarray:
    """Position of the nearest same-country region within ``max_distance_m`` of each point, -1 for none."""
    import geopandas as gpd  # noqa: PLC0415 - loaded with the first boundary file
    import shapely  # noqa: PLC0415

    metric_points = gpd.GeoSeries(points, crs="EPSG:4326").to_crs(_METRIC_CRS).values
    metric_regions = regions.geometry.to_crs(_METRIC_CRS).values
    point_index, region_index = shapely.STRtree(metric_regions).query(
        metric_points, predicate="dwithin", distance=max_distance_m
    )
    wanted = countries[point_index]
    same_country = (wanted == "") | (wanted == regions["country"].to_numpy(dtype=object)[region_index])
    point_index, region_index = point_index[same_country], region_index[same_country]
    distance = shapely.distance(metric_points[point_index], metric_regions[region_index])
    return _pick(len(points), point_index, region_index, regions, distance)


def _pick(
    count: int, point_index: np.ndarray, region_index: np.ndarray, regions: gpd.GeoDataFrame, rank: np.ndarray
) -> np.ndarray:
    """For each of ``count`` points, its candidate region with the lowest ``rank`` (then lowest code); -1 for none."""
    candidates = pd.DataFrame(
        {
            "point": point_index,
            "rank": rank,
            "code": regions["nuts_id"].to_numpy(dtype=object)[region_index],
            "region": region_index,
        }
    )
    best = candidates.sort_values(["point", "rank", "code"]).drop_duplicates("point")
    found = np.full(count, -1)
    found[best["point"].to_numpy()] = best["region"].to_numpy()
    return found
