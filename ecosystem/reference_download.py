"""Download the reference data into the reference folder, atomically: the official GISCO NUTS boundaries (the
Baltic Sea countries) and Eurostat's population per NUTS-3 region by broad age group (``ecosystem.population``).

Nothing is written until every requested file has arrived complete and parsed (a GeoJSON FeatureCollection,
Eurostat SDMX-CSV with the age groups needed); each file then replaces its predecessor with ``os.replace``, so a
failed or truncated download leaves the previous copy in the reference folder as it was.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from ecosystem.config import data_dir, reference_dir
from ecosystem.population import EUROSTAT_POPULATION_URL, POPULATION_FILE_NAME, PopulationError, population_from_sdmx_csv

__all__ = [
    "BALTIC_SEA_COUNTRIES",
    "GISCO_BASE_URL",
    "ProgressCallback",
    "ReferenceDownloadError",
    "TextProgressBar",
    "add_reference_commands",
    "cli_download",
    "download_population",
    "download_reference",
    "fetch_missing_reference",
    "gisco_file_name",
    "reference_file_name",
]

GISCO_BASE_URL = "https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/"
BALTIC_SEA_COUNTRIES: tuple[str, ...] = ("DE", "DK", "SE", "FI", "EE", "LV", "LT", "PL", "NO", "IS")

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as ``progress(file_name, bytes_done, bytes_total_or_None)`` while a file streams in."""

_CHUNK_BYTES = 64 * 1024


class ReferenceDownloadError(Exception):
    """A reference download failed; the message says which URL, why, and what to do instead."""


