"""Synthetic registries for benchmarks and scale tests — clearly marked, never mixed with real data.

Every synthetic row has an id starting ``synthetic-``, the partner ``synthetic`` and the source
``synthetic benchmark data (not real)``; points fall in the Baltic Sea box.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecosystem.schema import REGISTRY_COLUMNS
from ecosystem.taxonomy import Taxonomy

__all__ = ["SYNTHETIC_SOURCE", "synthetic_registry"]

SYNTHETIC_SOURCE = "synthetic benchmark data (not real)"
_COUNTRIES = ["DE", "DK", "SE", "FI", "EE", "LV", "LT", "PL"]


def synthetic_registry(rows: int, taxonomy: Taxonomy, seed: int = 7, programmes: tuple[str, ...] = ()) -> pd.DataFrame:
    """A raw registry table (text cells) of ``rows`` synthetic initiatives and organisations."""
    rng = np.random.default_rng(seed)
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    actor_types, statuses = taxonomy.codes("actor_type"), taxonomy.codes("status")

    def code_lists(codes: list[str]) -> list[str]:
        counts = rng.integers(1, 3, rows)
        return [";".join(rng.choice(codes, size=count, replace=False)) for count in counts]

    actor = rng.choice(actor_types, rows, p=[0.7] + [0.3 / (len(actor_types) - 1)] * (len(actor_types) - 1))
    start = rng.integers(2005, 2026, rows)
    frame = pd.DataFrame({
        "id": [f"synthetic-{number:06d}" for number in range(rows)],
        "name": [f"Synthetic initiative {number}" for number in range(rows)],
        "actor_type": actor,
        "country": rng.choice(_COUNTRIES, rows),
        "region_code": "",
        "municipality": "",
        "latitude": np.round(rng.uniform(53.5, 66.0, rows), 5).astype(str),
        "longitude": np.round(rng.uniform(9.0, 30.0, rows), 5).astype(str),
        "location_precision": "settlement",
        "service_types": code_lists(services),
        "target_groups": code_lists(targets),
        "programmes": rng.choice(list(programmes) + [""], rows) if programmes else "",
        "status": rng.choice(statuses, rows),
        "start_year": start.astype(str),
        "end_year": "",
        "partner": "synthetic",
        "website": "",
        "description": "",
        "source": SYNTHETIC_SOURCE,
        "last_updated": "2026-11-26",
    })
    return frame[REGISTRY_COLUMNS]
