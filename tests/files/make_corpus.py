"""Write the corpus of awkward and hostile partner files, and ``expected.json`` with each file's outcome.

Run ``python tests/files/make_corpus.py`` from anywhere; it rewrites every file in this folder
deterministically. Each case states what the reader must report: format, encoding, delimiter, sheet,
number of rows, errors (spreadsheet row and a fragment of the English message), exact cells after
normalisation (keyed ``"row:column"`` with the row as the spreadsheet shows it), and the exact list of
warnings as ``"row:column"`` (twice when a cell was both changed and is formula-like). The large valid file and the
oversize file are made by the tests.
"""

from __future__ import annotations

import csv
import io
import json
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
# the registry header as partners receive it in the template
HEADER = [
    "id", "name", "actor_type", "country", "region_code", "municipality", "latitude", "longitude",
    "location_precision", "service_types", "target_groups", "programmes", "status", "start_year",
    "end_year", "partner", "website", "description", "source", "last_updated",
]


def row(**cells: str) -> list[str]:
    """A registry row with the given cells and every other cell empty."""
    return [cells.get(column, "") for column in HEADER]


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n", header: list[str] = HEADER) -> str:
    """Rows under a header as CSV text, quoted only where needed (as Excel and LibreOffice write it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def case(what: str, *, format: str | None = None, encoding: str | None = None, delimiter: str | None = None,
         sheet: str | None = None, rows: int = 0, errors: list[tuple[int, str]] | None = None,
         cells: dict[str, str] | None = None, warnings: list[tuple[int, str]] | None = None) -> dict[str, object]:
    """The expected outcome of reading one corpus file."""
    return {
        "what": what, "format": format, "encoding": encoding, "delimiter": delimiter, "sheet": sheet,
        "rows": rows, "errors": [list(error) for error in errors or []], "cells": cells or {},
        "warnings": [f"{row}:{column}" for row, column in sorted(warnings or [])],
    }


def excel_lt() -> tuple[bytes, dict[str, object]]:
    """Lithuanian Excel "CSV (kabliataškiais atskirtos reikšmės)": cp1257, ';', CRLF, decimal commas."""
    description = "Dienos centras; veikia nuo 2019 m.\r\nVadovė – Ona Žėkienė"
    rows = [
        row(id="lt-taurage-001", name="Tauragės socialinių paslaugų centras „Šviesa“", actor_type="initiative",
            country="LT", region_code="LT025", municipality="Tauragės r. sav.", latitude="55,2522",
            longitude="22,2897", location_precision="settlement", service_types="care_day_services;social_support",
            target_groups="older_people", status="active", start_year="2019", partner="Šiaulių universitetas",
            description=description, source="interviu", last_updated="2026-11-01"),
        row(id="lt-siauliai-002", name="Ąžuolų bendruomenė", actor_type="network", country="LT",
            municipality="Šiaulių m. sav.", latitude="55,9349", longitude="23,3137", location_precision="settlement",
            partner="Šiaulių universitetas", source="interviu"),
        row(id="lt-kaunas-003", name="Kauno „Ūkis“ – ąčęėįšųūž ĄČĘĖĮŠŲŪŽ", actor_type="support_organisation",
            country="LT", latitude="54,8985", longitude="23,9036", location_precision="municipality",
            partner="Šiaulių universitetas", source="interviu"),
    ]
    expected = case(
        "Excel (Lithuanian locale) CSV export: Windows-1257, semicolons, CRLF, decimal commas, quoted multi-line cell",
        format="csv", encoding="cp1257", delimiter=";", rows=3,
        cells={"2:name": "Tauragės socialinių paslaugų centras „Šviesa“", "2:latitude": "55.2522",
               "2:longitude": "22.2897", "2:description": description, "3:municipality": "Šiaulių m. sav.",
               "4:name": "Kauno „Ūkis“ – ąčęėįšųūž ĄČĘĖĮŠŲŪŽ", "4:latitude": "54.8985"},
        warnings=[(number, column) for number in (2, 3, 4) for column in ("latitude", "longitude")])
    return csv_text(rows, ";", "\r\n").encode("cp1257"), expected


def libreoffice_lv() -> tuple[bytes, dict[str, object]]:
    """LibreOffice (Latvian locale) CSV: UTF-8 with BOM, ';', Latvian letters, a country name."""
    rows = [
        row(id="lv-kekava-001", name="Biedrība „Ģimeņu atbalsta centrs Ķekava“", actor_type="initiative",
            country="Latvija", municipality="Ķekavas novads", latitude="56,8280", longitude="24,2300",
            location_precision="municipality", service_types="social_support", target_groups="families_children",
            partner="Rīgas Stradiņa universitāte", source="intervija"),
        row(id="lv-liepaja-002", name="āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ", actor_type="network", country="LV",
            municipality="Liepāja", latitude="56.5047", longitude="21.0108", location_precision="settlement",
            partner="Rīgas Stradiņa universitāte", source="intervija"),
    ]
    expected = case(
        "LibreOffice (Latvian locale) CSV: UTF-8 with BOM, semicolons, a country name, mixed decimal separators",
        format="csv", encoding="utf-8-sig", delimiter=";", rows=2,
        cells={"2:name": "Biedrība „Ģimeņu atbalsta centrs Ķekava“", "2:country": "LV", "2:latitude": "56.8280",
               "2:municipality": "Ķekavas novads", "3:name": "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ", "3:latitude": "56.5047"},
        warnings=[(2, "country"), (2, "latitude"), (2, "longitude")])
    return ("\ufeff" + csv_text(rows, ";")).encode("utf-8"), expected


def excel_sv_utf16() -> tuple[bytes, dict[str, object]]:
    """Swedish Excel "Unicode text": UTF-16 LE with BOM, tabs, CRLF, decimal commas."""
    rows = [
        row(id="se-lulea-001", name="Föreningen Gårdsänget", actor_type="initiative", country="Sverige",
            region_code="SE332", municipality="Luleå kommun", latitude="65,5848", longitude="22,1567",
            location_precision="settlement", service_types="employment_integration", target_groups="jobseekers",
            partner="Luleå tekniska universitet", source="intervju",
            description="Hunddagis i Luleå.\tDrivs av personer långt från arbetsmarknaden."),
        row(id="se-malmo-002", name="Malmö stad – ÅÄÖ åäö", actor_type="public_authority", country="SE",
            municipality="Malmö stad", partner="Luleå tekniska universitet", source="intervju"),
    ]
    expected = case(
        "Swedish Excel 'Unicode text': UTF-16 LE with BOM, tab-separated, CRLF, a tab inside a quoted cell",
        format="csv", encoding="utf-16", delimiter="\t", rows=2,
        cells={"2:name": "Föreningen Gårdsänget", "2:country": "SE", "2:municipality": "Luleå kommun",
               "2:latitude": "65.5848", "2:description": "Hunddagis i Luleå.\tDrivs av personer långt från arbetsmarknaden.",
               "3:name": "Malmö stad – ÅÄÖ åäö"},
        warnings=[(2, "country"), (2, "latitude"), (2, "longitude")])
    return csv_text(rows, "\t", "\r\n").encode("utf-16"), expected


def estonian_utf16be() -> tuple[bytes, dict[str, object]]:
    """UTF-16 big-endian with BOM, commas, Estonian letters."""
    rows = [row(id="ee-torva-001", name="Tõrva vald – Šokolaaditöökoda Žürii", actor_type="initiative",
                country="Eesti", municipality="Tõrva vald", partner="Tartu Ülikool", source="intervjuu")]
    expected = case("UTF-16 BE with BOM, commas, Estonian letters and country name", format="csv",
                    encoding="utf-16", delimiter=",", rows=1,
                    cells={"2:name": "Tõrva vald – Šokolaaditöökoda Žürii", "2:country": "EE",
                           "2:partner": "Tartu Ülikool"},
                    warnings=[(2, "country")])
    return "\ufeff".encode("utf-16-be") + csv_text(rows).encode("utf-16-be"), expected


def german_cp1252() -> tuple[bytes, dict[str, object]]:
    """German Excel CSV: Windows-1252, ';', CRLF, umlauts and ß, a country name."""
    rows = [
        row(id="de-flensburg-001", name="Straßenküche Flensburg – „Grüne Brücke“", actor_type="initiative",
            country="Deutschland", region_code="DEF01", municipality="Flensburg", latitude="54,7937",
            longitude="9,4470", location_precision="settlement", service_types="food_nutrition",
            target_groups="low_income", partner="Diakonie Schleswig-Holstein", source="Gespräch",
            description="Café für Bedürftige, Öffnungszeiten täglich; Träger: Müller & Söhne"),
    ]
    expected = case("German Excel CSV: Windows-1252, semicolons, umlauts and ß", format="csv", encoding="cp1252",
                    delimiter=";", rows=1,
                    cells={"2:name": "Straßenküche Flensburg – „Grüne Brücke“", "2:country": "DE",
                           "2:description": "Café für Bedürftige, Öffnungszeiten täglich; Träger: Müller & Söhne",
                           "2:source": "Gespräch", "2:longitude": "9.4470"},
                    warnings=[(2, "country"), (2, "latitude"), (2, "longitude")])
    return csv_text(rows, ";", "\r\n").encode("cp1252"), expected


def danish_cp1252() -> tuple[bytes, dict[str, object]]:
    """Danish Windows-1252: æ and ø sit where Windows-1257 has Lithuanian ę and ų."""
    rows = [row(id="dk-sonderborg-001", name="Fælleskøkkenet Grønnegården", actor_type="initiative",
                country="Danmark", municipality="Sønderborg Kommune", partner="Ærø Frivilligcenter", source="samtale")]
    expected = case("Danish Windows-1252 whose æ/ø would read as Lithuanian ę/ų in Windows-1257", format="csv",
                    encoding="cp1252", delimiter=",", rows=1,
                    cells={"2:name": "Fælleskøkkenet Grønnegården", "2:municipality": "Sønderborg Kommune",
                           "2:partner": "Ærø Frivilligcenter", "2:country": "DK"},
                    warnings=[(2, "country")])
    return csv_text(rows, ",", "\r\n").encode("cp1252"), expected


def polish_utf8() -> tuple[bytes, dict[str, object]]:
    """Polish UTF-8 without BOM, commas, English labels with ',' as list separator."""
    rows = [
        row(id="pl-gdansk-001", name="Fundacja „Łódź Żyje” – ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ", actor_type="Initiative",
            country="Polska", municipality="Gdańsk", latitude="54.3520", longitude="18.6466",
            location_precision="Settlement", service_types="Education & training, Housing",
            target_groups="Jobseekers", status="Active", partner="Uniwersytet Gdański", source="wywiad"),
    ]
    expected = case("Polish UTF-8 without BOM, commas; English labels instead of codes, ',' inside a code list",
                    format="csv", encoding="utf-8", delimiter=",", rows=1,
                    cells={"2:name": "Fundacja „Łódź Żyje” – ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ", "2:actor_type": "initiative",
                           "2:country": "PL", "2:location_precision": "settlement",
                           "2:service_types": "education_training;housing", "2:target_groups": "jobseekers",
                           "2:status": "active", "2:municipality": "Gdańsk"},
                    warnings=[(2, column) for column in ("actor_type", "country", "location_precision",
                                                         "service_types", "target_groups", "status")])
    return csv_text(rows).encode("utf-8"), expected


def workbook_two_sheets() -> tuple[bytes, dict[str, object]]:
    """An XLSX whose first sheet holds instructions and second the registry: numbers, dates, a formula, a gap row."""
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Instrukcija"
    notes.append(["Pildykite lapą „Registras“. Kodai – šablone."])
    registry = workbook.create_sheet("Registras")
    registry.append([" ID ", "Name", *HEADER[2:]])
    first = row(id="lt-vilnius-001", name="  Vilniaus „Pastogė“ ", actor_type="initiative", country="LT",
                region_code="LT011", location_precision="address", partner="VU", source="interviu",
                website='=HYPERLINK("https://example.org","žr.")')
    values: list[object] = list(first)
    values[HEADER.index("latitude")] = 54.687157
    values[HEADER.index("longitude")] = 25.279652
    values[HEADER.index("start_year")] = 2019
    values[HEADER.index("end_year")] = 2020  # rewritten below as 2020.0, as some tools store whole numbers
    values[HEADER.index("last_updated")] = datetime(2026, 11, 26)
    registry.append([value if value != "" else None for value in values])
    registry.append([None] * len(HEADER))
    registry.append(["lt-vilnius-002", "Antra eilutė", "network", "lt", None, None, None, None, None, None, None,
                     None, None, None, None, "VU", None, None, "interviu"])
    registry.append(["lt-vilnius-003", "Trečia", "network", "LT", *[None] * 11, "VU", None, None, "interviu"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = _rewrite_member(buffer.getvalue(), "xl/worksheets/sheet2.xml",
                           lambda xml: xml.replace(b"<v>2020</v>", b"<v>2020.0</v>"))
    expected = case(
        "XLSX: instructions on sheet 1, registry on sheet 2 (chosen by its header); headers ' ID ' and 'Name'; "
        "float coordinates, an integer and a 2020.0 year, a date cell, a HYPERLINK formula, a blank row 3",
        format="xlsx", sheet="Registras", rows=3,
        cells={"2:id": "lt-vilnius-001", "2:name": "Vilniaus „Pastogė“", "2:latitude": "54.687157",
               "2:longitude": "25.279652", "2:start_year": "2019", "2:end_year": "2020",
               "2:last_updated": "2026-11-26", "2:website": '=HYPERLINK("https://example.org","žr.")',
               "4:id": "lt-vilnius-002", "4:country": "LT", "5:id": "lt-vilnius-003"},
        warnings=[(1, "id"), (1, "name"), (2, "name"), (2, "end_year"), (2, "last_updated"), (2, "website"),
                  (4, "country")])
    return data, expected


def points_geojson() -> tuple[bytes, dict[str, object]]:
    """A GeoJSON FeatureCollection of points as our export writes it, plus a stale latitude property."""
    def properties(**cells: object) -> dict[str, object]:
        """Every registry column but the coordinates, as our GeoJSON export writes properties."""
        return {column: cells.get(column) for column in HEADER if column not in ("latitude", "longitude")}

    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [25.2797, 54.6872]},
         "properties": properties(id="lt-vilnius-geo", name="Vilniaus taškas", actor_type="initiative", country="LT",
                                  location_precision="settlement", start_year=2019, partner="VU", source="export")},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.1052, 56.9496, 12.0]},
         "properties": {**properties(id="lv-riga-geo", name="Rīgas punkts", actor_type="network", country="LV",
                                     partner="RSU", source="export"), "latitude": 56.9}},
        {"type": "Feature", "geometry": None,
         "properties": properties(id="ee-tartu-geo", name="Tartu ilma punktita", actor_type="network",
                                  country="EE", start_year=2020.0, partner="TÜ", source="export")},
    ]
    document = {"type": "FeatureCollection", "features": features}
    expected = case("GeoJSON FeatureCollection of points (one with altitude, one stale latitude property, one "
                    "without geometry, one year stored as 2020.0)", format="geojson", encoding="utf-8", rows=3,
                    cells={"2:latitude": "54.6872", "2:longitude": "25.2797", "2:start_year": "2019",
                           "2:name": "Vilniaus taškas", "3:latitude": "56.9496", "3:longitude": "24.1052",
                           "4:latitude": "", "4:longitude": "", "4:start_year": "2020", "4:end_year": "",
                           "4:name": "Tartu ilma punktita"},
                    warnings=[(3, "latitude"), (4, "start_year")])
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"), expected


def polygon_geojson() -> tuple[bytes, dict[str, object]]:
    """A GeoJSON whose second feature is a polygon."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [25.0, 54.0]}, "properties": {"id": "a"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[25, 54], [26, 54], [26, 55], [25, 54]]]},
         "properties": {"id": "b"}},
    ]
    expected = case("GeoJSON with a polygon feature", format="geojson", encoding="utf-8",
                    errors=[(3, "Point geometry")])
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8"), expected


