"""Tests for ecosystem.regions: loading, edition codes, locating files and assigning points to NUTS-3 regions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ecosystem.regions import (
    CODE_CHANGES_FILE,
    RegionsError,
    assign_regions,
    detect_edition,
    find_regions_file,
    load_regions,
    other_edition_code,
    region_names,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "regions"
TOY = FIXTURES / "toy_regions_2024.geojson"
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_NUTS = REPO_ROOT.parent / "shared" / "reference" / "nuts"
NUTS_2021 = SHARED_NUTS / "nuts2021_20m_levl3_baltic.geojson"
NUTS_2024 = SHARED_NUTS / "nuts2024_20m_levl3_baltic.geojson"
needs_2021 = pytest.mark.skipif(not NUTS_2021.is_file(), reason=f"reference file {NUTS_2021} is not present")
needs_2024 = pytest.mark.skipif(not NUTS_2024.is_file(), reason=f"reference file {NUTS_2024} is not present")


def write_geojson(path: Path, features: list[dict], **members: object) -> Path:
    """Write a FeatureCollection of ``features`` to ``path``."""
    path.write_text(json.dumps({"type": "FeatureCollection", **members, "features": features}), encoding="utf-8")
    return path


def square(code: str, west: float, south: float, size: float = 1.0, **properties: object) -> dict:
    """A GISCO-style feature: a square region with NUTS_ID ``code``."""
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {
        "type": "Feature",
        "properties": {"NUTS_ID": code, "CNTR_CODE": code[:2], "NAME_LATN": f"Region {code}", **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def toy() -> gpd.GeoDataFrame:
    """The hand-made two-country fixture, level 3."""
    return load_regions(TOY)


def registry(rows: list[tuple[float, float, str, str]], index: list[int] | None = None) -> pd.DataFrame:
    """A registry frame of (latitude, longitude, country, region_code) rows."""
    return pd.DataFrame(rows, columns=["latitude", "longitude", "country", "region_code"], index=index)


# --- loading -----------------------------------------------------------------------------------------------


def test_load_normalises_gisco_columns_and_keeps_level_3(toy: gpd.GeoDataFrame) -> None:
    assert list(toy.columns) == ["nuts_id", "country", "name", "level", "edition", "geometry"]
    assert toy["nuts_id"].tolist() == ["DK012", "DK014", "SE110", "SE214"]
    assert toy["country"].tolist() == ["DK", "DK", "SE", "SE"]
    assert toy["name"].tolist() == ["Københavns omegn", "Bornholm", "Stockholms län", "Gotlands län"]
    assert toy["level"].tolist() == [3, 3, 3, 3]
    assert toy["edition"].tolist() == [2024] * 4
    assert toy.crs.to_epsg() == 4326


def test_island_region_keeps_every_island(toy: gpd.GeoDataFrame) -> None:
    islands = toy.set_index("nuts_id").geometry["SE214"]
    assert islands.geom_type == "MultiPolygon"
    assert shapely.get_num_geometries(islands) == 2
    assert islands.area == pytest.approx(0.2 * 0.2 + 0.1 * 0.1)


def test_other_levels_on_request(toy: gpd.GeoDataFrame) -> None:
    assert load_regions(TOY, level=0)["nuts_id"].tolist() == ["DK", "SE"]
    everything = load_regions(TOY, level=None)
    assert sorted(everything["level"].unique()) == [0, 2, 3]
    assert len(everything) == 7


def test_missing_level_is_named(toy: gpd.GeoDataFrame) -> None:
    with pytest.raises(RegionsError, match=r"toy_regions_2024.geojson has no NUTS level-1 regions \(it has levels 0, 2, 3\)"):
        load_regions(TOY, level=1)


def test_own_lower_case_property_names_are_accepted(tmp_path: Path) -> None:
    feature = square("SE110", 10, 55)
    feature["properties"] = {"nuts_id": " se110 ", "country": "se", "name": "Stockholm"}
    regions = load_regions(write_geojson(tmp_path / "mine.geojson", [feature]))
    assert regions[["nuts_id", "country", "name", "level"]].values.tolist() == [["SE110", "SE", "Stockholm", 3]]


def test_missing_country_and_name_fall_back_to_the_code(tmp_path: Path) -> None:
    feature = square("LT027", 22, 55)
    feature["properties"] = {"NUTS_ID": "LT027"}
    regions = load_regions(write_geojson(tmp_path / "bare.geojson", [feature]))
    assert regions[["nuts_id", "country", "name"]].values.tolist() == [["LT027", "LT", "LT027"]]


def test_self_intersecting_polygon_is_repaired() -> None:
    regions = load_regions(FIXTURES / "bowtie_regions.geojson")
    repaired = regions.geometry.iloc[0]
    assert repaired.is_valid
    assert repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5)


def test_projected_file_is_brought_to_wgs84(tmp_path: Path, toy: gpd.GeoDataFrame) -> None:
    projected = tmp_path / "regions_3035.geojson"
    toy.drop(columns=["edition", "level"]).rename(columns={"nuts_id": "NUTS_ID"}).to_crs(3035).to_file(projected)
    assert json.loads(projected.read_text())["features"][0]["geometry"]["coordinates"][0][0][0] > 1_000_000
    regions = load_regions(projected)
    assert regions.crs.to_epsg() == 4326
    assert regions.total_bounds == pytest.approx(toy.total_bounds, abs=1e-6)


def test_projected_coordinates_without_a_crs_are_refused(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "metres.geojson", [square("SE110", 4_500_000, 3_500_000, 10_000)])
    with pytest.raises(RegionsError, match="metres.geojson has coordinates outside longitude/latitude"):
        load_regions(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        ("this is not json", "not_ok.geojson could not be read as GeoJSON"),
        ('{"type": "FeatureCollection", "features": []}', "not_ok.geojson holds no features"),
    ],
)
def test_unreadable_files_are_explained(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "not_ok.geojson"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RegionsError, match=expected):
        load_regions(path)


def test_file_without_nuts_codes_is_explained() -> None:
    with pytest.raises(RegionsError, match=r"not_nuts.geojson is not a NUTS regions file.*properties found: id, title"):
        load_regions(FIXTURES / "not_nuts.geojson")


def test_malformed_codes_are_listed(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "codes.geojson", [square("SE110", 10, 55), square("Stockholm", 11, 55)])
    with pytest.raises(RegionsError,
                       match=r"codes.geojson has 1 features whose NUTS_ID is not a NUTS code \(feature 2: 'STOCKHOLM'\)"):
        load_regions(path)


def test_duplicate_codes_are_refused(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "twice.geojson", [square("SE110", 10, 55), square("SE110", 11, 55)])
    with pytest.raises(RegionsError, match="twice.geojson lists these NUTS codes more than once: SE110"):
        load_regions(path)


def test_points_instead_of_polygons_are_refused(tmp_path: Path) -> None:
    feature = {"type": "Feature", "properties": {"NUTS_ID": "SE110"}, "geometry": {"type": "Point", "coordinates": [18, 59]}}
    with pytest.raises(RegionsError, match="must hold region polygons, but SE110 is a Point"):
        load_regions(write_geojson(tmp_path / "points.geojson", [feature]))


def test_region_without_geometry_is_refused(tmp_path: Path) -> None:
    feature = {"type": "Feature", "properties": {"NUTS_ID": "SE110"}, "geometry": None}
    with pytest.raises(RegionsError, match="regions without a boundary: SE110"):
        load_regions(write_geojson(tmp_path / "empty_shape.geojson", [feature, square("SE214", 18, 57)]))


def test_region_names(toy: gpd.GeoDataFrame) -> None:
    assert region_names(toy) == {
        "DK012": "Københavns omegn",
        "DK014": "Bornholm",
        "SE110": "Stockholms län",
        "SE214": "Gotlands län",
    }


# --- editions ----------------------------------------------------------------------------------------------


def test_edition_from_codes_beats_the_file_name(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "nuts2024_latvia.geojson", [square("LV003", 21, 56), square("LV006", 24, 56.9)])
    assert load_regions(path)["edition"].tolist() == [2021, 2021]


@pytest.mark.parametrize(
    ("codes", "file_name", "edition"),
    [
        (["LV00B", "SE110"], "", 2024),
        (["NO082", "SE110"], "regions_2024.geojson", 2021),
        (["SE110", "PL911"], "NUTS_RG_20M_2021_4326_LEVL_3.geojson", 2021),
        (["SE110"], "nuts2024_20m_levl3_baltic.geojson", 2024),
        (["SE110"], "regions.geojson", None),
        (["SE110"], "nuts_2021_vs_2024.geojson", None),
        (["SE110"], "nuts20240.geojson", None),
    ],
)
def test_detect_edition(codes: list[str], file_name: str, edition: int | None) -> None:
    assert detect_edition(codes, file_name) == edition


def test_mixed_editions_are_refused(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "mix.geojson", [square("LV003", 21, 56), square("LV00C", 25, 57)])
    with pytest.raises(RegionsError,
                       match=r"mix.geojson cannot be used: it mixes NUTS 2021 codes \(LV003\) with NUTS 2024 codes \(LV00C\)"):
        load_regions(path)


def test_unknown_edition_is_na(tmp_path: Path) -> None:
    regions = load_regions(write_geojson(tmp_path / "regions.geojson", [square("SE110", 10, 55)]))
    assert regions["edition"].isna().all()
    assert str(regions["edition"].dtype) == "Int64"


def test_2021_code_is_recognised_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path / "nothing"))
    assert find_regions_file() is None
    found = other_edition_code(" lv003 ")
    assert found is not None
    assert (found.code, found.name, found.edition, found.codes) == ("LV003", "Kurzeme", 2021, ["LV00B"])
    assert found.message() == "LV003 is the NUTS 2021 code of Kurzeme; the NUTS 2024 code is LV00B (Kurzeme)."


@pytest.mark.parametrize(
    ("code", "edition", "message"),
    [
        ("LV006", 2024, "LV006 is the NUTS 2021 code of Rīga; in NUTS 2024 it is part of LV00A (Rīga)."),
        (
            "LV007",
            2024,
            "LV007 is the NUTS 2021 code of Pierīga; in NUTS 2024 its area is divided between "
            "LV00A (Rīga), LV00B (Kurzeme) and LV00C (Vidzeme).",
        ),
        (
            "FI1C4",
            2024,
            "FI1C4 is the NUTS 2021 code of Kymenlaakso; the NUTS 2024 code is FI1C7 (Kymenlaakso); "
            "part of it now belongs to FI1C6 (Päijät-Häme).",
        ),
        (
            "LV00B",
            2021,
            "LV00B is the NUTS 2024 code of Kurzeme; the NUTS 2021 code was LV003 (Kurzeme); "
            "it also covers land of LV007 (Pierīga).",
        ),
        ("NO073", 2021, "NO073 is the NUTS 2024 code of Finnmark/Finnmárku/Finmarkku; "
                        "in NUTS 2021 its area belonged to NO074 (Troms og Finnmark)."),
    ],
)
def test_other_edition_messages(code: str, edition: int, message: str) -> None:
    found = other_edition_code(code, edition)
    assert found is not None and found.message() == message


@pytest.mark.parametrize(("code", "edition"),
                         [("LV00B", 2024), ("LV003", 2021), ("SE110", 2024), ("NO060", 2024), ("XX999", 2024)])
def test_codes_valid_in_the_edition_asked_for_are_not_flagged(code: str, edition: int) -> None:
    assert other_edition_code(code, edition) is None


def test_only_2021_and_2024_are_known() -> None:
    with pytest.raises(ValueError, match="edition must be one of"):
        other_edition_code("LV003", 2016)


def test_code_changes_table_is_consistent() -> None:
    with CODE_CHANGES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["country", "code_2021", "code_2024", "name_2021", "name_2024", "relation"]
    assert {row["relation"] for row in rows} == {"recoded", "merged", "split", "part_moved", "renamed"}
    assert all(row["code_2021"][:2] == row["code_2024"][:2] == row["country"] for row in rows)
    assert {"country": "LV", "code_2021": "LV003", "code_2024": "LV00B", "name_2021": "Kurzeme",
            "name_2024": "Kurzeme", "relation": "recoded"} in rows
    assert all((row["code_2021"] == row["code_2024"]) == (row["relation"] == "renamed") for row in rows)


@needs_2021
@needs_2024
def test_code_changes_table_covers_every_changed_code() -> None:
    old = set(load_regions(NUTS_2021)["nuts_id"])
    new = set(load_regions(NUTS_2024)["nuts_id"])
    with CODE_CHANGES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["code_2021"] for row in rows} <= old
    assert {row["code_2024"] for row in rows} <= new
    assert old - new == {row["code_2021"] for row in rows if row["relation"] != "renamed"}
    # Jan Mayen and Svalbard are NUTS 2021 codes too; only the early 2021 1:20M release lacks them.
    assert new - old - {row["code_2024"] for row in rows} == {"NO0B1", "NO0B2"}


# --- locating the file -------------------------------------------------------------------------------------


def test_find_regions_file_prefers_the_reference_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference, data = tmp_path / "reference", tmp_path / "data"
    reference.mkdir()
    data.mkdir()
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(reference))
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(data))
    assert find_regions_file() is None
    (data / "regions.geojson").write_text("{}")
    assert find_regions_file() == data / "regions.geojson"
    (reference / "nuts2024_20m_levl3_baltic.geojson").write_text("{}")
    assert find_regions_file() == reference / "nuts2024_20m_levl3_baltic.geojson"
    (reference / "nuts2024_20m_levl0_baltic.geojson").write_text("{}")
    assert find_regions_file(0) == reference / "nuts2024_20m_levl0_baltic.geojson"


def test_find_regions_file_uses_the_cache_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECOSYSTEM_REFERENCE_DIR", raising=False)
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "cache" / "reference" / "nuts2024_20m_levl3_baltic.geojson"
    target.parent.mkdir(parents=True)
    target.write_text("{}")
    assert find_regions_file() == target


# --- assigning points --------------------------------------------------------------------------------------


def test_points_take_the_region_that_contains_them(toy: gpd.GeoDataFrame) -> None:
    frame = registry(
        [
            (55.5, 10.5, "SE", ""),  # inside SE110
            (54.55, 10.65, "SE", ""),  # on the second, smaller island of SE214
            (54.3, 10.3, "", ""),  # on the first island, no country given
            (55.5, 11.5, "DK", ""),  # inside DK012
        ],
        index=[10, 20, 30, 40],
    )
    result = assign_regions(frame, toy)
    assert result.index.tolist() == [10, 20, 30, 40]
    assert result["region_from_point"].tolist() == ["SE110", "SE214", "SE214", "DK012"]
    assert result["region_code"].tolist() == ["SE110", "SE214", "SE214", "DK012"]
    assert result["region_code_source"].tolist() == ["point"] * 4
    assert not result["region_mismatch"].any()
    assert "DK014" not in set(result["region_from_point"])


def test_stated_codes_are_kept_and_compared(toy: gpd.GeoDataFrame) -> None:
    frame = registry([(55.5, 10.5, "SE", "se110 "), (55.5, 10.5, "SE", "SE214"), (np.nan, np.nan, "DK", "DK014")])
    result = assign_regions(frame, toy)
    assert result["region_code"].tolist() == ["SE110", "SE214", "DK014"]
    assert result["region_from_point"].tolist() == ["SE110", "SE110", ""]
    assert result["region_mismatch"].tolist() == [False, True, False]
    assert result["region_code_source"].tolist() == ["stated", "stated", "stated"]


def test_missing_or_impossible_coordinates_give_no_region(toy: gpd.GeoDataFrame) -> None:
    frame = registry([(np.nan, 10.5, "SE", ""), (55.5, np.nan, "SE", ""), (155.5, 10.5, "SE", "")])
    frame.loc[3] = ["55.5", "10.5", "SE", None]
    result = assign_regions(frame, toy)
    assert result["region_from_point"].tolist() == ["", "", "", "SE110"]
    assert result["region_code"].tolist() == ["", "", "", "SE110"]
    assert result["region_code_source"].tolist() == ["", "", "", "point"]
    assert result["region_mismatch"].dtype == bool


def test_border_point_prefers_the_rows_own_country(toy: gpd.GeoDataFrame) -> None:
    frame = registry([(55.5, 11.0, "DK", ""), (55.5, 11.0, "SE", ""), (55.5, 11.0, "", "")])
    assert assign_regions(frame, toy)["region_from_point"].tolist() == ["DK012", "SE110", "DK012"]


def test_coastal_point_falls_back_to_the_nearest_region_of_its_country(toy: gpd.GeoDataFrame) -> None:
    # 0.03° of longitude at 55.5° N is about 1.9 km west of SE110; 0.1° is about 6.3 km.
    frame = registry(
        [(55.5, 9.97, "SE", ""), (55.5, 9.97, "DK", ""), (55.5, 9.97, "", ""), (55.5, 9.9, "SE", ""), (54.51, 12.74, "DK", "")]
    )
    result = assign_regions(frame, toy)
    assert result["region_from_point"].tolist() == ["SE110", "", "SE110", "", "DK014"]
    assert assign_regions(frame, toy, max_distance_m=0)["region_from_point"].tolist() == ["", "", "", "", ""]
    assert assign_regions(frame, toy, max_distance_m=8_000)["region_from_point"].tolist()[3] == "SE110"


def test_point_in_another_country_is_reported_but_not_filled_in(toy: gpd.GeoDataFrame) -> None:
    result = assign_regions(registry([(55.5, 11.5, "SE", "")]), toy)
    assert result["region_from_point"].tolist() == ["DK012"]
    assert result["region_code"].tolist() == [""]
    assert result["region_code_source"].tolist() == [""]


def test_input_frame_is_not_changed(toy: gpd.GeoDataFrame) -> None:
    frame = registry([(55.5, 10.5, "SE", "")])
    before = frame.copy()
    result = assign_regions(frame, toy)
    pd.testing.assert_frame_equal(frame, before)
    assert list(result.columns) == [*frame.columns, "region_from_point", "region_mismatch", "region_code_source"]


def test_empty_frame_gets_the_new_columns(toy: gpd.GeoDataFrame) -> None:
    result = assign_regions(registry([]), toy)
    assert result.empty
    assert {"region_from_point", "region_mismatch", "region_code_source"} <= set(result.columns)


def test_missing_columns_are_named(toy: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="needs the columns country, region_code"):
        assign_regions(pd.DataFrame({"latitude": [55.5], "longitude": [10.5]}), toy)


# --- the real GISCO files ----------------------------------------------------------------------------------

PLACES = [
    ("Visby", 57.6348, 18.2948, "SE", "SE214"),
    ("Rønne", 55.1009, 14.7066, "DK", "DK014"),
    ("Kuressaare", 58.2528, 22.4869, "EE", "EE004"),
    ("Mariehamn", 60.0973, 19.9348, "FI", "FI200"),
    ("Tauragė", 55.2522, 22.2897, "LT", "LT027"),
    ("Liepāja", 56.5047, 21.0108, "LV", "LV00B"),
    ("Tromsø", 69.6492, 18.9553, "NO", "NO072"),
    ("Reykjavík", 64.1466, -21.9426, "IS", "IS001"),
]


@pytest.fixture(scope="module")
def nuts_2024() -> gpd.GeoDataFrame:
    """The real NUTS 2024 level-3 file, when present."""
    if not NUTS_2024.is_file():
        pytest.skip(f"reference file {NUTS_2024} is not present")
    return load_regions(NUTS_2024)


def test_real_2024_file_loads_with_its_islands(nuts_2024: gpd.GeoDataFrame) -> None:
    assert len(nuts_2024) == 563
    assert nuts_2024["edition"].unique().tolist() == [2024]
    assert nuts_2024.is_valid.all()
    shapes = nuts_2024.set_index("nuts_id").geometry
    for island in ("SE214", "DK014", "EE004", "FI200"):
        assert island in shapes.index
    assert shapely.get_num_geometries(shapes["FI200"]) > 1
    assert shapely.get_num_geometries(shapes["EE004"]) > 1


def test_real_places_land_in_their_regions(nuts_2024: gpd.GeoDataFrame) -> None:
    frame = registry([(lat, lon, country, "") for _, lat, lon, country, _ in PLACES])
    result = assign_regions(frame, nuts_2024)
    assert result["region_from_point"].tolist() == [code for *_, code in PLACES]


def test_coastal_towns_need_the_fallback_on_the_20m_coastline(nuts_2024: gpd.GeoDataFrame) -> None:
    frame = registry([(55.1009, 14.7066, "DK", ""), (64.1466, -21.9426, "IS", "")])
    assert assign_regions(frame, nuts_2024, max_distance_m=0)["region_from_point"].tolist() == ["", ""]


def test_registry_row_with_the_2021_code_of_kurzeme(nuts_2024: gpd.GeoDataFrame) -> None:
    result = assign_regions(registry([(56.5047, 21.0108, "LV", "LV003")]), nuts_2024)
    assert result["region_mismatch"].tolist() == [True]
    found = other_edition_code(result["region_code"].iloc[0], int(nuts_2024["edition"].iloc[0]))
    assert found is not None and found.codes == result["region_from_point"].tolist() == ["LV00B"]


@needs_2021
def test_real_2021_file_is_detected_as_2021() -> None:
    regions = load_regions(NUTS_2021)
    assert regions["edition"].unique().tolist() == [2021]
    result = assign_regions(registry([(56.5047, 21.0108, "LV", "")]), regions)
    assert result["region_from_point"].tolist() == ["LV003"]


def test_100k_points_are_assigned_well_under_a_second(nuts_2024: gpd.GeoDataFrame) -> None:
    generator = np.random.default_rng(7)
    count = 100_000
    frame = registry(
        list(
            zip(
                generator.uniform(53.5, 66.0, count),
                generator.uniform(9.0, 31.0, count),
                generator.choice(["DE", "DK", "SE", "FI", "EE", "LV", "LT", "PL", "NO", ""], count),
                [""] * count,
                strict=True,
            )
        )
    )
    result = assign_regions(frame, nuts_2024)  # timing: benchmarks/registry_ops.py
    assert 0.4 < (result["region_from_point"] != "").mean() < 0.8
