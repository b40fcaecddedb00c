"""The PowerPoint deck, reopened with python-pptx: slides, titles, native chart data equal to the coverage counts,
notes that say the figures, literal names, every text in the language — and LibreOffice can open it."""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches
from shapely.geometry import box

from ecosystem.attributions import EUROGEOGRAPHICS, OSM_ATTRIBUTION, attributions
from ecosystem.coverage import counts_by_area_and_service, service_target_matrix, timeline_counts
from ecosystem.deck import GISCO_CREDIT, build_deck
from ecosystem.filters import FilterState, apply_filters
from ecosystem.gaps import find_gaps
from ecosystem.i18n import t
from ecosystem.sources import load_source_names
from ecosystem.stamp import make_stamp
from tests.conftest import DATA, make_frame
from tests.qr import decoded_qr_codes

MARKUP = "<b>x</b> & <script>"
SOURCE_NAMES = load_source_names(DATA / "sources.csv")
REGION_NAMES = {"LT011": "Vilniaus miesto savivaldybė", "LT021": "Alytaus apskritis", "LT027": "Tauragės apskritis",
                "LV00B": "Kurzeme", "LV00C": "Vidzeme"}
STATE = FilterState(countries=("LT", "LV"))
EXPORTED = datetime.date(2026, 11, 27)
WIDTH, HEIGHT = 12192000, 6858000  # 13.333 in × 7.5 in


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#4292C6").save(buffer, format="PNG")
    return buffer.getvalue()


def _stamp(taxonomy, lang="en", state=STATE, programme_names=None, region_names=REGION_NAMES, title=None,
           credits=(EUROGEOGRAPHICS, OSM_ATTRIBUTION)):
    return make_stamp("deck", state, taxonomy, lang, version="42", version_date="2026-11-26",
                      base_url="https://map.example.org", page="coverage", attributions=credits,
                      programme_names=programme_names or {}, region_names=region_names, title=title)


def _gaps(frame, region_names, scope, population=None, ages=("TOTAL",)):
    """The gap answer over one-degree squares named after ``region_names`` (None without regions in scope)."""
    if not scope:
        return None
    regions = gpd.GeoDataFrame({"nuts_id": list(scope), "name": [region_names.get(code, code) for code in scope],
                                "country": [code[:2] for code in scope], "edition": pd.array([2024] * len(scope))},
                               geometry=[box(20 + i, 55, 21 + i, 56) for i in range(len(scope))], crs="EPSG:4326")
    return find_gaps(frame, regions, list(scope), frame, population, ages)


def _build(frame, taxonomy, lang="en", *, programme_names=None, region_names=REGION_NAMES,
           scope=tuple(REGION_NAMES), map_png=None, heatmap_png=None, title=None, state=STATE,
           credits=(EUROGEOGRAPHICS, OSM_ATTRIBUTION), source_names=None, population=None, gaps_map_png=None):
    stamp = _stamp(taxonomy, lang, state, programme_names, region_names, title, credits)
    data = build_deck(frame=frame, taxonomy=taxonomy, lang=lang, stamp=stamp, programme_names=programme_names or {},
                      region_names=region_names, gaps=_gaps(frame, region_names, scope, population), map_png=map_png,
                      heatmap_png=heatmap_png, gaps_map_png=gaps_map_png, exported=EXPORTED,
                      source_names=source_names or SOURCE_NAMES)
    return data, stamp


def _open(data: bytes):
    return Presentation(io.BytesIO(data))


def _texts(slide) -> list[str]:
    """Every text on a slide: text boxes, titles and table cells, paragraph by paragraph."""
    texts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            texts += [paragraph.text for paragraph in shape.text_frame.paragraphs]
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


def _notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text


def _by_title(deck, title):
    return next(slide for slide in deck.slides if slide.shapes.title.text == title)


def _chart(slide):
    return next(shape.chart for shape in slide.shapes if shape.has_chart)


@pytest.fixture(scope="module")
def programme_names(seed_registry):
    return dict(zip(seed_registry.programmes["id"], seed_registry.programmes["name"], strict=True))


@pytest.fixture(scope="module")
def seed_frame(seed_registry):
    return apply_filters(seed_registry.initiatives, STATE)


@pytest.fixture(scope="module")
def seed_deck(seed_frame, taxonomy, programme_names):
    return _build(seed_frame, taxonomy, programme_names=programme_names, map_png=_png(1000, 500))