def _rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip with one member's bytes passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            target.writestr(entry.filename, change(content) if entry.filename == name else content)
    return buffer.getvalue()


def _minimal_workbook_members() -> dict[str, bytes]:
    """The members of a tiny valid workbook."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    archive = zipfile.ZipFile(buffer)
    return {entry.filename: archive.read(entry.filename) for entry in archive.infolist()}


def zip_bomb_declared() -> tuple[bytes, dict[str, object]]:
    """A tiny workbook whose zip directory declares a 4 GB sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _minimal_workbook_members().items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    sheet_name = b"xl/worksheets/sheet1.xml"
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46:position + 46 + name_length]) == sheet_name:
            struct.pack_into("<I", data, position + 24, 4_000_000_000)
        position = data.find(b"PK\x01\x02", position + 4)
    expected = case("XLSX whose zip directory declares a 4 GB sheet (the file is 5 KB)", errors=[(1, "would unpack")])
    return bytes(data), expected


def zip_bomb_ratio() -> tuple[bytes, dict[str, object]]:
    """A workbook whose sheet really inflates 1000-fold (30 MB of spaces in 30 KB)."""
    members = _minimal_workbook_members()
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 30_000_000, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    expected = case("XLSX that really inflates 1000-fold (30 MB of whitespace in a 30 KB file)",
                    errors=[(1, "would unpack")])
    return buffer.getvalue(), expected


