"""The registry's columns and rules, and a validator that returns every problem of a file at once.

Validation works on the *raw* table as read from a file (every cell a string, ``""`` when empty), so a
problem can quote the value the person typed. Column rules run as a pandera schema (``lazy=True``: all
failures at once); rules across columns (years, coordinates, regions, duplicates) run as vectorised pandas
checks. The result is one problems table — ``row, column, value, severity, message`` — where ``row`` is
the row number as the person sees it in a spreadsheet (the header is row 1).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ecosystem.countries import NUTS_PREFIXES, fold_name, nearest_codes
from ecosystem.i18n import t
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "CODE_LIST_COLUMNS",
    "COORDINATE_COLUMNS",
    "LIST_COLUMNS",
    "NUMERIC_COLUMNS",
    "PROBLEM_COLUMNS",
    "REGISTRY_COLUMNS",
    "YEAR_COLUMNS",
    "WEB_ADDRESS",
    "ValidationContext",
    "has_errors",
    "id_key",
    "join_labels",
    "split_codes",
    "spreadsheet_row",
    "validate_registry",
]

REGISTRY_COLUMNS: list[str] = [
    "id", "name", "actor_type", "country", "region_code", "municipality", "latitude", "longitude",
    "location_precision", "service_types", "target_groups", "programmes", "status", "start_year",
    "end_year", "partner", "website", "description", "source", "last_updated",
]
REQUIRED_VALUES: tuple[str, ...] = ("id", "name", "actor_type", "partner", "source")
# column → vocabulary of the taxonomy, for single codes and for ";"-separated lists of codes
SINGLE_CODE_COLUMNS: dict[str, str] = {
    "actor_type": "actor_type",
    "country": "country",
    "location_precision": "location_precision",
    "status": "status",
}
CODE_LIST_COLUMNS: dict[str, str] = {"service_types": "service_type", "target_groups": "target_group"}
# the kinds of columns every other module reads from here: ";"-separated lists (column → the name of one of
# its codes: its taxonomy vocabulary, or "programme"), and the numeric columns, which a typed registry holds
# as floats (coordinates) and whole years
LIST_COLUMNS: dict[str, str] = {**CODE_LIST_COLUMNS, "programmes": "programme"}
COORDINATE_COLUMNS: tuple[str, str] = ("latitude", "longitude")
YEAR_COLUMNS: tuple[str, str] = ("start_year", "end_year")
NUMERIC_COLUMNS: tuple[str, ...] = (*COORDINATE_COLUMNS, *YEAR_COLUMNS)
TEXT_LIMITS: dict[str, int] = {
    "id": 64, "name": 200, "municipality": 120, "partner": 120, "website": 500,
    "description": 2000, "source": 500,
}
YEAR_RANGE = (1900, 2100)
PROBLEM_COLUMNS = ["row", "column", "value", "severity", "message"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_NUTS3 = re.compile(r"^[A-Z]{2}[0-9A-Z]{3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^\d{1,4}$")
WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
"""What a website cell may hold: one http(s) address (other links are never kept as links)."""


@dataclass(frozen=True)
class ValidationContext:
    """What a registry row is checked against besides its own cells."""

    taxonomy: Taxonomy
    programme_ids: frozenset[str]
    region_codes: frozenset[str] | None = None
    """NUTS-3 2024 codes of the boundary file, when loaded; codes of countries it does not cover are not judged."""
    other_edition: Callable[[str], tuple[str, str, str] | None] = field(default=lambda code: None)
    """code → (edition, name, code of 2024) for codes of another NUTS edition."""
    location_problems: Callable[[pd.DataFrame, str], pd.DataFrame] = field(
        default=lambda raw, lang: pd.DataFrame(columns=PROBLEM_COLUMNS))
    """raw rows, language → problems of where the rows lie, judged against the boundaries when loaded (imports
    and ``validate`` add them; ``validate_registry`` does not, so a stored version is placed, never refused)."""


def id_key(ids: pd.Series) -> pd.Series:
    """Ids as they are compared: without surrounding spaces, letter case ignored (``B-ROW-0`` is ``b-row-0``)."""
    return ids.str.strip().str.lower()


def split_codes(values: pd.Series) -> pd.Series:
    """``"a;b"`` cells → one row per code (index repeated), empty cells dropped."""
    codes = values.str.split(";").explode().str.strip()
    return codes[codes.fillna("") != ""]


def join_labels(cells: pd.Series, labels: Mapping[str, str]) -> pd.Series:
    """``a;b`` code cells → ``Label A, Label B`` (unknown codes shown as they are), once per distinct cell."""
    distinct = {cell: ", ".join(labels.get(code, code) for code in cell.split(";") if code) for cell in cells.unique()}
    return cells.map(distinct)


def spreadsheet_row(index: pd.Index | int) -> pd.Index | int:
    """Frame index → row number in the person's spreadsheet (header is row 1)."""
    return index + 2


