"""Tests for ecosystem.population: Eurostat's SDMX-CSV read, the stored table, the NUTS edition's year, whom a
target group concerns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosystem.population import (
    AGE_GROUPS,
    EUROSTAT_POPULATION_URL,
    POPULATION_COLUMNS,
    TARGET_POPULATION_FILE,
    PopulationError,
    age_groups_of,
    load_population,
    population_from_sdmx_csv,
    population_year,
    region_population,
    target_age_groups,
)
from ecosystem.taxonomy import Taxonomy

HEADER = "DATAFLOW,LAST UPDATE,freq,unit,sex,age,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"


def sdmx(*rows: str) -> str:
    return HEADER + "".join(f"ESTAT:DEMO_R_PJANAGGR3(1.0),25/03/26 23:00:00,{row}\n" for row in rows)


def every_age(code: str, year: int, values: tuple[int, int, int, int], **fixed: str) -> list[str]:
    unit, sex = fixed.get("unit", "NR"), fixed.get("sex", "T")
    return [f"A,{unit},{sex},{age},{code},{year},{value}," for age, value in zip(AGE_GROUPS, values, strict=True)]


def test_the_query_asks_eurostat_for_persons_of_both_sexes_in_the_four_age_groups() -> None:
    assert EUROSTAT_POPULATION_URL.startswith("https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/")
    assert "/demo_r_pjanaggr3/A.NR.T.TOTAL+Y_LT15+Y15-64+Y_GE65.?" in EUROSTAT_POPULATION_URL
    assert "format=SDMX-CSV" in EUROSTAT_POPULATION_URL


def test_sdmx_csv_keeps_nuts3_persons_of_both_sexes_from_the_first_year() -> None:
    text = sdmx(
        *every_age("LT011", 2024, (100, 15, 60, 25)),
        *every_age("LT", 2024, (1000, 150, 600, 250)),       # a country: not NUTS-3
        *every_age("LTZZZ", 2024, (1, 1, 1, 1)),             # extra-regio
        *every_age("LT011", 2020, (90, 14, 55, 21)),         # before the first year
        *every_age("LT011", 2024, (50, 8, 30, 12), sex="F"),  # women only
        "A,NR,T,Y_LT5,LT011,2024,5,",                          # another age group
        "A,NR,T,TOTAL,LT021,2024,:,",                          # not available
    )
    table = population_from_sdmx_csv(text, first_year=2021)
    assert list(table.columns) == POPULATION_COLUMNS
    assert table.to_dict("records") == [
        {"nuts_id": "LT011", "year": 2024, "age": age, "population": value}
        for age, value in sorted(zip(AGE_GROUPS, (100, 15, 60, 25), strict=True))
    ]


def test_an_answer_without_the_columns_or_the_age_groups_is_refused() -> None:
    with pytest.raises(PopulationError, match="lacks the columns geo, time_period"):
        population_from_sdmx_csv("age,OBS_VALUE\nTOTAL,1\n")
    with pytest.raises(PopulationError, match="no NUTS-3 values for the age groups Y_GE65"):
        population_from_sdmx_csv(sdmx(*every_age("LT011", 2024, (100, 15, 60, 25))[:3]))


def test_the_copy_of_the_real_table_reads_whole(eurostat_population_csv: str) -> None:
    table = population_from_sdmx_csv(eurostat_population_csv)
    assert set(table["age"]) == set(AGE_GROUPS)
    assert table["year"].min() == 2021 and table["year"].max() == 2025
    lt011 = table[(table["nuts_id"] == "LT011") & (table["year"] == 2025)].set_index("age")["population"]
    assert lt011["TOTAL"] == 876727  # the table's own values, as published
    assert lt011["Y_LT15"] + lt011["Y15-64"] + lt011["Y_GE65"] == lt011["TOTAL"]


def test_stored_table_round_trips_and_a_broken_one_says_why(tmp_path: Path) -> None:
    table = population_from_sdmx_csv(sdmx(*every_age("LV00B", 2025, (274798, 1, 2, 3))))
    table.to_csv(tmp_path / "population.csv", index=False)
    pd.testing.assert_frame_equal(load_population(tmp_path / "population.csv"), table)
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(PopulationError, match="other.csv is not a population table of this app"):
        load_population(tmp_path / "other.csv")


def test_nuts_2024_takes_the_latest_year_and_nuts_2021_takes_2023() -> None:
    years = pd.DataFrame({"year": [2021, 2022, 2023, 2024, 2025]})
    assert population_year(years, 2024) == 2025
    assert population_year(years, 2021) == 2023
    assert population_year(years, None) == 2023
    assert population_year(years[years["year"] <= 2022], 2024) == 2022


def test_region_population_adds_age_groups_and_falls_back_to_an_earlier_year() -> None:
    table = population_from_sdmx_csv(sdmx(
        *every_age("LT011", 2025, (876727, 137798, 582521, 156408)),
        *every_age("LT011", 2024, (868251, 140787, 575752, 151712)),
        *every_age("LV003", 2023, (232312, 36721, 144431, 51160)),
    ))
    result = region_population(table, ["LV003", "LT011", "EE001"], ["Y_LT15", "Y_GE65"], 2025)
    assert list(result.index) == ["LV003", "LT011", "EE001"]
    assert result.loc["LT011", "population"] == 137798 + 156408
    assert result.loc["LT011", "year"] == 2025
    assert result.loc["LV003", "population"] == 36721 + 51160 and result.loc["LV003", "year"] == 2023
    assert pd.isna(result.loc["EE001", "population"]) and pd.isna(result.loc["EE001", "year"])
    assert region_population(table, ["LT011"], ["TOTAL"], 2024).loc["LT011", "population"] == 868251


def test_every_target_group_concerns_a_published_age_group(taxonomy: Taxonomy) -> None:
    mapping = target_age_groups()
    assert set(mapping) == set(taxonomy.codes("target_group"))
    assert set(mapping.values()) <= set(AGE_GROUPS)
    assert mapping["older_people"] == "Y_GE65" and mapping["children_youth"] == "Y_LT15"
    assert TARGET_POPULATION_FILE.name == "target_population.csv"


def test_several_target_groups_concern_the_union_of_their_age_groups() -> None:
    mapping = {"older_people": "Y_GE65", "children_youth": "Y_LT15", "families_children": "Y_LT15",
               "single_parents": "TOTAL"}
    assert age_groups_of([], mapping) == ("TOTAL",)
    assert age_groups_of(["older_people"], mapping) == ("Y_GE65",)
    assert age_groups_of(["older_people", "children_youth", "families_children"], mapping) == ("Y_LT15", "Y_GE65")
    assert age_groups_of(["older_people", "single_parents"], mapping) == ("TOTAL",)
    assert age_groups_of(["not_listed"], mapping) == ("TOTAL",)


def test_a_mapping_to_an_unpublished_age_group_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "target_population.csv"
    path.write_text("target_group,age_group\nolder_people,Y_GE80\n", encoding="utf-8")
    with pytest.raises(PopulationError, match="Y_GE80"):
        target_age_groups(path)
