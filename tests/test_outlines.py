"""The country outlines that ship with the project: the committed file, how it is built from TopoJSON, and the
point tests the country checks use."""

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape

from ecosystem.cli import main
from ecosystem.countries import COUNTRY_CODES
from ecosystem.outlines import OUTLINES_FILE, countries_at, country_outlines, near_country
from ecosystem.outlines_build import (
    EUROPE_BOX,
    OutlinesBuildError,
    build_outlines,
    decode_arcs,
    geojson_text,
    outline_features,
)

EU_EEA = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
          "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
NEIGHBOURS = {"GB", "CH", "AL", "BA", "ME", "MK", "RS", "XK", "UA", "BY", "MD", "RU", "TR"}


def test_the_committed_outlines_are_small_valid_and_keyed_by_iso_code():
    assert OUTLINES_FILE.stat().st_size <= 300 * 1024
    outlines = country_outlines()
    assert outlines.crs.to_epsg() == 4326 and list(outlines.columns) == ["country", "geometry"]
    assert outlines["country"].is_unique and set(outlines["country"]) <= set(COUNTRY_CODES)
    assert EU_EEA | NEIGHBOURS <= set(outlines["country"])
    assert outlines.is_valid.all() and outlines.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    west, south, east, north = outlines.total_bounds
    assert (west, south, east, north) == pytest.approx(EUROPE_BOX, abs=0.01)


@pytest.mark.parametrize(("place", "longitude", "latitude", "country"), [
    ("Paris", 2.35, 48.86, "FR"),  # Natural Earth's own ISO_A2 is -99 for France and Norway
    ("Oslo", 10.75, 59.91, "NO"),
    ("Kaliningrad", 20.51, 54.71, "RU"),
    ("Mariehamn", 19.94, 60.10, "FI"),  # Åland: Finland, as in NUTS (FI200)
    ("Kyrenia", 33.32, 35.34, "CY"),  # Northern Cyprus: Cyprus, as in NUTS
    ("Pristina", 21.17, 42.66, "XK"),
    ("Reykjavík", -21.94, 64.15, "IS"),
    ("Tauragė", 22.29, 55.25, "LT"),
    ("Gotland Deep", 19.5, 57.0, ""),  # the sea
    ("New York", -74.01, 40.71, ""),  # beyond the outlines
])
def test_countries_at_places(place, longitude, latitude, country):
    assert countries_at(np.array([latitude]), np.array([longitude])).tolist() == [country], place


def test_near_country_judges_each_point_against_its_own_country():
    latitude, longitude = np.array([55.25, 55.25, 55.25, np.nan, 95.0]), np.array([22.29, 22.29, 22.29, 22.29, 22.29])
    countries = np.array(["LT", "LV", "US", "LT", "LT"], dtype=object)
    assert near_country(latitude, longitude, countries).tolist() == [True, False, False, False, False]


def _topology(geometries, arcs, transform=None):
    topology = {"type": "Topology", "arcs": arcs, "objects": {"countries": {"type": "GeometryCollection",
                                                                            "geometries": geometries}}}
    if transform is not None:
        topology["transform"] = transform
    return topology


def test_quantized_arcs_are_decoded_by_the_transform():
    topology = _topology([], [[[0, 0], [10, 0], [0, 10]]], {"scale": [0.5, 0.25], "translate": [20, 50]})
    assert decode_arcs(topology)[0].tolist() == [[20, 50], [25, 50], [25, 52.5]]


