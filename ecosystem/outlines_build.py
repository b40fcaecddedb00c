"""``python -m ecosystem outlines build``: make the country outlines the project ships (``data/outlines/``).

A developer's step, not a run-time one: it fetches the npm package ``world-atlas`` (Natural Earth's admin-0
countries as TopoJSON; ``npm pack``, nothing installed), or reads a ``countries-50m.json`` given with
``--topojson``, and writes ``countries.geojson``, which the app reads as it is (``ecosystem.outlines``).

How the file is made, step by step (``data/outlines/SOURCE.md`` says the same for readers of the data):

1. The TopoJSON's arcs are decoded (delta-encoded integers scaled by the topology's ``transform``).
2. Each arc is simplified once, in metres (EPSG:3035), by ``SIMPLIFY_M`` (Douglas–Peucker, keeping rings
   valid): an arc is the stretch of border two countries share, so both keep the same line and no gap opens.
3. Each country's polygons are assembled from its arcs, repaired where simplification made them invalid, and
   clipped to ``EUROPE_BOX`` (generously Europe: Iceland to the Urals, Crete to the North Cape).
4. Each feature gets its ISO 3166-1 alpha-2 code in ``country``. world-atlas names countries by ISO's *numeric*
   code, and some features by no code: Kosovo (``XK``, as the EU writes it) and Northern Cyprus, which is
   counted to Cyprus (as in Eurostat's NUTS, whose CY covers the whole island); Åland, a feature of its own, is
   counted to Finland (NUTS FI200: Finnish registries write FI). A feature inside the box whose code is unknown
   stops the build with its name.
5. Coordinates are snapped to ``PRECISION`` degrees (about 100 m) and the file is written compactly, one
   country per line, sorted by code, so that a rebuild gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from ecosystem.outlines import OUTLINES_FILE

__all__ = [
    "EUROPE_BOX",
    "PRECISION",
    "SIMPLIFY_M",
    "WORLD_ATLAS",
    "OutlinesBuildError",
    "add_outlines_commands",
    "build_outlines",
    "decode_arcs",
    "outline_features",
]

WORLD_ATLAS = "world-atlas@2.0.2"
"""The npm package and version the outlines are made from (Natural Earth 4.1.0)."""
TOPOLOGY_FILE = "countries-50m.json"
"""Natural Earth's 1:50 million countries: Europe's coasts and borders at about 1 km, in ~250 KB."""
EUROPE_BOX = (-25.0, 34.0, 60.0, 72.0)
"""west, south, east, north (degrees): what the outlines keep — Iceland to the Urals, Crete to the North Cape; east
to 60°, as an equal-area slide of the Baltic Sea shows Russia's north up to about 50° E in its corners."""
SIMPLIFY_M = 500.0
PRECISION = 0.001

# ISO 3166-1 numeric → alpha-2 for the countries world-atlas draws inside EUROPE_BOX
_ALPHA2 = {
    "008": "AL", "012": "DZ", "020": "AD", "031": "AZ", "040": "AT", "051": "AM", "056": "BE", "070": "BA",
    "100": "BG", "112": "BY", "191": "HR", "196": "CY", "203": "CZ", "208": "DK", "233": "EE", "234": "FO",
    "246": "FI", "248": "AX", "250": "FR", "268": "GE", "276": "DE", "292": "GI", "300": "GR", "304": "GL",
    "336": "VA", "348": "HU", "352": "IS", "364": "IR", "368": "IQ", "372": "IE", "380": "IT", "398": "KZ", "422": "LB",
    "428": "LV", "438": "LI", "440": "LT", "442": "LU", "470": "MT", "492": "MC", "498": "MD", "499": "ME",
    "504": "MA", "528": "NL", "578": "NO", "616": "PL", "620": "PT", "642": "RO", "643": "RU", "674": "SM",
    "688": "RS", "703": "SK", "705": "SI", "724": "ES", "752": "SE", "756": "CH", "760": "SY", "788": "TN",
    "792": "TR", "795": "TM", "804": "UA", "807": "MK", "826": "GB", "831": "GG", "832": "JE", "833": "IM",
    "860": "UZ",
}
_UNCODED = {"Kosovo": "XK", "N. Cyprus": "CY"}  # features world-atlas gives no code
_COUNTED_TO = {"AX": "FI"}  # territories Eurostat's NUTS (and so the registries) count to a country


