"""Reading partner files: the corpus in tests/files (see expected.json), encodings, limits, round trips, templates."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path
from types import ModuleType

import openpyxl
import pandas as pd
import pytest

from ecosystem import readers
from ecosystem.i18n import t
from ecosystem.readers import ReadLimits, ReadResult, read_partner_file, template_csv_bytes, template_xlsx_bytes
from ecosystem.registry_io import registry_csv_bytes, registry_geojson_bytes, registry_xlsx_bytes
from ecosystem.schema import REGISTRY_COLUMNS, ValidationContext, validate_registry
from ecosystem.taxonomy import Taxonomy

FILES = Path(__file__).resolve().parent / "files"
EXPECTED: dict[str, dict] = json.loads((FILES / "expected.json").read_text(encoding="utf-8"))


def _corpus_script() -> ModuleType:
    """tests/files/make_corpus.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_corpus", FILES / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORPUS = _corpus_script()


def _errors(result: ReadResult) -> pd.DataFrame:
    """The error rows of a result's problems."""
    return result.problems[result.problems["severity"] == "error"]


def _warnings(result: ReadResult) -> pd.DataFrame:
    """The warning rows of a result's problems."""
    return result.problems[result.problems["severity"] == "warning"]


def _cell(result: ReadResult, spreadsheet_row: int, column: str) -> str:
    """One cell of the raw table, addressed as the partner sees it in the spreadsheet."""
    return result.raw.at[spreadsheet_row - 2, column]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    """Registry rows as CSV text, written the way the corpus writes them."""
    return CORPUS.csv_text(rows, delimiter)


# --- the corpus -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_as_expected(name: str, taxonomy: Taxonomy) -> None:
    expected = EXPECTED[name]
    result = read_partner_file((FILES / name).read_bytes(), name, taxonomy)

    detected = {key: getattr(result, key) for key in ("format", "encoding", "delimiter", "sheet", "rows")}
    assert detected == {key: expected[key] for key in detected}
    errors = _errors(result)
    assert [int(row) for row in errors["row"]] == [row for row, _ in expected["errors"]]
    for message, (_, fragment) in zip(errors["message"], expected["errors"], strict=True):
        assert fragment in message
    if expected["errors"]:
        assert result.raw.empty
    else:
        assert len(result.raw) == expected["rows"]
        assert list(result.raw.index + 2) == sorted(result.raw.index + 2)
        assert all(pd.api.types.is_object_dtype(dtype) for dtype in result.raw.dtypes)
    for key, value in expected["cells"].items():
        row, column = key.split(":", 1)
        assert _cell(result, int(row), column) == value, key
    warnings = _warnings(result)
    found = sorted((int(row), column) for row, column in zip(warnings["row"], warnings["column"], strict=True))
    assert [f"{row}:{column}" for row, column in found] == expected["warnings"]


def test_expected_json_and_text_files_match_the_corpus_script() -> None:
    for name, make in CORPUS.CASES.items():
        data, outcome = make()
        assert json.loads(json.dumps(outcome)) == EXPECTED[name], name
        assert len(data) < 50_000, name
        if not data.startswith(b"PK"):  # zip members carry the time they were written
            assert (FILES / name).read_bytes() == data, name


def test_change_warnings_say_from_what_to_what(taxonomy: Taxonomy) -> None:
    result = read_partner_file((FILES / "excel_lt_cp1257.csv").read_bytes(), "lt.csv", taxonomy)
    warning = _warnings(result).set_index(["row", "column"]).loc[(2, "latitude")]
    assert warning["value"] == "55,2522"
    assert warning["message"] == t("r.changed", "en", old="55,2522", new="55.2522", why=t("r.why.decimal_comma", "en"))


def test_messages_come_in_the_interface_language(taxonomy: Taxonomy) -> None:
    header_only = read_partner_file((FILES / "header_only.csv").read_bytes(), "h.csv", taxonomy, lang="lt")
    assert _errors(header_only)["message"].tolist() == [t("r.no_rows", "lt")]
    labels = read_partner_file((FILES / "labels_lv.csv").read_bytes(), "l.csv", taxonomy, lang="lv")
    status = _warnings(labels).set_index("column").loc["status", "message"]
    assert status == "“Izmēģinājums” nomainīts uz “pilot”: nosaukums aizstāts ar tā kodu."


