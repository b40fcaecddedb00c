"""Residents per NUTS-3 region by broad age group (Eurostat ``demo_r_pjanaggr3``), and whom a target group concerns.

The table comes from Eurostat's dissemination API (``python -m ecosystem reference download``) as SDMX-CSV and is
kept in the reference folder as ``population_nuts3_by_age.csv``: ``nuts_id, year, age, population`` for the
NUTS-3 regions, persons on 1 January, both sexes, ages ``TOTAL``, ``Y_LT15`` (under 15), ``Y15-64`` and
``Y_GE65`` (65 and over). Reuse is free with the acknowledgement "Source: Eurostat".

NUTS editions: Eurostat back-casts the table to the edition in force, so codes of the 2021 edition stop at 2023
and codes new in 2024 start in 2021–2023. A NUTS 2024 boundary file is joined with the latest year from 2024 on,
a NUTS 2021 (or unknown) one with 2023; a region without a value in that year takes its latest earlier one.

Which residents a target group concerns is said in ``data/target_population.csv`` (one row per target group, its
age group; a group not listed concerns all residents). Several target groups concern the union of their age
groups (they do not overlap), or all residents when one of them does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ecosystem.config import PROJECT_DIR, reference_dir

__all__ = [
    "AGE_GROUPS",
    "AGE_GROUP_KEYS",
    "EUROSTAT_DATASET",
    "EUROSTAT_POPULATION_URL",
    "FIRST_YEAR",
    "POPULATION_COLUMNS",
    "POPULATION_FILE_NAME",
    "TARGET_POPULATION_FILE",
    "PopulationError",
    "age_groups_of",
    "find_population_file",
    "load_population",
    "population_from_sdmx_csv",
    "population_year",
    "region_population",
    "target_age_groups",
]

EUROSTAT_DATASET = "demo_r_pjanaggr3"
AGE_GROUPS: tuple[str, ...] = ("TOTAL", "Y_LT15", "Y15-64", "Y_GE65")
AGE_GROUP_KEYS: dict[str, str] = {"TOTAL": "population.age.total", "Y_LT15": "population.age.under_15",
                                  "Y15-64": "population.age.15_64", "Y_GE65": "population.age.65_plus"}
"""Each age group's words for people: its message key (``ecosystem.i18n.t``)."""
FIRST_YEAR = 2021
"""The earliest year kept: enough for both NUTS editions (2021 ↔ 2023, 2024 ↔ 2024 on)."""
# SDMX 2.1 data query: dataset / key (freq.unit.sex.age.geo; '+' joins values, an empty part takes all)
EUROSTAT_POPULATION_URL = (
    "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/"
    f"{EUROSTAT_DATASET}/A.NR.T.{'+'.join(AGE_GROUPS)}.?format=SDMX-CSV&startPeriod={FIRST_YEAR}"
)
POPULATION_FILE_NAME = "population_nuts3_by_age.csv"
POPULATION_COLUMNS = ["nuts_id", "year", "age", "population"]
TARGET_POPULATION_FILE = PROJECT_DIR / "data" / "target_population.csv"
_EDITION_YEARS = {2024: 2024, 2021: 2023}
"""The first year a NUTS edition's boundaries are joined with (the latest year from it on for 2024; 2021: 2023)."""


class PopulationError(ValueError):
    """A population table cannot be used; the message says why, in words that finish "the population table …"."""


def population_from_sdmx_csv(text: str, first_year: int = FIRST_YEAR) -> pd.DataFrame:
    """The NUTS-3 rows of an SDMX-CSV (or plain CSV with the same column ids) answer of ``demo_r_pjanaggr3``:
    persons, both sexes, the four age groups, from ``first_year`` on; columns ``POPULATION_COLUMNS``."""
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower(): name for name in reader.fieldnames or ()}
    needed = ("geo", "age", "time_period", "obs_value")
    missing = [name for name in needed if name not in fields]
    if missing:
        found = ", ".join(reader.fieldnames or ()) or "none"
        raise PopulationError(f"is not Eurostat SDMX-CSV: it lacks the columns {', '.join(missing)} (columns found: {found})")
    fixed = {"freq": "A", "unit": "NR", "sex": "T"}
    rows = []
    for record in reader:
        if any(name in fields and record[fields[name]] != value for name, value in fixed.items()):
            continue
        code, age, year, value = (record[fields[name]].strip() for name in needed)
        if len(code) != 5 or code.endswith("ZZZ") or age not in AGE_GROUPS or not year.isdigit() or int(year) < first_year:
            continue  # not a NUTS-3 region (countries, NUTS 1 and 2, extra-regio), another age, an earlier year
        try:
            persons = float(value)
        except ValueError:
            continue  # ':' or empty: not available
        rows.append((code, int(year), age, int(round(persons))))
    table = pd.DataFrame(rows, columns=POPULATION_COLUMNS)
    absent = [age for age in AGE_GROUPS if age not in set(table["age"])]
    if absent:
        raise PopulationError(f"holds no NUTS-3 values for the age groups {', '.join(absent)} from {first_year} on")
    return table.sort_values(["nuts_id", "age", "year"]).reset_index(drop=True)