class OutlinesBuildError(RuntimeError):
    """The outlines cannot be built; the message says why."""


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """A TopoJSON topology's arcs as arrays of (longitude, latitude), quantized arcs decoded by its transform."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=float).reshape(-1, 2)
        if transform is not None:
            points = np.cumsum(points, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(points)
    return arcs


def _simplified(arcs: list[np.ndarray], metres: float) -> list[np.ndarray]:
    """Each arc simplified by ``metres`` in EPSG:3035 (end points kept, so shared borders stay shared)."""
    if metres <= 0:
        return arcs
    forward = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    back = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
    simplified = []
    for arc in arcs:
        if len(arc) < 3:
            simplified.append(arc)
            continue
        x, y = forward.transform(arc[:, 0], arc[:, 1])
        kept = np.asarray(LineString(np.column_stack([x, y])).simplify(metres, preserve_topology=True).coords)
        longitude, latitude = back.transform(kept[:, 0], kept[:, 1])
        simplified.append(np.column_stack([longitude, latitude]))
    return simplified


def _ring(arcs: list[np.ndarray], indexes: Iterable[int]) -> np.ndarray:
    """A ring joined from arcs (``~i`` is arc ``i`` reversed; each arc after the first without its first point),
    its longitudes continuous."""
    parts = []
    for position, index in enumerate(indexes):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if position == 0 else points[1:])
    ring = np.concatenate(parts)
    # a ring that crosses the antimeridian (Russia's mainland reaches Chukotka) jumps from 180° to -180°: made
    # continuous, it runs on past 180°, so that on the plane it does not enclose a band around the whole world
    longitude = np.unwrap(ring[:, 0], period=360.0)
    if longitude.min() < -180:
        longitude += 360.0
    return np.column_stack([longitude, ring[:, 1]])


def _geometry(arcs: list[np.ndarray], geometry: dict[str, Any]) -> Any:
    """A TopoJSON (Multi)Polygon as a valid shapely geometry (rings too small to be areas left out), or None."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return None
    shapes = []
    for rings in polygons:
        exterior, *holes = [_ring(arcs, indexes) for indexes in rings]
        if len(exterior) >= 4:  # else simplified away: an islet smaller than the tolerance
            shapes.append(Polygon(exterior, [hole for hole in holes if len(hole) >= 4]))
    if not shapes:
        return None
    return shapely.make_valid(MultiPolygon(shapes) if len(shapes) > 1 else shapes[0], method="structure")


def _code(feature: dict[str, Any]) -> str | None:
    """A world-atlas feature's ISO alpha-2 code, as the registries write it (None: unknown)."""
    name = str(feature.get("properties", {}).get("name", ""))
    code = _ALPHA2.get(str(feature.get("id"))) if feature.get("id") is not None else _UNCODED.get(name)
    return _COUNTED_TO.get(code, code) if code else None


def outline_features(topology: dict[str, Any], *, simplify_m: float = SIMPLIFY_M,
                     bounds: tuple[float, float, float, float] = EUROPE_BOX) -> dict[str, Any]:
    """The countries of a world-atlas topology inside ``bounds`` as one feature per ISO code (simplified, clipped,
    snapped to ``PRECISION``), sorted by code: a GeoJSON FeatureCollection."""
    try:
        geometries = topology["objects"]["countries"]["geometries"]
    except (KeyError, TypeError) as error:
        raise OutlinesBuildError("the TopoJSON has no `countries` object (is it world-atlas's countries file?)") from error
    arcs = _simplified(decode_arcs(topology), simplify_m)
    clip = box(*bounds)
    parts: dict[str, list[Any]] = {}
    unknown = []
    for feature in geometries:
        shape = _geometry(arcs, feature)
        if shape is None or not shape.intersects(clip):
            continue
        clipped = shape.intersection(clip)
        if clipped.is_empty or clipped.area == 0:
            continue
        code = _code(feature)
        if code is None:
            unknown.append(f"{feature.get('properties', {}).get('name', '?')} (id {feature.get('id')})")
            continue
        parts.setdefault(code, []).append(clipped)
    if unknown:
        raise OutlinesBuildError(f"no ISO code is known for {', '.join(unknown)}: add it to _ALPHA2 in {__name__}")
    features = []
    for code in sorted(parts):
        merged = shapely.union_all(parts[code])
        snapped = shapely.make_valid(shapely.set_precision(merged, PRECISION), method="structure")
        polygons = [part for part in getattr(snapped, "geoms", [snapped]) if part.geom_type in ("Polygon", "MultiPolygon")]
        snapped = shapely.union_all(polygons)
        if snapped.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"country": code},
                         "geometry": shapely.geometry.mapping(snapped)})
    return {"type": "FeatureCollection", "features": features}