def test_one_warning_per_changed_cell_lists_every_reason(taxonomy: Taxonomy) -> None:
    result = read_partner_file((FILES / "labels_lt.csv").read_bytes(), "l.csv", taxonomy)
    messages = _warnings(result).set_index(["row", "column"])["message"]
    assert messages[(3, "actor_type")] == t("r.changed", "en", old=" Tinklas ", new="network",
                                            why=f"{t('r.why.spaces', 'en')}; {t('r.why.label', 'en')}")
    assert t("r.why.separator", "en") in messages[(2, "target_groups")]


def test_normalised_labels_pass_validation_except_the_unknown_one(taxonomy: Taxonomy, context: ValidationContext) -> None:
    result = read_partner_file((FILES / "labels_lt.csv").read_bytes(), "l.csv", taxonomy)
    errors = validate_registry(result.raw, context)
    assert errors[["row", "column", "value"]].values.tolist() == [[3, "target_groups", "jobseekers;Nežinoma grupė"]]


# --- detection ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "renamed", "format"), [
    ("points.geojson", "points.csv", "geojson"),
    ("excel_lt_cp1257.csv", "registry.xlsx", "csv"),
    ("workbook_two_sheets.xlsx", "registry.csv", "xlsx"),
])
def test_format_comes_from_the_content_not_the_extension(name: str, renamed: str, format: str,
                                                          taxonomy: Taxonomy) -> None:
    result = read_partner_file((FILES / name).read_bytes(), renamed, taxonomy)
    assert (result.format, _errors(result).empty, result.rows) == (format, True, EXPECTED[name]["rows"])


def test_single_column_file_falls_back_to_comma(taxonomy: Taxonomy) -> None:
    result = read_partner_file(b"id\nonly-one\n", "ids.csv", taxonomy)
    assert (result.delimiter, result.rows, _cell(result, 2, "id")) == (",", 1, "only-one")


def test_byte_order_marks_inside_the_header_are_removed_silently(taxonomy: Taxonomy) -> None:
    data = ("\ufeff\ufeff" + _csv([CORPUS.row(id="x", name="y")])).encode("utf-8")
    result = read_partner_file(data, "bom.csv", taxonomy)
    assert (result.encoding, list(result.raw.columns), len(result.problems)) == ("utf-8-sig", REGISTRY_COLUMNS, 0)


def test_other_code_pages_are_left_to_charset_normalizer(taxonomy: Taxonomy) -> None:
    names = ["Рижский центр социальной помощи", "Даугавпилсская община", "Общество пожилых людей Резекне"]
    data = _csv([CORPUS.row(id=f"ru-{number}", name=name) for number, name in enumerate(names)]).encode("cp1251")
    result = read_partner_file(data, "ru.csv", taxonomy)
    assert result.encoding == "cp1251"
    assert result.raw["name"].tolist() == names


ALL_LETTERS = {
    "lt": "Šiaulių ąžuolynas – ąčęėįšųūž ĄČĘĖĮŠŲŪŽ",
    "lv": "Ķekavas ģimeņu centrs – āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ",
    "et": "Tõrva Pärnu – õäöüšž ÕÄÖÜŠŽ",
    "de": "Straße Grüne Brücke – äöüß ÄÖÜ",
    "sv": "Luleå Malmö – åäö ÅÄÖ",
    "pl": "Łódź Gdańsk – ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ",
    "da": "Grønnegården Ærø – æøå ÆØÅ",
}


@pytest.mark.parametrize(("encoding", "detected", "languages"), [
    ("utf-8", "utf-8", list(ALL_LETTERS)),
    ("utf-8-sig", "utf-8-sig", list(ALL_LETTERS)),
    ("utf-16", "utf-16", list(ALL_LETTERS)),
    ("cp1257", "cp1257", ["lt", "lv", "et", "pl"]),
    ("cp1257", "cp1257", ["lt"]),
    ("cp1257", "cp1257", ["lv"]),
    ("cp1257", "cp1257", ["pl"]),
    ("cp1252", "cp1252", ["de", "sv", "et", "da"]),
    ("cp1252", "cp1252", ["de"]),
    ("cp1252", "cp1252", ["sv"]),
    ("cp1252", "cp1252", ["da"]),
])
def test_letters_survive_a_round_trip_through_each_encoding(encoding: str, detected: str, languages: list[str],
                                                            taxonomy: Taxonomy) -> None:
    names = [ALL_LETTERS[language] for language in languages]
    rows = [CORPUS.row(id=f"{language}-1", name=name, municipality=name.split(" – ")[0])
            for language, name in zip(languages, names, strict=True)]
    for delimiter in (",", ";", "\t"):
        result = read_partner_file(_csv(rows, delimiter).encode(encoding), "letters.csv", taxonomy)
        assert (result.encoding, result.delimiter) == (detected, delimiter)
        assert result.raw["name"].tolist() == names
        assert result.raw["municipality"].tolist() == [name.split(" – ")[0] for name in names]


