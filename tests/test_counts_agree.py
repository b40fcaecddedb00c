"""Every count agrees at 100,000 rows: the map's points, the overview's figures, the coverage choropleth and the
registry table, for several filters (issue 10: correct at any size)."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs

import numpy as np
import pytest

from conftest import NUTS_2024_L3
from ecosystem.coverage import UNASSIGNED, headline, initiatives_only, region_counts
from ecosystem.filters import FilterState, apply_filters, filter_options
from ecosystem.maps import build_map, map_layers, point_table
from ecosystem.regions import assign_regions, load_regions
from ecosystem.registry import typed_registry
from ecosystem.synthetic import synthetic_registry

pytestmark = pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
ROWS = 100_000


@pytest.fixture(scope="module")
def regions():
    return load_regions(NUTS_2024_L3)


@pytest.fixture(scope="module")
def registry(taxonomy, regions):
    return assign_regions(typed_registry(synthetic_registry(ROWS, taxonomy)), regions)


def shown(html: str) -> list[int]:
    """How many points each point layer of a rendered map shows (organisations first, then initiatives)."""
    counts = []
    for found in re.findall(r"new L\.EcoPoints\((\{.*?\})\)\);", html):
        selection = json.loads(found)["selection"]
        if "rows" in selection:
            counts.append(len(base64.b64decode(selection["rows"])) // 4)
        else:
            counts.append(int(np.unpackbits(np.frombuffer(base64.b64decode(selection["mask"]), dtype=np.uint8)).sum()))
    return counts


@pytest.mark.parametrize("query", ["", "country=LT,LV", "service=housing&target=older_people", "country=SE&status=active"])
def test_map_overview_coverage_and_table_count_the_same_rows(registry, regions, taxonomy, query):
    options = filter_options(registry, taxonomy, [], regions["nuts_id"].tolist())
    state = FilterState.from_query(parse_qs(query), options)
    filtered = apply_filters(registry, state)
    located = filtered["latitude"].notna() & filtered["longitude"].notna()
    initiative = filtered["actor_type"] == "initiative"
    assert 0 < len(filtered) <= ROWS

    counts = region_counts(filtered, regions["nuts_id"])
    page = build_map(map_layers(filtered, taxonomy, "en", {}, tiles=None, regions=regions, region_counts=counts,
                                colour_services=state.services)).get_root().render()
    organisations_shown, initiatives_shown = shown(page)
    assert initiatives_shown == (located & initiative).sum()
    assert organisations_shown == (located & ~initiative).sum()
    assert len(point_table(filtered)) == located.sum()  # the table the layers select from holds every located row

    figures = headline(filtered)
    assert figures.initiatives == len(initiatives_only(filtered)) == initiative.sum()  # one row per initiative
    assert figures.organisations == (~initiative).sum()
    in_regions = initiatives_only(filtered)["region_code"] != UNASSIGNED
    assert counts.sum() == in_regions.sum()  # the choropleth counts each placed initiative once
    assert figures.regions == (counts > 0).sum()
    coverage = json.loads(re.search(r"new L\.EcoCoverage\((\{.*?\})\)", page).group(1))["regions"]
    labelled = {code: int(re.search(r": ([\d,]+) initiative", label).group(1).replace(",", ""))
                for code, (_, label) in coverage.items()}
    assert labelled == counts.to_dict()  # what each region's hover label says
