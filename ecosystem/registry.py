"""Reading the registry files (initiatives, programmes) into checked, typed frames.

A registry file is read as text, validated as a whole (``schema.validate_registry``) and only then turned
into typed columns, so the rest of the product can assume clean input: strings without NaN, floats for
coordinates, nullable integers for years, and a folded ``search_text`` column for free-text search.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ecosystem.i18n import t
from ecosystem.schema import (
    COORDINATE_COLUMNS,
    LIST_COLUMNS,
    PROBLEM_COLUMNS,
    REGISTRY_COLUMNS,
    YEAR_COLUMNS,
    ValidationContext,
    has_errors,
    validate_registry,
)
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "PROGRAMME_COLUMNS",
    "Registry",
    "RegistryError",
    "file_version",
    "fold_text",
    "load_programmes",
    "load_registry",
    "read_keyed_csv",
    "read_raw_csv",
    "registry_from_raw",
    "typed_registry",
]

PROGRAMME_COLUMNS = [
    "id", "name", "funder", "lead", "start_year", "end_year", "budget_eur", "budget_note", "website",
    "description", "source",
]
_SEARCHED = ["id", "name", "municipality", "partner", "description", "region_code"]


class RegistryError(ValueError):
    """A registry file cannot be used: ``problems`` says where and why (row, column, value, message)."""

    def __init__(self, file: str, problems: pd.DataFrame) -> None:
        self.file = file
        self.problems = problems
        errors = problems[problems["severity"] == "error"]
        super().__init__(f"{file}: {len(errors)} problem(s), first: row {errors.iloc[0]['row']}, "
                         f"column {errors.iloc[0]['column']}: {errors.iloc[0]['message']}")


@dataclass(frozen=True)
class Registry:
    """The current registry: typed initiatives, programmes, and what identifies this version."""

    initiatives: pd.DataFrame
    programmes: pd.DataFrame
    version: str
    updated: str
    warnings: pd.DataFrame

    @property
    def programme_names(self) -> dict[str, str]:
        """Programme id → name."""
        return dict(zip(self.programmes["id"], self.programmes["name"], strict=True))


def fold_text(values: pd.Series) -> pd.Series:
    """Lower-case text without diacritics, so ``taurage`` finds ``Tauragė``."""
    def fold(text: str) -> str:
        folded = text.casefold()
        if folded.isascii():  # nothing to decompose (most rows): the per-character pass below is the slow part
            return folded
        decomposed = unicodedata.normalize("NFKD", folded)
        return "".join(char for char in decomposed if not unicodedata.combining(char))

    return values.map(fold)


def read_raw_csv(path: Path) -> pd.DataFrame:
    """A UTF-8 CSV as text cells (``""`` when empty); the index counts data rows, blank lines dropped."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL)
    except UnicodeDecodeError as exc:
        raise RegistryError(path.name, _file_problem(f"not UTF-8 text (byte {exc.start})")) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise RegistryError(path.name, _file_problem(str(exc).strip())) from exc
    raw.columns = [str(column).strip() for column in raw.columns]
    blank = (raw == "").all(axis=1)
    return raw[~blank].apply(lambda column: column.str.strip())


def _file_problem(reason: str) -> pd.DataFrame:
    return pd.DataFrame([(1, "", "", "error", t("v.file_unreadable", reason=reason))], columns=PROBLEM_COLUMNS)


def read_keyed_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    """A small reference CSV (programmes, sources) read as text, checked for ``columns`` and for an ``id`` in every
    row that no other row repeats; RegistryError with every problem, row by row, otherwise."""
    raw = read_raw_csv(path)
    problems = [(1, column, "", "error", t("v.missing_column", column=column))
                for column in columns if column not in raw.columns]
    if not problems:
        for index, row in raw[(raw["id"] == "") | raw["id"].duplicated(keep=False)].iterrows():
            rows = ", ".join(str(i + 2) for i in raw.index[raw["id"] == row["id"]])
            problems.append((index + 2, "id", row["id"], "error",
                             t("v.required") if row["id"] == "" else t("v.duplicate_id", value=row["id"], rows=rows)))
    if problems:
        raise RegistryError(path.name, pd.DataFrame(problems, columns=PROBLEM_COLUMNS))
    return raw


def load_programmes(path: Path) -> pd.DataFrame:
    """The support programmes, checked for the columns and unique ids the registry refers to."""
    programmes = read_keyed_csv(path, PROGRAMME_COLUMNS)[PROGRAMME_COLUMNS].copy()
    for column in ("start_year", "end_year", "budget_eur"):
        programmes[column] = pd.to_numeric(programmes[column], errors="coerce").astype("Int64")
    return programmes.reset_index(drop=True)


def typed_registry(raw: pd.DataFrame) -> pd.DataFrame:
    """A validated raw table → typed registry frame (floats, nullable years, search column)."""
    frame = raw[REGISTRY_COLUMNS].astype(str)
    for column in COORDINATE_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in YEAR_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    for column in LIST_COLUMNS:
        frame[column] = frame[column].str.replace(r"\s*;\s*", ";", regex=True).str.strip(";")
    frame["search_text"] = fold_text(frame[_SEARCHED[0]].str.cat(frame[_SEARCHED[1:]], sep=" "))
    return frame.reset_index(drop=True)


def registry_from_raw(
    raw: pd.DataFrame, programmes: pd.DataFrame, context: ValidationContext, file: str, version: str
) -> Registry:
    """Validate a raw initiatives table and build the Registry, or raise RegistryError with every problem."""
    problems = validate_registry(raw, context)
    if has_errors(problems):
        raise RegistryError(file, problems)
    initiatives = typed_registry(raw)
    dates = initiatives["last_updated"][initiatives["last_updated"] != ""]
    return Registry(
        initiatives=initiatives,
        programmes=programmes,
        version=version,
        updated=dates.max() if not dates.empty else "",
        warnings=problems,
    )


def file_version(*paths: Path) -> str:
    """A short content hash of the registry files: the version a CSV-backed registry shows."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def load_registry(data_dir: Path, taxonomy: Taxonomy, context_extras: dict | None = None) -> Registry:
    """Read ``initiatives.csv`` and ``programmes.csv`` of a data folder and check them."""
    programmes_path, initiatives_path = data_dir / "programmes.csv", data_dir / "initiatives.csv"
    programmes = load_programmes(programmes_path)
    context = ValidationContext(taxonomy=taxonomy, programme_ids=frozenset(programmes["id"]), **(context_extras or {}))
    raw = read_raw_csv(initiatives_path)
    return registry_from_raw(raw, programmes, context, initiatives_path.name, file_version(initiatives_path, programmes_path))
