import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from conftest import copy_seed_data
from ecosystem.registry import RegistryError, fold_text, load_registry, read_raw_csv
from ecosystem.schema import REGISTRY_COLUMNS

DATA = Path(__file__).resolve().parent.parent / "data"


def test_seed_registry_loads_typed(seed_registry):
    frame = seed_registry.initiatives
    assert list(frame.columns[: len(REGISTRY_COLUMNS)]) == REGISTRY_COLUMNS
    assert frame["latitude"].dtype == float and str(frame["start_year"].dtype) == "Int64"
    assert frame["id"].is_unique
    assert not frame[REGISTRY_COLUMNS].drop(columns=["latitude", "longitude", "start_year", "end_year"]).isna().any().any()
    assert seed_registry.updated == frame["last_updated"].max()


def test_seed_registry_holds_only_what_the_articles_name(seed_registry):
    frame = seed_registry.initiatives
    sources = set(";".join(frame["source"]).split(";"))
    articles = {path.name for path in (DATA.parent.parent / "shared" / "seeds").glob("*.txt")}
    if articles:
        assert sources <= articles
    initiatives = frame[frame["actor_type"] == "initiative"]
    assert len(initiatives) == 10  # FACTS.md: 11 named initiatives, two of which are the same association
    assert {"sempre", "sempre_accelerators", "socifaction", "local_y_mpact"} == set(seed_registry.programmes["id"])
    assert frame["partner"].eq("seed").all()


def test_search_text_ignores_accents(seed_registry):
    assert seed_registry.initiatives["search_text"].str.contains("taurages").any()


def test_folding_drops_every_combining_mark_and_case_of_every_character():
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    texts = pd.Series([every[start:start + 500] for start in range(0, len(every), 500)] + ["Tauragė", "STRAßE", "abc"])

    def by_the_definition(text: str) -> str:  # every character decomposed and checked, even plain ASCII ones
        return "".join(char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char))

    assert fold_text(texts).tolist() == [by_the_definition(text) for text in texts]
    assert fold_text(pd.Series(["Tauragė", "STRAßE"])).tolist() == ["taurage", "strasse"]


def test_bad_registry_file_names_file_row_and_column(tmp_path, taxonomy):
    data = copy_seed_data(tmp_path)
    lines = (data / "initiatives.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",initiative,", ",initiativ,", 1)
    (data / "initiatives.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(data, taxonomy)
    assert caught.value.file == "initiatives.csv"
    problem = caught.value.problems.iloc[0]
    assert (problem["row"], problem["column"], problem["value"]) == (4, "actor_type", "initiativ")


def test_not_utf8_and_blank_lines(tmp_path, taxonomy):
    data = copy_seed_data(tmp_path)
    text = (data / "initiatives.csv").read_text(encoding="utf-8")
    (data / "initiatives.csv").write_bytes(text.encode("cp1257", errors="replace"))
    with pytest.raises(RegistryError, match="not UTF-8"):
        load_registry(data, taxonomy)
    lines = text.splitlines()
    (data / "initiatives.csv").write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
    raw = read_raw_csv(data / "initiatives.csv")
    assert len(raw) == len(lines) - 1 and raw.index[2] == 3  # the blank line keeps later row numbers true


def test_version_changes_with_content(tmp_path, taxonomy):
    data = copy_seed_data(tmp_path)
    first = load_registry(data, taxonomy).version
    with (data / "initiatives.csv").open("a", encoding="utf-8") as handle:
        handle.write("new-row,New,support_organisation,LT,,,,,,,,,,,,seed,,,test,2026-11-26\n")
    assert load_registry(data, taxonomy).version != first
