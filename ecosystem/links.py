"""Where exported links point: the dashboard's address, and the link that reopens a view there.

Every link an export carries (deck slides, QR codes, picture footers, HTML maps) is
``<address>/<page>?<filters>``. The address is the configured public one (``ECOSYSTEM_PUBLIC_URL``), else the
one the visitor's browser used, else the one the request named in its headers; a link is never written without
a host: with no address known, an export carries no link (``view_link`` gives ``""``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = ["configured_address", "dashboard_address", "site_address", "view_link"]


def site_address(url: str | None) -> str | None:
    """``url`` as a dashboard address — scheme, host, port and path, without query, fragment or trailing slash —
    when it is an absolute http(s) address; else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def configured_address() -> str | None:
    """``ECOSYSTEM_PUBLIC_URL``, the address visitors use (e.g. ``https://ecosystem.example.org``), when set;
    ValueError when it is set but is not an http(s) address with a host."""
    value = os.environ.get("ECOSYSTEM_PUBLIC_URL", "").strip()
    if not value:
        return None
    address = site_address(value)
    if address is None:
        raise ValueError(f"ECOSYSTEM_PUBLIC_URL is {value!r}, not a web address: give the address visitors use, "
                         "with http:// or https:// and the host name (e.g. https://ecosystem.example.org).")
    return address


def _browser_address(browser_url: str | None, page_path: str) -> str | None:
    """The dashboard's address in the URL of the page the browser shows (``…/map`` → ``…``; the default page is
    the dashboard's address itself)."""
    address = site_address(browser_url)
    if address is None or not page_path:
        return address
    return address.removesuffix(f"/{page_path.strip('/')}")


def _header_address(headers: Mapping[str, str]) -> str | None:
    """The address the request named: a proxy's ``X-Forwarded-Proto`` / ``X-Forwarded-Host``, else ``Host``."""
    lowered = {name.lower(): value for name, value in headers.items()}
    host = (lowered.get("x-forwarded-host") or lowered.get("host") or "").split(",")[0].strip()
    scheme = (lowered.get("x-forwarded-proto") or "http").split(",")[0].strip().lower()
    return site_address(f"{scheme}://{host}") if host else None


def dashboard_address(*, browser_url: str | None, page_path: str, headers: Mapping[str, str] | None = None) -> str:
    """The address exported links point to: ``ECOSYSTEM_PUBLIC_URL``, else the one the browser shows
    (``browser_url`` on the page at ``page_path``), else the request's ``headers``; ``""`` when none is known."""
    return (configured_address() or _browser_address(browser_url, page_path) or _header_address(headers or {})
            or "")


def view_link(base_url: str, page: str, query: str) -> str:
    """``<base_url>/<page>?<query>``, the link that reopens a view; ``""`` when ``base_url`` is not an absolute
    http(s) address (a link without a host opens nothing from a slide)."""
    address = site_address(base_url)
    if address is None:
        return ""
    path = "/".join(part for part in (address, page.strip("/")) if part)
    return f"{path}?{query}" if query else path