def word_document() -> tuple[bytes, dict[str, object]]:
    """A .docx (a zip without a workbook)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue(), case("A Word document uploaded instead of the registry", errors=[(1, "Word document")])


def png_image() -> tuple[bytes, dict[str, object]]:
    """A 1×1 PNG renamed .csv."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        """One PNG chunk with its length and CRC."""
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return data, case("A PNG image renamed .csv", errors=[(1, "an image")])


def pdf_document() -> tuple[bytes, dict[str, object]]:
    """A minimal PDF renamed .csv."""
    data = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return data, case("A PDF renamed .csv", errors=[(1, "PDF document")])


def legacy_xls() -> tuple[bytes, dict[str, object]]:
    """The start of an Excel 97–2003 (OLE2) file."""
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            case("An Excel 97-2003 .xls (OLE2 compound file)", errors=[(1, "old-format Office file")]))


def binary_garbage() -> tuple[bytes, dict[str, object]]:
    """4 KB of random bytes."""
    return random.Random(20261126).randbytes(4096), case("Random binary data named .csv", errors=[(1, "binary data")])


def empty_file() -> tuple[bytes, dict[str, object]]:
    """Zero bytes."""
    return b"", case("An empty file", errors=[(1, "The file is empty")])


def header_only() -> tuple[bytes, dict[str, object]]:
    """The header and nothing else."""
    return csv_text([]).encode("utf-8"), case("Only the header row", format="csv", encoding="utf-8", delimiter=",",
                                              errors=[(1, "no data rows")])


def ragged_rows() -> tuple[bytes, dict[str, object]]:
    """Rows 3 and 5 have a cell too few and too many; row 2's quoted cell spans lines; row 6 ends with a ','."""
    good = row(id="ok-1", name="Eilutė", actor_type="network", partner="p", source="s",
               description="Pirmoji eilutė\nantroji, su kableliu")
    text = csv_text([good, good[:-1], good, good + ["extra"]])
    text += ",".join(row(id="ok-5", name="Trailing comma", actor_type="network", partner="p", source="s")) + ",\n"
    return text.encode("utf-8"), case("Ragged rows 3 and 5 (a quoted multi-line cell in row 2 keeps row numbers "
                                      "right; a trailing empty cell in row 6 is fine)", format="csv",
                                      encoding="utf-8", delimiter=",", errors=[(3, "header row (20): 3, 5.")])