def _number(value: float) -> str:
    """A coordinate as written: at most 3 decimals, no trailing zeros (``24.1``, ``-3``)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _coordinates(value: Any) -> str:
    if isinstance(value, (int, float, np.floating)):
        return _number(float(value))
    return "[" + ",".join(_coordinates(part) for part in value) + "]"


def geojson_text(collection: dict[str, Any]) -> str:
    """A FeatureCollection written compactly, one feature per line (a rebuild diffs line by line)."""
    lines = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        lines.append(json.dumps({"type": "Feature", "properties": feature["properties"]}, separators=(",", ":"))[:-1]
                     + f',"geometry":{{"type":"{geometry["type"]}","coordinates":{_coordinates(geometry["coordinates"])}}}}}')
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _npm_topology(work: Path) -> dict[str, Any]:
    """world-atlas's countries topology, fetched with ``npm pack`` into ``work``."""
    npm = shutil.which("npm")
    if npm is None:
        raise OutlinesBuildError(f"npm is not on PATH: install Node.js, or download {WORLD_ATLAS}'s {TOPOLOGY_FILE} "
                                 "and give it with --topojson")
    command = [npm, "pack", WORLD_ATLAS, "--pack-destination", str(work)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired as error:
        raise OutlinesBuildError(f"`{' '.join(command)}` did not finish within 5 minutes") from error
    packed = sorted(work.glob("*.tgz"))
    if result.returncode != 0 or not packed:
        raise OutlinesBuildError(f"`{' '.join(command)}` failed:\n{result.stderr.strip()[-2000:]}")
    with tarfile.open(packed[0]) as archive:
        member = archive.extractfile(f"package/{TOPOLOGY_FILE}")
        if member is None:
            raise OutlinesBuildError(f"{packed[0].name} holds no {TOPOLOGY_FILE}")
        return json.loads(member.read())


def build_outlines(out: Path = OUTLINES_FILE, topojson: Path | None = None, *,
                   simplify_m: float = SIMPLIFY_M) -> Path:
    """Write the country outlines GeoJSON to ``out`` from ``topojson`` (default: world-atlas fetched with npm)."""
    if topojson is not None:
        try:
            topology = json.loads(topojson.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise OutlinesBuildError(f"{topojson} cannot be read as TopoJSON ({error})") from error
    else:
        with tempfile.TemporaryDirectory(prefix="outlines-") as work:
            topology = _npm_topology(Path(work))
    text = geojson_text(outline_features(topology, simplify_m=simplify_m))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
    return out


def _cli_build(args: argparse.Namespace) -> int:
    try:
        path = build_outlines(args.out, args.topojson, simplify_m=args.simplify_m)
    except OutlinesBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")
    return 0


def add_outlines_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``outlines build``; the handler is ``args.handler``."""
    outlines = subparsers.add_parser("outlines", help="the country outlines shipped with the project")
    commands = outlines.add_subparsers(dest="outlines_command", metavar="COMMAND", required=True)
    build = commands.add_parser(
        "build", help="rebuild data/outlines/countries.geojson from Natural Earth (world-atlas, via npm)",
        description=f"Rebuild the country outlines from {WORLD_ATLAS} ({TOPOLOGY_FILE}): simplified, clipped to Europe, "
                    "keyed by ISO 3166-1 alpha-2 code.")
    build.add_argument("--topojson", type=Path, default=None,
                       help=f"a {TOPOLOGY_FILE} already downloaded (default: fetched with npm pack)")
    build.add_argument("--out", type=Path, default=OUTLINES_FILE, help="file to write (default: %(default)s)")
    build.add_argument("--simplify-m", type=float, default=SIMPLIFY_M,
                       help="simplification tolerance in metres (default: %(default)s)")
    build.set_defaults(handler=_cli_build)
