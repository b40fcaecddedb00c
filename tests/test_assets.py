"""Map assets: the CDN table, installing, rewriting a map to local URLs and inlining into a standalone page."""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, MarkerCluster

from ecosystem import assets
from ecosystem.assets import (
    CDN_FILES,
    PACKAGES,
    WEB_DIR,
    AssetsError,
    add_assets_commands,
    assets_installed,
    inline_assets_html,
    install_assets,
    localise_map_assets,
    needs_jquery,
)
from ecosystem.config import PROJECT_DIR, assets_dir
from ecosystem.maps import KDBUSH_JS, SUPERCLUSTER_JS, base_map

EXTERNAL_TAG = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)
PNG = b"\x89PNG\r\n\x1a\n fake image"


def _write_package(folder: Path, name: str, files: tuple[str, ...]) -> None:
    """Fake copies of a package's ``files`` in ``folder``."""
    for relative in files:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".png":
            path.write_bytes(PNG)
        elif path.suffix == ".css":
            path.write_text(f".{name.replace('.', '-')} {{ background: url(images/layers.png); }}\n")
        else:
            path.write_text(f'window["{name}"] = "</script><script>alert(1)</script>";\n')


def _write_packages(root: Path) -> None:
    """Fake copies of every pinned package under ``root/<package>/`` (as ``install_assets`` lays them out)."""
    for name, package in PACKAGES.items():
        _write_package(root / name, name, package.files)


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    """A vendor folder laid out as ``install_assets`` leaves it, with fake file contents."""
    dest = tmp_path / "vendor"
    _write_packages(dest)
    return dest


@pytest.fixture
def npm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache whose npm prefix already holds the pinned versions; npm and Debian's copies are out of reach."""
    cache = tmp_path / "cache"
    modules = cache / "npm" / "node_modules"
    for name, package in PACKAGES.items():
        _write_package(modules / name / package.dist, name, package.files)
        (modules / name / "package.json").write_text(json.dumps({"name": name, "version": package.version}))
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(cache))
    monkeypatch.delenv("ECOSYSTEM_ASSETS_DIR", raising=False)
    monkeypatch.setattr("shutil.which", lambda _: None)
    monkeypatch.setattr(assets, "DEBIAN_JS_DIR", tmp_path / "no-debian")
    return cache


def _asset_urls(m: folium.Element) -> list[str]:
    """Every JS/CSS URL st_folium collects from ``m``'s tree."""
    urls: list[str] = []
    stack: list[folium.Element] = [m]
    while stack:
        element = stack.pop()
        if isinstance(element, JSCSSMixin):
            urls += [url for _, url in (*element.default_js, *element.default_css)]
        stack.extend(element._children.values())
    return urls


def _map_with_cluster() -> folium.Map:
    """A tile-less map with a MarkerCluster holding one circle marker."""
    m = folium.Map(location=[57.0, 24.0], zoom_start=5, tiles=None)
    cluster = MarkerCluster().add_to(m)
    folium.CircleMarker([56.95, 24.1], radius=5).add_to(cluster)
    return m


def test_table_covers_every_url_of_map_and_marker_cluster() -> None:
    urls = set(_asset_urls(_map_with_cluster()))

    assert urls <= set(CDN_FILES)
    for entry in filter(None, CDN_FILES.values()):
        package, name = entry
        assert name in PACKAGES[package].files


def _embedded(url: str) -> tuple[str, str]:
    """The media type and text of a base64 ``data:`` URI."""
    match = re.fullmatch(r"data:([\w/]+);base64,([A-Za-z0-9+/=]+)", url)
    assert match, url[:80]
    return match.group(1), base64.b64decode(match.group(2)).decode("utf-8")


def test_localise_embeds_every_asset_from_the_installed_copies(vendor: Path) -> None:
    m = localise_map_assets(_map_with_cluster(), vendor)

    embedded = [_embedded(url) for url in _asset_urls(m)]
    scripts = [text for kind, text in embedded if kind == "text/javascript"]
    styles = [text for kind, text in embedded if kind == "text/css"]
    assert len(scripts) == 2 and len(styles) == 3  # Leaflet, MarkerCluster; no jQuery (no popup), Bootstrap, awesome-markers
    assert 'window["leaflet"]' in scripts[0] and "L.Icon.Default.mergeOptions" in scripts[0]
    assert styles[0].startswith(".leaflet ") and 'url("data:image/png;base64,' in styles[0]  # its images too
    assert not EXTERNAL_TAG.search(m.get_root().render())
    assert folium.Map.default_js[0][1].startswith("https://"), "the class-wide defaults must stay untouched"