def _expected_titles(stamp, lang, *, with_map=True):
    keys = ["chart.area_services.title.country", "chart.area_services.title.region", "chart.timeline.title",
            "chart.heatmap.title", "export.title.gaps", "about.sources"]
    return [stamp.title] + ([t("export.title.map", lang)] if with_map else []) + [t(key, lang) for key in keys]


def test_sixteen_by_nine_with_one_titled_slide_per_view(seed_deck):
    data, stamp = seed_deck
    deck = _open(data)
    assert (deck.slide_width, deck.slide_height) == (WIDTH, HEIGHT)
    assert [slide.shapes.title.text for slide in deck.slides] == _expected_titles(stamp, "en")
    assert stamp.title == t("export.title.deck", "en")
    for slide in deck.slides:  # the title placeholder is moved onto the 16:9 slide, centred
        title = slide.shapes.title
        assert title.left > 0 and title.left + title.width + title.left == WIDTH


def test_without_a_map_the_map_slide_is_left_out_and_the_title_slide_says_so(seed_frame, taxonomy, programme_names):
    data, stamp = _build(seed_frame, taxonomy, programme_names=programme_names)
    deck = _open(data)
    assert [slide.shapes.title.text for slide in deck.slides] == _expected_titles(stamp, "en", with_map=False)
    assert t("export.map_missing", "en") in _texts(deck.slides[0])
    assert t("export.map_missing", "en") in _notes(deck.slides[0])


def test_title_slide_says_filters_date_version_and_link(seed_deck):
    data, stamp = seed_deck
    slide = _open(data).slides[0]
    texts = _texts(slide)
    assert "Country: Lithuania, Latvia" in texts
    assert "Exported on 2026-11-27" in texts
    assert "Registry version 42, last updated 2026-11-26" in texts
    assert stamp.permalink == "https://map.example.org/coverage?country=LT%2CLV&lang=en"
    assert stamp.permalink in texts
    links = [run.hyperlink.address for shape in slide.shapes if shape.has_text_frame
             for paragraph in shape.text_frame.paragraphs for run in paragraph.runs if run.hyperlink.address]
    assert links == [stamp.permalink, stamp.permalink]  # the footer's and the permalink's, clickable
    assert decoded_qr_codes(slide) == [stamp.permalink]


def test_without_an_address_a_deck_carries_no_link_and_no_qr_code(small_frame, taxonomy):
    stamp = make_stamp("deck", STATE, taxonomy, "en", version="42", version_date="2026-11-26", base_url="", page="overview",
                       attributions=(), programme_names={}, region_names={})
    assert stamp.permalink == ""
    data = build_deck(frame=small_frame, taxonomy=taxonomy, lang="en", stamp=stamp, programme_names={}, region_names={},
                      gaps=None, map_png=None, heatmap_png=None, exported=EXPORTED)
    deck = _open(data)
    assert not any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in deck.slides[0].shapes)
    assert t("app.permalink", "en") not in _texts(deck.slides[0])
    for slide in deck.slides:
        assert not any("?country=" in text or "lang=en" in text for text in _texts(slide))
        assert not [run for shape in slide.shapes if shape.has_text_frame for paragraph in shape.text_frame.paragraphs
                    for run in paragraph.runs if run.hyperlink.address]


def test_every_slide_has_a_footer_notes_and_no_placeholder_prompt(seed_deck):
    data, stamp = seed_deck
    for slide in _open(data).slides:
        texts = _texts(slide)
        assert any(text.startswith(stamp.source) for text in texts) and stamp.permalink in texts
        assert _notes(slide).strip()
        for shape in slide.placeholders:
            assert shape.text_frame.text.strip(), f"empty placeholder on {slide.shapes.title.text}"
        assert not any("Click to" in text for text in texts)


def test_map_is_fitted_without_distortion_and_credited(seed_deck):
    data, _ = seed_deck
    slide = _by_title(_open(data), t("export.title.map", "en"))
    picture = next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert picture.width / picture.height == pytest.approx(2.0, rel=0.005)
    assert picture.left >= Inches(0.5) and picture.left + picture.width <= WIDTH - Inches(0.5)
    assert picture.top >= Inches(1.2) and picture.top + picture.height <= Inches(6.75)
    assert abs(picture.left - (WIDTH - picture.left - picture.width)) <= 2  # centred
    footer = " ".join(_texts(slide))
    assert EUROGEOGRAPHICS in footer and "© OpenStreetMap contributors" in footer


