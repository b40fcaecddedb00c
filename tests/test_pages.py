"""AppTest per page: loads without exception, filters change the numbers, the URL restores the view,
the language switch changes labels, and a broken registry file is reported while good data stays served.

Every test runs ``dashboard.py`` opened at a page's address (``apptests.open_dashboard``), so a widget
interaction reruns the router — sidebar, view, page — as in production.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from apptests import open_dashboard
from conftest import DATA, NUTS_2024_L3, REPO, copy_seed_data, initialise_store
from ecosystem.ui import map_widget
from ecosystem.ui.text import plain

PAGES = {"overview": "Baltic Social Ecosystem Map", "gaps": "Where nothing exists yet", "map": "Map",
         "coverage": "Coverage", "registry": "Registry", "about": "About this map",
         "present": "10 initiatives in "}  # URL path → the start of its title


@pytest.fixture()
def seed_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose registry database (in the test's state folder) is not set up yet."""
    copy_seed_data(tmp_path)
    monkeypatch.setenv("ECOSYSTEM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECOSYSTEM_TILES", "none")
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "cdn")  # the same map links whatever this machine has installed
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(tmp_path / "no-reference"))
    return tmp_path


@pytest.fixture()
def data_dir(seed_dir: Path) -> Path:
    """The data folder with its registry database set up as the server's start-up sets it up."""
    initialise_store()
    return seed_dir


def app(query: dict[str, str] | None = None, page: str = "overview") -> AppTest:
    return open_dashboard(page, query).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_without_exception(data_dir, page):
    at = app(page=page)
    assert not at.exception, at.exception
    assert not at.error
    assert at.title[0].value.startswith(PAGES[page])  # the page the address names, not the default one
    if page not in ("about", "present"):
        assert any("Region boundaries are not available" in info.value for info in at.info)


