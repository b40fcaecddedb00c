"""The sources rows cite, named by title and publisher from data/sources.csv, their one home."""

from __future__ import annotations

import re

import pytest

from apptests import open_dashboard
from conftest import DATA
from ecosystem.i18n import t
from ecosystem.registry import RegistryError
from ecosystem.schema import split_codes
from ecosystem.sources import load_source_names, source_name
from ecosystem.view import load_inputs, load_view


def test_every_source_the_seed_cites_has_a_title_and_a_publisher(seed_registry):
    names = load_source_names(DATA / "sources.csv")
    cited = set(split_codes(seed_registry.initiatives["source"])) | set(split_codes(seed_registry.programmes["source"]))
    assert cited and cited <= set(names)
    assert names["004_6e3afb9b17801d53.txt"] == ("Sociālo uzņēmumu sadarbība ar vietējām pašvaldībām projektā "
                                                  "‘LOCAL-Y-MPACT’ — LSUA – Latvijas Sociālās uzņēmējdarbības "
                                                  "asociācija (2022-02-28)")
    assert names["001_44abba81b3dc24a6.txt"] == ("Verslumo ir inovatyvių socialinių paslaugų plėtra Pagėgių bei "
                                                  "Jurbarko regionuose — VšĮ „Liuteronų diakonija“")  # no date stated
    assert not any(".txt" in name for name in names.values())


def test_what_the_file_does_not_know_is_named_as_cited():
    assert source_name("https://partner.example/report.pdf", {"a.txt": "A — B"}) == "https://partner.example/report.pdf"
    assert source_name("a.txt", {"a.txt": "A — B"}) == "A — B"


def test_no_file_names_nothing_and_a_broken_one_is_said(tmp_path):
    assert load_source_names(tmp_path / "sources.csv") == {}
    (tmp_path / "sources.csv").write_text("id,title,publisher\na.txt,A,P\n", encoding="utf-8")
    assert load_source_names(tmp_path / "sources.csv") == {"a.txt": "A — P"}  # the date and notes are optional
    (tmp_path / "sources.csv").write_text("id,title,publisher\na.txt,A,P\na.txt,B,P\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="sources.csv"):
        load_source_names(tmp_path / "sources.csv")


def test_a_broken_sources_file_is_said_and_the_view_goes_on(app_data_dir):
    (app_data_dir / "sources.csv").write_text("id,name\n", encoding="utf-8")
    inputs = load_inputs()
    assert inputs.source_names == {} and "column title" in (inputs.sources_problem or "")
    view = load_view("", "de")
    said = [notice.message.text("de") for notice in view.notices]
    assert any(text.startswith("Die Quellendatei (data/sources.csv) kann nicht verwendet werden") for text in said)
    assert len(view.filtered) > 0


def test_the_about_page_names_sources_by_title(app_data_dir):
    at = open_dashboard("about").run()
    assert not at.exception
    listed = re.sub(r"\\(.)", r"\1", " ".join(markdown.value for markdown in at.markdown))  # as shown
    assert "Lietuvoje kurti gera — Tauragės rajono vietos veiklos grupė (VVG) (2017-01-11) — " in listed
    assert t("about.rows_citing", "en", count=10) in listed
    assert ".txt" not in listed