def test_shared_arcs_give_neighbours_one_border():
    # two squares side by side (x 20–21 and 21–22, y 55–56) sharing arc 0; the right one has a hole. The left one is
    # numbered as Estonia (233), the right one as Åland (248), which is counted to Finland; Kosovo has no number.
    arcs = [
        [[21, 55], [21, 56]],  # the shared border, south to north
        [[21, 56], [20, 56], [20, 55], [21, 55]],  # the rest of the left square
        [[21, 55], [22, 55], [22, 56], [21, 56]],  # the rest of the right square
        [[21.4, 55.4], [21.4, 55.6], [21.6, 55.6], [21.6, 55.4], [21.4, 55.4]],  # the hole
        [[100, 10], [101, 10], [101, 11], [100, 11], [100, 10]],  # far from Europe
    ]
    geometries = [
        {"type": "Polygon", "id": "233", "properties": {"name": "Estonia"}, "arcs": [[0, 1]]},
        {"type": "Polygon", "id": "248", "properties": {"name": "Åland"}, "arcs": [[2, ~0], [3]]},
        {"type": "Polygon", "properties": {"name": "Kosovo"}, "arcs": [[3]]},
        {"type": "MultiPolygon", "id": "999", "properties": {"name": "Faraway"}, "arcs": [[[4]]]},
    ]
    collection = outline_features(_topology(geometries, arcs), simplify_m=0, bounds=(20, 54, 23, 57))
    shapes = {feature["properties"]["country"]: shape(feature["geometry"]) for feature in collection["features"]}
    assert list(shapes) == ["EE", "FI", "XK"]  # sorted by code; Faraway lies outside the box, unknown code or not
    assert shapes["EE"].area == pytest.approx(1) and shapes["FI"].area == pytest.approx(1 - 0.04)
    border = shapes["EE"].intersection(shapes["FI"])
    assert border.length == pytest.approx(1) and border.area == 0  # one shared border: no gap, no overlap
    assert not shapes["FI"].contains(Point(21.5, 55.5))  # the hole stays a hole
    geometries[3]["arcs"] = [[[3]]]  # now inside the box
    with pytest.raises(OutlinesBuildError, match=r"no ISO code is known for Faraway \(id 999\)"):
        outline_features(_topology(geometries, arcs), simplify_m=0, bounds=(20, 54, 23, 57))


def test_a_ring_across_the_antimeridian_does_not_wrap_the_world():
    # a box from 170°E to 190°E (written -170°) at 60–70°N, as Russia's mainland reaches Chukotka
    arcs = [[[170, 60], [179.9, 60], [-170, 60], [-170, 70], [179.9, 70], [170, 70], [170, 60]]]
    topology = _topology([{"type": "Polygon", "id": "643", "properties": {"name": "Russia"}, "arcs": [[0]]}], arcs)
    collection = outline_features(topology, simplify_m=0, bounds=(-25, 34, 45, 72))
    assert collection["features"] == []  # nothing of it lies in Europe's box
    collection = outline_features(topology, simplify_m=0, bounds=(160, 50, 200, 80))
    assert shape(collection["features"][0]["geometry"]).area == pytest.approx(200)  # 20° × 10°, not 340° × 10°


def test_the_written_file_is_compact_and_reads_back(tmp_path):
    arcs = [[[20, 55], [21.0004, 55], [21.0004, 56.1236], [20, 56.1236], [20, 55]]]
    topology = _topology([{"type": "Polygon", "id": "440", "properties": {"name": "Lithuania"}, "arcs": [[0]]}], arcs)
    source = tmp_path / "countries-50m.json"
    source.write_text(json.dumps(topology), encoding="utf-8")
    out = tmp_path / "outlines" / "countries.geojson"
    assert main(["outlines", "build", "--topojson", str(source), "--out", str(out), "--simplify-m", "0"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith('{"type":"Feature","properties":{"country":"LT"},"geometry":{"type":"Polygon"')
    assert "21.0004" not in text and "56.124" in text  # snapped to 0.001°, written without trailing zeros
    assert shapely.get_num_coordinates(shape(json.loads(text)["features"][0]["geometry"])) == 5
    assert build_outlines(out, source, simplify_m=0).read_text(encoding="utf-8") == text  # the same bytes again
    assert geojson_text(json.loads(text)) == text
    assert not list(out.parent.glob("*.partial"))


def test_a_file_that_is_not_topojson_is_refused_with_a_sentence(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "FeatureCollection"}', encoding="utf-8")
    assert main(["outlines", "build", "--topojson", str(broken), "--out", str(tmp_path / "x.geojson")]) == 1
    assert "no `countries` object" in capsys.readouterr().err
    assert not (tmp_path / "x.geojson").exists()