def test_country_and_region_bars_are_native_charts_with_the_coverage_counts(seed_deck, seed_frame, taxonomy):
    data, _ = seed_deck
    deck = _open(data)
    services, labels = taxonomy.codes("service_type"), taxonomy.labels("service_type", "en")
    colours = taxonomy.colours("service_type")
    for area, name_of in (("country", lambda code: taxonomy.label("country", code)),
                          ("region", lambda code: f"{code} {REGION_NAMES[code]}" if code in REGION_NAMES else code)):
        counts, totals = counts_by_area_and_service(seed_frame, area, services)
        order = sorted(totals.index, key=lambda code: (-int(totals[code]), name_of(code)))[::-1]  # bottom up
        chart = _chart(_by_title(deck, t(f"chart.area_services.title.{area}", "en")))
        assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED
        plot = chart.plots[0]
        assert list(plot.categories) == [name_of(code) for code in order]
        present = [code for code in services if code in set(counts["service_type"])]
        assert [series.name for series in plot.series] == [labels[code] for code in present]
        for series, code in zip(plot.series, present, strict=True):
            expected = counts[counts["service_type"] == code].set_index(area)["initiatives"]
            assert list(series.values) == [float(expected.get(area_code, 0)) for area_code in order]
            assert series.format.fill.fore_color.rgb == RGBColor.from_string(colours[code].lstrip("#"))
        assert chart.font.name == "Arial"


def test_timeline_is_a_native_stacked_column_chart_of_the_timeline_counts(seed_deck, seed_frame, programme_names):
    data, _ = seed_deck
    chart = _chart(_by_title(_open(data), t("chart.timeline.title", "en")))
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_STACKED
    counts = timeline_counts(seed_frame)
    years = list(range(counts["start_year"].min(), counts["start_year"].max() + 1))
    assert list(chart.plots[0].categories) == [str(year) for year in years]
    table = counts.pivot_table(index="start_year", columns="programme", values="initiatives", fill_value=0)
    names = {programme_names.get(code, code) if code else t("chart.no_programme", "en"): code for code in table}
    assert sorted(series.name for series in chart.plots[0].series) == sorted(names)
    for series in chart.plots[0].series:
        column = table[names[series.name]].reindex(years, fill_value=0)
        assert list(series.values) == [float(value) for value in column]


def test_heatmap_is_a_shaded_native_table_of_the_matrix(seed_deck, seed_frame, taxonomy):
    data, _ = seed_deck
    slide = _by_title(_open(data), t("chart.heatmap.title", "en"))
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    matrix = service_target_matrix(seed_frame, services, targets)
    target_labels, service_labels = taxonomy.labels("target_group"), taxonomy.labels("service_type")
    assert [cell.text for cell in table.rows[0].cells][1:] == [target_labels[code] for code in targets]
    for r, service in enumerate(services, start=1):
        assert table.cell(r, 0).text == service_labels[service]
        for c, target in enumerate(targets, start=1):
            cell = table.cell(r, c)
            assert cell.text == str(matrix.at[service, target])
            white = cell.fill.fore_color.rgb == RGBColor(0xFF, 0xFF, 0xFF)
            assert white == (matrix.at[service, target] == 0)


def test_heatmap_picture_replaces_the_table_when_given(seed_deck, seed_frame, taxonomy, programme_names):
    data, _ = _build(seed_frame, taxonomy, programme_names=programme_names, heatmap_png=_png(1600, 900))
    slide = _by_title(_open(data), t("chart.heatmap.title", "en"))
    assert not any(shape.has_table for shape in slide.shapes)
    picture = next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert picture.width / picture.height == pytest.approx(16 / 9, rel=0.005)
    with_table = _by_title(_open(seed_deck[0]), t("chart.heatmap.title", "en"))
    assert _notes(slide) == _notes(with_table) and "“Older people”: " in _notes(slide)


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    """Three initiatives (one with two service types and two target groups) and one organisation."""
    return make_frame([
        {"id": "i1", "country": "LT", "region_code": "LT027",
         "service_types": "employment_integration;social_support", "target_groups": "older_people;jobseekers",
         "programmes": "p1", "start_year": "2019"},
        {"id": "i2", "country": "LT", "region_code": "LT027", "service_types": "social_support",
         "target_groups": "older_people", "start_year": "2021", "source": MARKUP},
        {"id": "i3", "country": "LV", "region_code": "LV00B", "service_types": "housing",
         "target_groups": "older_people", "programmes": "p1;p2", "start_year": "2021"},
        {"id": "o1", "actor_type": "support_organisation", "country": "LT", "region_code": "LT011"},
    ])


