"""One FilterState for every page: built from and written to the URL query string, applied to frames.

The query string is the permalink of a view: ``?country=LT,LV&service=transport_mobility&lang=lt``.
Multiple values are comma-separated (repeated keys are read too); unknown values are ignored so an old
link never breaks a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd

from ecosystem.i18n import t
from ecosystem.registry import fold_text
from ecosystem.schema import LIST_COLUMNS
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "QUERY_KEYS", "FilterOptions", "FilterState", "apply_filters", "describe_filters", "filter_options", "matches_any_code",
]

# FilterState field → (query key, registry column, taxonomy vocabulary or None)
_LIST_FIELDS: dict[str, tuple[str, str, str | None]] = {
    "countries": ("country", "country", "country"),
    "regions": ("region", "region_code", None),
    "services": ("service", "service_types", "service_type"),
    "targets": ("target", "target_groups", "target_group"),
    "programmes": ("programme", "programmes", None),
    "actor_types": ("actor", "actor_type", "actor_type"),
    "statuses": ("status", "status", "status"),
}
QUERY_KEYS: frozenset[str] = frozenset({key for key, _, _ in _LIST_FIELDS.values()} | {"from", "to", "q"})
"""The query-string keys the filters own (others, such as ``lang`` or ``embed``, belong to the page)."""


@dataclass(frozen=True)
class FilterOptions:
    """The values a filter may take in the current registry (what the sidebar offers)."""

    countries: tuple[str, ...]
    regions: tuple[str, ...]
    services: tuple[str, ...]
    targets: tuple[str, ...]
    programmes: tuple[str, ...]
    actor_types: tuple[str, ...]
    statuses: tuple[str, ...]
    years: tuple[int, int]


@dataclass(frozen=True)
class FilterState:
    """What the user asked to see. Empty tuples mean "all"."""

    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    actor_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self == FilterState()

    def to_query(self) -> dict[str, str]:
        """The query-string parameters of this state (only what is set)."""
        query = {key: ",".join(getattr(self, name)) for name, (key, _, _) in _LIST_FIELDS.items() if getattr(self, name)}
        if self.years is not None:
            query["from"], query["to"] = str(self.years[0]), str(self.years[1])
        if self.text:
            query["q"] = self.text
        return query

    def query_string(self, **extra: str) -> str:
        """``country=LT&service=…`` — the permalink's query string, with extra parameters (e.g. lang)."""
        return urlencode({**self.to_query(), **{key: value for key, value in extra.items() if value}})

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]], options: FilterOptions) -> FilterState:
        """Read a query string; values not offered by ``options`` are dropped, years clamped to the data."""
        def values(key: str) -> list[str]:
            raw = params.get(key, [])
            items = [raw] if isinstance(raw, str) else list(raw)
            return [value.strip() for item in items for value in item.split(",") if value.strip()]

        chosen = {name: tuple(dict.fromkeys(value for value in values(key) if value in getattr(options, name)))
                  for name, (key, _, _) in _LIST_FIELDS.items()}
        low, high = options.years
        try:
            start = int(values("from")[0]) if values("from") else low
            end = int(values("to")[0]) if values("to") else high
        except ValueError:
            start, end = low, high
        start, end = max(low, min(start, high)), min(high, max(end, low))
        years = None if (start, end) == (low, high) or start > end else (start, end)
        return cls(**chosen, years=years, text=" ".join(values("q"))[:200])


def matches_any_code(cells: pd.Series, codes: Iterable[str]) -> pd.Series:
    """True where a ``;``-separated cell holds at least one of ``codes``."""
    wanted = set(codes)
    exploded = cells.str.split(";").explode()
    hits = exploded[exploded.isin(wanted)].index.unique()
    return pd.Series(cells.index.isin(hits), index=cells.index)


def apply_filters(frame: pd.DataFrame, state: FilterState) -> pd.DataFrame:
    """The rows of a typed registry frame that the state selects."""
    keep = pd.Series(True, index=frame.index)
    for name, (_, column, _) in _LIST_FIELDS.items():
        chosen = getattr(state, name)
        if chosen:
            keep &= matches_any_code(frame[column], chosen) if column in LIST_COLUMNS else frame[column].isin(chosen)
    if state.years is not None:
        keep &= frame["start_year"].between(*state.years).fillna(False).astype(bool)
    if state.text:
        for word in fold_text(pd.Series(state.text.split())):
            keep &= frame["search_text"].str.contains(word, regex=False)
    return frame[keep]


def filter_options(frame: pd.DataFrame, taxonomy: Taxonomy, programme_ids: Iterable[str],
                   region_codes: Iterable[str] = ()) -> FilterOptions:
    """What each filter can offer: taxonomy codes, programmes, regions known or used, the years present."""
    years = frame["start_year"].dropna()
    regions = sorted(set(region_codes) | set(frame["region_code"][frame["region_code"] != ""]))
    return FilterOptions(
        countries=tuple(code for code in taxonomy.codes("country") if code in set(frame["country"]))
        or tuple(taxonomy.codes("country")),
        regions=tuple(regions),
        services=tuple(taxonomy.codes("service_type")),
        targets=tuple(taxonomy.codes("target_group")),
        programmes=tuple(programme_ids),
        actor_types=tuple(taxonomy.codes("actor_type")),
        statuses=tuple(taxonomy.codes("status")),
        years=(int(years.min()), int(years.max())) if not years.empty else (2000, 2030),
    )


def describe_filters(state: FilterState, taxonomy: Taxonomy, lang: str,
                     programme_names: Mapping[str, str] | None = None,
                     region_names: Mapping[str, str] | None = None) -> str:
    """The active filters in words, e.g. ``Country: Lithuania, Latvia · Service type: Transport & mobility``."""
    parts = []
    for name, (_, _, vocabulary) in _LIST_FIELDS.items():
        chosen = getattr(state, name)
        if not chosen:
            continue
        if vocabulary:
            labels = taxonomy.labels(vocabulary, lang)
        elif name == "programmes":
            labels = dict(programme_names or {})
        elif name == "regions":
            labels = {code: f"{region_names[code]} ({code})" for code in chosen if region_names and code in region_names}
        else:
            labels = {}
        parts.append(f"{t(f'filter.{name}', lang)}: {', '.join(labels.get(code, code) for code in chosen)}")
    if state.years is not None:
        parts.append(f"{t('filter.years', lang)}: {state.years[0]}–{state.years[1]}")
    if state.text:
        parts.append(f"{t('filter.text', lang)}: “{state.text}”")
    return " · ".join(parts) if parts else t("filter.none", lang)

