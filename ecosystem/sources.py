"""The sources the registry's rows cite, by title and publisher: ``data/sources.csv`` is their one home.

A row's ``source`` cell lists what it cites (``;``-separated): an id of the sources file (the seed articles are
cited by their file names), or anything else a partner writes (a web address, a report's name), which is shown as
written. The About page, the deck's Sources slide and its notes name each source with ``source_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ecosystem.i18n import t
from ecosystem.registry import RegistryError, read_raw_csv
from ecosystem.schema import PROBLEM_COLUMNS

__all__ = ["SOURCE_COLUMNS", "load_source_names", "source_name"]

SOURCE_COLUMNS = ("id", "title", "publisher")
"""the columns a sources file must have; ``published`` (a date), ``language`` and ``note`` (what was inferred) are
optional"""


def load_source_names(path: Path) -> dict[str, str]:
    """Source id → ``Title — Publisher (published)`` from the sources file (none when there is no file);
    RegistryError when a column is missing or an id is empty or repeated."""
    if not path.exists():
        return {}
    raw = read_raw_csv(path)
    problems = [(1, column, "", "error", t("v.missing_column", column=column))
                for column in SOURCE_COLUMNS if column not in raw.columns]
    if not problems:
        for index, row in raw[(raw["id"] == "") | raw["id"].duplicated(keep=False)].iterrows():
            rows = ", ".join(str(i + 2) for i in raw.index[raw["id"] == row["id"]])
            problems.append((index + 2, "id", row["id"], "error",
                             t("v.required") if row["id"] == "" else t("v.duplicate_id", value=row["id"], rows=rows)))
    if problems:
        raise RegistryError(path.name, pd.DataFrame(problems, columns=PROBLEM_COLUMNS))
    published = raw["published"] if "published" in raw.columns else pd.Series("", index=raw.index)
    names = {}
    for row, date in zip(raw.itertuples(), published, strict=True):
        name = " — ".join(part for part in (row.title, row.publisher) if part) or row.id
        names[row.id] = f"{name} ({date})" if date else name
    return names


def source_name(cited: str, names: Mapping[str, str]) -> str:
    """What a row cites, by title and publisher when the sources file knows it, else as written."""
    return names.get(cited, cited)
