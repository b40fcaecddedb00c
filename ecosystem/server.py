"""This server's own HTTP routes beside Streamlit's (``app.py`` mounts them): the map's assets and its heavy data.

The live map does not carry its point table, its region outlines or its JavaScript libraries inside the page:
a page view publishes them here under a name made of their content's hash and puts only that address into the
page, so every session of every visitor shares one copy, the browser fetches each once per registry version
(the answer may be cached for a year: a new version has a new name), and a filter change sends only which rows
are shown. Without ``app.py`` (``streamlit run dashboard.py``, AppTest) nothing is mounted and the map carries
its data inside the page instead (``serving()`` says which).

Routes (GET only):

- ``/_eco/data/<hash>.<ext>`` — published bytes (``.bin`` point tables, ``.json`` region outlines).
- ``/_eco/label/<hash>/<row>`` — the name of one row of a published point table, for the map's hover label.
- ``/_eco/assets/<package>/<file>`` — the installed map libraries (``python -m ecosystem assets install``) and
  this project's own map script; only files of the pinned packages, never a path from outside them.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ecosystem.assets import OWN_PACKAGE, PACKAGES, WEB_DIR
from ecosystem.config import assets_dir

__all__ = ["PREFIX", "Publication", "asset_url", "enable", "label_url", "publish", "routes", "serving"]

PREFIX = "/_eco"
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
_MEDIA_TYPES = {"bin": "application/octet-stream", "json": "application/json", "js": "text/javascript",
                "css": "text/css", "png": "image/png"}
_MAX_PUBLISHED_BYTES = 1_500_000_000  # the least recently published are dropped beyond this (a page republishes)

_enabled = False


def enable() -> None:
    """Say that this process serves ``routes()`` (called by ``app.py``, which mounts them)."""
    global _enabled
    _enabled = True


def serving() -> bool:
    """Whether this process serves ``routes()``: the map then fetches its data from them."""
    return _enabled


@dataclass(frozen=True)
class Publication:
    """Bytes published under their hash, and for a point table the name of each of its rows."""

    data: bytes
    media_type: str
    labels: Sequence[str] | None = None


class _Published:
    """What pages published, by hash: bounded by total size, the least recently published dropped first."""

    def __init__(self, limit: int) -> None:
        self._items: OrderedDict[str, Publication] = OrderedDict()
        self._size = 0
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, name: str, publication: Publication) -> None:
        with self._lock:
            if name in self._items:
                self._items.move_to_end(name)
                return
            self._items[name] = publication
            self._size += len(publication.data)
            while self._size > self._limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped.data)

    def get(self, name: str) -> Publication | None:
        with self._lock:
            return self._items.get(name)


_published = _Published(_MAX_PUBLISHED_BYTES)


# a bytes object keeps its own hash, so a page republishing the same table costs nothing; few entries, as each keeps
# its bytes alive (a point table is 8 MB at a million rows)
@functools.lru_cache(maxsize=8)
def content_name(data: bytes) -> str:
    """The name bytes are published under: a hash of them (the same bytes always get the same address)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def publish(data: bytes, extension: str, labels: Sequence[str] | None = None) -> str:
    """Publish ``data`` (``extension``: ``bin`` or ``json``) and return its address on this server, relative to
    the server's root (``_eco/data/<hash>.<ext>``: the map script puts it under the page's base path)."""
    name = content_name(data)
    _published.add(name, Publication(data, _MEDIA_TYPES[extension], labels))
    return f"{PREFIX.lstrip('/')}/data/{name}.{extension}"


def label_url(data: bytes) -> str:
    """The address template (``{row}`` standing for a row number) of the names of a published point table."""
    return f"{PREFIX.lstrip('/')}/label/{content_name(data)}/{{row}}"


def asset_url(package: str, name: str) -> str:
    """The address of an installed asset file (or of this project's ``eco`` scripts)."""
    return f"{PREFIX.lstrip('/')}/assets/{package}/{name}"


async def _data(request: Request) -> Response:
    name, _, extension = request.path_params["file"].partition(".")
    publication = _published.get(name)
    if publication is None or _MEDIA_TYPES.get(extension) != publication.media_type:
        return Response("This map data is no longer published: reload the page.", status_code=404,
                        media_type="text/plain")
    return Response(publication.data, media_type=publication.media_type, headers=_IMMUTABLE)


async def _label(request: Request) -> Response:
    publication = _published.get(request.path_params["name"])
    row = request.path_params["row"]
    if publication is None or publication.labels is None or not 0 <= row < len(publication.labels):
        return JSONResponse({"error": "unknown row"}, status_code=404)
    return JSONResponse({"name": str(publication.labels[row])}, headers=_IMMUTABLE)


def _asset_file(package: str, name: str) -> Path | None:
    """The file an asset address names, when it is one of the pinned packages' files (else None)."""
    if package == OWN_PACKAGE:
        allowed = {path.name: path for path in WEB_DIR.glob("*.js")}
        return allowed.get(name)
    entry = PACKAGES.get(package)
    if entry is None or name not in entry.files:
        return None
    path = assets_dir() / package / name
    return path if path.is_file() else None


async def _asset(request: Request) -> Response:
    path = _asset_file(request.path_params["package"], request.path_params["name"])
    if path is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    extension = path.suffix.lstrip(".")
    # installed copies change only with a reinstall, our script with a release: revalidate daily
    return Response(path.read_bytes(), media_type=_MEDIA_TYPES.get(extension, "application/octet-stream"),
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


def routes() -> list[BaseRoute]:
    """The routes ``app.py`` mounts beside Streamlit's."""
    return [
        Route(f"{PREFIX}/data/{{file}}", _data, methods=["GET"]),
        Route(f"{PREFIX}/label/{{name}}/{{row:int}}", _label, methods=["GET"]),
        Route(f"{PREFIX}/assets/{{package}}/{{name:path}}", _asset, methods=["GET"]),
    ]