def unclosed_quote() -> tuple[bytes, dict[str, object]]:
    """A quote opened in row 3 that never closes, swallowing the rest of the file."""
    lines = [",".join(HEADER), ",".join(row(id="a", name="A", actor_type="network", partner="p", source="s")),
             ",".join(row(id="b", name='"B, unclosed', actor_type="network", partner="p", source="s")),
             ",".join(row(id="c", name="C", actor_type="network", partner="p", source="s"))]
    return ("\n".join(lines) + "\n").encode("utf-8"), case(
        "A quote opened in row 3 never closes", format="csv", encoding="utf-8", delimiter=",",
        errors=[(3, "header row (20): 3.")])


def formula_cells() -> tuple[bytes, dict[str, object]]:
    """Formula-like text, our exports' apostrophes, and negative numbers that are not formulas."""
    rows = [
        row(id="pt-porto-001", name='=HYPERLINK("http://evil.example","click")', actor_type="initiative",
            country="PT", latitude="41.1496", longitude="-8.6110", location_precision="settlement",
            partner="p", source="s"),
        row(id="lt-002", name="'=1+1", actor_type="network", municipality="@Vilnius", partner="p", source="s",
            description="+370 600 00000"),
        row(id="lt-003", name="Minus", actor_type="network", latitude="=A1", longitude="-", partner="p",
            source="s", description="- ne sąrašas"),
    ]
    expected = case("Formula-like cells (= + - @), an exported apostrophe, and negative coordinates",
                    format="csv", encoding="utf-8", delimiter=",", rows=3,
                    cells={"2:name": '=HYPERLINK("http://evil.example","click")', "2:longitude": "-8.6110",
                           "3:name": "=1+1", "3:municipality": "@Vilnius", "3:description": "+370 600 00000",
                           "4:latitude": "=A1", "4:longitude": "", "4:description": "- ne sąrašas"},
                    warnings=[(2, "name"), (3, "name"), (3, "name"), (3, "municipality"), (3, "description"),
                              (4, "latitude"), (4, "longitude"), (4, "description")])
    return csv_text(rows).encode("utf-8"), expected