def test_notes_say_the_figures_without_double_counting(small_frame, taxonomy):
    data, _ = _build(small_frame, taxonomy, programme_names={"p1": "Fund One", "p2": "Fund Two"})
    deck = _open(data)
    assert ("Under these filters the registry holds 3 initiative(s), in 2 country(ies) and 2 region(s), and 1 other "
            "organisation(s). The initiatives serve 2 of the 11 target groups.") in _notes(deck.slides[0])
    countries = _by_title(deck, t("chart.area_services.title.country", "en"))
    assert ("Lithuania: 2 initiatives in all (Employment & work integration 0.5, Social support 1.5)."
            in _notes(countries))
    lithuania = [series.values[list(_chart(countries).plots[0].categories).index("Lithuania")]
                 for series in _chart(countries).plots[0].series]
    assert sum(lithuania) == 2  # the bar is as long as Lithuania's initiatives: i1 is half in each of its segments
    assert _chart(countries).value_axis.axis_title.text_frame.text == t("chart.axis.split_services", "en")
    assert "Totals count each initiative once: Lithuania 2; Latvia 1." in _texts(countries)
    columns = _chart(_by_title(deck, t("chart.timeline.title", "en"))).plots[0]
    stacks = zip(*(series.values for series in columns.series), strict=True)  # per year, one value per programme
    per_year = dict(zip(columns.categories, map(sum, stacks), strict=True))
    assert per_year == {"2019": 1, "2020": 0, "2021": 2}  # i3 (two programmes) is half in each: one column, once
    timeline = _notes(_by_title(deck, t("chart.timeline.title", "en")))
    assert "Initiatives with a start year: 3 (2019–2021); the most started in 2021: 2." in timeline
    assert "By programme (an initiative supported by several programmes counts under each): Fund One 2, Fund Two 1." \
        in timeline
    heatmap = _notes(_by_title(deck, t("chart.heatmap.title", "en")))
    assert "“Older people”: 3 initiatives, the most of them in Lithuania (2)." in heatmap
    assert "“Jobseekers”: 1 initiative, in Lithuania (1)." in heatmap
    gaps = _notes(_by_title(deck, t("export.title.gaps", "en")))
    assert ("Regions without any initiative under these filters: LT011 Vilniaus miesto savivaldybė, "
            "LT021 Alytaus apskritis, LV00C Vidzeme.") in gaps  # LT011 has an organisation, not an initiative
    assert "Target groups no initiative serves: Single parents, " in gaps


def test_gaps_slide_lists_regions_and_target_groups(small_frame, taxonomy):
    data, _ = _build(small_frame, taxonomy)
    texts = _texts(_by_title(_open(data), t("export.title.gaps", "en")))
    start = texts.index("LT011 Vilniaus miesto savivaldybė")
    assert texts[start:start + 5] == ["LT011 Vilniaus miesto savivaldybė", "Lithuania", "", "",
                                      "LT021 Alytaus apskritis"]
    assert any("Migrants & refugees" in text for text in texts) and not any("Older people" in text for text in texts)