class _DownloadProblem(Exception):  # noqa: N818 - private, caught in this module only
    """Why one file could not be fetched, in words that finish the sentence "Could not download URL: ...";
    ``unreachable`` when no connection could be made at all (offline, no name service, a firewall)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def gisco_file_name(year: int, scale: str, level: int) -> str:
    """The name GISCO publishes a NUTS region file under, e.g. ``NUTS_RG_20M_2024_4326_LEVL_3.geojson``."""
    return f"NUTS_RG_{scale.upper()}_{year}_4326_LEVL_{level}.geojson"


def reference_file_name(year: int, scale: str, level: int) -> str:
    """The name of the stored Baltic subset, e.g. ``nuts2024_20m_levl3_baltic.geojson``."""
    return f"nuts{year}_{scale.lower()}_levl{level}_baltic.geojson"


def download_reference(
    dest: Path,
    *,
    base_url: str = GISCO_BASE_URL,
    year: int = 2024,
    scale: str = "20M",
    levels: Sequence[int] = (0, 3),
    countries: Sequence[str] = BALTIC_SEA_COUNTRIES,
    progress: ProgressCallback | None = None,
    timeout: float = 60,
) -> list[Path]:
    """Fetch the GISCO NUTS files for ``levels``, keep ``countries`` and write them into ``dest``."""
    dest = Path(dest)
    subsets: list[tuple[Path, dict[str, Any]]] = []
    for level in levels:
        source = gisco_file_name(year, scale, level)
        url = base_url + source
        target = dest / reference_file_name(year, scale, level)
        try:
            collection = _parse_collection(_fetch(url, source, progress, timeout))
            subsets.append((target, _keep_countries(collection, countries)))
        except _DownloadProblem as problem:
            raise ReferenceDownloadError(
                f"Could not download {url}: {problem}. Check the internet connection (or proxy) and the address, then try again. "
                f"Without internet, copy the file by hand: set ECOSYSTEM_REFERENCE_DIR to a folder holding "
                f"{target.name}, or save a NUTS-3 GeoJSON as data/regions.geojson. "
                f"Any copy already in {dest} was left unchanged."
            ) from problem
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for target, subset in subsets:
            _write_atomically(target, subset)
    except OSError as exc:
        raise ReferenceDownloadError(
            f"Downloaded the NUTS boundaries but could not save them in {dest}: {exc.strerror or exc}. "
            "Choose a writable folder with --dest or ECOSYSTEM_REFERENCE_DIR."
        ) from exc
    return [target for target, _ in subsets]


def download_population(dest: Path, *, url: str = EUROSTAT_POPULATION_URL, progress: ProgressCallback | None = None,
                        timeout: float = 60) -> Path:
    """Fetch Eurostat's population by NUTS-3 region and broad age group, keep what the app uses and write it into
    ``dest`` (``population_nuts3_by_age.csv``)."""
    dest = Path(dest)
    target = dest / POPULATION_FILE_NAME
    try:
        raw = _fetch(url, f"{POPULATION_FILE_NAME} (Eurostat)", progress, timeout)
        try:
            table = population_from_sdmx_csv(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, PopulationError) as problem:
            raise _DownloadProblem(f"the answer {problem}") from problem
    except _DownloadProblem as problem:
        raise ReferenceDownloadError(
            f"Could not download {url}: {problem}. Check the internet connection (or proxy), then try again. "
            f"Without it the gap list has no population; any copy already in {dest} was left unchanged."
        ) from problem
    try:
        dest.mkdir(parents=True, exist_ok=True)
        _replace_atomically(target, lambda stream: table.to_csv(stream, index=False, lineterminator="\n"))
    except OSError as exc:
        raise ReferenceDownloadError(
            f"Downloaded the population table but could not save it in {dest}: {exc.strerror or exc}. "
            "Choose a writable folder with --dest or ECOSYSTEM_REFERENCE_DIR."
        ) from exc
    return target


def _fetch(url: str, label: str, progress: ProgressCallback | None, timeout: float) -> bytes:
    """Stream ``url`` into memory, reporting progress, and insist on the announced length."""
    chunks: list[bytes] = []
    done = 0
    total: int | None = None
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if progress:
                progress(label, 0, total)
            while chunk := response.read(_CHUNK_BYTES):
                chunks.append(chunk)
                done += len(chunk)
                if progress:
                    progress(label, done, total)
    except urllib.error.HTTPError as exc:
        raise _DownloadProblem(f"the server answered HTTP {exc.code} ({exc.reason})") from exc
    except TimeoutError as exc:
        raise _DownloadProblem(f"the server did not answer within {timeout:g} seconds", unreachable=not done) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _DownloadProblem(f"the server did not answer within {timeout:g} seconds", unreachable=True) from exc
        raise _DownloadProblem(f"the server could not be reached ({exc.reason})", unreachable=True) from exc
    except (http.client.HTTPException, OSError) as exc:
        raise _DownloadProblem(f"the connection broke off after {done:,} bytes ({exc or type(exc).__name__})") from exc
    if total is not None and done != total:
        raise _DownloadProblem(f"the download stopped after {done:,} of {total:,} bytes")
    return b"".join(chunks)


def _parse_collection(raw: bytes) -> dict[str, Any]:
    """The downloaded bytes as a GeoJSON FeatureCollection."""
    try:
        collection = json.loads(raw)
    except ValueError as exc:
        raise _DownloadProblem(f"the file is not valid JSON ({exc})") from exc
    if (
        not isinstance(collection, dict)
        or collection.get("type") != "FeatureCollection"
        or not isinstance(collection.get("features"), list)
    ):
        raise _DownloadProblem("the file is not a GeoJSON FeatureCollection")
    return collection


def _keep_countries(collection: dict[str, Any], countries: Sequence[str]) -> dict[str, Any]:
    """A copy of ``collection`` holding only the features whose ``CNTR_CODE`` is in ``countries``."""
    wanted = {code.upper() for code in countries}
    kept = [
        feature
        for feature in collection["features"]
        if isinstance(feature, dict) and (feature.get("properties") or {}).get("CNTR_CODE") in wanted
    ]
    if not kept:
        raise _DownloadProblem(f"the file holds no regions of {', '.join(sorted(wanted))}")
    return {**collection, "features": kept}


def _write_atomically(target: Path, collection: dict[str, Any]) -> None:
    """Write ``collection`` as JSON to a temporary file beside ``target``, then move it into place."""
    _replace_atomically(target, lambda stream: json.dump(collection, stream, ensure_ascii=False, separators=(",", ":")))


def _replace_atomically(target: Path, write: Callable[[TextIO], object]) -> None:
    """``write`` into a temporary file beside ``target``, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fetch_missing_reference(dest: Path, say: Callable[[str], None], *, base_url: str = GISCO_BASE_URL,
                            population_url: str = EUROSTAT_POPULATION_URL, progress: ProgressCallback | None = None,
                            timeout: float = 15) -> list[Path]:
    """What ``init`` does first: download the NUTS boundaries (unless ``data/regions.geojson`` stands in for them)
    and the population table into ``dest`` when they are absent. Never raises: what could not be fetched is said
    in one line to ``say`` (once, when the first download finds no connection), and the caller carries on."""
    boundaries_missing = not (dest / reference_file_name(2024, "20M", 3)).is_file() and \
        not (data_dir() / "regions.geojson").is_file()
    downloads: list[tuple[str, Callable[[], list[Path]]]] = []
    if boundaries_missing:
        downloads.append(("the NUTS boundaries", lambda: download_reference(
            dest, base_url=base_url, progress=progress, timeout=timeout)))
    if not (dest / POPULATION_FILE_NAME).is_file():
        downloads.append(("the population table", lambda: [download_population(
            dest, url=population_url, progress=progress, timeout=timeout)]))
    saved: list[Path] = []
    for position, (what, download) in enumerate(downloads):
        try:
            saved += download()
        except ReferenceDownloadError as error:
            problem = error.__cause__ if isinstance(error.__cause__, _DownloadProblem) else error
            if isinstance(problem, _DownloadProblem) and problem.unreachable:
                rest = " and ".join(name for name, _ in downloads[position:])
                say(f"{rest} not downloaded: {problem} (offline?). The app works without them (maps without region "
                    "boundaries, gaps not ranked by population); run `python -m ecosystem reference download` "
                    "when online.")
                break
            say(f"{what} not downloaded: {error}")
    return saved


