"""Registry commands of ``python -m ecosystem``: init, validate, import, history, diff, rollback, export.

The store is the one ``ECOSYSTEM_DATABASE_URL`` names (default: ``registry.sqlite`` in the state folder,
``config.state_dir()``), seeded from the data folder's ``initiatives.csv`` when empty. ``init`` also derives the
current version's regions and warnings (``ecosystem.initialise``); every version a command writes keeps its own.
Problems are printed as the upload page shows them; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ecosystem import reference_download
from ecosystem.auth import Account
from ecosystem.checks import blocking_first, problem_lines
from ecosystem.config import reference_dir, reference_download_enabled, upload_limits
from ecosystem.i18n import t
from ecosystem.imports import ImportPlan, commit_plan, plan_import, set_aside_file
from ecosystem.initialise import initialise, say_on_stderr, seed
from ecosystem.readers import ReadLimits, read_partner_file
from ecosystem.reference_download import TextProgressBar, fetch_missing_reference
from ecosystem.registry import RegistryError, typed_registry
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes, registry_xlsx_bytes
from ecosystem.schema import PROBLEM_COLUMNS, REGISTRY_COLUMNS, has_errors, validate_registry
from ecosystem.store import NothingToCommit, RegistryStore, StoreError, StoreReadOnlyError, open_store
from ecosystem.taxonomy import LANGUAGES
from ecosystem.view import Inputs, load_inputs

__all__ = ["add_registry_commands"]

_EXPORTERS = {"csv": registry_csv_bytes, "xlsx": registry_xlsx_bytes,  # these take the store's text cells;
              "geojson": lambda frame: registry_geojson_bytes(typed_registry(frame))}  # this one numbers


def _inputs() -> Inputs:
    """What rows are checked against, read as the pages read it: the data folder's taxonomy and programmes and
    the boundaries when they are usable (said on stderr when they are not)."""
    inputs = load_inputs()
    if inputs.regions_problem is not None:
        print(f"note: region boundaries not used ({inputs.regions_problem})", file=sys.stderr)
    return inputs


def _opened(inputs: Inputs) -> RegistryStore:
    """The configured store, created when missing — unless the programmes cannot be used (RegistryError)."""
    if inputs.programmes_problem is not None:
        raise inputs.programmes_problem
    return open_store()


def _store(inputs: Inputs) -> RegistryStore:
    """The configured store, seeded from the data folder's initiatives.csv when empty, quietly (RegistryError when
    the programmes or the seed file cannot be used)."""
    store = _opened(inputs)
    seed(store, inputs, progress=lambda line: None)
    return store


def _init(args: argparse.Namespace) -> int:
    if reference_download_enabled():  # the NUTS boundaries and the population, when absent; never fails init
        bar = TextProgressBar(sys.stderr)
        saved = fetch_missing_reference(reference_dir(), say_on_stderr, base_url=reference_download.GISCO_BASE_URL,
                                        population_url=reference_download.EUROSTAT_POPULATION_URL, progress=bar)
        bar.finish()
        for path in saved:
            say_on_stderr(f"saved {path}")
    inputs = _inputs()
    with _opened(inputs) as store:
        report = initialise(store, inputs, say_on_stderr)
    print(report.summary())
    return 0


def _limits() -> ReadLimits:
    max_bytes, max_rows = upload_limits()
    return ReadLimits(max_bytes=max_bytes, max_rows=max_rows)


def _print_problems(problems: pd.DataFrame, as_json: bool, lang: str = "en") -> None:
    if as_json:
        records = [{key: (int(value) if key == "row" else value) for key, value in record.items()}
                   for record in problems[PROBLEM_COLUMNS].to_dict(orient="records")]
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return
    for line in problem_lines(problems, lang):
        print(line)


def _validate(args: argparse.Namespace) -> int:
    context = _inputs().context
    path = Path(args.file)
    read = read_partner_file(path.read_bytes(), path.name, context.taxonomy, lang=args.lang, sheet=args.sheet,
                             limits=_limits())
    problems = [read.problems]
    if not has_errors(read.problems) and not read.raw.empty:
        problems.append(validate_registry(read.raw, context, args.lang))
        if set(REGISTRY_COLUMNS) <= set(read.raw.columns):
            problems.append(context.location_problems(read.raw, args.lang))
    table = blocking_first(problems)  # listed as the upload page lists them
    if not args.json:
        print(f"{path.name}: {read.described(args.lang)}")
    _print_problems(table, args.json, args.lang)
    if not args.json:
        errors = int((table["severity"] == "error").sum())
        print(t("cli.not_importable", args.lang, count=errors) if errors else t("cli.importable", args.lang))
    return 1 if has_errors(table) else 0


def _describe(plan: ImportPlan) -> str:
    return f"{plan.count('added')} added, {plan.count('changed')} changed, {plan.count('removed')} removed"


def _import(args: argparse.Namespace) -> int:
    inputs = _inputs()
    store = _store(inputs)
    path = Path(args.file)
    account = Account(username=f"cli:{getpass.getuser()}", role="partner", partner=args.partner)
    plan = plan_import(path.read_bytes(), path.name, store=store, account=account, context=inputs.context,
                       mode="replace" if args.replace else "upsert", lang=args.lang, sheet=args.sheet,
                       limits=_limits(), skip_invalid=args.skip_invalid)
    _print_problems(plan.problems, as_json=False, lang=args.lang)
    if not plan.blocking.empty:
        print("not imported: fix the errors above and try again")
        if plan.invalid_rows:
            print(f"or import the {plan.valid_rows} valid row(s) and set aside the {len(plan.invalid_rows)} with errors, "
                  "into a file to fix: --skip-invalid")
        return 1
    if plan.set_aside:
        rows = ", ".join(str(row) for row in plan.set_aside[:20]) + (" …" if len(plan.set_aside) > 20 else "")
        if args.dry_run:
            print(f"would set aside {len(plan.set_aside)} row(s) with errors (rows {rows})")
        else:
            fix = set_aside_file(plan)
            where = path.with_name(fix.name)
            where.write_bytes(fix.data)
            print(f"set aside {len(plan.set_aside)} row(s) with errors (rows {rows}); they and their problems are in "
                  f"{where}: fix them there and import that file")
    if plan.changes.empty:
        print("nothing to import: the file changes nothing in the registry")
        return 0
    print(f"plan: {_describe(plan)} (base version {plan.base_version})")
    if args.dry_run:
        return 0
    version = commit_plan(plan, store, account, inputs.derivation)
    aside = f" ({len(plan.set_aside)} row(s) set aside, recorded in its history)" if plan.set_aside else ""
    print(f"imported as version {version}{aside}")
    return 0


def _history(args: argparse.Namespace) -> int:
    versions = _store(_inputs()).versions()
    for row in versions.itertuples(index=False):
        restores = f" (restores v{int(row.restores)})" if pd.notna(row.restores) and row.restores else ""
        set_aside = json.loads(row.summary).get("set_aside")
        aside = f"  ({set_aside} row(s) of the file set aside)" if set_aside else ""
        print(f"v{row.version:<5} {row.created_at[:19]}  {row.account:<20} {row.action:<8}{restores} "
              f"+{row.added} ~{row.changed} -{row.removed}  {row.file_name}{aside}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    changes = _store(_inputs()).diff(args.old, args.new)
    for row in changes.itertuples(index=False):
        print(f"{row.change:8} {row.id}" + (f"  {row.column}: {row.old_value!r} → {row.new_value!r}" if row.column else ""))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    inputs = _inputs()
    store = _store(inputs)
    derived = inputs.derivation.derive(store.read(args.version)).parts()
    version = store.rollback(args.version, account=f"cli:{getpass.getuser()}", derived=derived)
    print(f"version {version} restores the content of version {args.version}")
    return 0


def _export(args: argparse.Namespace) -> int:
    frame = _store(_inputs()).read(args.version)
    Path(args.out).write_bytes(_EXPORTERS[args.format](frame))
    print(f"wrote {len(frame)} row(s) to {args.out}")
    return 0


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors a person can act on into one sentence and exit code 2 (no traceback)."""
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except Exception as exc:
            if not isinstance(exc, (StoreError, RegistryError, OSError, ValueError)):
                raise
            if isinstance(exc, NothingToCommit):
                print(str(exc))
                return 0
            if isinstance(exc, StoreReadOnlyError):
                print(f"error: {t('store.read_only', getattr(args, 'lang', 'en'), path=exc.location)}", file=sys.stderr)
                return 2
            if isinstance(exc, RegistryError):
                print(f"{exc.file} cannot be used:", file=sys.stderr)
                _print_problems(exc.problems, as_json=False)
            else:
                print(f"error: {exc}", file=sys.stderr)
            return 2
    return run


