"""The controlled vocabularies of the registry, read from ``data/taxonomy.csv`` (their one home).

Every code, its label in each interface language, its colour and its definition live in that file;
the schema, the filters, the legends and the charts all read them from here, so adding a row to the
file is all it takes to add a code. Countries are the exception: every ISO 3166-1 code is one, named in each
language by CLDR (``ecosystem.countries``); the file's country rows only list the project's countries first, in
their order, with aliases, and leave the labels empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ecosystem.countries import COUNTRY_CODES, country_names, name_lookup
from ecosystem.i18n import LANGUAGES  # the interface languages: each has a label column here

__all__ = [
    "LANGUAGES",
    "VOCABULARIES",
    "Taxonomy",
    "TaxonomyError",
    "load_taxonomy",
]

VOCABULARIES: tuple[str, ...] = (
    "service_type",
    "target_group",
    "actor_type",
    "status",
    "location_precision",
    "country",
)
_REQUIRED_COLUMNS = ["vocabulary", "code", *(f"label_{lang}" for lang in LANGUAGES), "colour", "aliases", "definition_en"]
_TRANSLATED_DEFINITIONS = [f"definition_{lang}" for lang in LANGUAGES if lang != "en"]  # optional columns
_FALLBACK_COLOUR = "#7F7F7F"


class TaxonomyError(ValueError):
    """The taxonomy file cannot be used; the message says why."""


@dataclass(frozen=True)
class Taxonomy:
    """Codes, labels, colours and definitions of every controlled vocabulary, in file order."""

    table: pd.DataFrame

    def _rows(self, vocabulary: str) -> pd.DataFrame:
        return self.table[self.table["vocabulary"] == vocabulary]

    def codes(self, vocabulary: str) -> list[str]:
        """The codes of one vocabulary, in the order of the file."""
        return self._rows(vocabulary)["code"].tolist()

    def labels(self, vocabulary: str, lang: str = "en") -> dict[str, str]:
        """Code → label in ``lang`` (English where a translation is missing)."""
        rows = self._rows(vocabulary)
        column = f"label_{lang}" if lang in LANGUAGES else "label_en"
        labels = rows[column].where(rows[column] != "", rows["label_en"])
        return dict(zip(rows["code"], labels, strict=True))

    def label(self, vocabulary: str, code: str, lang: str = "en") -> str:
        """The label of one code; the code itself when it is unknown."""
        return self.labels(vocabulary, lang).get(code, code)

    def colours(self, vocabulary: str) -> dict[str, str]:
        """Code → hex colour (a neutral grey where the file gives none)."""
        rows = self._rows(vocabulary)
        return dict(zip(rows["code"], rows["colour"].replace("", _FALLBACK_COLOUR), strict=True))

    def definitions(self, vocabulary: str, lang: str = "en") -> dict[str, str]:
        """Code → definition in ``lang`` (English where a translation is missing)."""
        rows = self._rows(vocabulary)
        column = f"definition_{lang}" if lang in LANGUAGES else "definition_en"
        definitions = rows[column].where(rows[column] != "", rows["definition_en"])
        return dict(zip(rows["code"], definitions, strict=True))

    def country_lookup(self) -> dict[str, str]:
        """A country's name in any interface language, or an alias of the file, folded (``fold_name``) → code."""
        rows = self._rows("country")
        extra = tuple((alias, code) for code, aliases in zip(rows["code"], rows["aliases"], strict=True)
                      for alias in aliases.split("|") if alias)
        return name_lookup(extra)

    def listed(self, vocabulary: str) -> list[str]:
        """The codes the file lists, in its order: for countries the project's (every other code follows them)."""
        rows = self._rows(vocabulary)
        return rows.loc[rows["listed"], "code"].tolist()

    def aliases(self, vocabulary: str) -> dict[str, str]:
        """Every label and alias (case-folded) → code, for reading what people type instead of codes."""
        lookup: dict[str, str] = {}
        for row in self._rows(vocabulary).itertuples(index=False):
            names = [row.code, *(getattr(row, f"label_{lang}") for lang in LANGUAGES)]
            names += [alias for alias in row.aliases.split("|") if alias]
            for name in names:
                lookup.setdefault(name.strip().casefold(), row.code)
        return lookup


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and check the taxonomy file; raise TaxonomyError naming the file and the problem."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TaxonomyError(f"{path.name}: cannot be read ({exc}).") from exc
    missing = [column for column in _REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise TaxonomyError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    for column in _TRANSLATED_DEFINITIONS:
        if column not in table.columns:
            table[column] = ""
    table = table[_REQUIRED_COLUMNS + _TRANSLATED_DEFINITIONS].apply(lambda column: column.str.strip())
    unknown = sorted(set(table["vocabulary"]) - set(VOCABULARIES))
    if unknown:
        raise TaxonomyError(f"{path.name}: unknown vocabulary {', '.join(unknown)}; expected one of {', '.join(VOCABULARIES)}.")
    duplicated = table[table.duplicated(["vocabulary", "code"])]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise TaxonomyError(f"{path.name}: code {first['code']!r} appears twice in {first['vocabulary']}.")
    countries = table["vocabulary"] == "country"
    empty = table[(table["code"] == "") | ((table["label_en"] == "") & ~countries)]
    if not empty.empty:
        raise TaxonomyError(f"{path.name}: row {empty.index[0] + 2} has no code or no English label.")
    return Taxonomy(_with_every_country(table.assign(listed=True), path.name).reset_index(drop=True))


def _with_every_country(table: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """The table with every ISO 3166-1 country after the listed ones, each labelled with CLDR's names."""
    listed = table[table["vocabulary"] == "country"]
    unknown = sorted(set(listed["code"]) - set(COUNTRY_CODES))
    if unknown:
        raise TaxonomyError(f"{file_name}: {', '.join(unknown)} is not an ISO 3166-1 alpha-2 country code.")
    labels = [f"label_{lang}" for lang in LANGUAGES]
    labelled = listed.loc[(listed[labels] != "").any(axis=1), "code"].tolist()
    if labelled:
        raise TaxonomyError(f"{file_name}: country {labelled[0]} has labels; leave them empty: country names come from "
                            "CLDR (Babel), in every language.")
    others = pd.DataFrame({"vocabulary": "country", "code": [code for code in COUNTRY_CODES if code not in set(listed["code"])],
                           "listed": False})
    countries = pd.concat([listed, others], ignore_index=True).fillna("")
    for lang in LANGUAGES:
        countries[f"label_{lang}"] = countries["code"].map(country_names(lang))
    return pd.concat([table[table["vocabulary"] != "country"], countries], ignore_index=True)