def test_localise_is_repeatable_and_takes_feature_groups(vendor: Path) -> None:
    m = localise_map_assets(localise_map_assets(_map_with_cluster(), vendor), vendor)
    group = folium.FeatureGroup()
    MarkerCluster().add_to(group)

    localise_map_assets(group, vendor)

    urls = _asset_urls(m) + _asset_urls(group)
    assert len(urls) == 5 + 3 and all(url.startswith("data:") for url in urls)


def test_localise_serves_jquery_only_to_maps_that_render_with_it(vendor: Path) -> None:
    def scripts(m: folium.Element) -> list[str]:
        return [text for kind, text in map(_embedded, _asset_urls(m)) if kind == "text/javascript"]

    plain = localise_map_assets(_map_with_cluster(), vendor)
    with_popup = _map_with_cluster()
    folium.CircleMarker([56.9, 24.0], radius=5, popup=folium.Popup("Rīga")).add_to(with_popup)
    kept_in_front = _map_with_cluster()
    kept_in_front.keep_in_front(folium.FeatureGroup().add_to(kept_in_front))
    part = folium.Map(tiles=None)  # st_folium's base map, whose overlay has a popup: told by the caller

    assert not needs_jquery(_map_with_cluster()) and not any('window["jquery"]' in text for text in scripts(plain))
    assert needs_jquery(with_popup) and needs_jquery(kept_in_front)
    for m in (with_popup, kept_in_front):
        assert any('window["jquery"]' in text for text in scripts(localise_map_assets(m, vendor)))
    assert any('window["jquery"]' in text for text in scripts(localise_map_assets(part, vendor, jquery=True)))


def test_localise_needs_installed_assets(tmp_path: Path) -> None:
    with pytest.raises(AssetsError, match="python -m ecosystem assets install"):
        localise_map_assets(_map_with_cluster(), tmp_path)


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (folium.Marker([57.0, 24.0], icon=folium.Icon(color="red")), "awesome-markers"),
        (branca.colormap.LinearColormap(["white", "red"]), "d3"),
        (Fullscreen(), "No local copy is known"),
    ],
)
def test_localise_refuses_what_it_cannot_serve(vendor: Path, element: folium.Element, message: str) -> None:
    m = folium.Map(tiles=None)
    element.add_to(m)

    with pytest.raises(AssetsError, match=message):
        localise_map_assets(m, vendor)


def test_assets_installed_needs_every_file(vendor: Path) -> None:
    assert assets_installed(vendor)
    (vendor / "leaflet" / "images" / "layers.png").unlink()
    assert not assets_installed(vendor)


def test_inline_leaves_no_cdn_tag_and_cannot_break_out_of_script(vendor: Path) -> None:
    html = _map_with_cluster().get_root().render()

    inlined = inline_assets_html(html, source=vendor)

    assert not EXTERNAL_TAG.search(inlined)
    assert "bootstrap" not in inlined
    assert 'window["leaflet"] = "<\\/script><script>alert(1)<\\/script>";' in inlined
    assert 'window["jquery"]' in inlined and 'window["leaflet.markercluster"]' in inlined
    assert 'url("data:image/png;base64,' in inlined
    assert "L.Icon.Default.mergeOptions" in inlined


def test_inline_refuses_unknown_cdn_links(vendor: Path) -> None:
    html = '<html><head><script src="https://example.org/plugin.js"></script></head></html>'

    with pytest.raises(AssetsError, match="https://example.org/plugin.js"):
        inline_assets_html(html, source=vendor)


def test_assets_live_in_the_cache_or_the_configured_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECOSYSTEM_ASSETS_DIR", raising=False)
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(tmp_path / "cache"))
    assert assets_dir() == tmp_path / "cache" / "assets"
    monkeypatch.setenv("ECOSYSTEM_ASSETS_DIR", str(tmp_path / "elsewhere"))
    assert assets_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("ECOSYSTEM_ASSETS_DIR")
    monkeypatch.delenv("ECOSYSTEM_CACHE_DIR")
    assert not assets_dir().resolve().is_relative_to(PROJECT_DIR)


