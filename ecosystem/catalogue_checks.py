"""What the message catalogues are checked against, and the template translators' tools start from.

``python -m ecosystem i18n check`` lists every problem of ``ecosystem/locale/*/LC_MESSAGES/messages.po``: a key
the code uses that the catalogues lack, a key no code uses, a message missing from a language, a translation
that is empty or fuzzy, identical to English where it should not be, or drops or renames a ``{placeholder}``,
and wrong plural forms. ``python -m ecosystem i18n template`` writes the template (``.pot``: every key, its
English text as a translator comment) that ``pybabel init`` and ``pybabel update`` read.
"""

from __future__ import annotations

import argparse
import ast
import re
import string
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import write_po

from ecosystem.filters import FilterOptions
from ecosystem.i18n import LANGUAGES, LOCALE_DIR, read_catalogue
from ecosystem.schema import PROBLEM_COLUMNS, REGISTRY_COLUMNS

__all__ = [
    "KEY_FAMILIES",
    "SAME_AS_ENGLISH",
    "CodeKeys",
    "add_i18n_commands",
    "catalogue_problems",
    "code_files",
    "scan_code",
    "template",
]

REPO = Path(__file__).resolve().parent.parent
KEY_FAMILIES: dict[str, tuple[str, ...]] = {
    "column.": (*REGISTRY_COLUMNS, *PROBLEM_COLUMNS),
    "filter.": tuple(field.name for field in fields(FilterOptions)),
    "diff.": ("added", "changed", "removed"),
    "severity.": ("error", "warning"),
    "overview.go_": ("gaps", "map", "coverage", "registry"),
    "chart.area.": ("country", "region"),
    "chart.no_": ("country", "region"),
    "export.kind.map.": ("png", "svg", "pdf"),
    "upload.mode_": ("upsert", "replace"),
    "history.action_": ("seed", "import", "replace", "rollback"),
    "overview.": tuple(f"{name}{suffix}" for name in ("initiatives", "organisations", "countries", "regions", "targets")
                       for suffix in ("", "_help")),
}
"""Keys the code builds with an f-string (``t(f"column.{column}", lang)``): the prefix → every value filled in."""
_ID = frozenset({"column.id", "diff.id"})  # "Id", the column header of every language's file
_REGION_AND_STATUS = frozenset({"filter.regions", "column.region_code", "chart.area.region",  # "Region"
                                "filter.statuses", "column.status"})  # "Status"
SAME_AS_ENGLISH: dict[str, frozenset[str]] = {
    "lt": _ID,
    "lv": _ID,
    "da": _ID | _REGION_AND_STATUS | {"about.definition", "history.version", "column.actor_type", "column.start_year",
                                "page.upload",  # "Definition", "Version", "Type", "Start", "Upload"
                                "export.map.organisations"},  # "{count} organisation"
    "de": _REGION_AND_STATUS | {"about.definition", "history.version", "column.name", "column.website",
                                "about.code", "r.codes_code", "r.codes_sheet"},  # "Name", "Website", "Code(s)"
    "et": frozenset({"map.layer_legend"}),  # "Legend"
    "pl": _REGION_AND_STATUS,
    "sv": _ID | _REGION_AND_STATUS | {"about.definition", "history.version", "column.start_year",
                                "coverage.by_region", "chart.id.region",  # "Per region"
                                "export.map.organisations"},  # "{count} organisation"
}
"""Per language, the messages whose translation is rightly the English text (German "Region", Danish "Version")."""
_CALLS = ("t", "text")  # t(key, lang, …) and _Context.text(key, …) in the deck
_KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")  # upload.saved, chart.area.country (not st.text's "free text")


@dataclass(frozen=True)
class CodeKeys:
    """What the code says about message keys."""

    strings: frozenset[str]
    """Every string constant other than a docstring: a key among them is in use."""
    called: frozenset[str]
    """Constant first arguments of ``t(…)`` and ``….text(…)`` calls that are shaped like a key."""
    prefixes: frozenset[str]
    """The constant start of every f-string first argument of those calls."""


