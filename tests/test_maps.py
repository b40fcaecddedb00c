import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, shape

from conftest import NUTS_2024_L3, make_frame
from ecosystem.assets import WEB_DIR
from ecosystem.attributions import EUROGEOGRAPHICS, NATURAL_EARTH
from ecosystem.coverage import region_counts
from ecosystem.maps import (
    BALTIC_BOUNDS,
    build_map,
    inline_map_data,
    map_layers,
    point_table,
    rows_at,
    safe_json,
    text_columns,
    view_bounds,
)
from ecosystem.outlines import country_outlines
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


def specs(html: str) -> list[dict]:
    """The point layers' specifications in a rendered page (organisations first, then initiatives)."""
    return [json.loads(match) for match in re.findall(r"new L\.EcoPoints\((\{.*?\})\)\);", html)]


def fetched(url: str) -> bytes:
    """What the browser fetches from a ``data:`` address."""
    assert url.startswith("data:")
    return base64.b64decode(url.split(",", 1)[1])


def table_of(spec: dict) -> np.ndarray:
    """The point table a layer draws from: (latitude, longitude) per table row."""
    data = fetched(spec["table"])
    assert data[:4] == b"ECO1"
    n = int(np.frombuffer(data[4:8], dtype="<u4")[0])
    assert len(data) == 8 + 8 * n  # 8 bytes a point
    return np.stack([np.frombuffer(data[8:8 + 4 * n], dtype="<i4"), np.frombuffer(data[8 + 4 * n:], dtype="<i4")], axis=1) / 1e5


def shown_rows(spec: dict, size: int) -> np.ndarray:
    """The table rows a layer shows, from its bitmask or row list."""
    selection = spec["selection"]
    if "rows" in selection:
        return np.frombuffer(base64.b64decode(selection["rows"]), dtype="<u4")
    bits = np.unpackbits(np.frombuffer(base64.b64decode(selection["mask"]), dtype=np.uint8), bitorder="little")
    return np.flatnonzero(bits[:size])


