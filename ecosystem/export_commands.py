"""``python -m ecosystem export-figures``: the pictures, SVGs, deck and HTML map of a view given as its URL query.

    python -m ecosystem export-figures --query "country=LT&service=transport_mobility" --out DIR [--lang lt]

The query string is the same one the dashboard's URL carries, so the slides for each pilot municipality can
be made in one shell loop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qs

__all__ = ["add_export_commands"]


def _export_figures(args: argparse.Namespace) -> int:
    from ecosystem.charts import CHARTS
    from ecosystem.checks import validation_context
    from ecosystem.config import data_dir
    from ecosystem.exports import ExportView, chart_file, deck_file, html_file, map_file, write_files
    from ecosystem.filters import FilterState, apply_filters, filter_options
    from ecosystem.imports import seed_store
    from ecosystem.pictures import PictureError, SLIDE_SIZES, close_browsers
    from ecosystem.regions import RegionsError, assign_regions, find_regions_file, load_regions, region_names
    from ecosystem.registry import RegistryError, load_programmes, typed_registry
    from ecosystem.store import StoreError, open_store
    from ecosystem.taxonomy import load_taxonomy

    try:
        folder = data_dir()
        taxonomy = load_taxonomy(folder / "taxonomy.csv")
        programmes = load_programmes(folder / "programmes.csv")
        regions_path, regions = find_regions_file(), None
        if regions_path is not None:
            regions = load_regions(regions_path)
        store = open_store()
        seed_store(store, folder / "initiatives.csv", validation_context(taxonomy, programmes["id"], regions))
        frame = typed_registry(store.read())
        if regions is not None:
            frame = assign_regions(frame, regions)
        version = store.current_version()
        created = store.versions()["created_at"].iloc[0][:10]
    except (RegistryError, RegionsError, StoreError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    options = filter_options(frame, taxonomy, programmes["id"].tolist(), regions["nuts_id"].tolist() if regions is not None else [])
    state = FilterState.from_query(parse_qs(args.query.lstrip("?")), options)
    view = ExportView(frame=apply_filters(frame, state), state=state, taxonomy=taxonomy, lang=args.lang,
                      version=str(version), version_date=created,
                      programme_names=dict(zip(programmes["id"], programmes["name"])),
                      region_names=region_names(regions) if regions is not None else {}, regions=regions,
                      base_url=args.base_url)
    size = SLIDE_SIZES[args.size]
    files = []
    try:
        for chart in CHARTS:
            files += [chart_file(view, chart, fmt, size) for fmt in ("png", "svg")]
        files += [map_file(view, "png", size), map_file(view, "svg", size), html_file(view), deck_file(view)]
    except PictureError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        close_browsers()
    for path in write_files(files, Path(args.out)):
        print(path)
    return 0


def add_export_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``export-figures``."""
    command = subparsers.add_parser("export-figures", help="write the pictures, deck and HTML map of one view")
    command.add_argument("--query", default="", help='the view as in the URL, e.g. "country=LT&service=transport_mobility"')
    command.add_argument("--out", required=True, help="folder to write into")
    command.add_argument("--lang", choices=("en", "lt", "lv"), default="en")
    command.add_argument("--size", choices=("16:9", "4:3", "square"), default="16:9")
    command.add_argument("--base-url", default="http://localhost:8501", help="the dashboard's address, for permalinks")
    command.set_defaults(handler=_export_figures)
