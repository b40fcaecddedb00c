"""Shared fixtures: the real taxonomy and seed registry, and small hand-made frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosystem.registry import Registry, load_registry, read_raw_csv, typed_registry
from ecosystem.schema import REGISTRY_COLUMNS, ValidationContext
from ecosystem.taxonomy import Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SHARED = REPO.parent / "shared"
NUTS_2024_L3 = SHARED / "reference" / "nuts" / "nuts2024_20m_levl3_baltic.geojson"
PROGRAMME_IDS = frozenset({"sempre", "sempre_accelerators", "socifaction", "local_y_mpact"})


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(DATA / "taxonomy.csv")


@pytest.fixture(scope="session")
def seed_registry(taxonomy: Taxonomy) -> Registry:
    return load_registry(DATA, taxonomy)


@pytest.fixture()
def seed_raw() -> pd.DataFrame:
    return read_raw_csv(DATA / "initiatives.csv")


@pytest.fixture()
def context(taxonomy: Taxonomy) -> ValidationContext:
    return ValidationContext(taxonomy=taxonomy, programme_ids=PROGRAMME_IDS)


def make_raw(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A raw registry table from partial rows (every other column empty, sensible required values)."""
    defaults = {"actor_type": "initiative", "partner": "seed", "source": "test", "country": "LT",
                "service_types": "social_support", "target_groups": "older_people"}
    full = [{column: "" for column in REGISTRY_COLUMNS} | defaults | {"id": f"row-{n}", "name": f"Row {n}"} | row
            for n, row in enumerate(rows)]
    return pd.DataFrame(full, columns=REGISTRY_COLUMNS)


def make_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A typed registry frame from partial rows."""
    return typed_registry(make_raw(rows))
