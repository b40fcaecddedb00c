"""AppTests of the Gaps page: without boundaries, with boundaries but no population, with both (the real NUTS 2024
file and the population copy in ../shared), and the way to it from Overview and Coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from apptests import open_dashboard
from conftest import NUTS_2024_L3, copy_seed_data, initialise_store
from ecosystem.population import POPULATION_FILE_NAME, population_from_sdmx_csv

needs_nuts = pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")


@pytest.fixture()
def reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with its store set up, and an empty reference folder the test fills."""
    copy_seed_data(tmp_path / "data")
    folder = tmp_path / "reference"
    folder.mkdir()
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(folder))
    return folder


def with_boundaries(folder: Path) -> None:
    (folder / NUTS_2024_L3.name).symlink_to(NUTS_2024_L3)
    initialise_store()


def test_without_boundaries_the_page_says_which_command_fetches_them(reference: Path) -> None:
    initialise_store()
    at = open_dashboard("gaps").run()
    assert not at.exception and not at.error
    assert any("python -m ecosystem reference download" in info.value for info in at.info)
    assert not at.dataframe


@needs_nuts
def test_without_population_gaps_are_listed_by_distance_and_the_page_says_how_to_get_it(reference: Path) -> None:
    with_boundaries(reference)
    at = open_dashboard("gaps", {"country": "LT", "target": "older_people"}).run()
    assert not at.exception and not at.error
    assert any("population is missing" in warning.value and "reference download" in warning.value
               for warning in at.warning)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Region", "Code", "Country", "Residents concerned", "Nearest initiative (km)"]
    assert set(table["Country"]) == {"Lithuania"} and table["Residents concerned"].isna().all()
    assert table["Nearest initiative (km)"].is_monotonic_decreasing
    assert at.toggle(key="gaps_per_100k").disabled


@needs_nuts
def test_with_population_gaps_are_ranked_by_the_residents_concerned(reference: Path,
                                                                    eurostat_population_csv: str) -> None:
    population_from_sdmx_csv(eurostat_population_csv).to_csv(reference / POPULATION_FILE_NAME, index=False)
    with_boundaries(reference)
    at = open_dashboard("gaps", {"country": "LT,LV", "target": "older_people"}).run()
    assert not at.exception and not at.error
    assert not [warning for warning in at.warning if "population" in warning.value]
    table = at.dataframe[0].value
    residents = table["Residents concerned"]
    assert residents.notna().all() and residents.is_monotonic_decreasing
    assert {"Lithuania", "Latvia"} >= set(table["Country"])
    assert any("residents aged 65 and over, on 1 January 2025" in caption.value and "Source: Eurostat" in caption.value
               for caption in at.caption)
    assert metrics(at)["Living there: residents aged 65 and over"] == f"{int(residents.sum()):,}"

    at.toggle(key="gaps_per_100k").set_value(True).run()
    assert not at.exception and not at.error


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_overview_and_coverage_lead_to_the_gaps_page(reference: Path) -> None:
    initialise_store()
    for page in ("overview", "coverage"):
        at = open_dashboard(page).run()
        assert not at.exception
        links = [link.proto.page for link in at.get("page_link")]
        assert any(link.endswith("gaps") or link == "gaps" for link in links), links
