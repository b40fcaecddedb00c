"""Where exported links point: the configured public address, else the browser's, never a link without a host."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_seed_data
from ecosystem.filters import FilterState
from ecosystem.links import configured_address, dashboard_address, site_address, view_link
from ecosystem.stamp import make_stamp


@pytest.mark.parametrize(("url", "expected"), [
    ("https://ecosystem.example.org", "https://ecosystem.example.org"),
    ("https://ecosystem.example.org/", "https://ecosystem.example.org"),
    (" http://127.0.0.1:8501/eco/?x=1#top ", "http://127.0.0.1:8501/eco"),
    ("http:/", None),  # what the exports wrote before: a link without a host
    ("ecosystem.example.org", None),
    ("ftp://ecosystem.example.org", None),
    ("http://host:port", None),
    ("", None),
    (None, None),
])
def test_site_address(url, expected):
    assert site_address(url) == expected


def test_the_configured_address_wins(monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_PUBLIC_URL", "https://ecosystem.example.org/")
    assert dashboard_address(browser_url="http://10.0.0.5:8501/map", page_path="map",
                             headers={"Host": "10.0.0.5:8501"}) == "https://ecosystem.example.org"


def test_a_configured_address_that_is_not_one_is_said(monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_PUBLIC_URL", "ecosystem.example.org")
    with pytest.raises(ValueError, match="ECOSYSTEM_PUBLIC_URL .*https://"):
        configured_address()


@pytest.mark.parametrize(("browser_url", "page_path", "expected"), [
    ("http://localhost:8501", "overview", "http://localhost:8501"),  # the default page, at the root
    ("http://localhost:8501/overview", "overview", "http://localhost:8501"),
    ("http://localhost:8501/map", "map", "http://localhost:8501"),
    ("https://example.org/eco/coverage", "coverage", "https://example.org/eco"),  # behind a proxy, under a path
    ("https://example.org/map/coverage", "coverage", "https://example.org/map"),
])
def test_without_a_configured_address_the_browsers_is_used(monkeypatch, browser_url, page_path, expected):
    monkeypatch.delenv("ECOSYSTEM_PUBLIC_URL", raising=False)
    assert dashboard_address(browser_url=browser_url, page_path=page_path) == expected


@pytest.mark.parametrize(("headers", "expected"), [
    ({"Host": "dash.example:8501"}, "http://dash.example:8501"),
    ({"host": "10.0.0.5", "X-Forwarded-Host": "map.example.org", "X-Forwarded-Proto": "https"},
     "https://map.example.org"),
    ({}, ""),
])
def test_else_the_address_the_request_named(monkeypatch, headers, expected):
    monkeypatch.delenv("ECOSYSTEM_PUBLIC_URL", raising=False)
    assert dashboard_address(browser_url=None, page_path="map", headers=headers) == expected


def test_a_link_has_a_host_or_is_not_written(taxonomy):
    assert view_link("https://map.example.org/", "/coverage", "country=LT") == "https://map.example.org/coverage?country=LT"
    assert view_link("http://localhost:8501", "overview", "lang=lt") == "http://localhost:8501/overview?lang=lt"
    assert view_link("http:/", "overview", "lang=lt") == ""
    assert view_link("", "overview", "lang=lt") == ""
    stamp = make_stamp("deck", FilterState(countries=("LT",)), taxonomy, "en", version="1", version_date="2026-11-26",
                       base_url="", page="overview", attributions=(), programme_names={}, region_names={})
    assert stamp.permalink == ""


def _export_figures(tmp_path: Path, *args: str, public_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "ECOSYSTEM_PUBLIC_URL"}
    env |= {"ECOSYSTEM_DATA_DIR": str(copy_seed_data(tmp_path / "data")), "PYTHONPATH": str(REPO),
            "ECOSYSTEM_REFERENCE_DIR": str(tmp_path / "none"), "ECOSYSTEM_DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite"}
    if public_url is not None:
        env["ECOSYSTEM_PUBLIC_URL"] = public_url
    return subprocess.run([sys.executable, "-m", "ecosystem", "export-figures", "--query", "country=LT",
                           "--out", str(tmp_path / "out"), *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=300)


@pytest.mark.parametrize(("args", "public_url"), [(("--base-url", "localhost:8501"), None), ((), "example.org")])
def test_export_figures_refuses_an_address_without_a_host(tmp_path, args, public_url):
    result = _export_figures(tmp_path, *args, public_url=public_url)
    assert result.returncode == 2
    assert "not a web address" in result.stderr and "https://" in result.stderr
    assert not (tmp_path / "out").exists()