def find_population_file() -> Path | None:
    """The downloaded population table in the reference folder, if there is one."""
    path = reference_dir() / POPULATION_FILE_NAME
    return path if path.is_file() else None


def load_population(path: Path) -> pd.DataFrame:
    """The stored population table (``POPULATION_COLUMNS``); PopulationError when it cannot be used."""
    try:
        table = pd.read_csv(path, dtype={"nuts_id": str, "age": str}, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise PopulationError(f"{path.name} could not be read ({error})") from error
    missing = [column for column in POPULATION_COLUMNS if column not in table.columns]
    if missing or table.empty:
        raise PopulationError(f"{path.name} is not a population table of this app (columns {', '.join(missing) or 'present'}, "
                              f"{len(table)} rows); download it again")
    table = table[POPULATION_COLUMNS]
    try:
        return table.astype({"year": int, "population": int})
    except ValueError as error:
        raise PopulationError(f"{path.name} has years or populations that are not whole numbers ({error})") from error


def population_year(table: pd.DataFrame, edition: int | None) -> int:
    """The year a boundary file of NUTS ``edition`` is joined with: the latest year of the table from 2024 on for
    NUTS 2024, 2023 for NUTS 2021 or an unknown edition (the latest year when the table ends earlier)."""
    latest = int(table["year"].max())
    first = _EDITION_YEARS.get(edition or 2021, 2023)
    return latest if edition == 2024 and latest >= first else min(first, latest)


def region_population(table: pd.DataFrame, codes: Iterable[str], ages: Iterable[str], year: int) -> pd.DataFrame:
    """Per region of ``codes`` (index ``nuts_id``, in their order): the residents of the age groups ``ages`` added
    up (``population``, NaN when unknown) and the year counted (``year``: ``year``, else the latest earlier year the
    region has a value of each of the age groups)."""
    codes, ages = list(codes), list(ages)
    rows = table[table["nuts_id"].isin(codes) & table["age"].isin(ages) & (table["year"] <= year)]
    complete = rows.groupby(["nuts_id", "year"])["age"].nunique() == len(ages)
    latest = complete[complete].reset_index().groupby("nuts_id")["year"].max()
    chosen = rows.merge(latest.rename("year").reset_index(), on=["nuts_id", "year"])
    persons = chosen.groupby("nuts_id")["population"].sum()
    result = pd.DataFrame({"population": persons, "year": latest}).reindex(codes)
    result.index.name = "nuts_id"
    return result.astype({"population": float, "year": "Int64"})


@lru_cache(maxsize=4)
def _read_target_age_groups(path: Path, mtime: float) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mapping = {row["target_group"].strip(): row["age_group"].strip() for row in rows}
    unknown = sorted({age for age in mapping.values() if age not in AGE_GROUPS})
    if unknown:
        raise PopulationError(f"{path.name} names age groups Eurostat does not publish here: {', '.join(unknown)} "
                              f"(use one of {', '.join(AGE_GROUPS)})")
    return mapping


def target_age_groups(path: Path = TARGET_POPULATION_FILE) -> dict[str, str]:
    """Target group code → the age group of residents it concerns (``data/target_population.csv``)."""
    return _read_target_age_groups(path, path.stat().st_mtime)


def age_groups_of(targets: Iterable[str], mapping: Mapping[str, str]) -> tuple[str, ...]:
    """The age groups the residents concerned by ``targets`` fall in: all residents (``TOTAL``) when no target
    group is chosen or one concerns everybody, else the distinct groups of the chosen ones, in ``AGE_GROUPS`` order."""
    chosen = {mapping.get(code, "TOTAL") for code in targets}
    if not chosen or "TOTAL" in chosen:
        return ("TOTAL",)
    return tuple(age for age in AGE_GROUPS if age in chosen)
