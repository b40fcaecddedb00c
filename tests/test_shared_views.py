"""Work shared by every session of a server (``ecosystem.ui.cache``): one view per (database, version, input files,
filters, language), and what Overview and Coverage compute from it, built once whoever asks."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest

from apptests import open_dashboard
from ecosystem import server
from ecosystem.filters import FilterState
from ecosystem.ui import cache
from ecosystem.view import View
from tests.conftest import initialise_store


@pytest.fixture()
def views(app_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[View]:
    """The view of every run of the router, in order."""
    seen: list[View] = []
    shared = cache.view

    def recording(*args: object) -> View:
        seen.append(shared(*args))
        return seen[-1]

    monkeypatch.setattr(cache, "view", recording)
    return seen


def test_sessions_with_the_same_filters_and_language_share_one_view(views: list[View]) -> None:
    for query in ({}, {}, {"lang": "lt"}, {"country": "LT"}, {"country": "LT"}, {"country": "LT", "lang": "lv"}):
        at = open_dashboard("overview", query).run()  # a new session each time
        assert not at.exception
    everything, again, in_lithuanian, lithuania, lithuania_again, lithuania_in_latvian = views
    assert again is everything and lithuania_again is lithuania
    assert in_lithuanian is not everything and lithuania is not everything and lithuania_in_latvian is not lithuania
    assert lithuania_in_latvian.lang == "lv" and lithuania_in_latvian.state == lithuania.state
    assert lithuania_in_latvian.filtered is lithuania.filtered  # the rows are filtered once for every language
    assert everything.filtered is everything.registry.initiatives  # nothing filtered: no copy


def test_what_pages_compute_from_a_view_is_built_once_for_every_session(views: list[View]) -> None:
    for query in ({"country": "LT"}, {"country": "LT"}, {"country": "LT", "lang": "lt"}):
        assert not open_dashboard("coverage", query).run().exception
    first, second, in_lithuanian = views
    assert cache.chart(first, "heatmap") is cache.chart(second, "heatmap")
    assert cache.chart(in_lithuanian, "heatmap") is not cache.chart(first, "heatmap")
    assert cache.headline_of(first) is cache.headline_of(second)
    assert cache.headline_of(first).initiatives == 6
    assert cache.gaps_of(first) is None  # no boundaries in this test


def test_a_view_built_by_hand_is_computed_every_time(app_data_dir: Path) -> None:
    served = cache.served()
    filtered = served.view(FilterState(countries=("LT",)), "en")
    unkeyed = View(filtered.taxonomy, filtered.registry, None, {}, filtered.state, filtered.filtered, "en")
    assert cache.chart(unkeyed, "heatmap") is not cache.chart(unkeyed, "heatmap")


def test_kept_results_beyond_their_weight_go_least_recent_first() -> None:
    @cache._kept(weight=len, max_weight=10)
    def rows(count: int) -> pd.DataFrame:
        return pd.DataFrame({"row": range(count)})

    four, five = rows(4), rows(5)
    assert rows(4) is four and rows(5) is five
    rows(3)  # 4 + 5 + 3 > 10: the least recently used (4) goes
    assert rows(5) is five and rows(4) is not four
    assert len(rows(20)) == 20  # the newest is kept whatever it weighs


def test_what_depends_on_the_registry_alone_is_built_once_for_every_filter_and_language(views: list[View]) -> None:
    built: list[FilterState] = []

    @cache.per_registry
    def rows(view: View) -> int:
        built.append(view.state)
        return len(view.registry.initiatives)

    for query in ({}, {"country": "LT"}, {"country": "LT", "lang": "lv"}):
        assert not open_dashboard("overview", query).run().exception
    assert [rows(view) for view in views] == [39, 39, 39] and len(built) == 1


def test_a_first_visit_after_warm_up_reads_and_builds_nothing(app_data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                               views: list[View]) -> None:
    import ecosystem.maps  # noqa: PLC0415 - patched below

    assert "ready to serve" in cache.warm_up()

    def not_again(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("built again after the warm-up")

    monkeypatch.setattr("ecosystem.view.read_registry_version", not_again)
    monkeypatch.setattr(cache, "region_counts", not_again)
    monkeypatch.setattr(ecosystem.maps, "PointTable", not_again)
    at = open_dashboard("map").run()
    assert not at.exception
    assert views[0].state == FilterState() and views[0].lang == "en"


def test_a_serving_process_keeps_what_it_readied_out_of_the_collectors_passes(app_data_dir: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    try:
        cache.served()  # a process that does not serve (AppTest, a test) leaves the collector alone
        assert gc.get_freeze_count() == 0

        monkeypatch.setattr(server, "_enabled", True)
        monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{app_data_dir / 'copy.sqlite'}")
        initialise_store()
        cache.warm_up()
        registry = cache.served().registry
        assert gc.get_freeze_count() > 0
        assert not any(item is registry for item in gc.get_objects())  # what Streamlit's pass after each run walks
    finally:
        gc.unfreeze()