def labels_lt() -> tuple[bytes, dict[str, object]]:
    """Lithuanian labels instead of codes, lists with ';' and ',', codes in the wrong case."""
    rows = [
        row(id="lt-labels-1", name="Lietuviški pavadinimai", actor_type="Iniciatyva", country="lt",
            region_code="lt025", location_precision="Gyvenvietė", service_types="Būstas; Socialinė pagalba",
            target_groups="Vyresnio amžiaus žmonės, Šeimos su vaikais", status="Veikia", partner="p", source="s"),
        row(id="lt-labels-2", name="Didžiosios raidės", actor_type=" Tinklas ", country="LT",
            service_types="HOUSING", target_groups="jobseekers;Nežinoma grupė", status="active", partner="p",
            source="s"),
    ]
    expected = case("Lithuanian labels instead of codes, ';' and ',' lists, wrong case, an unknown label kept",
                    format="csv", encoding="utf-8", delimiter=",", rows=2,
                    cells={"2:actor_type": "initiative", "2:country": "LT", "2:region_code": "LT025",
                           "2:location_precision": "settlement", "2:service_types": "housing;social_support",
                           "2:target_groups": "older_people;families_children", "2:status": "active",
                           "3:actor_type": "network", "3:service_types": "housing",
                           "3:target_groups": "jobseekers;Nežinoma grupė"},
                    warnings=[(2, "actor_type"), (2, "country"), (2, "region_code"), (2, "location_precision"),
                              (2, "service_types"), (2, "target_groups"), (2, "status"), (3, "actor_type"),
                              (3, "service_types")])
    return csv_text(rows).encode("utf-8"), expected