def test_gaps_slide_ranks_regions_by_residents_and_shows_the_gap_map(small_frame, taxonomy):
    population = pd.DataFrame([{"nuts_id": code, "year": 2025, "age": "TOTAL", "population": people}
                               for code, people in (("LT011", 588_000), ("LT021", 131_000), ("LV00C", 171_500))])
    data, _ = _build(small_frame, taxonomy, population=population, gaps_map_png=_png(1000, 800))
    slide = _by_title(_open(data), t("export.title.gaps", "en"))
    texts = _texts(slide)
    rows = [texts[texts.index(name):texts.index(name) + 3] for name in
            ("LT011 Vilniaus miesto savivaldybė", "LV00C Vidzeme", "LT021 Alytaus apskritis")]
    assert [row[2] for row in rows] == ["588,000", "171,500", "131,000"]
    assert texts.index("LT011 Vilniaus miesto savivaldybė") < texts.index("LV00C Vidzeme") < texts.index(
        "LT021 Alytaus apskritis")
    counted = "Residents counted: all residents, on 1 January 2025. Source: Eurostat (demo_r_pjanaggr3)."
    assert counted in texts and counted in _notes(slide)
    assert sum(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in slide.shapes) == 1
    population = ("Population: Eurostat, demo_r_pjanaggr3 (residents on 1 January 2025 by NUTS-3 region and age "
                  "group)")
    sources = _by_title(_open(data), t("about.sources", "en"))
    assert population in _texts(sources) and population in _notes(sources)
    without, _ = _build(small_frame, taxonomy)
    assert not any("demo_r_pjanaggr3" in text for text in _texts(_by_title(_open(without), t("about.sources", "en"))))


def test_without_boundaries_the_gaps_slide_says_regions_cannot_be_listed(small_frame, taxonomy):
    data, _ = _build(small_frame, taxonomy, scope=())
    slide = _by_title(_open(data), t("export.title.gaps", "en"))
    assert t("export.gap_regions_unknown", "en") in _notes(slide)
    assert t("export.gap_regions_unknown", "en") in _texts(slide)


def test_many_regions_show_the_largest_fifteen_and_say_so(taxonomy):
    frame = make_frame([{"id": f"r{region}-{n}", "region_code": f"LT0{region:02d}"}
                        for region in range(20) for n in range(region + 1)])
    data, _ = _build(frame, taxonomy, scope=(), region_names={})
    slide = _by_title(_open(data), t("chart.area_services.title.region", "en"))
    assert list(_chart(slide).plots[0].categories) == [f"LT0{region:02d}" for region in range(5, 20)]
    assert t("export.top_regions", "en", shown=15, total=20) in _texts(slide)


def test_sources_slide_names_articles_by_title_and_publisher_and_cites_programmes_and_boundaries(
        seed_deck, seed_frame, programme_names):
    data, _ = seed_deck
    slide = _by_title(_open(data), t("about.sources", "en"))
    texts = _texts(slide)
    cited = sorted({code for cell in seed_frame["source"] for code in cell.split(";") if code})
    assert cited and all(SOURCE_NAMES[source] in texts for source in cited)
    assert "Lietuvoje kurti gera — Tauragės rajono vietos veiklos grupė (VVG) (2017-01-11)" in texts
    assert not any(".txt" in text for text in texts + [_notes(slide)])  # no file names
    named = {code for cell in seed_frame["programmes"] for code in cell.split(";") if code}
    assert all(programme_names[code] in texts for code in named)
    assert f"Region boundaries: {GISCO_CREDIT}" in texts
    assert GISCO_CREDIT == "Eurostat GISCO NUTS 2024 — © EuroGeographics for the administrative boundaries"
    assert OSM_ATTRIBUTION in texts


def test_a_deck_credits_only_what_it_draws(small_frame, taxonomy):
    data, _ = _build(small_frame, taxonomy, credits=attributions("en", population=True))
    texts = [text for slide in _open(data).slides for text in _texts(slide) + [_notes(slide)]]
    assert not any("EuroGeographics" in text or "GISCO" in text or "OpenStreetMap" in text for text in texts)
    assert "Population: Eurostat (demo_r_pjanaggr3)" in _texts(_by_title(_open(data), t("about.sources", "en")))


def test_markup_in_names_stays_literal_text(small_frame, taxonomy):
    data, _ = _build(small_frame, taxonomy, programme_names={"p1": MARKUP, "p2": "Fund Two"},
                     region_names={**REGION_NAMES, "LT021": MARKUP}, title=MARKUP)
    deck = _open(data)
    assert deck.slides[0].shapes.title.text == MARKUP
    sources = _texts(_by_title(deck, t("about.sources", "en")))
    assert MARKUP in sources  # the article cited by i2 and the programme p1, as written
    assert sources.count(MARKUP) == 2
    assert f"LT021 {MARKUP}" in _texts(_by_title(deck, t("export.title.gaps", "en")))  # the region, as written
    timeline = _chart(_by_title(deck, t("chart.timeline.title", "en")))
    assert MARKUP in [series.name for series in timeline.plots[0].series]
    slide_xml = b"".join(part.blob for part in deck.part.package.iter_parts() if part.partname.endswith(".xml"))
    assert b"<script>" not in slide_xml and b"&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in slide_xml


