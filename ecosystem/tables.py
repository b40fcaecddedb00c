"""Registry rows as tables for people: translated labels, readable column names, plain values."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from ecosystem.i18n import t
from ecosystem.population import AGE_GROUP_KEYS
from ecosystem.schema import join_labels
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "TABLE_COLUMNS", "diff_table", "gaps_table", "names_by_id", "problems_table", "registry_table",
    "set_aside_of", "target_population_table", "taxonomy_table", "versions_table",
]

TABLE_COLUMNS = [
    "name", "actor_type", "country", "region_code", "municipality", "service_types", "target_groups",
    "programmes", "status", "start_year", "end_year", "partner", "website", "source", "id",
]


def registry_table(frame: pd.DataFrame, taxonomy: Taxonomy, lang: str, programme_names: Mapping[str, str]) -> pd.DataFrame:
    """The rows with codes replaced by labels in ``lang`` and headers translated (same rows, same order)."""
    table = frame[TABLE_COLUMNS].copy()
    for column, vocabulary in (("actor_type", "actor_type"), ("country", "country"), ("status", "status")):
        table[column] = join_labels(table[column], taxonomy.labels(vocabulary, lang))
    table["service_types"] = join_labels(table["service_types"], taxonomy.labels("service_type", lang))
    table["target_groups"] = join_labels(table["target_groups"], taxonomy.labels("target_group", lang))
    table["programmes"] = join_labels(table["programmes"], programme_names)
    return table.rename(columns=lambda column: t(f"column.{column}", lang))


def taxonomy_table(taxonomy: Taxonomy, vocabulary: str, lang: str) -> pd.DataFrame:
    """Code, label in ``lang`` and definition of every code of a vocabulary."""
    labels, definitions = taxonomy.labels(vocabulary, lang), taxonomy.definitions(vocabulary, lang)
    return pd.DataFrame({
        t("about.code", lang): list(labels),
        t("about.label", lang): list(labels.values()),
        t("about.definition", lang): [definitions[code] for code in labels],
    })


def names_by_id(*frames: pd.DataFrame) -> dict[str, str]:
    """Row id → name over registry frames (a later frame's name wins), for naming the rows of a diff."""
    names: dict[str, str] = {}
    for frame in frames:
        names.update(zip(frame["id"], frame["name"], strict=True))
    return names


def diff_table(changes: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """A registry diff for people: the row's name beside its id, the change translated, headers translated."""
    table = changes.copy()
    table.insert(1, "name", table["id"].map(names).fillna(""))
    table["change"] = table["change"].map(lambda change: t(f"diff.{change}", lang))
    table["column"] = table["column"].map(lambda column: t(f"column.{column}", lang) if column else "")
    headers = {"id": t("diff.id", lang), "name": t("column.name", lang), "change": t("diff.change", lang),
               "column": t("diff.column", lang), "old_value": t("diff.old_value", lang), "new_value": t("diff.new_value", lang)}
    return table.rename(columns=headers)


def problems_table(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A problems list with translated headers and severities (row, column, value, severity, what to do)."""
    table = problems.assign(severity=problems["severity"].map(lambda severity: t(f"severity.{severity}", lang)))
    return table.rename(columns=lambda column: t(f"column.{column}", lang))


def versions_table(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The store's version list for people: newest first, the columns that say who, when and what."""
    columns = {"version": "history.version", "created_at": "history.when", "account": "history.who",
               "action": "history.action", "file_name": "history.file", "rows": "history.rows",
               "added": "history.added", "changed": "history.changed", "removed": "history.removed",
               "set_aside": "history.set_aside"}
    table = versions.assign(set_aside=[set_aside_of(summary)[0] for summary in versions["summary"]])[list(columns)]
    table["created_at"] = table["created_at"].str.slice(0, 19).str.replace("T", " ")
    table["action"] = table["action"].map(lambda action: t(f"history.action_{action}", lang))
    return table.rename(columns={column: t(key, lang) for column, key in columns.items()})


def set_aside_of(summary: str) -> tuple[int, list[dict[str, object]]]:
    """How many rows of its file a version's import set aside, and (the first of) their rows and ids, from the
    version's summary (JSON)."""
    details = json.loads(summary) if summary else {}
    return int(details.get("set_aside", 0)), list(details.get("set_aside_rows", []))


def gaps_table(gaps: pd.DataFrame, taxonomy: Taxonomy, lang: str) -> pd.DataFrame:
    """The gap regions (``gaps.Gaps.gaps``) for people, in their order: region name, code, country in words,
    residents concerned (whole persons, empty when unknown) and kilometres to the nearest initiative (whole km)."""
    countries = taxonomy.labels("country", lang)
    return pd.DataFrame({
        t("column.region_code", lang): gaps["name"].to_numpy(),
        t("about.code", lang): gaps["nuts_id"].to_numpy(),
        t("column.country", lang): [countries.get(code, code) for code in gaps["country"]],
        t("gaps.residents", lang): gaps["residents"].round().astype("Int64").to_numpy(),
        t("gaps.nearest_km", lang): gaps["nearest_km"].round().astype("Int64").to_numpy(),
    })


def target_population_table(taxonomy: Taxonomy, age_groups: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Each target group in ``lang`` beside the residents its gaps are weighed by (``population.target_age_groups``)."""
    labels = taxonomy.labels("target_group", lang)
    return pd.DataFrame({
        t("filter.targets", lang): list(labels.values()),
        t("about.residents_counted", lang): [t(AGE_GROUP_KEYS[age_groups.get(code, "TOTAL")], lang)
                                             for code in labels],
    })