# --- limits and hostile files ---------------------------------------------------------------------

def test_oversize_file_is_refused_before_parsing(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(b"id,name\n" + b"x,y\n" * 5_000_001)
    result = read_partner_file(path.read_bytes(), path.name, taxonomy)
    assert result.format is None and result.raw.empty
    assert _errors(result)["message"].tolist() == [t("r.too_large", "en", size="20,000,012", limit="20,000,000")]


def test_row_limit_stops_reading_before_the_rest_of_the_file(taxonomy: Taxonomy) -> None:
    rows = [CORPUS.row(id=f"r{number}", name="n") for number in range(4)]
    data = (_csv(rows) + 'broken,"' + "x" * 200_000 + '"\n').encode("utf-8")  # a field over csv's size limit
    stopped = read_partner_file(data, "rows.csv", taxonomy, limits=ReadLimits(max_rows=3))
    assert [(int(row), message) for row, message in zip(_errors(stopped)["row"], _errors(stopped)["message"], strict=True)] == \
        [(5, t("r.too_many_rows", "en", limit="3"))]
    read_on = read_partner_file(data, "rows.csv", taxonomy, limits=ReadLimits(max_rows=10))
    assert _errors(read_on)["row"].tolist() == [6]
    assert "field larger than field limit" in _errors(read_on)["message"].iloc[0]


def test_row_limit_applies_to_workbooks_and_geojson(taxonomy: Taxonomy) -> None:
    limits = ReadLimits(max_rows=2)
    workbook = read_partner_file((FILES / "workbook_two_sheets.xlsx").read_bytes(), "w.xlsx", taxonomy, limits=limits)
    assert _errors(workbook)[["row", "message"]].values.tolist() == [[5, t("r.too_many_rows", "en", limit="2")]]
    points = read_partner_file((FILES / "points.geojson").read_bytes(), "p.geojson", taxonomy, limits=limits)
    assert _errors(points)["message"].tolist() == [t("r.too_many_rows", "en", limit="2")]


def _wide_workbook() -> bytes:
    """A workbook with a value in column 101 of row 3."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "name"])
    workbook.active.append(["x", "y"])
    workbook.active.cell(row=3, column=101, value="far right")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "row"), [
    ((",".join(f"c{number}" for number in range(101)) + "\n").encode() * 2, 1),
    (_wide_workbook(), 3),
])
def test_too_many_columns(data: bytes, row: int, taxonomy: Taxonomy) -> None:
    result = read_partner_file(data, "wide", taxonomy)
    assert _errors(result)[["row", "message"]].values.tolist() == \
        [[row, t("r.too_many_columns", "en", limit=100, expected=20)]]


def test_header_below_blank_rows_keeps_spreadsheet_row_numbers(taxonomy: Taxonomy) -> None:
    data = b"\n\n" + _csv([CORPUS.row(id="x", name="y")]).replace("id,name", "ID,name", 1).encode()
    result = read_partner_file(data, "late.csv", taxonomy)
    assert (list(result.raw.index), _cell(result, 4, "id")) == ([2], "x")
    assert _warnings(result)[["row", "column", "value"]].values.tolist() == [[3, "id", "ID"]]


@pytest.mark.parametrize("name", ["zip_bomb_declared.xlsx", "zip_bomb_ratio.xlsx"])
def test_zip_bombs_are_refused_without_opening_the_workbook(name: str, taxonomy: Taxonomy,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_open(*args: object, **kwargs: object) -> None:
        """Stands in for openpyxl.load_workbook."""
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(readers.openpyxl, "load_workbook", must_not_open)
    result = read_partner_file((FILES / name).read_bytes(), name, taxonomy)
    assert "would unpack" in _errors(result)["message"].iloc[0]


def test_damaged_workbook_is_an_error_not_a_traceback(taxonomy: Taxonomy) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    result = read_partner_file(buffer.getvalue(), "broken.xlsx", taxonomy)
    assert (result.format, len(_errors(result))) == ("xlsx", 1)
    assert "cannot be opened" in _errors(result)["message"].iloc[0]


def test_workbook_sheet_can_be_chosen_and_a_missing_one_is_named(taxonomy: Taxonomy) -> None:
    data = (FILES / "workbook_two_sheets.xlsx").read_bytes()
    chosen = read_partner_file(data, "w.xlsx", taxonomy, sheet="Registras")
    assert (chosen.sheet, chosen.rows) == ("Registras", 3)
    missing = read_partner_file(data, "w.xlsx", taxonomy, sheet="Sheet1")
    assert _errors(missing)["message"].tolist() == [t("r.no_sheet", "en", sheet="Sheet1", sheets="Instrukcija, Registras")]


@pytest.mark.parametrize(("data", "message"), [
    (b'{\n "type": "FeatureCollection",\n "features": [}', t("r.json_invalid", "en", line=3, column=15)),
    (b'{"registry": []}', t("r.not_geojson", "en")),
    (b"[" * 100_000, t("r.not_geojson", "en")),
])
def test_broken_or_foreign_json(data: bytes, message: str, taxonomy: Taxonomy) -> None:
    result = read_partner_file(data, "map.geojson", taxonomy)
    assert _errors(result)["message"].tolist() == [message]


def test_large_valid_file(tmp_path: Path, taxonomy: Taxonomy) -> None:
    rows = [CORPUS.row(id=f"lt-{number}", name=f"Iniciatyva Nr. {number} – Šiaulių kraštas", actor_type="initiative",
                       country="LT", region_code="LT023", latitude=f"55.{number:05d}", longitude="23.3137",
                       location_precision="settlement", service_types="housing;social_support",
                       target_groups="older_people", status="active", start_year="2019", partner="VU",
                       description=f"Aprašymas {number}: dienos centras, veikia nuo 2019 m.", source="interviu")
            for number in range(60_000)]
    path = tmp_path / "large.csv"
    path.write_bytes(_csv(rows, ";").encode("cp1257"))
    assert path.stat().st_size > 10_000_000
    result = read_partner_file(path.read_bytes(), path.name, taxonomy)
    assert (result.encoding, result.delimiter, result.rows, len(result.problems)) == ("cp1257", ";", 60_000, 0)
    assert _cell(result, 60_001, "name") == "Iniciatyva Nr. 59999 – Šiaulių kraštas"


# --- round trips with our own exports and templates -----------------------------------------------

def _registry_frame() -> pd.DataFrame:
    """Two registry rows with formula-like text and a negative longitude, as the registry holds them."""
    rows = [
        CORPUS.row(id="lt-1", name="=1+1", actor_type="initiative", country="LT", municipality="@Vilnius",
                   latitude="54.6872", longitude="25.2797", location_precision="settlement",
                   service_types="housing", target_groups="older_people", start_year="2019", partner="p",
                   description="+370 600 00000", source="-minus"),
        CORPUS.row(id="pt-2", name="Porto", actor_type="network", country="PT", latitude="41.1496",
                   longitude="-8.611", location_precision="settlement", partner="p", source="s"),
    ]
    return pd.DataFrame(rows, columns=REGISTRY_COLUMNS)


def test_csv_export_reads_back_unchanged(taxonomy: Taxonomy) -> None:
    frame = _registry_frame()
    result = read_partner_file(registry_csv_bytes(frame), "export.csv", taxonomy)
    pd.testing.assert_frame_equal(result.raw, frame)
    warnings = _warnings(result)
    apostrophes = warnings[warnings["message"].str.contains(t("r.why.apostrophe", "en"), regex=False)]
    formulas = warnings[warnings["message"] == t("r.formula", "en")]
    expected = [[2, "name"], [2, "municipality"], [2, "description"], [2, "source"]]
    assert apostrophes[["row", "column"]].values.tolist() == expected
    assert formulas[["row", "column"]].values.tolist() == expected  # -8.611 is a number, not a formula


def test_geojson_export_reads_back_unchanged(taxonomy: Taxonomy) -> None:
    frame = _registry_frame()
    typed = frame.assign(start_year=pd.array([2019, None], dtype="Int64"), end_year=pd.array([None, None], dtype="Int64"),
                         latitude=frame["latitude"].astype(float), longitude=frame["longitude"].astype(float))
    result = read_partner_file(registry_geojson_bytes(typed), "export.geojson", taxonomy)
    pd.testing.assert_frame_equal(result.raw[REGISTRY_COLUMNS], frame)


SPREADSHEET_TEXTS = ["=1+1", "+49 30", "-x", "@sum", "'quoted", "'=1+1", "''@sum", "Kauno „Ūkis“ ąčęėįšųūž",
                     "Ģimeņu centrs Ķekava āčēģīķļņšūž", "it's fine"]


def _text_frame() -> pd.DataFrame:
    """Rows whose text a spreadsheet would run, or that really starts with apostrophes, in every text column."""
    rows = [CORPUS.row(id=f"t-{n}", name=text, municipality=text, partner=text, description=text, source=text)
            for n, text in enumerate(SPREADSHEET_TEXTS)]
    return pd.DataFrame(rows, columns=REGISTRY_COLUMNS)


@pytest.mark.parametrize("export, file_name", [(registry_csv_bytes, "export.csv"), (registry_xlsx_bytes, "export.xlsx")])
def test_formula_like_and_apostrophe_text_reads_back_unchanged(export, file_name: str, taxonomy: Taxonomy) -> None:
    frame = _text_frame()
    result = read_partner_file(export(frame), file_name, taxonomy)
    assert _errors(result).empty
    pd.testing.assert_frame_equal(result.raw, frame)


def test_xlsx_export_marks_formula_like_text_with_the_quote_prefix_not_an_apostrophe() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(registry_xlsx_bytes(_text_frame())))
    names = {cell.value: cell for cell in workbook.active["B"][1:]}
    for text in ("=1+1", "+49 30", "-x", "@sum"):
        assert (names[text].data_type, names[text].quotePrefix) == ("s", True), text  # text, never a formula
    assert not any(cell.quotePrefix for text, cell in names.items() if not text.startswith(("=", "+", "-", "@")))
    # text that really starts with apostrophes before a formula character gets one more, which the reader removes
    assert set(names) == set(SPREADSHEET_TEXTS) - {"'=1+1", "''@sum"} | {"''=1+1", "'''@sum"}

@pytest.mark.parametrize("lang", ["en", "lt", "lv"])
def test_templates_hold_the_header_and_one_valid_example_row(lang: str, taxonomy: Taxonomy,
                                                             context: ValidationContext) -> None:
    from_csv = read_partner_file(template_csv_bytes(taxonomy, lang), "template.csv", taxonomy)
    from_xlsx = read_partner_file(template_xlsx_bytes(taxonomy, lang), "template.xlsx", taxonomy)
    assert list(from_csv.raw.columns) == REGISTRY_COLUMNS
    assert from_csv.raw["id"].tolist() == ["example-remove-me"]
    assert from_csv.raw.at[0, "name"] == t("r.example_name", lang)
    assert validate_registry(from_csv.raw, context, lang).empty
    assert (from_xlsx.sheet, len(from_xlsx.problems)) == ("registry", 0)
    pd.testing.assert_frame_equal(from_xlsx.raw, from_csv.raw)


def test_xlsx_template_lists_every_code_with_its_label(taxonomy: Taxonomy) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx_bytes(taxonomy, "lv")))
    codes = workbook[t("r.codes_sheet", "lv")]
    rows = list(codes.iter_rows(values_only=True))
    assert rows[0] == (t("r.codes_column", "lv"), t("r.codes_code", "lv"), t("r.codes_label", "lv"))
    expected = [(column, code, label)
                for column, vocabulary in [("actor_type", "actor_type"), ("country", "country"),
                                           ("location_precision", "location_precision"),
                                           ("service_types", "service_type"), ("target_groups", "target_group"),
                                           ("status", "status")]
                for code, label in taxonomy.labels(vocabulary, "lv").items()]
    assert rows[1:] == expected
    assert ("service_types", "housing", "Mājoklis") in rows
