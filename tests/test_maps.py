import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, shape

from conftest import NUTS_2024_L3, make_frame
from ecosystem.coverage import region_counts
from ecosystem.maps import (
    BALTIC_BOUNDS,
    EUROGEOGRAPHICS,
    build_map,
    compact_payload,
    map_layers,
    rows_at,
    safe_json,
    view_bounds,
)
from ecosystem.regions import load_regions

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture()
def frame():
    return make_frame([
        {"id": "a", "name": HOSTILE, "latitude": "55.2522", "longitude": "22.2897", "location_precision": "settlement",
         "service_types": "transport_mobility", "website": "javascript:alert(3)"},
        {"id": "b", "name": "Gramančia", "latitude": "55.3", "longitude": "22.1", "location_precision": "settlement",
         "service_types": "care_day_services;housing", "website": "https://example.org"},
        {"id": "c", "name": "No place"},
        {"id": "d", "name": "Org", "actor_type": "support_organisation", "latitude": "56.5", "longitude": "21.0",
         "location_precision": "settlement"},
    ])


def payloads(html: str) -> list[dict]:
    return [json.loads(match) for match in re.findall(r"var payload = (\{.*?\});\n", html)]


def decode(payload: dict) -> tuple[np.ndarray, np.ndarray]:
    xy = np.frombuffer(base64.b64decode(payload["xy"]), dtype="<i4").reshape(-1, 2) / 1e5
    return xy, np.frombuffer(base64.b64decode(payload["k"]), dtype=np.uint8)


def render(frame, taxonomy, **kwargs):
    layers = map_layers(frame, taxonomy, "en", {"sempre": "SEMPRE"}, tiles=None, **kwargs)
    return build_map(layers).get_root().render()


def test_points_travel_compactly_and_decode_exactly(frame, taxonomy):
    html = render(frame, taxonomy)
    organisations, initiatives = payloads(html)
    xy, kind = decode(initiatives)
    assert initiatives["n"] == 2 and xy.tolist() == [[55.2522, 22.2897], [55.3, 22.1]]
    services = taxonomy.codes("service_type")
    assert kind.tolist() == [services.index("transport_mobility"), services.index("care_day_services")]
    assert organisations["n"] == 1
    assert "L.Marker(" not in html and html.count("L.circleMarker(") == 0  # one script, not one object per row


def test_colour_follows_the_selected_service(frame, taxonomy):
    html = render(frame, taxonomy, colour_services=["housing"])
    _, kind = decode(payloads(html)[1])
    assert kind[1] == taxonomy.codes("service_type").index("housing")


def test_names_with_markup_cannot_break_out_of_the_script(frame, taxonomy):
    html = render(frame, taxonomy)
    assert "<script>alert(1)" not in html and "onerror=alert(2)>" not in html
    assert "\\u003c/script\\u003e" in html
    assert payloads(html)[1]["t"]["name"]["v"][0] == HOSTILE  # the exact text arrives, as text
    assert "textContent" in html and "innerHTML" not in html.split("eco-legend")[0]


def test_popups_only_link_http_websites(frame, taxonomy):
    html = render(frame, taxonomy)
    assert "/^https?:\\/\\//i.test(value)" in html


def test_safe_json_escapes_html_and_separators():
    text = safe_json({"a": "</script>&\u2028"})
    assert "<" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script>&\u2028"}


def test_rows_at_finds_the_clicked_marker(frame):
    assert rows_at(frame, 55.3, 22.1)["id"].tolist() == ["b"]
    assert rows_at(frame, 55.30002, 22.1).empty


def test_view_starts_on_the_baltic_sea(frame, taxonomy):
    html = render(frame, taxonomy)
    assert f"{BALTIC_BOUNDS[0][0]}, {BALTIC_BOUNDS[0][1]}" in html.replace("[", "").replace("]", "")
    assert "tile.openstreetmap.org" not in html  # tiles=None draws no tiles


def test_legend_lists_the_services_drawn(frame, taxonomy):
    html = render(frame, taxonomy, colour_services=["housing", "transport_mobility"])
    legend = html[html.index("eco-legend"):]
    assert "Housing" in legend and "Transport \\u0026amp; mobility" in legend and "Food \\u0026amp; nutrition" not in legend


@pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
def test_choropleth_draws_islands_empty_regions_and_attribution(frame, taxonomy):

    regions = load_regions(NUTS_2024_L3)
    counts = region_counts(frame.assign(region_code="LT025"), regions["nuts_id"])
    html = render(frame, taxonomy, regions=regions, region_counts=counts)
    data = json.loads(re.search(r"L\.geoJSON\((\{.*?\}), \{", html, re.S).group(1))
    labels = {feature["properties"]["label"].split(" (")[1][:5]: feature for feature in data["features"]}
    assert len(labels) == len(regions)
    islands = {"SE214": (18.30, 57.64), "DK014": (14.70, 55.10), "EE004": (22.48, 58.25), "FI200": (19.94, 60.10)}
    for code, town in islands.items():  # Visby, Rønne, Kuressaare, Mariehamn lie inside what is drawn
        assert shape(labels[code]["geometry"]).buffer(0.05).contains(Point(town)), code
    assert labels["LT025"]["properties"]["fill"] != labels["LT021"]["properties"]["fill"]
    assert ": 0 initiatives" in labels["LT021"]["properties"]["label"]
    assert safe_json(EUROGEOGRAPHICS) in html


def test_no_regions_no_eurogeographics_line(frame, taxonomy):
    assert "EuroGeographics" not in render(frame, taxonomy)


def test_view_bounds_follow_the_geographic_filter(frame):

    assert view_bounds(frame, None, [], []) is None  # no place chosen: the Baltic Sea view
    south_west, north_east = view_bounds(frame, None, ["LT"], [])
    assert south_west[0] < 55.2522 < north_east[0] and south_west[1] < 21.0 and north_east[1] > 22.2897


@pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
def test_view_bounds_use_the_boundaries_of_chosen_places(frame):

    regions = load_regions(NUTS_2024_L3)
    (south, west), (north, east) = view_bounds(frame, regions, ["LT"], [])
    assert south < 54.0 and north > 56.4 and west < 21.0 and east > 26.8  # the whole of Lithuania
    (south, west), (north, east) = view_bounds(frame, regions, ["LT"], ["LT027"])
    assert north - south < 1.6  # just Tauragė county


@pytest.mark.parametrize("rows", [1_000, 70_000])
def test_every_row_keeps_its_own_name_past_65535_distinct_names(rows):
    points = pd.DataFrame({"latitude": np.full(rows, 55.0), "longitude": np.full(rows, 22.0),
                           "name": [f"Initiative {n}" for n in range(rows)]})
    payload = compact_payload(points, pd.Series(np.zeros(rows, dtype=np.uint8)), ["name"])
    column = payload["t"]["name"]
    assert column["w"] == (2 if rows <= 65_536 else 4)
    indices = np.frombuffer(base64.b64decode(column["i"]), dtype="<u2" if column["w"] == 2 else "<u4")
    names = [column["v"][index] for index in indices]
    assert names == points["name"].tolist()  # row 65,536 and later used to show another row's name
