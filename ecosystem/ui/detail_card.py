"""The detail card beside the map: everything the registry knows of one row, as plain text."""

from __future__ import annotations

import re
from typing import Protocol

import pandas as pd
import streamlit as st

from ecosystem.i18n import t
from ecosystem.schema import join_labels
from ecosystem.ui.text import plain
from ecosystem.view import View

__all__ = ["RegistryRow", "detail_card"]


class RegistryRow(Protocol):
    """One row of the typed registry as ``DataFrame.itertuples`` gives it: the fields the card shows."""

    name: str
    actor_type: str
    status: str
    municipality: str
    country: str
    region_code: str
    service_types: str
    target_groups: str
    programmes: str
    start_year: object  # a year, or missing
    end_year: object
    location_precision: str
    partner: str
    source: str
    description: str
    website: str


def detail_card(row: RegistryRow, view: View) -> None:
    """A bordered card with everything the registry knows of one row, all of it as plain text."""
    taxonomy, lang = view.taxonomy, view.lang

    def codes(cell: str, vocabulary: str) -> str:
        return join_labels(pd.Series([cell]), taxonomy.labels(vocabulary, lang)).iloc[0]

    with st.container(border=True):
        st.markdown(f"**{plain(row.name)}**")
        facts = [
            (t("column.actor_type", lang), taxonomy.label("actor_type", row.actor_type, lang)),
            (t("column.status", lang), taxonomy.label("status", row.status, lang) if row.status else ""),
            (t("column.municipality", lang),
             ", ".join(part for part in (row.municipality, taxonomy.label("country", row.country, lang)) if part)),
            (t("column.region_code", lang),
             f"{view.region_names.get(row.region_code, '')} ({row.region_code})" if row.region_code else ""),
            (t("column.service_types", lang), codes(row.service_types, "service_type")),
            (t("column.target_groups", lang), codes(row.target_groups, "target_group")),
            (t("column.programmes", lang),
             ", ".join(view.programme_names.get(code, code) for code in row.programmes.split(";") if code)),
            (t("filter.years", lang), "–".join(str(year) for year in (row.start_year, row.end_year) if pd.notna(year))),
            (t("column.location_precision", lang),
             taxonomy.label("location_precision", row.location_precision, lang) if row.location_precision else ""),
            (t("column.partner", lang), row.partner),
            (t("column.source", lang), row.source.replace(";", ", ")),
        ]
        st.text("\n".join(f"{label}: {value}" for label, value in facts if value))
        if row.description:
            st.text(row.description)
        if re.match(r"^https?://", row.website, re.IGNORECASE):
            st.link_button(t("column.website", lang), row.website)
