"""Web assets the maps need, sent from this machine instead of public CDNs (intranet / offline use).

``python -m ecosystem assets install`` — a set-up step; no page view installs anything — puts pinned copies into
``config.assets_dir()`` (``<cache>/assets``, or ``ECOSYSTEM_ASSETS_DIR``), never into the repository. From there
they travel inside the page, so nothing needs serving from a folder (Streamlit serves only ``<app>/static``): the
live map's asset links become ``data:`` URIs (``localise_map_assets``), and a standalone page gets the files
inlined (``inline_assets_html``).

Pinned npm packages (the versions folium 0.20 itself loads from its CDNs):

    leaflet@1.9.3                dist/leaflet.js, dist/leaflet.css, dist/images/*.png
    leaflet.markercluster@1.1.0  dist/leaflet.markercluster.js, dist/MarkerCluster.css, dist/MarkerCluster.Default.css
    jquery@3.7.1                 dist/jquery.min.js

Where npm is missing or cannot reach its registry, Debian's copies are used instead (Leaflet 1.7, MarkerCluster 1.5,
jQuery 3.6: ``apt-get install libjs-leaflet libjs-leaflet.markercluster libjs-jquery``).

Which of folium's CDN assets are served locally, and which are dropped in local mode:

- Leaflet JS/CSS: served; everything draws with it. Its ``images/`` are copied next to the CSS, which refers
  to them (layer-control icons, default marker icons).
- leaflet.markercluster JS + both CSS: served; ``folium.plugins.MarkerCluster`` needs them.
- jQuery: served to a map that renders with ``$(...)`` (folium's ``Popup``, a map keeping layers in front, the
  time-slider choropleth; ``needs_jquery``), left out of every other: the product's maps have none of them.
- Bootstrap JS/CSS, Bootstrap 3 glyphicons, Font Awesome, Leaflet.awesome-markers (JS/CSS) and folium's
  ``leaflet.awesome.rotate.css``: dropped. They exist only for ``folium.Icon`` (awesome markers), which the
  product does not use (its points are canvas circle markers); ``localise_map_assets`` refuses a map that
  contains a ``folium.Icon`` rather than drawing a broken one.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import mimetypes
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import folium
from branca.colormap import ColorMap
from branca.element import Element
from folium.elements import JSCSSMixin
from folium.plugins import TimeSliderChoropleth

from ecosystem.config import assets_dir, cache_dir

__all__ = [
    "CDN_FILES",
    "OPTIONAL_PACKAGES",
    "PACKAGES",
    "AssetsError",
    "NpmPackage",
    "add_assets_commands",
    "assets_installed",
    "data_link",
    "inline_assets_html",
    "install_assets",
    "localise_map_assets",
    "needs_jquery",
]

DEBIAN_JS_DIR = Path("/usr/share/javascript")
WEB_DIR = Path(__file__).parent / "web"  # this project's own map scripts, part of the code (not installed)
OWN_PACKAGE = "eco"
OWN_SCRIPT_PREFIX = "eco:"  # a map element's link to one of them: ``eco:<file>``
INSTALL_RECORD = "installed.json"

MapElement = TypeVar("MapElement", bound=Element)

# npm's default retries need ~3.5 min to give up on an unreachable registry; fail within seconds (then use Debian's).
_NPM_INSTALL_OPTIONS = (
    "--no-save",
    "--no-audit",
    "--no-fund",
    "--fetch-retries=1",
    "--fetch-retry-mintimeout=2000",
    "--fetch-retry-maxtimeout=10000",
    "--fetch-timeout=60000",
)


class AssetsError(RuntimeError):
    """The map assets cannot be installed or are not installed where they are needed."""


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm package and the files taken from it."""

    name: str
    version: str
    dist: str  # folder inside the npm package that holds ``files``
    debian_dir: str | None  # folder under /usr/share/javascript with Debian's copies of ``files`` (None: none)
    files: tuple[str, ...]

    @property
    def spec(self) -> str:
        """The ``name@version`` given to npm."""
        return f"{self.name}@{self.version}"


