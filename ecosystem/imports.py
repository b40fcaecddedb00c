"""A partner's file becomes a new registry version: read → check → preview → commit.

``plan_import`` never writes: it reads the file (any encoding, delimiter, CSV/XLSX/GeoJSON), normalises it
with a warning per change, validates every row, checks who may change which rows, and computes the complete
new registry and its differences from the current version. ``commit_plan`` saves that content as one new
version with its derived regions and warnings (``ecosystem.derived``) — refused if the registry changed since the
plan was made, so no update is ever lost.

A file with invalid rows is refused as a whole, unless the partner asks to set those rows aside
(``skip_invalid``): then the valid rows are planned as usual, the invalid ones change nothing in the registry (not
even "replace my rows" removes their stored rows), the plan says which they are, ``set_aside_rows`` gives them with
their problems as a file to fix, and the version records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Literal, NamedTuple

import pandas as pd

from ecosystem.auth import Account, rows_outside_partner
from ecosystem.checks import blocking_first
from ecosystem.derived import Derivation
from ecosystem.i18n import t
from ecosystem.readers import SET_ASIDE_COLUMNS, ReadLimits, ReadResult, read_partner_file
from ecosystem.registry_io import table_csv_bytes, table_xlsx_bytes
from ecosystem.schema import (
    NUMERIC_COLUMNS,
    PROBLEM_COLUMNS,
    REGISTRY_COLUMNS,
    REQUIRED_VALUES,
    ValidationContext,
    has_errors,
    id_key,
    spreadsheet_row,
    validate_registry,
)
from ecosystem.store import SUMMARY_ID_LIMIT, RegistryStore, canonical_registry, diff_contents

__all__ = ["ImportMode", "ImportPlan", "SetAsideFile", "commit_plan", "merge_rows", "plan_import", "set_aside_file",
           "set_aside_rows"]

ImportMode = Literal["upsert", "replace"]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SetAsideFile(NamedTuple):
    """The rows an import set aside, as a file to download."""

    name: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do, before anything is written."""

    file_name: str
    read: ReadResult
    mode: ImportMode
    base_version: int
    problems: pd.DataFrame
    content: pd.DataFrame | None
    changes: pd.DataFrame
    invalid_rows: tuple[int, ...] = ()
    """spreadsheet rows with errors of their own, when every other problem of the file would let it be imported
    without them (empty when the file has none, or cannot be imported even without them)"""
    skip_invalid: bool = False
    """whether the invalid rows are set aside (the plan imports the others) or block the file"""

    @property
    def set_aside(self) -> tuple[int, ...]:
        """The spreadsheet rows this plan leaves out of the import."""
        return self.invalid_rows if self.skip_invalid else ()

    @property
    def valid_rows(self) -> int:
        """How many rows of the file have no error."""
        return self.read.rows - len(self.invalid_rows) if self.invalid_rows else self.read.rows

    @property
    def blocking(self) -> pd.DataFrame:
        """The errors that stop this plan (those of set-aside rows do not)."""
        errors = self.problems[self.problems["severity"] == "error"]
        return errors[~errors["row"].isin(self.set_aside)]

    @property
    def importable(self) -> bool:
        """True when nothing blocks the import and it changes something."""
        return self.content is not None and self.blocking.empty and not self.changes.empty

    def set_aside_details(self) -> dict[str, object]:
        """What a version made from this plan records of the rows it set aside: how many, their rows and ids."""
        ids = self.read.raw["id"] if "id" in self.read.raw.columns else pd.Series("", index=self.read.raw.index)
        rows = [{"row": row, "id": str(ids.get(row - spreadsheet_row(0), ""))} for row in self.set_aside]
        return {"set_aside": len(rows), "set_aside_rows": rows[:SUMMARY_ID_LIMIT]} if rows else {}

    def count(self, change: str) -> int:
        """How many rows the import adds, changes or removes."""
        rows = self.changes[self.changes["change"] == change]
        return rows["id"].nunique()


def _complete_columns(raw: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[tuple]]:
    """Optional columns a partner left out are added empty (with a note); required ones stay missing."""
    notes, raw = [], raw.copy()
    for column in REGISTRY_COLUMNS:
        if column not in raw.columns and column not in REQUIRED_VALUES:
            raw[column] = ""
            notes.append((1, column, "", "warning", t("i.column_added", lang, column=column)))
    return raw, notes


