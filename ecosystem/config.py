"""Where the product finds its data, read from the environment once per call (no Streamlit)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# the largest partner file and row count accepted unless the environment says otherwise; Streamlit's own
# ``server.maxUploadSize`` in .streamlit/config.toml states the same megabytes (a test checks that they agree)
DEFAULT_MAX_UPLOAD_MB = 20
DEFAULT_MAX_ROWS = 200_000


def data_dir() -> Path:
    """The registry folder: ``ECOSYSTEM_DATA_DIR`` or ``data/`` in the project."""
    return Path(os.environ.get("ECOSYSTEM_DATA_DIR") or PROJECT_DIR / "data")


def cache_dir() -> Path:
    """Downloaded reference data and installed web assets live here, outside git.

    ``ECOSYSTEM_CACHE_DIR``, else ``$XDG_CACHE_HOME/baltic-ecosystem``, else ``~/.cache/baltic-ecosystem``.
    """
    explicit = os.environ.get("ECOSYSTEM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "baltic-ecosystem"


def state_dir() -> Path:
    """What the server writes while it runs (the registry database by default) lives here, outside git; ``python -m
    ecosystem init`` creates it.

    ``ECOSYSTEM_STATE_DIR``, else ``$XDG_DATA_HOME/baltic-ecosystem``, else ``~/.local/share/baltic-ecosystem``.
    """
    explicit = os.environ.get("ECOSYSTEM_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "baltic-ecosystem"


def reference_dir() -> Path:
    """NUTS boundaries: ``ECOSYSTEM_REFERENCE_DIR``, else ``<cache>/reference``."""
    explicit = os.environ.get("ECOSYSTEM_REFERENCE_DIR")
    return Path(explicit) if explicit else cache_dir() / "reference"


def reference_download_enabled() -> bool:
    """Whether ``python -m ecosystem init`` fetches missing reference data (NUTS boundaries, population):
    ``ECOSYSTEM_REFERENCE_DOWNLOAD`` = ``off`` (or ``0``, ``no``, ``false``) switches it off; on by default."""
    return os.environ.get("ECOSYSTEM_REFERENCE_DOWNLOAD", "on").strip().lower() not in {"off", "0", "no", "false"}


def assets_dir() -> Path:
    """The map's installed JavaScript and CSS (``python -m ecosystem assets install``): ``ECOSYSTEM_ASSETS_DIR``,
    else ``<cache>/assets``."""
    explicit = os.environ.get("ECOSYSTEM_ASSETS_DIR")
    return Path(explicit) if explicit else cache_dir() / "assets"


def map_assets_mode() -> str:
    """Where the map's Leaflet comes from: ``local`` (installed copies sent by this server, for intranet and
    offline use), ``cdn`` (public CDNs) or ``auto`` (default: the installed copies when there are any)."""
    mode = os.environ.get("ECOSYSTEM_MAP_ASSETS", "auto").strip().lower()
    return mode if mode in {"cdn", "local", "auto"} else "auto"


def tile_url() -> str | None:
    """Base-map tiles: ``ECOSYSTEM_TILES`` = ``none`` (no tiles), ``osm`` (default) or an XYZ URL template."""
    value = os.environ.get("ECOSYSTEM_TILES", "osm").strip()
    return None if value.lower() in {"", "none", "off"} else value


def upload_limits() -> tuple[int, int]:
    """Largest partner file (bytes) and row count: ``ECOSYSTEM_MAX_UPLOAD_MB`` and ``ECOSYSTEM_MAX_ROWS``, else the
    ``DEFAULT_`` values."""
    megabytes = float(os.environ.get("ECOSYSTEM_MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB)
    rows = int(os.environ.get("ECOSYSTEM_MAX_ROWS") or DEFAULT_MAX_ROWS)
    return int(megabytes * 1_000_000), rows