def code_files(root: Path = REPO) -> list[Path]:
    """The Python files whose keys count: ``ecosystem/`` (this checker left out), ``pages/`` and ``dashboard.py``."""
    files = [*(root / "ecosystem").rglob("*.py"), *(root / "pages").glob("*.py"), root / "dashboard.py"]
    return sorted(path for path in files if path.name != Path(__file__).name)


def _call_name(call: ast.Call) -> str:
    """``t`` for ``t(…)``, ``text`` for ``context.text(…)``."""
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def scan_code(files: Iterable[Path]) -> CodeKeys:
    """The string constants, called keys and f-string key prefixes of ``files``."""
    strings: set[str] = set()
    called: set[str] = set()
    prefixes: set[str] = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        f_string_parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                          for part in node.values}
        skipped = docstrings | f_string_parts
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
                strings.add(node.value)
            if isinstance(node, ast.Call) and _call_name(node) in _CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and _KEY.match(first.value):
                    called.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    start = first.values[0]
                    prefixes.add(start.value if isinstance(start, ast.Constant) and isinstance(start.value, str) else "")
    return CodeKeys(frozenset(strings), frozenset(called), frozenset(prefixes))


def _key(message: Message) -> str:
    """The key of a message (its ``msgid``; the singular one of a plural message)."""
    return message.id if isinstance(message.id, str) else message.id[0]


def _forms(message: Message) -> tuple[str, ...]:
    """The texts of a message: one, or one per plural form."""
    string = message.string
    if string is None or isinstance(string, str):
        return (string or "",)
    return tuple(text or "" for text in string)


def _messages(catalogue: Catalog) -> dict[str, Message]:
    """The messages of a catalogue (its header left out) by key."""
    return {_key(message): message for message in catalogue if message.id}


def _placeholders(text: str) -> set[str]:
    """The ``{placeholders}`` of ``text`` as written, format spec included (``{confidence:.0%}``)."""
    return {f"{{{name}{':' + spec if spec else ''}}}" for _, name, spec, _ in string.Formatter().parse(text)
            if name is not None}


def _message_problems(lang: str, key: str, message: Message, source: Message, plurals: int) -> list[str]:
    """What is wrong with the translation ``message`` of the English ``source``."""
    where = f"{lang}: {key}"
    forms, english = _forms(message), _forms(source)
    if message.pluralizable != source.pluralizable:
        return [f"{where}: has {'' if message.pluralizable else 'no '}plural forms, unlike English."]
    wanted = plurals if message.pluralizable else 1
    if len(forms) != wanted:
        return [f"{where}: has {len(forms)} plural forms; the language has {wanted}."]
    if message.fuzzy or not all(forms):
        return [f"{where}: is not translated (empty or fuzzy)."]
    try:
        expected = set().union(*map(_placeholders, english))
        wrong = [found for found in map(_placeholders, forms) if found != expected]
    except ValueError as error:  # a lone { or }
        return [f"{where}: cannot be filled in ({error}); write a literal brace as {{{{ or }}}}."]
    problems = [f"{where}: has placeholders {sorted(wrong[0])}, English has {sorted(expected)}."] if wrong else []
    same = set(forms) & set(english)
    if lang != "en" and same and key not in SAME_AS_ENGLISH.get(lang, ()):
        problems.append(f"{where}: is the English text; translate it (or list the key under “{lang}” in "
                        "SAME_AS_ENGLISH).")
    if not same and key in SAME_AS_ENGLISH.get(lang, ()):
        problems.append(f"{where}: is translated, so SAME_AS_ENGLISH need not list it under “{lang}”; remove it.")
    return problems