PACKAGES: dict[str, NpmPackage] = {
    package.name: package
    for package in (
        NpmPackage(
            name="leaflet",
            version="1.9.3",
            dist="dist",
            debian_dir="leaflet",
            files=(
                "leaflet.js",
                "leaflet.css",
                "images/layers.png",
                "images/layers-2x.png",
                "images/marker-icon.png",
                "images/marker-icon-2x.png",
                "images/marker-shadow.png",
            ),
        ),
        NpmPackage(
            name="leaflet.markercluster",
            version="1.1.0",
            dist="dist",
            debian_dir="leaflet",
            files=("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
        ),
        NpmPackage(
            name="jquery",
            version="3.7.1",
            dist="dist",
            debian_dir="jquery",
            files=("jquery.min.js",),
        ),
        NpmPackage(
            name="supercluster",
            version="9.1.0",
            dist="dist",
            debian_dir=None,
            files=("supercluster.min.js",),
        ),
        NpmPackage(
            name="kdbush",
            version="4.1.0",
            dist=".",
            debian_dir=None,
            files=("kdbush.min.js",),
        ),
    )
}
# Without these the map still draws (no groups of nearby points, hover and click slower): Debian lacks them.
OPTIONAL_PACKAGES = frozenset({"supercluster", "kdbush"})

# Every CDN URL folium 0.20 (Map, MarkerCluster) declares -> (npm package, file under its dist folder),
# or None for the assets dropped in local mode (see the module docstring).
CDN_FILES: dict[str, tuple[str, str] | None] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet", "leaflet.js"),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet", "leaflet.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster",
        "leaflet.markercluster.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster",
        "MarkerCluster.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster",
        "MarkerCluster.Default.css",
    ),
    "https://cdn.jsdelivr.net/npm/supercluster@9.1.0/dist/supercluster.min.js": ("supercluster", "supercluster.min.js"),
    "https://cdn.jsdelivr.net/npm/kdbush@4.1.0/kdbush.min.js": ("kdbush", "kdbush.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": None,
}

# Map elements whose needs local mode cannot meet, and why.
_AWESOME_MARKERS = "folium.Icon needs awesome-markers and Font Awesome, which local mode does not serve"
_UNSERVED_ELEMENTS: tuple[tuple[type, str], ...] = (
    (folium.Icon, _AWESOME_MARKERS),
    (ColorMap, "a branca ColorMap makes st_folium load d3 from a public CDN"),
)

_SCRIPT_TAG = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*</script\s*>""", re.IGNORECASE)
_LINK_TAG = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']([^"']+)["'][^>]*>""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_EXTERNAL_URL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)


def _vendor_files(dest: Path) -> Iterator[Path]:
    """Every file of the packages the maps cannot draw without (all but ``OPTIONAL_PACKAGES``) in ``dest``."""
    for package in PACKAGES.values():
        if package.name in OPTIONAL_PACKAGES:
            continue
        for name in package.files:
            yield dest / package.name / name


def assets_installed(dest: Path | None = None) -> bool:
    """Whether every file the maps need is present in ``dest`` (default ``config.assets_dir()``)."""
    return all(path.is_file() for path in _vendor_files(dest or assets_dir()))


def _npm_version(modules: Path, package: NpmPackage) -> str | None:
    """The version of ``package`` installed under ``modules``, if any."""
    manifest = modules / package.name / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def _npm_install(prefix: Path) -> Path:
    """Install the pinned packages under ``prefix`` (unless already there) and return its ``node_modules``."""
    modules = prefix / "node_modules"
    if all(_npm_version(modules, package) == package.version for package in PACKAGES.values()):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError("npm is not on PATH")
    prefix.mkdir(parents=True, exist_ok=True)
    specs = [package.spec for package in PACKAGES.values()]
    command = [npm, "install", *_NPM_INSTALL_OPTIONS, "--prefix", str(prefix), *specs]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired as error:
        raise AssetsError(f"`{' '.join(command)}` did not finish within 10 minutes") from error
    if result.returncode != 0:
        raise AssetsError(f"`{' '.join(command)}` failed:\n{result.stderr.strip()[-2000:]}")
    return modules


def _copy_files(sources: dict[str, Path], dest: Path) -> None:
    """Copy each package's files from its source folder into ``dest/<package>/``."""
    for name, source in sources.items():
        for relative in PACKAGES[name].files:
            origin = source / relative
            if not origin.is_file():
                raise AssetsError(f"{origin} is missing: the {name} installation is incomplete")
            target = dest / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)


