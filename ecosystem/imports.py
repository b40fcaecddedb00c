"""A partner's file becomes a new registry version: read → check → preview → commit.

``plan_import`` never writes: it reads the file (any encoding, delimiter, CSV/XLSX/GeoJSON), normalises it
with a warning per change, validates every row, checks who may change which rows, and computes the complete
new registry and its differences from the current version. ``commit_plan`` saves that content as one new
version with its derived regions and warnings (``ecosystem.derived``) — refused if the registry changed since the
plan was made, so no update is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from ecosystem.auth import Account, rows_outside_partner
from ecosystem.checks import blocking_first
from ecosystem.derived import Derivation
from ecosystem.i18n import t
from ecosystem.readers import ReadLimits, ReadResult, read_partner_file
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
from ecosystem.store import RegistryStore, canonical_registry, diff_contents

__all__ = ["ImportMode", "ImportPlan", "commit_plan", "merge_rows", "plan_import"]

ImportMode = Literal["upsert", "replace"]


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

    @property
    def importable(self) -> bool:
        """True when nothing blocks the import and it changes something."""
        return self.content is not None and not has_errors(self.problems) and not self.changes.empty

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


def merge_rows(current: pd.DataFrame, uploaded: pd.DataFrame, mode: ImportMode) -> pd.DataFrame:
    """The new registry: uploaded rows added or replacing theirs; with ``replace``, the uploading partners'
    rows that are absent from the file removed."""
    uploaded = uploaded[REGISTRY_COLUMNS]
    kept = current[~current["id"].isin(uploaded["id"])]
    if mode == "replace":
        kept = kept[~kept["partner"].isin(set(uploaded["partner"]))]
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
    today: str | None = None,
) -> ImportPlan:
    """Everything an import of ``data`` would do for ``account``, its rows checked against ``context`` (where they
    lie included); writes nothing."""
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
    if has_errors(problems):
        return ImportPlan(file_name, read, mode, base_version, problems, None, empty_changes)
    uploaded, respelled = _stored_spelling(raw[REGISTRY_COLUMNS], current, lang)
    problems = blocking_first([problems, respelled])
    uploaded = _keep_stored_numbers(uploaded, current)
    uploaded = _stamp_updates(uploaded, current, today or date.today().isoformat())
    content = canonical_registry(merge_rows(current, uploaded, mode))
    changes = diff_contents(canonical_registry(current), content)
    return ImportPlan(file_name, read, mode, base_version, problems, content, changes)


def commit_plan(plan: ImportPlan, store: RegistryStore, account: Account, derivation: Derivation | None = None) -> int:
    """Save a checked plan as a new version (StaleVersionError if the registry moved on since the plan), with the
    regions and warnings ``derivation`` derives from its content (None: none are kept, and readers derive them)."""
    if not plan.importable:
        raise ValueError("This import has blocking problems or changes nothing; it cannot be committed.")
    derived = derivation.derive(plan.content).parts() if derivation is not None else None
    return store.commit(plan.content, base_version=plan.base_version, account=account.username,
                        file_name=plan.file_name, action="replace" if plan.mode == "replace" else "import",
                        derived=derived)