def decode(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    table = table_of(spec)
    rows = shown_rows(spec, len(table))
    return table[rows], np.frombuffer(base64.b64decode(spec["kind"]), dtype=np.uint8)


def render(frame, taxonomy, **kwargs):
    layers = map_layers(frame, taxonomy, "en", {"sempre": "SEMPRE"}, tiles=None, **kwargs)
    return build_map(layers).get_root().render()


def test_points_travel_compactly_and_decode_exactly(frame, taxonomy):
    html = render(frame, taxonomy)
    organisations, initiatives = specs(html)
    xy, kind = decode(initiatives)
    assert xy.tolist() == [[55.2522, 22.2897], [55.3, 22.1]]
    services = taxonomy.codes("service_type")
    assert kind.tolist() == [services.index("transport_mobility"), services.index("care_day_services")]
    assert decode(organisations)[0].tolist() == [[56.5, 21.0]]
    assert "L.Marker(" not in html and "circleMarker(" not in html  # one layer, not one object per row
    assert organisations["table"] == initiatives["table"]  # one table, fetched once


def test_colour_follows_the_selected_service(frame, taxonomy):
    html = render(frame, taxonomy, colour_services=["housing"])
    _, kind = decode(specs(html)[1])
    assert kind[1] == taxonomy.codes("service_type").index("housing")


def test_names_with_markup_cannot_break_out_of_the_script(frame, taxonomy):
    html = render(frame, taxonomy)
    assert "<script>alert(1)" not in html and "onerror=alert(2)>" not in html
    assert "\\u003c/script\\u003e" in html
    assert HOSTILE in specs(html)[1]["columns"]["name"]["v"]  # the exact text arrives, as text
    script = (WEB_DIR / "eco_map.js").read_text(encoding="utf-8")
    assert "textContent" in script and ".innerHTML" not in script


def test_popups_only_link_http_websites():
    assert "if (!/^https?:\\/\\//i.test(value)) { return; }" in (WEB_DIR / "eco_map.js").read_text(encoding="utf-8")


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
    spec = json.loads(re.search(r"L\.ecoRegions\([^,]+, (\{.*?\})\);", html).group(1))
    outlines = json.loads(fetched(spec["url"]))
    drawn = {feature["properties"]["id"]: feature for feature in outlines["features"]}
    assert len(drawn) == len(regions)
    islands = {"SE214": (18.30, 57.64), "DK014": (14.70, 55.10), "EE004": (22.48, 58.25), "FI200": (19.94, 60.10)}
    for code, town in islands.items():  # Visby, Rønne, Kuressaare, Mariehamn lie inside what is drawn
        assert shape(drawn[code]["geometry"]).buffer(0.05).contains(Point(town)), code
    coverage = json.loads(re.search(r"new L\.EcoCoverage\((\{.*?\})\)", html).group(1))["regions"]
    assert set(coverage) == set(drawn)
    assert coverage["LT025"][0] != coverage["LT021"][0]
    assert coverage["LT021"][1].endswith(": 0 initiatives")
    assert spec["attribution"] == EUROGEOGRAPHICS


def test_without_regions_the_base_map_outlines_the_countries(frame, taxonomy):
    html = build_map(map_layers(frame, taxonomy, "de", {}, tiles=None)).get_root().render()
    assert "EuroGeographics" not in html
    spec = json.loads(re.search(r"L\.ecoRegions\([^,]+, (\{.*?\})\);", html).group(1))
    assert spec["attribution"] == NATURAL_EARTH
    drawn = {feature["properties"]["id"]: feature for feature in json.loads(fetched(spec["url"]))["features"]}
    assert set(drawn) == set(country_outlines()["country"])
    assert drawn["LT"]["properties"]["name"] == "Litauen"  # named in the map's language
    for code, (longitude, latitude) in {"LT": (22.2897, 55.2522), "RU": (20.51, 54.71), "NO": (10.75, 59.91)}.items():
        assert shape(drawn[code]["geometry"]).contains(Point(longitude, latitude)), code  # Tauragė, Kaliningrad, Oslo
    assert "L.EcoCoverage" not in html  # no regions, no choropleth


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
    points = pd.DataFrame({"name": [f"Initiative {n}" for n in range(rows)]})
    column = text_columns(points, ["name"])["name"]
    assert column["w"] == (2 if rows <= 65_536 else 4)
    indices = np.frombuffer(base64.b64decode(column["i"]), dtype="<u2" if column["w"] == 2 else "<u4")
    names = [column["v"][index] for index in indices]
    assert names == points["name"].tolist()  # row 65,536 and later used to show another row's name


def test_a_layer_names_its_rows_by_a_bitmask_or_a_list_whichever_is_smaller(taxonomy):
    whole = make_frame([{"id": f"r{n}", "name": f"Row {n}", "latitude": str(54 + n / 1000), "longitude": "22.0",
                         "location_precision": "settlement", "country": "LT" if n % 100 else "LV"} for n in range(2000)])
    data = inline_map_data(whole)
    for chosen, kind in ((whole, "mask"), (whole[whole["country"] == "LV"], "rows")):
        spec = specs(build_map(map_layers(chosen, taxonomy, "en", {}, tiles=None, data=data)).get_root().render())[1]
        assert list(spec["selection"]) == [kind]
        table = table_of(spec)
        assert len(table) == len(whole)  # the whole registry's table; the layer only says which rows
        assert table[shown_rows(spec, len(table))][:, 0].tolist() == chosen["latitude"].astype(float).tolist()


def test_point_table_is_built_once_per_frame_and_rows_keep_their_names():
    rows = 1_000_000
    frame = pd.DataFrame({"name": [f"Initiative {n}" for n in range(rows)], "latitude": np.linspace(53.5, 69.5, rows),
                          "longitude": np.linspace(9.5, 31.5, rows)})
    frame = frame.reindex(columns=[*frame.columns, "actor_type", "municipality", "service_types", "target_groups",
                                   "programmes", "status", "website"], fill_value="")
    table = point_table(frame)
    assert point_table(frame) is table
    assert len(table.data) == 8 + 8 * rows
    assert table.names == frame["name"].tolist()  # the hover label of every row, at a million rows
    lat = np.frombuffer(table.data[8:8 + 4 * rows], dtype="<i4") / 1e5
    assert np.abs(lat - frame["latitude"].to_numpy()).max() <= 0.5e-5


def test_grouping_is_said_to_the_script_and_in_the_legend(frame, taxonomy):
    grouped, single = render(frame, taxonomy, cluster=True), render(frame, taxonomy)
    assert [spec["cluster"] for spec in specs(grouped)] == [True, True]
    assert [spec["cluster"] for spec in specs(single)] == [False, False]
    assert "Nearby points grouped" in grouped and "Nearby points grouped" not in single


def test_the_zoom_buttons_speak_the_page_language(frame, taxonomy):
    german = build_map(map_layers(frame, taxonomy, "de", {}, tiles=None)).get_root().render()
    titles = json.loads(re.search(r"L\.control\.zoom\((\{.*?\})\)", german).group(1))
    assert titles == {"zoomInTitle": "Vergrößern", "zoomOutTitle": "Verkleinern"}
    assert '"zoomControl": false' in german  # Leaflet's own English buttons are not drawn as well