def install_assets(dest: Path | None = None) -> Path:
    """Install the pinned packages with npm (Debian's copies as fallback) and copy the needed files into ``dest``
    (default ``config.assets_dir()``)."""
    dest = dest or assets_dir()
    try:
        modules = _npm_install(cache_dir() / "npm")
        sources = {name: modules / name / package.dist for name, package in PACKAGES.items()}
        record = {"source": "npm", "packages": {name: package.version for name, package in PACKAGES.items()}}
    except AssetsError as npm_error:
        sources = {name: DEBIAN_JS_DIR / package.debian_dir for name, package in PACKAGES.items()
                   if package.debian_dir is not None}
        missing = sorted({str(path) for path in sources.values() if not path.is_dir()})
        if missing:
            raise AssetsError(
                f"Cannot install the map assets. npm: {npm_error}. Debian fallback: {', '.join(missing)} missing "
                "(apt-get install libjs-leaflet libjs-leaflet.markercluster libjs-jquery)."
            ) from npm_error
        record = {"source": "debian", "packages": {name: str(path) for name, path in sources.items()}}
    _copy_files(sources, dest)
    (dest / INSTALL_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return dest


def _require_installed(dest: Path) -> None:
    """Raise unless every vendored file is in ``dest``."""
    if not assets_installed(dest):
        raise AssetsError(f"The map assets are not installed in {dest}: run `python -m ecosystem assets install`.")


def _refuse_unknown(urls: list[str]) -> None:
    """Raise when some asset URLs have no entry in the table."""
    if urls:
        raise AssetsError(f"No local copy is known for {', '.join(urls)}: add it to CDN_FILES in ecosystem/assets.py")


def _walk(element: Element) -> Iterator[Element]:
    """``element`` and all its descendants."""
    yield element
    for child in element._children.values():
        yield from _walk(child)


Link = Callable[[str, str, Path], str]
"""How a page refers to an installed file: ``(package, file, assets folder) -> address`` (``package`` ``eco``
for this project's own scripts in ``WEB_DIR``)."""


def data_link(package: str, name: str, source: Path) -> str:
    """An installed file (or one of the project's scripts) as a self-contained ``data:`` URI: read and encoded
    once per version of the file, not on every map render."""
    path = WEB_DIR / name if package == OWN_PACKAGE else source / package / name
    return _encoded_link(package, name, source, path.stat().st_mtime_ns)


def _local_links(links: list[tuple[str, str]], source: Path, link: Link, cdn: bool) -> list[tuple[str, str]]:
    """``links`` with the project's own scripts pointed at ``link``, and unless ``cdn`` every CDN file too (its
    installed copy; an optional one that is not installed, and the dropped assets, left out)."""
    _refuse_unknown([url for _, url in links
                     if url not in CDN_FILES and not url.startswith(("data:", OWN_SCRIPT_PREFIX))])
    local = []
    for name, url in links:
        if url.startswith(OWN_SCRIPT_PREFIX):
            local.append((name, link(OWN_PACKAGE, url.removeprefix(OWN_SCRIPT_PREFIX), source)))
            continue
        entry = CDN_FILES.get(url)
        if cdn and entry is not None:
            local.append((name, url))
        elif entry is not None:
            if (source / entry[0] / entry[1]).is_file():
                local.append((name, link(*entry, source)))
            elif entry[0] not in OPTIONAL_PACKAGES:
                _require_installed(source)
        elif url not in CDN_FILES:
            local.append((name, url))
    return local


def needs_jquery(*elements: Element) -> bool:
    """Whether any of ``elements`` or their descendants renders with jQuery's ``$(...)``: folium's popups, a map
    keeping layers in front, the time-slider choropleth."""
    return any(isinstance(item, (folium.Popup, TimeSliderChoropleth)) or getattr(item, "objects_to_stay_in_front", None)
               for element in elements for item in _walk(element))


def localise_map_assets(m: MapElement, source: Path | None = None, *, link: Link = data_link,
                        cdn: bool = False, jquery: bool | None = None) -> MapElement:
    """Point every asset link of ``m`` (a map, or a feature group for st_folium) and its descendants at
    ``link``'s addresses (default ``data:`` URIs) of the installed copies in ``source`` (default
    ``config.assets_dir()``); with ``cdn`` only the project's own scripts, the rest staying on public CDNs.
    jQuery stays only where ``jquery`` says (by default: where ``m`` needs it; a map drawn in parts, as st_folium
    draws the base and its overlays, passes whether any part does)."""
    source = source or assets_dir()
    if not cdn:
        _require_installed(source)
    keep_jquery = needs_jquery(m) if jquery is None else jquery
    for element in _walk(m):
        for kind, reason in _UNSERVED_ELEMENTS:
            if isinstance(element, kind) and not cdn:
                raise AssetsError(f"Cannot draw this map offline: {reason}.")
        if isinstance(element, JSCSSMixin):
            scripts = [(name, url) for name, url in element.default_js
                       if keep_jquery or (CDN_FILES.get(url) or ("",))[0] != "jquery"]
            element.default_js = _local_links(scripts, source, link, cdn)
            element.default_css = _local_links(element.default_css, source, link, cdn)
    return m


def _data_uri(path: Path) -> str:
    """``path`` as a base64 ``data:`` URI."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _embedded_css(path: Path) -> str:
    """The stylesheet at ``path`` with the files it refers to embedded as ``data:`` URIs."""

    def embed(match: re.Match[str]) -> str:
        reference = match.group(2)
        if ":" in reference or reference.startswith(("#", "/")):
            return match.group(0)
        target = path.parent / reference
        return f'url("{_data_uri(target)}")' if target.is_file() else match.group(0)

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


def _style_safe(css: str) -> str:
    """``css`` that cannot end the ``<style>`` element it is inlined in."""
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _script_safe(js: str) -> str:
    """``js`` that cannot end or confuse the ``<script>`` element it is inlined in."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _default_icon_script(leaflet_dir: Path) -> str:
    """Point Leaflet's default marker icon at ``data:`` URIs (its image-path detection fails on them)."""
    urls = {
        option: _data_uri(leaflet_dir / "images" / name)
        for option, name in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
    }
    return f"L.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions({json.dumps(urls)});"


def _asset_text(package: str, name: str, source: Path) -> str:
    """An installed file as a page embeds it: a stylesheet with the files it refers to as ``data:`` URIs, Leaflet
    with its default marker icon pointed at such URIs."""
    path = WEB_DIR / name if package == OWN_PACKAGE else source / package / name
    if path.suffix == ".css":
        return _embedded_css(path)
    js = path.read_text(encoding="utf-8")
    if name == "leaflet.js":
        js += "\n" + _default_icon_script(path.parent)
    return js


@functools.lru_cache(maxsize=32)
def _encoded_link(package: str, name: str, source: Path, modified: int) -> str:
    """``data_link``'s work; ``modified`` (the file's modification time) only keys the cache."""
    mime = "text/css" if name.endswith(".css") else "text/javascript"
    encoded = base64.b64encode(_asset_text(package, name, source).encode("utf-8")).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def _inlined_tag(url: str, source: Path) -> str:
    """The inline ``<script>``/``<style>`` replacing the tag that loads ``url`` (empty for dropped assets and for
    optional ones that are not installed)."""
    entry = (OWN_PACKAGE, url.removeprefix(OWN_SCRIPT_PREFIX)) if url.startswith(OWN_SCRIPT_PREFIX) else CDN_FILES[url]
    if entry is None:
        return ""
    package, name = entry
    if package in OPTIONAL_PACKAGES and not (source / package / name).is_file():
        return ""
    text = _asset_text(package, name, source)
    if name.endswith(".css"):
        return f"<style>\n{_style_safe(text)}\n</style>"
    return f"<script>\n{_script_safe(text)}\n</script>"


def inline_assets_html(html: str, source: Path | None = None) -> str:
    """Replace the CDN ``<script>``/``<link>`` tags of a rendered folium page by the installed files' content."""
    source = source or assets_dir()
    _require_installed(source)
    if "L.AwesomeMarkers" in html:
        raise AssetsError(f"Cannot inline this map: {_AWESOME_MARKERS}.")
    urls = {match.group(1) for pattern in (_SCRIPT_TAG, _LINK_TAG) for match in pattern.finditer(html)}
    _refuse_unknown(sorted(url for url in urls if _EXTERNAL_URL.match(url) and url not in CDN_FILES))

    def replace(match: re.Match[str]) -> str:
        url = match.group(1)
        return _inlined_tag(url, source) if url in CDN_FILES or url.startswith(OWN_SCRIPT_PREFIX) else match.group(0)

    return _LINK_TAG.sub(replace, _SCRIPT_TAG.sub(replace, html))


def _run_install(args: argparse.Namespace) -> int:
    """``assets install``: install the map assets and list what went where."""
    try:
        dest = install_assets(args.dest)
    except AssetsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    record = json.loads((dest / INSTALL_RECORD).read_text(encoding="utf-8"))
    print(f"Installed map assets from {record['source']} into {dest}:")
    for name, origin in record["packages"].items():
        print(f"  {name} ({origin})")
        for relative in PACKAGES[name].files:
            print(f"    {name}/{relative}")
    return 0


def add_assets_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``assets install [--dest DIR]``; the chosen command's ``handler(args)`` returns an exit code."""
    assets = subparsers.add_parser("assets", help="web assets the maps need when served offline")
    commands = assets.add_subparsers(dest="assets_command", required=True)
    install = commands.add_parser("install", help="install Leaflet and its plugins for ECOSYSTEM_MAP_ASSETS=local")
    install.add_argument("--dest", type=Path, default=None, help=f"target folder (default: {assets_dir()})")
    install.set_defaults(handler=_run_install)