def merge_rows(current: pd.DataFrame, uploaded: pd.DataFrame, mode: ImportMode,
               keep_ids: pd.Series | None = None) -> pd.DataFrame:
    """The new registry: uploaded rows added or replacing theirs; with ``replace``, the uploading partners'
    rows that are absent from the file removed — except those whose id is among ``keep_ids`` (rows set aside)."""
    uploaded = uploaded[REGISTRY_COLUMNS]
    kept = current[~current["id"].isin(uploaded["id"])]
    if mode == "replace":
        protected = id_key(kept["id"]).isin(set(id_key(keep_ids))) if keep_ids is not None else False
        kept = kept[~kept["partner"].isin(set(uploaded["partner"])) | protected]
    return pd.concat([kept, uploaded], ignore_index=True)


def _stored_spelling(uploaded: pd.DataFrame, current: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Uploaded ids that are stored ids in another letter case take the stored spelling, with a warning each:
    the row updates the stored row, whose id (in links and in the history) stays as it was."""
    stored = pd.Series(current["id"].to_numpy(), index=id_key(current["id"]))
    spelled = id_key(uploaded["id"]).map(stored[~stored.index.duplicated(keep="last")])
    respelled = spelled.notna() & (spelled != uploaded["id"])
    warnings = [(spreadsheet_row(int(index)), "id", uploaded.at[index, "id"], "warning",
                 t("i.id_spelling", lang, value=uploaded.at[index, "id"], stored=spelled[index]))
                for index in uploaded.index[respelled]]
    return uploaded.assign(id=spelled.where(respelled, uploaded["id"])), pd.DataFrame(warnings, columns=PROBLEM_COLUMNS)


def _keep_stored_numbers(uploaded: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Numbers equal to the stored ones keep the stored text (a spreadsheet or GeoJSON writes 35.15 for 35.1500)."""
    stored = current.set_index("id").reindex(uploaded["id"])
    kept = uploaded.copy()
    for column in NUMERIC_COLUMNS:
        old_text, new_text = stored[column].to_numpy(), kept[column].to_numpy()
        same = (pd.to_numeric(stored[column], errors="coerce").to_numpy()
                == pd.to_numeric(kept[column], errors="coerce").to_numpy()) & (old_text != new_text)
        kept.loc[same, column] = old_text[same]
    return kept


def _stamp_updates(uploaded: pd.DataFrame, current: pd.DataFrame, today: str) -> pd.DataFrame:
    """Rows that are new or changed and carry no ``last_updated`` get today's date; unchanged ones keep theirs."""
    compared = [column for column in REGISTRY_COLUMNS if column not in ("id", "last_updated")]
    before = current.set_index("id")[compared].reindex(uploaded["id"])
    after = uploaded.set_index("id")[compared]
    changed = (before.isna().any(axis=1) | (before.fillna("") != after).any(axis=1)).to_numpy()
    undated = (uploaded["last_updated"] == "").to_numpy()
    stored_dates = current.set_index("id")["last_updated"].reindex(uploaded["id"]).to_numpy()
    stamped = uploaded.copy()
    stamped.loc[changed & undated, "last_updated"] = today
    stamped.loc[~changed & undated, "last_updated"] = stored_dates[~changed & undated]
    return stamped


def plan_import(
    data: bytes, file_name: str, *, store: RegistryStore, account: Account, context: ValidationContext,
    mode: ImportMode = "upsert", lang: str = "en", limits: ReadLimits = ReadLimits(), sheet: str | None = None,
    today: str | None = None, skip_invalid: bool = False,
) -> ImportPlan:
    """Everything an import of ``data`` would do for ``account``, its rows checked against ``context`` (where they
    lie included); with ``skip_invalid``, rows with errors are set aside and the others planned. Writes nothing."""
    base_version = store.current_version()
    read = read_partner_file(data, file_name, context.taxonomy, lang=lang, limits=limits, sheet=sheet)
    empty_changes = pd.DataFrame(columns=["id", "change", "column", "old_value", "new_value"])
    if has_errors(read.problems) or read.raw.empty:
        return ImportPlan(file_name, read, mode, base_version, read.problems, None, empty_changes)
    raw, notes = _complete_columns(read.raw, lang)
    current = store.read(base_version)
    problems = [read.problems, pd.DataFrame(notes, columns=PROBLEM_COLUMNS), validate_registry(raw, context, lang)]
    if set(REGISTRY_COLUMNS) <= set(raw.columns):
        problems.append(rows_outside_partner(raw, account, current, lang))
        problems.append(context.location_problems(raw, lang))
    problems = blocking_first(problems)
    invalid = _invalid_rows(problems, len(raw))
    set_aside = skip_invalid and bool(invalid)
    if has_errors(problems) and not set_aside:
        return ImportPlan(file_name, read, mode, base_version, problems, None, empty_changes, invalid)
    kept = raw.drop(index=[row - spreadsheet_row(0) for row in invalid]) if set_aside else raw
    uploaded, respelled = _stored_spelling(kept[REGISTRY_COLUMNS], current, lang)
    problems = blocking_first([problems, respelled])
    uploaded = _keep_stored_numbers(uploaded, current)
    uploaded = _stamp_updates(uploaded, current, today or date.today().isoformat())
    left_out = raw.loc[[row - spreadsheet_row(0) for row in invalid], "id"] if set_aside else None
    content = canonical_registry(merge_rows(current, uploaded, mode, keep_ids=left_out))
    changes = diff_contents(canonical_registry(current), content)
    return ImportPlan(file_name, read, mode, base_version, problems, content, changes, invalid, set_aside)


def _invalid_rows(problems: pd.DataFrame, rows: int) -> tuple[int, ...]:
    """The spreadsheet rows with errors, when the file could be imported without them: no error about the whole
    file (its header, row 1) and at least one row without an error; else ()."""
    rows_with_errors = sorted({int(row) for row in problems.loc[problems["severity"] == "error", "row"]})
    if not rows_with_errors or rows_with_errors[0] < spreadsheet_row(0) or len(rows_with_errors) >= rows:
        return ()
    return tuple(rows_with_errors)


def set_aside_rows(plan: ImportPlan) -> pd.DataFrame:
    """The rows a plan sets aside as the partner wrote them (their own column names, in their order), each after
    its row in the file and its problems (``column: message``, one a line): the file to fix and upload again."""
    said: dict[int, list[str]] = {}
    for problem in plan.problems[plan.problems["row"].isin(plan.set_aside)].itertuples(index=False):
        said.setdefault(int(problem.row), []).append(f"{problem.column}: {problem.message}" if problem.column
                                                     else problem.message)
    rows = plan.read.raw.loc[[row - spreadsheet_row(0) for row in plan.set_aside]]
    rows = rows.rename(columns=plan.read.headers).reset_index(drop=True)
    row_column, problems_column = SET_ASIDE_COLUMNS
    rows.insert(0, problems_column, ["\n".join(said.get(row, [])) for row in plan.set_aside])
    rows.insert(0, row_column, list(plan.set_aside))
    return rows


def set_aside_file(plan: ImportPlan) -> SetAsideFile:
    """The set-aside rows as a file like the partner's: a workbook for a workbook, else CSV with the file's delimiter
    and encoding (UTF-8 with a BOM when that encoding cannot write every letter, or the file was GeoJSON)."""
    rows = set_aside_rows(plan)
    stem = PurePath(plan.file_name).stem or "upload"
    if plan.read.format == "xlsx":
        return SetAsideFile(f"{stem}-set-aside.xlsx", table_xlsx_bytes(rows, plan.read.sheet or "registry"), _XLSX)
    delimiter = plan.read.delimiter if plan.read.format == "csv" and plan.read.delimiter else ","
    encoding = plan.read.encoding if plan.read.format == "csv" and plan.read.encoding else "utf-8-sig"
    try:
        data = table_csv_bytes(rows, encoding="utf-8-sig" if encoding == "utf-8" else encoding, delimiter=delimiter)
    except (UnicodeEncodeError, LookupError):
        data = table_csv_bytes(rows, delimiter=delimiter)
    return SetAsideFile(f"{stem}-set-aside.csv", data, "text/csv")


def commit_plan(plan: ImportPlan, store: RegistryStore, account: Account, derivation: Derivation | None = None) -> int:
    """Save a checked plan as a new version (StaleVersionError if the registry moved on since the plan), with the
    regions and warnings ``derivation`` derives from its content (None: none are kept, and readers derive them)."""
    if not plan.importable:
        raise ValueError("This import has blocking problems or changes nothing; it cannot be committed.")
    derived = derivation.derive(plan.content).parts() if derivation is not None else None
    return store.commit(plan.content, base_version=plan.base_version, account=account.username,
                        file_name=plan.file_name, action="replace" if plan.mode == "replace" else "import",
                        derived=derived, details=plan.set_aside_details())
