"""Who a map, a picture or a slide credits: the source of each thing it draws, and only of what it draws.

Every export asks ``attributions`` with what it draws (NUTS boundaries, country outlines, base-map tiles,
population figures) and carries exactly the lines that come back; the live map credits its layers with the same
texts. The licensors' own wordings (EuroGeographics, OpenStreetMap, Natural Earth) are written as they ask for
them; the population line is translated.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ecosystem.i18n import t

__all__ = ["EUROGEOGRAPHICS", "NATURAL_EARTH", "OSM_ATTRIBUTION", "attributions", "tiles_attribution"]

EUROGEOGRAPHICS = "© EuroGeographics for the administrative boundaries"
"""GISCO's condition for reusing the NUTS boundaries"""
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
NATURAL_EARTH = "Made with Natural Earth"
"""Natural Earth's country outlines are in the public domain; this is the credit it suggests"""


def tiles_attribution(tiles: str | None) -> str | None:
    """The credit of base-map ``tiles`` (``osm``, or an XYZ URL template: its server's host); None without tiles."""
    if not tiles:
        return None
    if tiles == "osm":
        return OSM_ATTRIBUTION
    return urlsplit(tiles).hostname or tiles


def attributions(lang: str, *, boundaries: bool = False, outlines: bool = False, tiles: str | None = None,
                 population: bool = False) -> tuple[str, ...]:
    """The credits of what is drawn, in this order: NUTS ``boundaries`` (EuroGeographics), country ``outlines``
    (Natural Earth), base-map ``tiles`` (``osm`` or an XYZ template), ``population`` figures (Eurostat)."""
    lines = [EUROGEOGRAPHICS] if boundaries else []
    if outlines:
        lines.append(NATURAL_EARTH)
    tile_line = tiles_attribution(tiles)
    if tile_line:
        lines.append(tile_line)
    if population:
        lines.append(t("attribution.population", lang))
    return tuple(lines)