def labels_lv() -> tuple[bytes, dict[str, object]]:
    """Latvian labels instead of codes in a ';' file, with ',' inside a code list."""
    rows = [row(id="lv-labels-1", name="Latviešu nosaukumi", actor_type="Publiskā iestāde", country="Latvija",
                location_precision="Pašvaldība", service_types="Mājoklis, Pārtika un uzturs", target_groups="Seniori",
                status="Izmēģinājums", partner="p", source="s")]
    expected = case("Latvian labels instead of codes, ',' inside a code list of a ';' file", format="csv",
                    encoding="utf-8", delimiter=";", rows=1,
                    cells={"2:actor_type": "public_authority", "2:country": "LV",
                           "2:location_precision": "municipality", "2:service_types": "housing;food_nutrition",
                           "2:target_groups": "older_people", "2:status": "pilot"},
                    warnings=[(2, column) for column in ("actor_type", "country", "location_precision",
                                                         "service_types", "target_groups", "status")])
    return csv_text(rows, ";").encode("utf-8"), expected


def country_names() -> tuple[bytes, dict[str, object]]:
    """Country names in several languages, a lower-case code and an unknown name."""
    names = ["Lithuania", "Lettland", "Eesti", "Sverige", "Polska", "Deutschland", "Atlantis", "lv", "Vokietija"]
    codes = ["LT", "LV", "EE", "SE", "PL", "DE", "Atlantis", "LV", "DE"]
    rows = [row(id=f"c{number}", name=name, actor_type="network", country=name, partner="p", source="s")
            for number, name in enumerate(names)]
    expected = case("Country names in English, German, Estonian, Swedish, Polish, Lithuanian; an unknown one kept",
                    format="csv", encoding="utf-8", delimiter=",", rows=len(names),
                    cells={f"{number + 2}:country": code for number, code in enumerate(codes)},
                    warnings=[(number + 2, "country") for number, code in enumerate(codes) if code != "Atlantis"])
    return csv_text(rows).encode("utf-8"), expected


