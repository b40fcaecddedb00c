"""The Coverage charts: numbers equal the coverage counts, text follows the language, data text is escaped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from conftest import DATA
from ecosystem import coverage
from ecosystem.charts import (
    CHARTS,
    UnknownChartError,
    area_service_bars,
    coverage_figure,
    empty_figure,
    heatmap_colour_scale,
    plotly_text,
    presentation_figure,
    service_target_heatmap,
    targets_by_area_chart,
    timeline_chart,
)
from ecosystem.i18n import has_message, t
from ecosystem.registry import load_registry, typed_registry
from ecosystem.synthetic import synthetic_registry
from ecosystem.taxonomy import load_taxonomy

FOOTNOTE = "Source: Baltic Social Ecosystem registry v1a2b3c4 (2026-11-26)"
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
REGION_NAMES = {"LT011": "Vilniaus miesto sav.", "LT021": SCRIPT, "LV006": "Rīga"}
PROGRAMMES = {"p1": "Social Innovation Fund", "p2": SCRIPT}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(Path(__file__).resolve().parent.parent / "data" / "taxonomy.csv")


def _row(id, country, region, services, targets, programmes="", start=None, actor="initiative"):
    return {
        "id": id, "actor_type": actor, "country": country, "region_code": region, "service_types": services,
        "target_groups": targets, "programmes": programmes, "start_year": start,
    }


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rows = [
        _row("i1", "LT", "LT011", "employment_integration;social_support", "jobseekers;low_income", "p1", 2019),
        _row("i2", "LT", "LT011", "social_support", "older_people", "", 2021),
        _row("i3", "LV", "LV006", "housing", "jobseekers", "p1;p2", 2021),
        _row("i4", "LT", "", "food_nutrition", "low_income", "", None),
        _row("i5", "LT", "LT021", "employment_integration", "jobseekers", "p2", 2016),
        _row("o1", "LT", "LT011", "housing", "older_people", "p1", 2019, actor="support_organisation"),
    ]
    frame = pd.DataFrame(rows)
    frame["start_year"] = frame["start_year"].astype("Int64")
    return frame


@pytest.fixture(scope="module")
def empty_frame(frame) -> pd.DataFrame:
    return frame.iloc[0:0]


def _footnotes(fig: go.Figure) -> list[str]:
    return [annotation.text for annotation in fig.layout.annotations if annotation.name == "footnote"]


def _totals(fig: go.Figure) -> dict[str, str]:
    return {annotation.y: annotation.text for annotation in fig.layout.annotations if annotation.name == "total"}


def _is_empty_figure(fig: go.Figure) -> bool:
    return len(fig.data) == 0 and any(annotation.name == "empty" for annotation in fig.layout.annotations)


# --- the service × target heatmap ----------------------------------------------------------------

def _heatmap(frame, taxonomy, lang="en"):
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    matrix = coverage.service_target_matrix(frame, services, targets)
    return matrix, service_target_heatmap(matrix, taxonomy, lang, FOOTNOTE)


def test_heatmap_cells_are_the_matrix_counts_zeros_included(frame, taxonomy):
    matrix, fig = _heatmap(frame, taxonomy)
    heatmap = fig.data[0]
    assert [list(row) for row in heatmap.z] == matrix.to_numpy().tolist()
    assert heatmap.z[taxonomy.codes("service_type").index("employment_integration")][
        taxonomy.codes("target_group").index("jobseekers")] == 2
    assert heatmap.texttemplate == "%{z}"
    assert heatmap.zmin == 0 and heatmap.colorscale[0][1].upper() == "#FFFFFF"
    assert heatmap.colorscale[1][0] < 1 / heatmap.zmax  # a count of 1 is already off white


def test_heatmap_labels_follow_the_language(frame, taxonomy):
    _, english = _heatmap(frame, taxonomy, "en")
    _, lithuanian = _heatmap(frame, taxonomy, "lt")
    assert "Social support" in english.data[0].y
    assert "Socialinė pagalba" in lithuanian.data[0].y and "Social support" not in lithuanian.data[0].y
    assert "Darbo ieškantys asmenys" in lithuanian.data[0].x
    assert lithuanian.layout.xaxis.title.text == "Tikslinė grupė"
    assert lithuanian.layout.yaxis.title.text == "Paslaugos tipas"
    assert lithuanian.layout.title.text == "Iniciatyvos pagal paslaugos tipą ir tikslinę grupę"
    assert "Iniciatyvos" in lithuanian.data[0].hovertemplate


def test_heatmap_escapes_ampersands_of_labels(frame, taxonomy):
    _, fig = _heatmap(frame, taxonomy)
    assert "Employment &amp; work integration" in fig.data[0].y


# --- stacked bars per area -----------------------------------------------------------------------

def _area_bars(frame, taxonomy, area="region", lang="en", labels=REGION_NAMES):
    counts, totals = coverage.counts_by_area_and_service(frame, area, taxonomy.codes("service_type"))
    return counts, totals, area_service_bars(counts, totals, area, taxonomy, lang, FOOTNOTE, labels)


def test_area_bar_segments_are_the_coverage_counts(frame, taxonomy):
    counts, _, fig = _area_bars(frame, taxonomy)
    labels = taxonomy.labels("service_type")
    names = {"LT011": "Vilniaus miesto sav.", "LT021": ESCAPED_SCRIPT, "LV006": "Rīga", "": "No region"}
    drawn = {
        (y, trace.name): x for trace in fig.data for x, y in zip(trace.x, trace.y, strict=True)
    }
    expected = {
        (names[row.region], labels[row.service_type].replace("&", "&amp;")): row.initiatives
        for row in counts.itertuples()
    }
    assert drawn == expected
    assert all(trace.orientation == "h" for trace in fig.data)
    assert fig.layout.barmode == "stack"


def test_area_bars_are_as_long_as_their_number_of_initiatives(frame, taxonomy):
    _, totals, fig = _area_bars(frame, taxonomy)
    written = _totals(fig)
    assert written == {
        "Vilniaus miesto sav.": "<b>2</b>", ESCAPED_SCRIPT: "<b>1</b>", "Rīga": "<b>1</b>", "No region": "<b>1</b>",
    }
    vilnius = {trace.name: (x, offering) for trace in fig.data
               for x, y, offering in zip(trace.x, trace.y, trace.customdata, strict=True) if y == "Vilniaus miesto sav."}
    # i1 (employment and social support) is half in each segment; i2 (social support) whole; two offer social support
    assert vilnius == {"Employment &amp; work integration": (0.5, 1), "Social support": (1.5, 2)}
    assert sum(x for x, _ in vilnius.values()) == totals["LT011"] == 2
    assert {note.x for note in fig.layout.annotations if note.text == "<b>2</b>"} == {2.0}  # the number at the bar's end
    assert "split equally" in fig.layout.title.subtitle.text and "split equally" in fig.layout.xaxis.title.text


def test_area_bars_are_sorted_by_total_and_legend_follows_the_taxonomy(frame, taxonomy):
    _, _, fig = _area_bars(frame, taxonomy)
    assert fig.layout.yaxis.categoryarray[0] == "Vilniaus miesto sav."
    assert fig.layout.yaxis.autorange == "reversed"
    order = taxonomy.codes("service_type")
    drawn = [next(code for code in order if taxonomy.label("service_type", code).replace("&", "&amp;")
                  == trace.name.replace("<br>", " ")) for trace in fig.data]
    assert drawn == sorted(drawn, key=order.index)
    colours = taxonomy.colours("service_type")
    assert [trace.marker.color for trace in fig.data] == [colours[code] for code in drawn]


def test_area_bars_translate_country_names_and_no_region(frame, taxonomy):
    _, _, countries = _area_bars(frame, taxonomy, area="country", lang="lv", labels=None)
    assert set(_totals(countries)) == {"Lietuva", "Latvija"}
    assert _totals(countries)["Lietuva"] == "<b>4</b>"
    assert countries.layout.yaxis.title.text == "Valsts"
    _, _, regions = _area_bars(frame, taxonomy, lang="lt")
    assert "Be regiono" in _totals(regions)
    assert "Užimtumas ir integracija į<br>darbą" in [trace.name for trace in regions.data]


def test_area_bars_escape_area_names(frame, taxonomy):
    _, _, fig = _area_bars(frame, taxonomy)
    drawn = [y for trace in fig.data for y in trace.y]
    assert ESCAPED_SCRIPT in drawn and SCRIPT not in drawn


# --- target groups per area --------------------------------------------------------------------

def test_targets_by_area_cells_are_the_coverage_counts(frame, taxonomy):
    targets = taxonomy.codes("target_group")
    table = coverage.targets_by_area(frame, "region", targets)
    fig = targets_by_area_chart(table, "region", taxonomy, "en", FOOTNOTE, REGION_NAMES)
    heatmap = fig.data[0]
    assert list(heatmap.y) == ["Vilniaus miesto sav.", ESCAPED_SCRIPT, "Rīga", "No region"]  # by code, unassigned last
    expected = table.loc[["LT011", "LT021", "LV006", ""]].to_numpy().tolist()
    assert [list(row) for row in heatmap.z] == expected
    assert heatmap.z[0][targets.index("jobseekers")] == 1 and heatmap.z[0][targets.index("single_parents")] == 0
    assert fig.layout.meta == "coverage-region-targets"


def test_targets_by_area_speaks_latvian(frame, taxonomy):
    table = coverage.targets_by_area(frame, "country", taxonomy.codes("target_group"))
    fig = targets_by_area_chart(table, "country", taxonomy, "lv", FOOTNOTE)
    assert list(fig.data[0].y) == ["Lietuva", "Latvija"]
    assert "Darba meklētāji" in fig.data[0].x
    assert fig.layout.title.text == "Apkalpotās mērķa grupas pa valstīm"


# --- the timeline ------------------------------------------------------------------------------

def test_timeline_bars_are_the_timeline_counts(frame):
    counts = coverage.timeline_counts(frame)
    fig = timeline_chart(counts, PROGRAMMES, "en", FOOTNOTE)
    names = {"p1": "Social Innovation Fund", "p2": ESCAPED_SCRIPT, "": "No programme"}
    drawn = {(x, trace.name): y for trace in fig.data for x, y in zip(trace.x, trace.y, strict=True)}
    expected = {(row.start_year, names[row.programme]): row.initiatives for row in counts.itertuples()}
    assert drawn == expected
    assert [trace.name for trace in fig.data] == ["Social Innovation Fund", ESCAPED_SCRIPT, "No programme"]
    assert fig.layout.barmode == "stack"


def test_timeline_year_axis_has_whole_years_without_gaps(frame):
    fig = timeline_chart(coverage.timeline_counts(frame), PROGRAMMES, "en", FOOTNOTE)
    axis = fig.layout.xaxis
    assert axis.tickformat == "d" and axis.dtick == 1 and axis.type == "linear"
    assert list(axis.range) == [2015.5, 2021.5]  # 2017, with no initiative, is on the axis
    assert all(isinstance(year, int) for trace in fig.data for year in trace.x)


def test_timeline_colours_are_stable_and_no_programme_is_grey(frame):
    counts = coverage.timeline_counts(frame)
    whole = timeline_chart(counts, PROGRAMMES, "lt", FOOTNOTE)
    only_p2 = timeline_chart(counts[counts["programme"] == "p2"], PROGRAMMES, "lt", FOOTNOTE)
    colour = {trace.name: trace.marker.color for trace in whole.data}
    assert only_p2.data[0].marker.color == colour[ESCAPED_SCRIPT]  # filtering does not repaint a programme
    assert len(set(colour.values())) == len(colour)
    assert "Be programos" in colour
    assert whole.layout.legend.title.text == "Programa"


# --- lengths mean what the axes say, at any size ---------------------------------------------------

@pytest.fixture(scope="module", params=[0, 1, 2])
def synthetic(request, taxonomy) -> pd.DataFrame:
    """A synthetic registry whose cells hold several service types, target groups and programmes, some none."""
    rng = np.random.default_rng(request.param)
    frame = synthetic_registry(1_500, taxonomy, seed=request.param)
    services, programmes = taxonomy.codes("service_type"), ["sempre", "sempre_accelerators", "socifaction", "p4"]

    def codes(pool: list[str], most: int) -> list[str]:
        return [";".join(rng.choice(pool, size=rng.integers(0, most + 1), replace=False)) for _ in range(len(frame))]

    frame["service_types"], frame["programmes"] = codes(services, 4), codes(programmes, 3)
    frame.loc[frame.sample(frac=0.1, random_state=request.param).index, "start_year"] = ""
    return typed_registry(frame)


def _bar_lengths(fig: go.Figure, axis: str = "x") -> dict:
    """The length of each stacked bar of a figure: its segments added up, per category."""
    across = "y" if axis == "x" else "x"
    lengths: dict = {}
    for trace in fig.data:
        for category, value in zip(trace[across], trace[axis], strict=True):
            lengths[category] = lengths.get(category, 0.0) + value
    return lengths


def test_every_bar_is_as_long_as_its_number_of_distinct_initiatives(synthetic, taxonomy):
    initiatives = synthetic[synthetic["actor_type"] == "initiative"]
    assert initiatives["service_types"].str.contains(";").any() and (initiatives["service_types"] == "").any()
    names = taxonomy.labels("country", "en")
    fig = coverage_figure("country", synthetic, taxonomy, "en", FOOTNOTE, {}, {})
    expected = initiatives.groupby("country")["id"].nunique()
    assert _bar_lengths(fig) == pytest.approx({names[code]: count for code, count in expected.items()})
    assert {note.y: note.text for note in fig.layout.annotations if note.name == "total"} == {
        names[code]: f"<b>{count}</b>" for code, count in expected.items()}
    regions = coverage_figure("region", synthetic, taxonomy, "en", FOOTNOTE, {}, {})
    assert sum(_bar_lengths(regions).values()) == pytest.approx(len(initiatives))


def test_the_timeline_counts_every_dated_initiative_once(synthetic, taxonomy):
    initiatives = synthetic[synthetic["actor_type"] == "initiative"]
    dated = initiatives[initiatives["start_year"].notna()]
    assert dated["programmes"].str.contains(";").any() and (dated["programmes"] == "").any()
    fig = coverage_figure("timeline", synthetic, taxonomy, "en", FOOTNOTE, {"sempre": "SEMPRE"}, {})
    per_year = dated.groupby("start_year")["id"].nunique()
    assert _bar_lengths(fig, axis="y") == pytest.approx(per_year.to_dict())
    assert sum(_bar_lengths(fig, axis="y").values()) == pytest.approx(len(dated))
    supported = {trace.name: sum(trace.customdata) for trace in fig.data}  # the hover's "initiatives in this programme"
    assert supported["SEMPRE"] == dated["programmes"].str.split(";").map(lambda codes: "sempre" in codes).sum()


def test_a_heatmap_cell_counts_the_initiatives_it_concerns(synthetic, taxonomy):
    initiatives = synthetic[synthetic["actor_type"] == "initiative"]
    fig = coverage_figure("heatmap", synthetic, taxonomy, "en", FOOTNOTE, {}, {})
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    service, target = services[1], targets[2]
    both = initiatives["service_types"].str.split(";").map(lambda codes: service in codes) & \
        initiatives["target_groups"].str.split(";").map(lambda codes: target in codes)
    assert fig.data[0].z[1][2] == both.sum() > 0


def test_stacked_segments_say_their_share_and_how_many_initiatives_have_the_code(frame, taxonomy):
    fig = coverage_figure("country", frame, taxonomy, "lt", FOOTNOTE, {}, {})
    hover = fig.data[0].hovertemplate
    assert t("chart.hover.offering", "lt", number="%{customdata:,d}") in hover
    assert t("chart.hover.counted", "lt", number="%{x:,.2~f}") in hover
    assert fig.layout.xaxis.title.text == t("chart.axis.split_services", "lt")
    timeline = coverage_figure("timeline", frame, taxonomy, "de", FOOTNOTE, PROGRAMMES, {})
    assert t("chart.hover.in_programme", "de", number="%{customdata:,d}") in timeline.data[0].hovertemplate
    assert "customdata" not in timeline.data[-1].hovertemplate  # "no programme": nothing to count but the share
    assert timeline.layout.yaxis.title.text == t("chart.axis.split_programmes", "de")


# --- shared: empty input, footnote, meta, integer counts ------------------------------------------------

def test_every_builder_returns_the_empty_figure_for_empty_input(empty_frame, taxonomy):
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    figures = {
        "coverage-heatmap": service_target_heatmap(
            coverage.service_target_matrix(empty_frame, services, targets), taxonomy, "lt", FOOTNOTE),
        "coverage-region-services": area_service_bars(
            *coverage.counts_by_area_and_service(empty_frame, "region", services), "region", taxonomy, "lt", FOOTNOTE),
        "coverage-region-targets": targets_by_area_chart(
            coverage.targets_by_area(empty_frame, "region", targets), "region", taxonomy, "lt", FOOTNOTE),
        "coverage-timeline": timeline_chart(coverage.timeline_counts(empty_frame), PROGRAMMES, "lt", FOOTNOTE),
    }
    for chart_id, fig in figures.items():
        assert _is_empty_figure(fig), chart_id
        assert fig.layout.meta == chart_id
        assert _footnotes(fig) == [FOOTNOTE]
        message = next(a.text for a in fig.layout.annotations if a.name == "empty")
        assert message == "Pagal pasirinktus filtrus iniciatyvų nėra."
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_empty_figure_shows_a_given_message_escaped():
    fig = empty_figure("Nothing for <b>x</b>", "en", chart_id="coverage-timeline")
    assert _is_empty_figure(fig)
    assert fig.layout.annotations[0].text == "Nothing for &lt;b&gt;x&lt;/b&gt;"
    assert fig.layout.meta == "coverage-timeline"


def _all_figures(frame, taxonomy, lang="en", footnote=FOOTNOTE):
    services, targets = taxonomy.codes("service_type"), taxonomy.codes("target_group")
    return {
        "coverage-heatmap": service_target_heatmap(
            coverage.service_target_matrix(frame, services, targets), taxonomy, lang, footnote),
        "coverage-country-services": area_service_bars(
            *coverage.counts_by_area_and_service(frame, "country", services), "country", taxonomy, lang, footnote),
        "coverage-region-targets": targets_by_area_chart(
            coverage.targets_by_area(frame, "region", targets), "region", taxonomy, lang, footnote, REGION_NAMES),
        "coverage-timeline": timeline_chart(coverage.timeline_counts(frame), PROGRAMMES, lang, footnote),
    }


def test_every_chart_has_its_id_footnote_title_and_house_style(frame, taxonomy):
    for chart_id, fig in _all_figures(frame, taxonomy).items():
        assert fig.layout.meta == chart_id
        assert _footnotes(fig) == [FOOTNOTE]
        footnote = next(a for a in fig.layout.annotations if a.name == "footnote")
        assert footnote.yref == "paper" and footnote.y == 0 and footnote.yanchor == "top"  # below the plot
        assert fig.layout.title.text
        assert fig.layout.template.layout.plot_bgcolor == "white"
        assert fig.layout.font.family.startswith("Arial")
        assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin


def test_footnote_is_escaped(frame, taxonomy):
    for fig in _all_figures(frame, taxonomy, footnote="Source: A & B <i>registry</i>").values():
        assert _footnotes(fig) == ["Source: A &amp; B &lt;i&gt;registry&lt;/i&gt;"]


def test_lithuanian_figures_use_lithuanian_number_separators(frame, taxonomy):
    for fig in _all_figures(frame, taxonomy, lang="lt").values():
        assert fig.layout.separators == ",\u00a0"  # decimal comma, no-break space between digit groups (CLDR)


def test_count_axes_tick_whole_numbers(frame, taxonomy):
    figures = _all_figures(frame, taxonomy)
    bars, timeline = figures["coverage-country-services"], figures["coverage-timeline"]
    for axis in (bars.layout.xaxis, timeline.layout.yaxis):
        assert axis.tickformat == ",d" and axis.dtick >= 1 and float(axis.dtick).is_integer()
    colorbar = figures["coverage-heatmap"].data[0].colorbar
    assert colorbar.tickformat == ",d" and colorbar.dtick >= 1


def test_a_long_legend_makes_the_figure_tall_enough(frame):
    many = {f"p{i}": f"Programme number {i} for social innovation in rural areas" for i in range(20)}
    counts = pd.DataFrame({"start_year": [2020] * 20, "programme": list(many), "initiatives": [1.0] * 20,
                           "distinct": [1] * 20})
    fig = timeline_chart(counts, many, "en", FOOTNOTE)
    assert fig.layout.height > 20 * 35


def test_coverage_figure_builds_every_chart_by_id(taxonomy):

    frame = typed_registry(synthetic_registry(300, taxonomy, programmes=("sempre",)))
    metas = {chart: coverage_figure(chart, frame, taxonomy, "lv", "footnote", {"sempre": "SEMPRE"}, {}).layout.meta
             for chart in CHARTS}
    assert metas == {"heatmap": "coverage-heatmap", "country": "coverage-country-services",
                     "region": "coverage-region-services", "country-targets": "coverage-country-targets",
                     "region-targets": "coverage-region-targets", "timeline": "coverage-timeline"}
    big = presentation_figure("timeline", frame, taxonomy, "en", "footnote", {"sempre": "SEMPRE"}, {})
    assert big.layout.font.size == 20 and big.layout.height >= 720


def test_every_registered_chart_builds_for_the_seed_registry(taxonomy):

    registry = load_registry(DATA, taxonomy)
    programme_names = dict(zip(registry.programmes["id"], registry.programmes["name"], strict=True))
    for chart, spec in CHARTS.items():
        assert spec.id == chart and has_message(spec.title_key) and has_message(spec.label_key), chart
        fig = coverage_figure(chart, registry.initiatives, taxonomy, "lt", FOOTNOTE, programme_names, REGION_NAMES)
        assert fig.layout.meta == spec.kind, chart
        assert fig.layout.title.text == plotly_text(t(spec.title_key, "lt")), chart
        assert fig.data and not _is_empty_figure(fig), chart
    assert len({spec.kind for spec in CHARTS.values()}) == len(CHARTS)  # every chart's files have their own name


@pytest.mark.parametrize("chart", ["nonsense", "", "Heatmap", "coverage-heatmap"])
def test_an_unknown_chart_id_is_an_error_naming_the_known_ids(chart, frame, taxonomy):
    with pytest.raises(UnknownChartError, match="known charts: heatmap, country, region, ") as raised:
        coverage_figure(chart, frame, taxonomy, "en", FOOTNOTE, PROGRAMMES, REGION_NAMES)
    assert isinstance(raised.value, ValueError) and raised.value.chart == chart
    assert repr(chart) in str(raised.value)


def test_the_heatmap_colour_scale_is_valid_for_every_largest_count():
    # many largest counts (40, 58, 66, … 307 of them below 5,000) made the last stop 1.0000000000000002: a crash
    for zmax in range(1, 100_001):
        stops = [stop for stop, _ in heatmap_colour_scale(zmax)]
        assert stops[0] == 0 and stops[-1] == 1.0 and all(a < b for a, b in zip(stops, stops[1:], strict=False))
    for zmax in (1, 2, 3, 40, 58, 66, 4_999, 99_999):
        go.Heatmap(z=[[0, zmax]], colorscale=heatmap_colour_scale(zmax))  # Plotly's own validation
