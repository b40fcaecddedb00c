"""One view for every consumer, built without Streamlit: loaded, checked and filtered once (``ecosystem.view``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, NUTS_2024_L3, copy_seed_data, initialise_store
from ecosystem.store import open_store
from ecosystem.taxonomy import Taxonomy, load_taxonomy
from ecosystem.view import Loaders, load_inputs, load_served, load_view


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy_seed_data(tmp_path)
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    initialise_store()
    return tmp_path


def test_a_query_string_becomes_the_filtered_view(data_dir):
    view = load_view("country=LT&service=transport_mobility&unknown=x", "lt")
    seed = pd.read_csv(DATA / "initiatives.csv", dtype=str).fillna("")
    assert view.state.countries == ("LT",) and view.state.services == ("transport_mobility",)
    assert set(view.filtered["country"]) == {"LT"} and len(view.registry.initiatives) == len(seed)
    assert all("transport_mobility" in cell for cell in view.filtered["service_types"])
    assert view.registry.version == "1" and view.lang == "lt"
    assert [notice.message.key for notice in view.notices] == ["app.no_regions"]  # said as the pages say it
    assert view.filters_in_words == "Šalis: Lietuva · Paslaugos tipas: Transportas ir judumas"  # countries by name


def test_the_store_is_seeded_once_and_its_version_served(data_dir):
    assert load_view({}, "en").registry.version == "1"
    with open_store() as store:
        frame = store.read()
        store.commit(frame[frame["country"] == "LT"], base_version=1, account="test", file_name="lt.csv")
    view = load_view({}, "en")
    assert view.registry.version == "2" and set(view.filtered["country"]) == {"LT"}


def test_once_the_store_holds_a_version_the_seed_file_is_not_read(data_dir):
    path = data_dir / "initiatives.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",initiative,", ",initiativ,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # broken: it would not seed an empty store
    served = load_served()
    assert [notice.message.key for notice in served.notices] == ["app.no_regions"]
    assert served.problems is None and served.registry.version == "1" and len(served.registry.initiatives) > 0


def test_without_a_database_the_data_folder_s_file_is_served(data_dir, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{data_dir / 'missing-folder' / 'registry.sqlite'}")
    served = load_served()
    assert served.notices[0].level == "error" and served.notices[0].message.key == "app.store_unavailable"
    assert served.store_key is None and len(served.registry.initiatives) > 0


def test_a_broken_programmes_file_serves_nothing_and_says_why(data_dir):
    (data_dir / "programmes.csv").write_text("id,name\nsempre,SEMPRE\n", encoding="utf-8")
    served = load_served()
    assert served.registry.initiatives.empty and served.problems is not None
    assert "No earlier good version" in served.notices[0].message.text("en")
    with pytest.raises(ValueError, match="programmes.csv"):
        _ = load_inputs().context  # what the command line raises: no check runs against a broken programmes file


def test_the_view_is_read_through_the_loaders_it_is_given(data_dir):
    read: list[str] = []

    def taxonomy(path: Path) -> Taxonomy:
        read.append(path.name)
        return load_taxonomy(path)

    load_view("", "en", Loaders(taxonomy=taxonomy))
    assert read == ["taxonomy.csv"]


@pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
def test_with_boundaries_rows_are_placed_and_checked_where_they_lie(data_dir, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(NUTS_2024_L3.parent))
    view = load_view("country=LT", "en")
    assert not view.notices and view.regions is not None and "LT027" in view.region_names
    assert "region_from_point" in view.registry.initiatives.columns
    located = view.filtered[view.filtered["latitude"].notna()]
    assert (located["region_from_point"] != "").all()