def na_values() -> tuple[bytes, dict[str, object]]:
    """Placeholders for empty cells: cleared in optional columns, kept in required ones."""
    rows = [
        row(id="na-1", name="Tuščios reikšmės", actor_type="network", municipality="N/A", region_code="n/a",
            website="-", end_year="—", description="null", programmes="none", status="None", partner="p",
            source="s"),
        row(id="na-2", name="N/A", actor_type="network", municipality="tuščia", partner="N/A", source="s"),
    ]
    expected = case("N/A, -, —, null, none, tuščia: emptied in optional columns, kept in required ones",
                    format="csv", encoding="utf-8", delimiter=",", rows=2,
                    cells={"2:municipality": "", "2:region_code": "", "2:website": "", "2:end_year": "",
                           "2:description": "", "2:programmes": "", "2:status": "", "3:name": "N/A",
                           "3:municipality": "", "3:partner": "N/A"},
                    warnings=[(2, column) for column in ("municipality", "region_code", "website", "end_year",
                                                         "description", "programmes", "status")]
                    + [(3, "municipality")])
    return csv_text(rows).encode("utf-8"), expected


def semicolon_lists() -> tuple[bytes, dict[str, object]]:
    """A comma CSV whose code lists put several ';' in every row (the sniffer alone may pick ';')."""
    rows = [row(id=f"s{number}", name=f"Name {number}", actor_type="initiative",
                service_types="housing;social_support;food_nutrition;culture_media",
                target_groups="older_people;low_income;jobseekers", partner="p", source="s") for number in range(3)]
    return csv_text(rows).encode("utf-8"), case(
        "Comma-separated, with unquoted ';' lists in every row", format="csv", encoding="utf-8", delimiter=",",
        rows=3, cells={"2:service_types": "housing;social_support;food_nutrition;culture_media"})