def add_registry_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register init, validate, import, history, diff, rollback and export."""
    init = subparsers.add_parser("init", help="set up the registry database: create it, seed it from the data folder's "
                                 "initiatives.csv when empty, derive the regions and warnings the pages show")
    validate = subparsers.add_parser("validate", help="check a partner file; exit 0 when importable, 1 when not")
    validate.add_argument("file")
    validate.add_argument("--json", action="store_true", help="print a JSON list of {row, column, value, severity, message}")
    import_ = subparsers.add_parser("import", help="import a partner file as a new registry version")
    import_.add_argument("file")
    import_.add_argument("--partner", required=True, help="the partner whose rows the file holds")
    import_.add_argument("--replace", action="store_true", help="also remove this partner's rows absent from the file")
    import_.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    import_.add_argument("--skip-invalid", action="store_true",
                         help="import the valid rows and set aside those with errors, written with their problems to "
                              "FILE's folder as <name>-set-aside.csv (or .xlsx) to fix; the version records them")
    for command in (validate, import_):
        command.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages")
        command.add_argument("--sheet", default=None, help="XLSX sheet to read (default: the registry-like one)")
    history = subparsers.add_parser("history", help="list the registry's versions")
    diff = subparsers.add_parser("diff", help="what changed between two versions")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    rollback = subparsers.add_parser("rollback", help="a new version with the content of an earlier one")
    rollback.add_argument("version", type=int)
    export = subparsers.add_parser("export", help="write the registry (current or --version N) to a file")
    export.add_argument("--format", choices=sorted(_EXPORTERS), required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--version", type=int, default=None)
    for command, handler in ((init, _init), (validate, _validate), (import_, _import), (history, _history), (diff, _diff),
                             (rollback, _rollback), (export, _export)):
        command.set_defaults(handler=_guarded(handler))
