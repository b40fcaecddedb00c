"""``python -m ecosystem export-figures``: the pictures, SVGs, deck and HTML map of a view given as its URL query.

    python -m ecosystem export-figures --query "country=LT&service=transport_mobility" --out DIR [--lang lt]

The query string is the same one the dashboard's URL carries, and the view is built as the pages build it
(``ecosystem.view.load_view``: the same checks, the same notices, said on stderr), so the slides for each pilot
municipality can be made in one shell loop. A view the pages would show with an error is not exported (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosystem.charts import CHARTS
from ecosystem.checks import problem_lines
from ecosystem.exports import ExportOptions, chart_file, deck_file, html_file, map_file, write_files
from ecosystem.i18n import LANGUAGES
from ecosystem.links import configured_address, site_address
from ecosystem.pictures import SLIDE_SIZES, PictureError, close_browsers
from ecosystem.store import StoreError
from ecosystem.view import load_view

__all__ = ["add_export_commands"]

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _address(given: str | None) -> str:
    """The dashboard's address for the exports' links: ``--base-url``, else ``ECOSYSTEM_PUBLIC_URL``, else ``""``
    (ValueError when the one given is not an http(s) address with a host)."""
    if given is None:
        return configured_address() or ""
    address = site_address(given)
    if address is None:
        raise ValueError(f"--base-url {given!r} is not a web address: give the address visitors use, with http:// "
                         "or https:// and the host name (e.g. https://ecosystem.example.org).")
    return address


def _export_figures(args: argparse.Namespace) -> int:
    try:
        base_url = _address(args.base_url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not base_url:
        print("note: no address of the dashboard (ECOSYSTEM_PUBLIC_URL or --base-url): the exports carry no link "
              "and no QR code", file=sys.stderr)
    try:
        view = load_view(args.query, args.lang)
    except (ValueError, OSError, StoreError) as error:  # e.g. a taxonomy that cannot be read
        print(f"error: {error}", file=sys.stderr)
        return 2
    for notice in view.notices:  # what the pages say above this view, said here too
        print(f"{_LEVELS[notice.level]}: {notice.message.text(args.lang)}", file=sys.stderr)
    if view.problems is not None:
        print("\n".join(problem_lines(view.problems.problems, args.lang)), file=sys.stderr)
    if any(notice.level == "error" for notice in view.notices):
        return 2
    options, size = ExportOptions(base_url=base_url), SLIDE_SIZES[args.size]
    files = []
    try:
        for chart in CHARTS:
            files += [chart_file(view, chart, fmt, size, options=options) for fmt in ("png", "svg")]
        files += [map_file(view, "png", size, options=options), map_file(view, "svg", size, options=options),
                  html_file(view, options=options), deck_file(view, options=options)]
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
    command.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the exports")
    command.add_argument("--size", choices=("16:9", "4:3", "square"), default="16:9")
    command.add_argument("--base-url", default=None,
                         help="the dashboard's public address, for the links and QR codes (default: ECOSYSTEM_PUBLIC_URL)")
    command.set_defaults(handler=_export_figures)