def quoted_company_names() -> tuple[bytes, dict[str, object]]:
    """Excel ';' CSV, name column first, names in straight quotes that Excel doubles ("UAB ""Šviesa 1"", Tauragė")."""
    header = ["name", *(column for column in HEADER if column != "name")]
    rows = [row(id=f"lt-uab-{number}", name=f'UAB "Šviesa {number}", Tauragė', actor_type="support_organisation",
                country="LT", partner="p", source="s") for number in (1, 2)]
    rows = [[cells[HEADER.index(column)] for column in header] for cells in rows]
    expected = case("Semicolons, columns in another order with the name first, doubled quotes and a comma inside "
                    "quoted names: csv.Sniffer alone answers ','; the header and row widths say ';'", format="csv",
                    encoding="utf-8", delimiter=";", rows=2,
                    cells={"2:name": 'UAB "Šviesa 1", Tauragė', "3:id": "lt-uab-2", "3:country": "LT"})
    return csv_text(rows, ";", "\r\n", header).encode("utf-8"), expected


def header_problems() -> tuple[bytes, dict[str, object]]:
    """A header with 'Name' twice (once as 'NAME ') and values under an empty header."""
    header = ["id", "Name", "NAME ", "", *HEADER[2:]]
    rows = [["h1", "a", "b", "orphan", *[""] * (len(HEADER) - 2)]]
    return csv_text(rows, header=header).encode("utf-8"), case(
        "A duplicated column (Name / NAME) and values in a column without header", format="csv", encoding="utf-8",
        delimiter=",", errors=[(1, "Column D has values but no header"), (1, "appears more than once (columns B, C)")])


CASES = {
    "excel_lt_cp1257.csv": excel_lt,
    "libreoffice_lv_utf8_bom.csv": libreoffice_lv,
    "excel_sv_unicode_text.txt": excel_sv_utf16,
    "estonian_utf16_be.csv": estonian_utf16be,
    "german_cp1252.csv": german_cp1252,
    "danish_cp1252.csv": danish_cp1252,
    "polish_utf8.csv": polish_utf8,
    "workbook_two_sheets.xlsx": workbook_two_sheets,
    "points.geojson": points_geojson,
    "polygon.geojson": polygon_geojson,
    "zip_bomb_declared.xlsx": zip_bomb_declared,
    "zip_bomb_ratio.xlsx": zip_bomb_ratio,
    "partners.docx": word_document,
    "image_renamed.csv": png_image,
    "document_renamed.csv": pdf_document,
    "legacy.xls": legacy_xls,
    "garbage.csv": binary_garbage,
    "empty.csv": empty_file,
    "header_only.csv": header_only,
    "ragged_rows.csv": ragged_rows,
    "unclosed_quote.csv": unclosed_quote,
    "formula_cells.csv": formula_cells,
    "labels_lt.csv": labels_lt,
    "labels_lv.csv": labels_lv,
    "country_names.csv": country_names,
    "na_values.csv": na_values,
    "semicolon_lists.csv": semicolon_lists,
    "quoted_company_names.csv": quoted_company_names,
    "header_problems.csv": header_problems,
}


def main() -> None:
    """Write every corpus file and expected.json next to this script."""
    expected = {}
    for name, make in CASES.items():
        data, outcome = make()
        (HERE / name).write_bytes(data)
        expected[name] = outcome
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