def _language_problems(lang: str, catalogue: Catalog, english: Catalog) -> list[str]:
    """What is wrong with the catalogue of ``lang`` compared with the English one."""
    problems = []
    expected = get_plural(lang)
    if (catalogue.num_plurals, catalogue.plural_expr) != (expected.num_plurals, expected.plural_expr):
        problems.append(f"{lang}: the header's Plural-Forms should be “{expected.plural_forms}” (Babel's locale "
                        "data).")
    ours, theirs = _messages(catalogue), _messages(english)
    problems += [f"{lang}: {key}: is missing." for key in theirs if key not in ours]
    problems += [f"{lang}: {key}: is not in the English catalogue; delete it." for key in ours if key not in theirs]
    for key, message in ours.items():
        if key in theirs:
            problems += _message_problems(lang, key, message, theirs[key], expected.num_plurals)
    return problems


def catalogue_problems(catalogues: Mapping[str, Catalog], code: CodeKeys,
                       families: Mapping[str, tuple[str, ...]] = KEY_FAMILIES) -> list[str]:
    """Every problem of ``catalogues`` (language → catalogue, English included) as used by ``code``, as sentences;
    ``families`` are the keys the code builds with f-strings."""
    keys = set(_messages(catalogues["en"]))
    built = {prefix + value for prefix, values in families.items() for value in values}
    problems = [f"The code builds keys from “{prefix}…”: list every value it fills in in KEY_FAMILIES."
                for prefix in sorted(code.prefixes - set(families))]
    problems += [f"KEY_FAMILIES lists “{prefix}…”, which the code no longer builds: remove it."
                 for prefix in sorted(set(families) - code.prefixes)]
    problems += [f"{key}: used in the code, but in no catalogue." for key in sorted((code.called | built) - keys)]
    problems += [f"{key}: used nowhere in the code; delete it from every catalogue."
                 for key in sorted(keys - code.strings - built)]
    for lang, catalogue in catalogues.items():
        problems += _language_problems(lang, catalogue, catalogues["en"])
    return problems


def _english_comments(message: Message) -> list[str]:
    """Translator comments carrying the English text of ``message``."""
    forms = _forms(message)
    if not message.pluralizable:
        return [f"English: {forms[0]}"]
    return [f"English ({form}): {text}" for form, text in zip(("one", "other"), forms, strict=False)]  # may lack a form


def template(english: Catalog) -> Catalog:
    """The template of every catalogue: each key of ``english`` untranslated, its English text as a comment."""
    result = Catalog(project="Baltic Social Ecosystem Map", fuzzy=False)
    for message in english:
        if message.id:
            result.add(message.id, ("", "") if message.pluralizable else "",
                       auto_comments=_english_comments(message))
    return result


def _catalogues() -> dict[str, Catalog]:
    """Every catalogue under ``LOCALE_DIR``, English first."""
    found = sorted(path.parts[-3] for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return {lang: read_catalogue(lang) for lang in sorted(found, key=lambda lang: lang != "en")}


def _check(_args: argparse.Namespace) -> int:
    """Print every problem of the catalogues; 0 when there is none."""
    catalogues = _catalogues()
    problems = [f"{lang}: has a catalogue but is not in ecosystem.i18n.LANGUAGES."
                for lang in catalogues if lang not in LANGUAGES]
    problems += catalogue_problems(catalogues, scan_code(code_files()))
    for problem in problems:
        print(problem)
    print(f"{len(catalogues)} catalogues, {len(problems)} problem(s).", file=sys.stderr)
    return 1 if problems else 0


def _template(args: argparse.Namespace) -> int:
    """Write the template to ``args.out`` or standard output."""
    catalogue = template(read_catalogue("en"))
    if args.out is None:
        write_po(sys.stdout.buffer, catalogue)
    else:
        with args.out.open("wb") as stream:
            write_po(stream, catalogue)
    return 0


def add_i18n_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``i18n check`` and ``i18n template``."""
    parser = subparsers.add_parser("i18n", help="check the message catalogues, or write their template")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("check", help="list every problem of the catalogues (exit 1 if any)").set_defaults(
        handler=_check)
    writer = actions.add_parser("template", help="write the .pot template that pybabel init / update read")
    writer.add_argument("--out", type=Path, help="file to write (default: standard output)")
    writer.set_defaults(handler=_template)