class TextProgressBar:
    """A one-line text progress bar per file, written to a terminal stream."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        """Draw on ``stream`` with a bar ``width`` characters wide."""
        self._stream = stream
        self._width = width
        self._label: str | None = None
        self._last = ""

    def __call__(self, label: str, done: int, total: int | None) -> None:
        """Redraw the bar for ``label``; start a new line when the file changes."""
        if self._label is not None and label != self._label:
            self._stream.write("\n")
            self._last = ""
        self._label = label
        if total:
            share = min(done / total, 1.0)
            filled = round(self._width * share)
            text = f"{label} [{'#' * filled}{'.' * (self._width - filled)}] {share:4.0%} {done / 1e6:.1f}/{total / 1e6:.1f} MB"
        else:
            text = f"{label} {done / 1e6:.1f} MB"
        if text != self._last:
            self._stream.write("\r" + text)
            self._stream.flush()
            self._last = text

    def finish(self) -> None:
        """End the current line, if a bar was drawn."""
        if self._label is not None:
            self._stream.write("\n")
            self._stream.flush()
            self._label = None


def cli_download(args: argparse.Namespace) -> int:
    """Run ``reference download``: the boundaries, then the population (one failing does not keep the other);
    progress on stderr, saved paths on stdout; exit 1 when either failed."""
    dest = args.dest or reference_dir()
    bar = TextProgressBar(sys.stderr)
    downloads: list[Callable[[], list[Path]]] = [
        lambda: download_reference(dest, base_url=args.base_url, year=args.year, progress=bar),
        lambda: [download_population(dest, url=args.population_url, progress=bar)],
    ]
    failed = False
    for download in downloads:
        try:
            paths = download()
        except ReferenceDownloadError as exc:
            bar.finish()
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        bar.finish()
        for path in paths:
            print(f"saved {path}")
    return 1 if failed else 0


def add_reference_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``reference download`` on an argparse subparsers object; the handler is ``args.handler``."""
    reference = subparsers.add_parser("reference", help="NUTS boundaries and population (reference data)")
    commands = reference.add_subparsers(dest="reference_command", metavar="COMMAND", required=True)
    download = commands.add_parser(
        "download",
        help="download the GISCO NUTS boundaries and Eurostat's population by NUTS-3 region",
        description="Download the official GISCO NUTS boundaries (levels 0 and 3) of the Baltic Sea countries and "
                    "Eurostat's population on 1 January by NUTS-3 region and broad age group (demo_r_pjanaggr3).",
    )
    download.add_argument("--dest", type=Path, default=None, help="folder to save into (default: the reference folder)")
    download.add_argument("--base-url", default=GISCO_BASE_URL, help="GISCO GeoJSON folder URL (default: %(default)s)")
    download.add_argument("--year", type=int, default=2024, help="NUTS edition (default: %(default)s)")
    download.add_argument("--population-url", default=EUROSTAT_POPULATION_URL,
                          help="Eurostat SDMX-CSV query of demo_r_pjanaggr3 (default: %(default)s)")
    download.set_defaults(handler=cli_download)