def test_install_defaults_to_the_cache(npm_cache: Path) -> None:
    dest = install_assets()

    assert dest == npm_cache / "assets" and assets_installed()


def test_install_reuses_pinned_npm_packages(npm_cache: Path, tmp_path: Path) -> None:
    dest = install_assets(tmp_path / "static" / "vendor")

    assert assets_installed(dest)
    record = json.loads((dest / "installed.json").read_text())
    assert record == {"source": "npm", "packages": {name: p.version for name, p in PACKAGES.items()}}


@pytest.mark.skipif(not Path("/usr/share/javascript/leaflet/leaflet.js").is_file(), reason="libjs-leaflet missing")
def test_install_falls_back_to_debian_without_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr("shutil.which", lambda _: None)

    dest = install_assets(tmp_path / "vendor")

    assert assets_installed(dest)
    assert json.loads((dest / "installed.json").read_text())["source"] == "debian"


def test_install_explains_when_no_source_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr("shutil.which", lambda _: None)
    monkeypatch.setattr(assets, "DEBIAN_JS_DIR", tmp_path / "no-debian")

    with pytest.raises(AssetsError, match="npm is not on PATH.*apt-get install libjs-leaflet"):
        install_assets(tmp_path / "vendor")


def _assets_parser() -> argparse.ArgumentParser:
    """A ``python -m ecosystem``-like parser with the assets commands."""
    parser = argparse.ArgumentParser(prog="ecosystem")
    add_assets_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_install_reports_what_it_installed(
    npm_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _assets_parser().parse_args(["assets", "install", "--dest", str(tmp_path / "out")])

    assert args.handler(args) == 0
    output = capsys.readouterr().out
    assert "from npm" in output and "leaflet (1.9.3)" in output and "leaflet/images/layers.png" in output


def test_cli_install_failure_gives_exit_code_and_reason(
    npm_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (npm_cache / "npm" / "node_modules" / "leaflet" / "package.json").unlink()
    args = _assets_parser().parse_args(["assets", "install", "--dest", str(tmp_path / "out")])

    assert args.handler(args) == 1
    assert "error: Cannot install the map assets" in capsys.readouterr().err


def _our_map() -> folium.Map:
    """The product's base map: Leaflet, supercluster, kdbush and our own map script."""
    return base_map(None, "en")


def test_localise_points_every_script_at_the_given_address(vendor: Path) -> None:
    def link(package: str, name: str, _source: Path) -> str:
        return f"/_eco/assets/{package}/{name}"

    urls = _asset_urls(localise_map_assets(_our_map(), vendor, link=link))
    for expected in ("leaflet/leaflet.js", "supercluster/supercluster.min.js", "kdbush/kdbush.min.js", "eco/eco_map.js"):
        assert f"/_eco/assets/{expected}" in urls
    assert all(url.startswith("/_eco/assets/") for url in urls)


def test_on_public_cdns_only_our_own_script_is_ours(vendor: Path) -> None:
    urls = _asset_urls(localise_map_assets(_our_map(), vendor, cdn=True))
    ours = [url for url in urls if not url.startswith("https://")]
    assert len(ours) == 1 and base64.b64decode(ours[0].split(",", 1)[1]) == (WEB_DIR / "eco_map.js").read_bytes()
    assert SUPERCLUSTER_JS in urls and KDBUSH_JS in urls


def test_optional_libraries_missing_are_left_out_not_fatal(vendor: Path) -> None:
    complete = len(_asset_urls(localise_map_assets(_our_map(), vendor)))
    shutil.rmtree(vendor / "supercluster")
    shutil.rmtree(vendor / "kdbush")
    assert assets_installed(vendor)  # the map draws without them (no grouping; hover looks at every point)
    urls = _asset_urls(localise_map_assets(_our_map(), vendor))
    assert not [url for url in urls if url.startswith("https://")]
    assert len(urls) == complete - 2
    page = inline_assets_html(_our_map().get_root().render(), vendor)
    assert not EXTERNAL_TAG.search(page) and "window.Supercluster" in page  # our script copes without it
