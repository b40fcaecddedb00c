"""The sources the registry's rows cite, by title and publisher: ``data/sources.csv`` is their one home.

A row's ``source`` cell lists what it cites (``;``-separated): an id of the sources file (the seed articles are
cited by their file names), or anything else a partner writes (a web address, a report's name), which is shown as
written. The About page, the deck's Sources slide and its notes name each source with ``source_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ecosystem.registry import read_keyed_csv

__all__ = ["SOURCE_COLUMNS", "load_source_names", "source_name"]

SOURCE_COLUMNS = ("id", "title", "publisher")
"""the columns a sources file must have; ``published`` (a date), ``language`` and ``note`` (what was inferred) are
optional"""


def load_source_names(path: Path) -> dict[str, str]:
    """Source id → ``Title — Publisher (published)`` from the sources file (none when there is no file);
    RegistryError when a column is missing or an id is empty or repeated."""
    if not path.exists():
        return {}
    raw = read_keyed_csv(path, SOURCE_COLUMNS)
    published = raw["published"] if "published" in raw.columns else pd.Series("", index=raw.index)
    names = {}
    for row, date in zip(raw.itertuples(), published, strict=True):
        name = " — ".join(part for part in (row.title, row.publisher) if part) or row.id
        names[row.id] = f"{name} ({date})" if date else name
    return names


def source_name(cited: str, names: Mapping[str, str]) -> str:
    """What a row cites, by title and publisher when the sources file knows it, else as written."""
    return names.get(cited, cited)