def has_errors(problems: pd.DataFrame) -> bool:
    """True when any problem blocks the file."""
    return bool((problems["severity"] == "error").any())


def _suggest(value: str, choices: list[str], labels: dict[str, str]) -> str | None:
    """The closest code to a mistyped value, matching codes and labels."""
    folded: dict[str, str] = {}
    for code, names in [(choice, [choice, *choice.split("_")]) for choice in choices] + \
            [(code, [label, *label.split()]) for code, label in labels.items()]:
        for name in names:
            if len(name) > 3:
                folded.setdefault(name.casefold(), code)
    match = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


# --- column rules (each returns True where the cell is fine) -------------------------------------

def _filled(cells: pd.Series) -> pd.Series:
    return cells != ""


def _in(codes: list[str]) -> Callable[[pd.Series], pd.Series]:
    allowed = set(codes) | {""}
    return lambda cells: cells.isin(allowed)


def _all_in(codes: list[str]) -> Callable[[pd.Series], pd.Series]:
    allowed = set(codes)

    def check(cells: pd.Series) -> pd.Series:
        bad = [cell for cell in pd.unique(cells) if any(
            part.strip() and part.strip() not in allowed for part in str(cell).split(";"))]
        return ~cells.isin(bad)  # judged once per distinct cell: lists repeat a lot

    return check


def _matches(pattern: re.Pattern[str]) -> Callable[[pd.Series], pd.Series]:
    return lambda cells: (cells == "") | cells.str.match(pattern)


def _max_length(limit: int) -> Callable[[pd.Series], pd.Series]:
    return lambda cells: cells.str.len() <= limit


def _no_control(cells: pd.Series) -> pd.Series:
    if not _CONTROL.search("\n".join(cells.tolist())):  # one scan of the whole column; cells only if needed
        return pd.Series(True, index=cells.index)
    return ~cells.str.contains(_CONTROL)


