"""``python -m ecosystem …``: the command line for administrators, scripting and tests.

Each feature module registers its own commands; a command's handler takes the parsed arguments and returns
the process exit code. Only the module of the command being run is imported, so a quick command does not pay
for the map or database libraries. Errors are printed as sentences, never as tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

_REGISTRY = ("init", "validate", "import", "history", "diff", "rollback", "export")
_COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "reference": ("ecosystem.reference_download", "add_reference_commands"),
    "outlines": ("ecosystem.outlines_build", "add_outlines_commands"),
    "assets": ("ecosystem.assets", "add_assets_commands"),
    "hash-password": ("ecosystem.auth", "add_auth_commands"),
    "unlock": ("ecosystem.lockout", "add_lockout_commands"),
    "export-figures": ("ecosystem.export_commands", "add_export_commands"),
    "i18n": ("ecosystem.catalogue_checks", "add_i18n_commands"),
    **{name: ("ecosystem.store_commands", "add_store_commands") for name in ("migrate", "backup", "restore")},
    **{name: ("ecosystem.registry_commands", "add_registry_commands") for name in _REGISTRY},
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with the given command's module registered (every module when None or unknown)."""
    parser = argparse.ArgumentParser(prog="python -m ecosystem", description="Baltic Social Ecosystem Map tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = [_COMMAND_MODULES[command]] if command in _COMMAND_MODULES else list(dict.fromkeys(_COMMAND_MODULES.values()))
    for module_name, function in wanted:
        getattr(importlib.import_module(module_name), function)(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((argument for argument in arguments if not argument.startswith("-")), None)
    args = build_parser(command).parse_args(arguments)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
