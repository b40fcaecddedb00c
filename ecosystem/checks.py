"""What registry rows are checked against: the taxonomy, the programmes and, when loaded, the boundaries."""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import pandas as pd

from ecosystem.i18n import t
from ecosystem.regions import assign_regions, other_edition_code
from ecosystem.schema import PROBLEM_COLUMNS, ValidationContext
from ecosystem.taxonomy import Taxonomy

__all__ = ["region_warnings", "validation_context"]


def _edition_hint(code: str) -> tuple[str, str, str] | None:
    other = other_edition_code(code)
    return (str(other.edition), other.name, ", ".join(other.codes)) if other else None


def validation_context(taxonomy: Taxonomy, programme_ids: Iterable[str], regions: gpd.GeoDataFrame | None = None
                       ) -> ValidationContext:
    """What rows are checked against: the taxonomy, the programmes, and the boundaries when loaded."""
    return ValidationContext(
        taxonomy=taxonomy,
        programme_ids=frozenset(programme_ids),
        region_codes=frozenset(regions["nuts_id"]) if regions is not None else None,
        other_edition=_edition_hint,
    )


def region_warnings(frame: pd.DataFrame, regions: gpd.GeoDataFrame, lang: str = "en") -> pd.DataFrame:
    """A warning for every row whose stated region does not contain its coordinates."""
    placed = assign_regions(frame, regions)
    mismatched = placed[placed["region_mismatch"]]
    return pd.DataFrame({
        "row": mismatched.index + 2, "column": "region_code", "value": frame.loc[mismatched.index, "region_code"],
        "severity": "warning",
        "message": [t("v.region_mismatch", lang, found=found, value=value)
                    for found, value in zip(mismatched["region_from_point"], frame.loc[mismatched.index, "region_code"])],
    }, columns=PROBLEM_COLUMNS)