def _in_range(low: float, high: float) -> Callable[[pd.Series], pd.Series]:
    def check(cells: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(cells.where(cells.str.match(_NUMBER)), errors="coerce")
        return numbers.isna() | numbers.between(low, high)

    return check


def _year(cells: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(cells.where(cells.str.match(_INTEGER)), errors="coerce")
    return ((cells == "") | numbers.between(*YEAR_RANGE)).fillna(False).astype(bool)


def _web_url(cells: pd.Series) -> pd.Series:
    return (cells == "") | cells.str.match(WEB_ADDRESS.pattern, case=False)


def _check(rule: Callable[[pd.Series], pd.Series], key: str) -> pa.Check:
    return pa.Check(rule, error=key)


def _column_schema(context: ValidationContext) -> pa.DataFrameSchema:
    """The pandera schema of the raw table: one Column per registry column, rules named by message key."""
    taxonomy = context.taxonomy
    checks: dict[str, list[pa.Check]] = {column: [_check(_no_control, "v.control_chars")] for column in REGISTRY_COLUMNS}
    for column in REQUIRED_VALUES:
        checks[column].append(_check(_filled, "v.required"))
    for column, limit in TEXT_LIMITS.items():
        checks[column].append(_check(_max_length(limit), "v.too_long"))
    for column, vocabulary in SINGLE_CODE_COLUMNS.items():
        checks[column].append(_check(_in(taxonomy.codes(vocabulary)), f"code:{vocabulary}"))
    for column, vocabulary in CODE_LIST_COLUMNS.items():
        checks[column].append(_check(_all_in(taxonomy.codes(vocabulary)), f"codes:{vocabulary}"))
    checks["programmes"].append(_check(_all_in(sorted(context.programme_ids)), "programmes"))
    checks["id"].append(_check(_matches(_ID), "v.id_format"))
    checks["region_code"].append(_check(_matches(_NUTS3), "v.region_format"))
    checks["latitude"] += [_check(_matches(_NUMBER), "v.not_number"), _check(_in_range(-90, 90), "v.latitude_range")]
    checks["longitude"] += [_check(_matches(_NUMBER), "v.not_number"), _check(_in_range(-180, 180), "v.longitude_range")]
    for column in YEAR_COLUMNS:
        checks[column].append(_check(_year, "v.year"))
    checks["website"].append(_check(_web_url, "v.url"))
    checks["last_updated"].append(_check(_matches(_DATE), "v.date"))
    return pa.DataFrameSchema(
        {column: pa.Column(None, checks=checks[column], required=True) for column in REGISTRY_COLUMNS},
        strict=True,
        ordered=False,
    )


def _column_problems(raw: pd.DataFrame, context: ValidationContext, lang: str) -> pd.DataFrame:
    """Run the pandera schema and turn its failure cases into problems a person can act on."""
    try:
        _column_schema(context).validate(raw, lazy=True)
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    problems = []
    taxonomy = context.taxonomy
    said: dict[tuple[str, str], str] = {}
    for case in cases.itertuples(index=False):
        key = str(case.check)
        if case.index is None or pd.isna(case.index):
            if key == "column_in_dataframe":
                problems.append((1, case.failure_case, "", "error", t("v.missing_column", lang, column=case.failure_case)))
            elif key == "column_in_schema":
                suggestion = difflib.get_close_matches(str(case.failure_case), REGISTRY_COLUMNS, n=1)
                hint = t("v.did_you_mean", lang, suggestion=suggestion[0]) if suggestion else ""
                message = t("v.unknown_column", lang, column=case.failure_case, hint=hint)
                problems.append((1, case.failure_case, "", "error", message))
            else:  # a rule that could not run on this column: never drop it silently
                message = t("v.file_unreadable", lang, reason=f"{key}: {case.failure_case}")
                problems.append((1, case.column or "", "", "error", message))
            continue
        column = case.column
        value = raw.at[case.index, column]
        if key.startswith(("code:", "codes:", "programmes")):  # once per distinct value: files repeat them
            if (key, value) not in said:
                said[(key, value)] = _code_message(key, value, taxonomy, context, lang)
            message = said[(key, value)]
        elif key == "v.too_long":
            message = t(key, lang, count=len(value), limit=TEXT_LIMITS[column])
        elif key == "v.year":
            message = t(key, lang, low=YEAR_RANGE[0], high=YEAR_RANGE[1])
        else:
            message = t(key, lang)
        problems.append((spreadsheet_row(int(case.index)), column, value, "error", message))
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def _code_message(key: str, value: str, taxonomy: Taxonomy, context: ValidationContext, lang: str) -> str:
    """Which codes of a cell are unknown, what is expected and the closest code."""
    if key == "programmes":
        choices, labels, message_key = sorted(context.programme_ids), {}, "v.unknown_programme"
    else:
        vocabulary = key.split(":", 1)[1]
        choices, labels, message_key = taxonomy.codes(vocabulary), taxonomy.labels(vocabulary, lang), "v.unknown_code"
    if key == "code:country":
        return _country_message(value, taxonomy, lang)
    parts = [value] if key.startswith("code:") else [part.strip() for part in value.split(";")]
    bad = [part for part in parts if part and part not in choices] or [value]
    suggestion = _suggest(bad[0], choices, labels)
    hint = t("v.did_you_mean", lang, suggestion=suggestion) if suggestion else ""
    return t(message_key, lang, bad="; ".join(bad), expected=", ".join(choices), hint=hint)


def _country_message(value: str, taxonomy: Taxonomy, lang: str) -> str:
    """A value that is no country: what is expected, and the nearest real codes (of a code: letters swapped or
    slipped; of a name: the countries whose names in any interface language are spelt most alike)."""
    if len(value.strip()) == 2:
        codes = nearest_codes(value, first=taxonomy.listed("country"))
    else:
        names = taxonomy.country_lookup()
        close = difflib.get_close_matches(fold_name(value), list(names), n=10, cutoff=0.75)
        codes = list(dict.fromkeys(names[name] for name in close))[:5]
    labels = taxonomy.labels("country", lang)
    hint = t("v.nearest_countries", lang, codes=", ".join(f"{code} ({labels[code]})" for code in codes)) if codes else ""
    return t("v.unknown_country", lang, bad=value, hint=hint)


# --- rules across columns -----------------------------------------------------------------------

def _row_problems(raw: pd.DataFrame, context: ValidationContext, lang: str) -> pd.DataFrame:
    """Rules that look at more than one cell of a row, or at several rows."""
    problems: list[tuple[int, str, str, str, str]] = []

    def add(mask: pd.Series, column: str, severity: str, message: Callable[[pd.Series], str]) -> None:
        for index, row in raw[mask].iterrows():
            problems.append((spreadsheet_row(int(index)), column, row[column], severity, message(row)))

    taxonomy = context.taxonomy
    initiative = raw["actor_type"] == "initiative"
    for column in CODE_LIST_COLUMNS:
        add(initiative & (raw[column].str.strip(" ;") == ""), column, "error", lambda _: t("v.required_for_initiative", lang))

    keys = id_key(raw["id"])
    duplicated = keys.ne("") & keys.duplicated(keep=False)
    if duplicated.any():
        rows_by_key = raw.index[duplicated].to_series().groupby(keys[duplicated]).agg(
            lambda index: ", ".join(str(spreadsheet_row(i)) for i in index))
        add(duplicated, "id", "error", lambda row: t("v.duplicate_id", lang, value=row["id"], rows=rows_by_key[keys[row.name]]))

    has_lat, has_lon = raw["latitude"] != "", raw["longitude"] != ""
    add(has_lat != has_lon, "latitude", "error", lambda _: t("v.coordinates_pair", lang))
    precision_codes = ", ".join(taxonomy.codes("location_precision"))
    add(has_lat & has_lon & (raw["location_precision"] == ""), "location_precision", "error",
        lambda _: t("v.precision_needed", lang, expected=precision_codes))
    add((raw["country"] == "") & (initiative | (has_lat & has_lon)), "country", "error", lambda _: t("v.country_needed", lang))

    start = pd.to_numeric(raw["start_year"].where(raw["start_year"].str.match(_INTEGER)), errors="coerce")
    end = pd.to_numeric(raw["end_year"].where(raw["end_year"].str.match(_INTEGER)), errors="coerce")
    add((end < start).fillna(False).astype(bool), "end_year", "error",
        lambda row: t("v.end_before_start", lang, value=row["end_year"], start=row["start_year"]))

    region = raw["region_code"]
    well_formed = region.str.match(_NUTS3)
    other_country = well_formed & (raw["country"] != "") & (region.str[:2] != raw["country"].replace(NUTS_PREFIXES))
    add(other_country, "region_code", "error",
        lambda row: t("v.region_country", lang, value=row["region_code"], country=row["country"]))
    covered = {known[:2] for known in context.region_codes} if context.region_codes is not None else set()
    for index, code in region[well_formed & ~other_country].items():
        other = context.other_edition(code)
        if other is not None:
            edition, name, replacement = other
            problems.append((spreadsheet_row(int(index)), "region_code", code, "warning",
                             t("v.region_other_edition", lang, value=code, edition=edition, name=name, replacement=replacement)))
        elif context.region_codes is not None and code[:2] in covered and code not in context.region_codes:
            problems.append((spreadsheet_row(int(index)), "region_code", code, "error", t("v.region_unknown", lang, value=code)))
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def validate_registry(raw: pd.DataFrame, context: ValidationContext, lang: str = "en") -> pd.DataFrame:
    """Every problem of a raw registry table (strings, ``""`` for empty), sorted by row and column."""
    raw = raw.fillna("").astype(str).astype("string[pyarrow]")  # string kernels run in Arrow, not per cell
    problems = _column_problems(raw, context, lang)
    if set(REGISTRY_COLUMNS) <= set(raw.columns):
        problems = pd.concat([problems, _row_problems(raw, context, lang)], ignore_index=True)
    order = {column: position for position, column in enumerate(REGISTRY_COLUMNS)}
    problems["row"] = problems["row"].astype(int)
    problems = problems.assign(_order=problems["column"].map(order).fillna(len(order)))
    return problems.sort_values(["row", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