def test_a_page_view_installs_no_map_assets_and_says_which_command_does(data_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("ECOSYSTEM_MAP_ASSETS", "auto")
    monkeypatch.setenv("ECOSYSTEM_CACHE_DIR", str(cache))
    monkeypatch.delenv("ECOSYSTEM_ASSETS_DIR", raising=False)
    monkeypatch.setattr(map_widget, "_reachable", lambda url: False)  # the CDN is out of reach
    at = app(page="map")
    assert not at.exception, at.exception
    assert any("`python -m ecosystem assets install`" in warning.value for warning in at.warning)
    assert not cache.exists()


def test_overview_figures_follow_the_filters(data_dir):
    at = app()
    assert metrics(at)["Initiatives"] == "10"
    at.sidebar.multiselect(key="f_countries").select("LT").run()
    assert metrics(at)["Initiatives"] == "6"
    assert at.query_params["country"] == "LT"


def test_query_string_restores_the_view(data_dir):
    at = app({"country": "LT", "service": "transport_mobility", "lang": "lt"})
    assert at.sidebar.multiselect(key="f_countries").value == ["LT"]
    assert at.sidebar.multiselect(key="f_services").value == ["transport_mobility"]
    assert metrics(at)["Iniciatyvos"] == "1"


def test_language_switch_changes_labels(data_dir):
    at = app()
    assert "Initiatives" in metrics(at)
    at.sidebar.selectbox(key="lang").set_value("lv").run()
    assert "Iniciatīvas" in metrics(at)
    assert at.query_params["lang"] == "lv"
    about = app({"lang": "lv"}, page="about")
    assert any("Transports un mobilitāte" in frame.value.to_string() for frame in about.dataframe)


def test_registry_table_matches_the_overview_count(data_dir):
    at = app({"target": "older_people"})
    initiatives = int(metrics(at)["Initiatives"])
    at = app({"target": "older_people"}, page="registry")
    table = at.dataframe[0].value
    assert (table["Type"] == "Initiative").sum() == initiatives
    assert all("Older people" in cell for cell in table[table["Type"] == "Initiative"]["Target groups"])


def test_broken_seed_file_is_reported_row_by_row_until_the_store_is_set_up(seed_dir):
    path = seed_dir / "initiatives.csv"
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines()
    lines[2] = lines[2].replace(",initiative,", ",initiativ,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = app()
    assert not at.exception
    assert any(plain("initiatives.csv") in error.value and "No earlier good version" in error.value for error in at.error)
    assert any("python -m ecosystem init" in warning.value for warning in at.warning)
    problems = at.dataframe[0].value
    assert problems.iloc[0]["Row"] == 3 and problems.iloc[0]["Column"] == "actor_type"
    assert metrics(at)["Initiatives"] == "0"

    path.write_text(good, encoding="utf-8")
    initialise_store()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # the store is the registry now: the file is not read
    at.run()
    assert not at.exception and not at.error and not [w for w in at.warning if "ecosystem init" in w.value]
    assert metrics(at)["Initiatives"] == "10"


@pytest.mark.skipif(not NUTS_2024_L3.exists(), reason="../shared/reference/nuts is not beside the repository")
def test_with_boundaries_regions_are_named_and_gaps_listed(data_dir, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_REFERENCE_DIR", str(NUTS_2024_L3.parent))
    at = app({"country": "LT"})
    assert not at.info or all("Region boundaries are not available" not in info.value for info in at.info)
    options = at.sidebar.multiselect(key="f_regions").options
    assert any("Tauragės apskritis (LT027)" in option for option in options)
    at = app({"country": "LT"}, page="gaps")
    assert not at.exception and not at.error
    gaps = at.dataframe[0].value
    assert "LT027" not in set(gaps["Code"]) and len(gaps) > 0


def test_markup_in_names_is_shown_as_text(seed_dir):
    path = seed_dir / "initiatives.csv"
    text = path.read_text(encoding="utf-8").replace("SIVAN", "<img src=x onerror=alert(1)>SIVAN", 1)
    path.write_text(text, encoding="utf-8")
    initialise_store()
    at = app({"q": "SIVAN"}, page="registry")
    assert at.dataframe[0].value.iloc[0]["Name"] == "<img src=x onerror=alert(1)>SIVAN"
    assert all("<img" not in markdown.value
               for markdown in at.markdown if "onerror" in markdown.value and "\\<" not in markdown.value)


def test_router_builds_navigation_sidebar_and_default_page(data_dir):
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["country"] = "LV"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="f_countries").value == ["LV"]
    seed = pd.read_csv(DATA / "initiatives.csv")
    assert metrics(at)["Initiatives"] == str(((seed["country"] == "LV") & (seed["actor_type"] == "initiative")).sum())



def test_a_filter_changed_on_a_page_reruns_the_router_and_stays_on_that_page(data_dir):
    at = app({"lang": "lt"}, page="coverage")
    at.sidebar.multiselect(key="f_countries").select("LV").run()
    assert not at.exception
    assert at.title[0].value == "Aprėptis"  # still Coverage, in the chosen language
    assert at.query_params["country"] == "LV" and at.query_params["lang"] == "lt"
    assert at.sidebar.selectbox(key="lang").value == "lt"


def test_a_server_s_first_run_in_streamlits_legacy_pages_mode_hands_over_to_the_router(data_dir):
    """Streamlit starts an app with a pages/ folder beside its script in a legacy mode that runs the page file the
    URL names on its own; the page file hands over to the router (``ecosystem.ui.navigation``). When this fails
    after a Streamlit upgrade, revisit ``leave_legacy_pages_mode`` (and drop it when the mode is gone)."""
    PagesManager.uses_pages_directory = None
    try:
        PagesManager(str(REPO / "dashboard.py"))
        assert PagesManager.uses_pages_directory is True, (
            f"Streamlit {streamlit.__version__} no longer starts in its legacy pages/ mode")
    finally:
        PagesManager.uses_pages_directory = None
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.switch_page("pages/map.py")  # every AppTest run of dashboard.py itself starts in that mode, at pages/map.py
    at.run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Map"]
    at.sidebar.multiselect(key="f_countries").select("LT").run()  # the router drew the sidebar
    assert [title.value for title in at.title] == ["Map"] and at.query_params["country"] == "LT"
    assert PagesManager.uses_pages_directory is False


def test_export_panel_prepares_a_named_file(data_dir, browsers):
    at = app({"country": "LT"}, page="coverage")
    at.selectbox(key="export_what_coverage").set_value("chart.heatmap.svg")
    at.text_input(key="export_title_coverage").input("Tauragė coverage")
    at.button(key="export_go_coverage").click().run()
    assert not at.exception
    file = at.session_state["export_file_coverage"]
    assert file.name.startswith("coverage-heatmap_LT_") and file.name.endswith(".svg")
    assert b"Taurag" in file.data


def test_page_parameters_survive_the_url_sync(data_dir):
    at = app({"chart": "timeline", "embed": "true", "country": "LT"}, page="present")
    assert not at.exception
    assert at.query_params["chart"] == "timeline" and at.query_params["embed"] == "true"
    assert at.query_params["country"] == "LT"


@pytest.mark.parametrize("lang, said", [("en", "There is no chart"), ("lt", "Diagramos"), ("lv", "Diagrammas")])
def test_present_says_so_when_the_url_names_no_chart(data_dir, lang, said):
    at = app({"chart": "nonsense*", "lang": lang}, page="present")
    assert not at.exception, at.exception
    [error] = at.error
    assert said in error.value and "nonsense\\*" in error.value and "country-targets" in error.value
    assert not at.get("plotly_chart")
    assert at.query_params["chart"] == "nonsense*"


def test_an_unreachable_database_still_shows_the_registry(data_dir, monkeypatch):
    monkeypatch.setenv("ECOSYSTEM_DATABASE_URL", f"sqlite:///{data_dir / 'missing-folder' / 'registry.sqlite'}")
    at = app()
    assert not at.exception
    assert any("registry database cannot be opened" in error.value for error in at.error)
    assert metrics(at)["Initiatives"] == "10"


def _detail_card_of_first_row(name: str, description: str, website: str) -> None:
    from ecosystem.ui.detail_card import detail_card  # noqa: PLC0415 - AppTest.from_function runs this body alone
    from ecosystem.view import load_view  # noqa: PLC0415

    view = load_view("", "en")
    row = next(view.registry.initiatives.itertuples(index=False))
    detail_card(row._replace(name=name, description=description, website=website), view)


def test_detail_card_shows_urls_and_markup_as_written(data_dir):
    description = "Booking: http://127.0.0.1:8501/x_y*z <b>bold</b> [click](javascript:alert(1)) `code` # a@b.lt"
    at = AppTest.from_function(_detail_card_of_first_row, default_timeout=90,
                               args=("Centras http://127.0.0.1:8501/x_y*z", description, "javascript:alert(1)")).run()
    assert not at.exception
    assert description in [text.value for text in at.text]
    assert any(text.value.startswith("Type: ") and "\\" not in text.value for text in at.text)
    assert [markdown.value for markdown in at.markdown] == [f"**{plain('Centras http://127.0.0.1:8501/x_y*z')}**"]
    assert not at.get("link_button")  # a javascript: website never becomes a link


@pytest.mark.parametrize("text", ["http://127.0.0.1:8501/x_y*z", "www.example.lt/a_b", "a@b.lt", "<b>x</b> [y](javascript:z)",
                                  "`#` ~~s~~ $x$ 1. - + | ! &lt; \\ :red[x]"])
def test_plain_leaves_markdown_nothing_to_interpret(text):
    escaped = plain(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # markdown shows exactly the text
    assert not set(re.sub(r"\\.", "", escaped)) & set("\\`*_[]()<>#+-.!|~$:@&")  # nothing left to interpret


@pytest.mark.parametrize("page", ["overview", "gaps", "map", "coverage", "registry", "present"])
def test_search_text_is_shown_as_written_not_as_markdown(data_dir, page):
    hostile = "![x](http://evil.example/p.png) [log in](https://phish.example) **{{7*7}}**"
    at = app({"q": hostile}, page=page)
    assert not at.exception, at.exception
    shown = [element.value for element in (*at.caption, *at.subheader) if "evil" in element.value]
    assert shown, "the search text is said on the page"
    for value in shown:
        assert "![x](" not in value and "[log in](" not in value and "**{{" not in value
        assert plain(hostile) in value
