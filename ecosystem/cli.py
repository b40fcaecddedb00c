"""``python -m ecosystem …``: the command line for administrators, scripting and tests.

Each feature module registers its own commands; a command's handler takes the parsed arguments and
returns the process exit code. Errors are printed as sentences, never as tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ecosystem.assets import add_assets_commands
from ecosystem.auth import add_auth_commands
from ecosystem.reference_download import add_reference_commands
from ecosystem.registry_commands import add_registry_commands

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command of the product."""
    parser = argparse.ArgumentParser(prog="python -m ecosystem", description="Baltic Social Ecosystem Map tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_reference_commands(commands)
    add_assets_commands(commands)
    add_auth_commands(commands)
    add_registry_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