SOURCE = {"lt": "Šaltinis:", "lv": "Avots:", "et": "Allikas:", "fi": "Lähde:", "sv": "Källa:", "da": "Kilde:",
          "de": "Quelle:", "pl": "Źródło:"}


@pytest.mark.parametrize("lang", SOURCE)
def test_every_text_in_the_language(seed_frame, taxonomy, programme_names, lang):
    data, stamp = _build(seed_frame, taxonomy, lang, programme_names=programme_names)
    deck = _open(data)
    assert [slide.shapes.title.text for slide in deck.slides] == _expected_titles(stamp, lang, with_map=False)
    assert _notes(deck.slides[0]).startswith(t("export.notes.filters", lang, filters=stamp.subtitle))
    assert stamp.source.startswith(SOURCE[lang])
    chart = _chart(_by_title(deck, t("chart.area_services.title.country", lang)))
    labels = set(taxonomy.labels("service_type", lang).values())
    assert {series.name for series in chart.plots[0].series} <= labels
    assert taxonomy.label("country", "LT", lang) in list(chart.plots[0].categories)
    english = [t(key, "en") for key in ("chart.area_services.note", "chart.timeline.note", "chart.gaps_note",
                                        "export.notes.chart_data", "export.title.gaps")]
    everything = " ".join(" ".join(_texts(slide)) + _notes(slide) for slide in deck.slides)
    assert not any(text in everything for text in english)


@pytest.mark.parametrize(("lang", "tag"), [("en", "en-GB"), ("lt", "lt-LT"), ("de", "de-DE"), ("sv", "sv-SE")])
def test_the_deck_is_in_its_language_for_proofing_and_screen_readers(seed_frame, taxonomy, lang, tag):
    deck = _open(_build(seed_frame, taxonomy, lang)[0])
    xml = b"".join(part.blob for part in deck.part.package.iter_parts() if part.partname.endswith(".xml"))
    assert set(re.findall(rb' lang="([^"]*)"', xml)) == {tag.encode()}  # no default left in the template's en-US
    assert deck.core_properties.language == lang


def test_every_run_uses_an_office_font(seed_deck):
    data, _ = seed_deck
    for slide in _open(data).slides:
        frames = [shape.text_frame for shape in slide.shapes if shape.has_text_frame]
        frames += [cell.text_frame for shape in slide.shapes if shape.has_table
                   for row in shape.table.rows for cell in row.cells]
        fonts = {run.font.name for frame in frames for paragraph in frame.paragraphs for run in paragraph.runs}
        assert fonts <= {"Arial", "Calibri"}, fonts


def test_an_empty_selection_still_builds_a_deck_that_says_so(seed_frame, taxonomy):
    data, stamp = _build(seed_frame.iloc[0:0], taxonomy)
    deck = _open(data)
    assert [slide.shapes.title.text for slide in deck.slides] == _expected_titles(stamp, "en", with_map=False)
    for title in ("chart.area_services.title.country", "chart.heatmap.title"):
        slide = _by_title(deck, t(title, "en"))
        assert not any(shape.has_chart or shape.has_table for shape in slide.shapes)
        assert t("chart.empty", "en") in _texts(slide)
    assert t("export.notes.timeline_empty", "en") in _texts(_by_title(deck, t("chart.timeline.title", "en")))


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: pypdf when installed, else the page objects counted."""
    try:
        from pypdf import PdfReader  # noqa: PLC0415 - optional: not in requirements-dev.txt
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.browser
def test_libreoffice_converts_the_deck_to_one_pdf_page_per_slide(seed_deck, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("CI=true but LibreOffice (libreoffice/soffice) is not installed", pytrace=False)
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-impress-nogui)")
    data, _ = seed_deck
    deck_path = tmp_path / "deck.pptx"
    deck_path.write_bytes(data)
    # an own profile, so a LibreOffice already running elsewhere does not swallow the conversion
    subprocess.run([office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck_path)],
                   check=True, capture_output=True, timeout=600)  # only a hung LibreOffice takes this long
    pdf = (tmp_path / "deck.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == len(_open(data).slides) == 8
