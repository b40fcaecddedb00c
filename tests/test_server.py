"""This server's own routes (``ecosystem.server``): published map data by content hash, hover names, assets."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from conftest import make_frame
from ecosystem import server
from ecosystem.assets import PACKAGES, WEB_DIR
from ecosystem.maps import point_table


@pytest.fixture()
def client() -> TestClient:
    return TestClient(Starlette(routes=server.routes()))


def test_published_data_is_served_under_its_hash_for_a_year(client):
    path = server.publish(b"ECO1\x00\x00\x00\x00", "bin")
    assert path == server.publish(b"ECO1\x00\x00\x00\x00", "bin")  # the same bytes, the same address
    answer = client.get(f"/{path}")
    assert answer.status_code == 200 and answer.content == b"ECO1\x00\x00\x00\x00"
    assert "immutable" in answer.headers["cache-control"] and answer.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/{path.removesuffix('.bin')}.json").status_code == 404  # another type: not this file
    assert client.get("/_eco/data/0123456789abcdef0123456789abcdef.bin").status_code == 404


def test_a_point_table_names_each_of_its_rows(client):
    frame = make_frame([{"id": f"r{n}", "name": f"<b>Row {n}</b>", "latitude": "55.0", "longitude": "22.0",
                         "location_precision": "settlement"} for n in range(3)] + [{"id": "x", "name": "Nowhere"}])
    table = point_table(frame)
    server.publish(table.data, "bin", labels=table.names)
    template = server.label_url(table.data)
    for row in range(3):
        answer = client.get("/" + template.format(row=row))
        assert answer.status_code == 200 and json.loads(answer.content) == {"name": f"<b>Row {row}</b>"}
    assert client.get("/" + template.format(row=3)).status_code == 404  # the unlocated row is not in the table
    assert client.get("/" + template.format(row=-1)).status_code == 404


def test_only_the_pinned_assets_and_our_own_scripts_are_served(client, tmp_path, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_ASSETS_DIR", str(tmp_path))
    (tmp_path / "leaflet").mkdir()
    (tmp_path / "leaflet" / "leaflet.js").write_text("// leaflet")
    (tmp_path / "installed.json").write_text("{}")
    (tmp_path / "leaflet" / "secret.js").write_text("// not a pinned file")
    assert "leaflet.js" in PACKAGES["leaflet"].files
    answer = client.get("/" + server.asset_url("leaflet", "leaflet.js"))
    assert answer.status_code == 200 and answer.text == "// leaflet"
    assert answer.headers["content-type"].startswith("text/javascript")
    ours = client.get("/" + server.asset_url("eco", "eco_map.js"))
    assert ours.status_code == 200 and ours.text == (WEB_DIR / "eco_map.js").read_text(encoding="utf-8")
    for package, name in (("leaflet", "secret.js"), ("leaflet", "../installed.json"), ("eco", "../server.py"),
                          ("jquery", "jquery.min.js"), ("nothing", "leaflet.js")):
        assert client.get(f"/_eco/assets/{package}/{name}").status_code == 404, (package, name)
