"""The export stamp: filters in words, source and attributions by language, file names, QR codes, stamped figures."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from PIL import Image

from ecosystem.attributions import EUROGEOGRAPHICS, NATURAL_EARTH, OSM_ATTRIBUTION, attributions
from ecosystem.charts import area_service_bars, service_target_heatmap
from ecosystem.coverage import counts_by_area_and_service, service_target_matrix
from ecosystem.filters import FilterState
from ecosystem.i18n import t
from ecosystem.stamp import export_file_name, make_stamp, qr_png, stamp_figure, toImageButtonOptions
from tests.conftest import make_frame

STATE = FilterState(countries=("LT", "LV"), services=("transport_mobility",), targets=("older_people",))
OSM = OSM_ATTRIBUTION
MARKUP = "<b>x</b> & <script>"
ESCAPED_MARKUP = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
EXPECTED = {
    "en": ("Country: Lithuania, Latvia · Service type: Transport & mobility · Target group: Older people",
           "Source: Baltic Social Ecosystem registry, version 42 (2026-11-26)."),
    "lt": ("Šalis: Lietuva, Latvija · Paslaugos tipas: Transportas ir judumas · Tikslinė grupė: Vyresnio amžiaus žmonės",
           "Šaltinis: Baltijos socialinės ekosistemos registras, versija 42 (2026-11-26)."),
    "lv": ("Valsts: Lietuva, Latvija · Pakalpojuma veids: Transports un mobilitāte · Mērķgrupa: Seniori",
           "Avots: Baltijas sociālās ekosistēmas reģistrs, versija 42 (2026-11-26)."),
}


def _stamp(taxonomy, kind="coverage-heatmap", lang="en", state=STATE, *, boundaries=True, tiles="osm", title=None):
    return make_stamp(kind, state, taxonomy, lang, version="42", version_date="2026-11-26",
                      base_url="https://map.example.org/", page="/coverage",
                      attributions=attributions(lang, boundaries=boundaries, tiles=tiles), programme_names={},
                      region_names={}, title=title)


@pytest.mark.parametrize("lang", ["en", "lt", "lv"])
def test_stamp_says_title_filters_source_and_link_in_the_language(taxonomy, lang):
    stamp = _stamp(taxonomy, lang=lang)
    assert stamp.title == t("chart.heatmap.title", lang)
    assert (stamp.subtitle, stamp.source) == EXPECTED[lang]
    assert stamp.permalink == ("https://map.example.org/coverage?country=LT%2CLV&service=transport_mobility"
                               f"&target=older_people&lang={lang}")
    assert (stamp.lang, stamp.version, stamp.version_date) == (lang, "42", "2026-11-26")
    assert stamp.credits == f"{EXPECTED[lang][1]} · {EUROGEOGRAPHICS} · {OSM}"


def test_default_titles_follow_the_view_kind_and_can_be_replaced(taxonomy):
    assert _stamp(taxonomy, "coverage-timeline", "lt").title == "Iniciatyvos pagal pradžios metus ir programą"
    assert _stamp(taxonomy, "coverage-country-services", "lv").title == "Iniciatīvas pēc valsts un pakalpojuma veida"
    assert _stamp(taxonomy, "map", "en").title == t("export.title.map", "en")
    assert _stamp(taxonomy, "coverage-heatmap", title=MARKUP).title == MARKUP
    assert _stamp(taxonomy, "no-such-view", title="Mine").title == "Mine"
    with pytest.raises(ValueError, match="no-such-view"):
        _stamp(taxonomy, "no-such-view")


def test_no_filters_still_says_so(taxonomy):
    stamp = _stamp(taxonomy, lang="lt", state=FilterState())
    assert stamp.subtitle == t("filter.none", "lt")
    assert stamp.permalink == "https://map.example.org/coverage?lang=lt"


@pytest.mark.parametrize(("drawn", "expected"), [
    ({"boundaries": True, "tiles": "osm"}, (EUROGEOGRAPHICS, OSM)),
    ({"boundaries": True}, (EUROGEOGRAPHICS,)),
    ({"tiles": "osm"}, (OSM,)),
    ({"tiles": "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"}, ("{s}.tiles.example.org",)),
    ({"outlines": True}, (NATURAL_EARTH,)),
    ({"population": True, "boundaries": True}, (EUROGEOGRAPHICS, "Population: Eurostat (demo_r_pjanaggr3)")),
    ({"tiles": ""}, ()),
    ({}, ()),
])
def test_attributions_only_for_what_is_drawn(taxonomy, drawn, expected):
    assert attributions("en", **drawn) == expected
    assert _stamp(taxonomy, boundaries=drawn.get("boundaries", False), tiles=drawn.get("tiles")).attributions == \
        attributions("en", boundaries=drawn.get("boundaries", False), tiles=drawn.get("tiles"))


def test_the_population_credit_is_in_the_language():
    assert attributions("de", population=True) == ("Bevölkerung: Eurostat (demo_r_pjanaggr3)",)


@pytest.mark.parametrize(("kind", "countries", "date", "version", "ext", "expected"), [
    ("coverage-heatmap", ("LT", "LV"), "2026-11-26", 42, "png", "coverage-heatmap_LT-LV_2026-11-26_v42.png"),
    ("coverage-heatmap", (), datetime.date(2026, 11, 26), "42", ".svg", "coverage-heatmap_all_2026-11-26_v42.svg"),
    ("map", ("LT", "LV", "EE"), "2026-11-26", 7, "pptx", "map_LT-LV-EE_2026-11-26_v7.pptx"),
    ("map", ("LT", "LV", "EE", "FI"), "2026-11-26", 7, "png", "map_LT-LV-EE-1more_2026-11-26_v7.png"),
    ("deck", ("LT", "LV", "EE", "FI", "SE", "PL"), "2026-11-26", "ab12cd34", "pptx",
     "deck_LT-LV-EE-3more_2026-11-26_vab12cd34.pptx"),
    ("../my view/ä?", ("lt",), "2026/11/26", "4 2", "p/ng", "my-view_LT_2026-11-26_v4-2.p-ng"),
])
def test_export_file_names(kind, countries, date, version, ext, expected):
    name = export_file_name(kind, FilterState(countries=countries), date, version, ext)
    assert name == expected
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name)


def test_qr_code_of_the_permalink():
    png = qr_png("https://map.example.org/coverage?country=LT&lang=lt", 300)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert 150 < image.width <= 300 and image.width == image.height


@pytest.fixture()
def frame():
    services = ["employment_integration;social_support", "housing", "food_nutrition;culture_media",
                "transport_mobility;health_wellbeing", "education_training;care_day_services",
                "community_development"]
    return make_frame([{"country": country, "service_types": service, "target_groups": "older_people"}
                       for country in ("LT", "LV", "EE") for service in services])


def _bars(taxonomy, frame):
    services = taxonomy.codes("service_type")
    return area_service_bars(*counts_by_area_and_service(frame, "country", services), "country", taxonomy, "en",
                             "page footnote")


def test_stamp_figure_is_a_copy_with_title_filters_and_footer(taxonomy, frame):
    fig = _bars(taxonomy, frame)
    stamp = _stamp(taxonomy, "coverage-country-services", title=MARKUP)
    stamped = stamp_figure(fig, stamp, 1600, 900)
    assert (stamped.layout.width, stamped.layout.height) == (1600, 900)
    assert stamped.layout.title.text == ESCAPED_MARKUP
    subtitle = stamped.layout.title.subtitle.text
    assert "Country: Lithuania, Latvia · Service type: Transport &amp; mobility · Target group: Older people" in subtitle
    assert t("chart.area_services.note", "en")[:40] in subtitle  # the chart's own note is kept
    names = [note.name for note in stamped.layout.annotations]
    assert names.count("stamp-footer") == 1 and "footnote" not in names
    footer = next(note for note in stamped.layout.annotations if note.name == "stamp-footer")
    assert stamp.source in footer.text and EUROGEOGRAPHICS in footer.text and OSM in footer.text
    assert "country=LT%2CLV&amp;service=transport_mobility&amp;target=older_people&amp;lang=en" in footer.text
    assert footer.yref == "paper" and footer.yanchor == "top" and footer.yshift < 0
    assert -footer.yshift < stamped.layout.margin.b  # the footer is in the bottom margin, inside the frame
    # the page figure is untouched
    assert fig.layout.title.text == t("chart.area_services.title.country", "en")
    assert "stamp-footer" not in [note.name for note in fig.layout.annotations]
    assert fig.layout.width is None


def test_a_legend_that_would_be_cut_goes_under_the_plot(taxonomy, frame):
    fig = _bars(taxonomy, frame)
    stamp = _stamp(taxonomy, "coverage-country-services")
    tall = stamp_figure(fig, stamp, 1600, 900)
    assert tall.layout.legend.orientation != "h"  # room enough: the chart's vertical legend stays
    short = stamp_figure(fig, stamp, 1280, 420)
    legend, margin = short.layout.legend, short.layout.margin.b
    footer = next(note for note in short.layout.annotations if note.name == "stamp-footer")
    assert legend.orientation == "h" and legend.yref == "container" and legend.yanchor == "bottom"
    legend_bottom_px = legend.y * 420
    footer_top_px = margin + footer.yshift  # pixels above the frame's bottom edge
    assert 0 < footer_top_px <= legend_bottom_px < margin  # footer, then legend, then the plot above them


def test_stamp_figure_of_a_heatmap_keeps_its_top_axis_clear(taxonomy, frame):
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    fig = service_target_heatmap(service_target_matrix(frame, services, targets), taxonomy, "lv", "page footnote")
    stamped = stamp_figure(fig, _stamp(taxonomy, lang="lv", boundaries=False, tiles=None), 1280, 720)
    footer = next(note for note in stamped.layout.annotations if note.name == "stamp-footer")
    assert EUROGEOGRAPHICS not in footer.text and OSM not in footer.text
    assert footer.yshift == -12  # no bottom axis: only a small gap under the plot
    assert stamped.layout.xaxis.side == "top" and stamped.layout.title.text == t("chart.heatmap.title", "lv")


@pytest.mark.parametrize(("name", "expected_format", "stem"), [
    ("coverage-heatmap_LT-LV_2026-11-26_v42.png", "png", "coverage-heatmap_LT-LV_2026-11-26_v42"),
    ("map_all_2026-11-26_v7.svg", "svg", "map_all_2026-11-26_v7"),
    ("deck_all_2026-11-26_v7.pptx", "png", "deck_all_2026-11-26_v7"),
])
def test_to_image_button_options(name, expected_format, stem):
    assert toImageButtonOptions(name, 1600, 900) == {"toImageButtonOptions": {
        "format": expected_format, "filename": stem, "width": 1600, "height": 900, "scale": 2}}
    assert toImageButtonOptions(name, 800, 450, scale=3)["toImageButtonOptions"]["scale"] == 3
