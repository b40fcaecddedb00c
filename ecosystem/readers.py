"""Reading the files partners upload (CSV, Excel workbook, GeoJSON) into the raw registry table.

Whatever the format, encoding, delimiter or language of a file, the result is the table that
``schema.validate_registry`` checks: every cell a string (``""`` when empty), registry column names, and an
index that is the spreadsheet row minus 2 (``schema.spreadsheet_row`` turns it back). A file that cannot be
read comes back with errors and an empty table; every cell the reader changed (spaces, decimal commas,
labels instead of codes …) comes back as a warning saying from what to what. Nothing is validated here.
Limits are checked before parsing (size, zip directory) and while reading (rows), so a hostile file costs
little.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Protocol

import openpyxl
import pandas as pd
import pyarrow as pa
from charset_normalizer import from_bytes
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pyarrow import csv as pa_csv

from ecosystem.config import DEFAULT_MAX_ROWS, DEFAULT_MAX_UPLOAD_MB
from ecosystem.countries import COUNTRY_CODES, fold_name, replaced_code
from ecosystem.i18n import format_number, t
from ecosystem.registry_io import FORMULA_PREFIXES
from ecosystem.schema import (
    CODE_LIST_COLUMNS,
    COORDINATE_COLUMNS,
    NUMERIC_COLUMNS,
    PROBLEM_COLUMNS,
    REGISTRY_COLUMNS,
    REQUIRED_VALUES,
    SINGLE_CODE_COLUMNS,
    WEB_ADDRESS,
    spreadsheet_row,
)
from ecosystem.taxonomy import Taxonomy

__all__ = [
    "SET_ASIDE_COLUMNS", "ReadLimits", "ReadResult", "read_partner_file", "template_csv_bytes", "template_xlsx_bytes",
]

Problem = tuple[int, str, str, str, str]
Note = tuple[str, str]  # (value as the file stored it, message key of the conversion)

_DELIMITERS = ",;\t"
_SAMPLE_CHARS = 65_536
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SIGNATURES = (
    (b"%PDF", "r.kind.pdf"),
    (b"\x89PNG\r\n\x1a\n", "r.kind.image"),
    (b"\xff\xd8\xff", "r.kind.image"),
    (b"GIF8", "r.kind.image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "r.kind.old_office"),
    (b"\x1f\x8b", "r.kind.archive"),
    (b"7z\xbc\xaf\x27\x1c", "r.kind.archive"),
    (b"Rar!", "r.kind.archive"),
)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_JSON_SUFFIXES = (".json", ".geojson")
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
# letters a word may mix within one language: Lithuanian, Latvian, Estonian, German, Swedish/Finnish,
# Danish/Norwegian, Polish (é is common in loan words)
_ALPHABETS = tuple(frozenset(letters) for letters in
                   ("ąčęėįšųūž", "āčēģīķļņšūž", "äöõüšž", "äöüßé", "åäöé", "æøåé", "ąćęłńóśźż"))
_WORD = re.compile(r"[^\W\d_]+")

_REGISTRY_BY_FOLD = {column.casefold(): column for column in REGISTRY_COLUMNS}
_KNOWN_HEADERS = frozenset(_REGISTRY_BY_FOLD)
_CODE_COLUMNS = {**SINGLE_CODE_COLUMNS, **CODE_LIST_COLUMNS}
_COUNTRY_CODES = frozenset(COUNTRY_CODES)
_EMPTY_LIKE = frozenset({"n/a", "#n/a", "na", "-", "–", "—", "null", "none", "tuščia", "nėra", "nav", "tukšs"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_EXAMPLE_ID = "example-remove-me"
SET_ASIDE_COLUMNS: tuple[str, str] = ("set_aside_row", "set_aside_problems")
"""The columns a file of rows set aside by an import starts with (their row in the file, their problems); ignored
when the file is read again, so it can be fixed and uploaded as it is."""
# what separates several web addresses or handles in one cell: spaces, line breaks, ";", and "," before a space or
# another address (a comma inside an address stays)
_LINK_SEPARATORS = re.compile(r"[\s;]+|,(?=[\s,;]|https?://|www\.|@)")


@dataclass(frozen=True)
class ReadLimits:
    """How much a partner file may hold; a file over any limit is refused with a clear error."""

    max_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1_000_000
    max_rows: int = DEFAULT_MAX_ROWS
    max_columns: int = 100  # an XLSX is read up to the column after this one, to notice a wider table
    max_unpacked_bytes: int = 250_000_000  # sum of the sizes an XLSX zip directory declares
    max_compression_ratio: float = 100.0  # declared unpacked size / file size of an XLSX


@dataclass(frozen=True)
class ReadResult:
    """A partner file as the raw registry table (index = spreadsheet row - 2), what was detected, and problems."""

    raw: pd.DataFrame
    format: str | None  # "csv", "xlsx" or "geojson"; None when not recognised
    encoding: str | None
    encoding_confidence: float | None
    delimiter: str | None
    sheet: str | None
    rows: int
    problems: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    """column of ``raw`` → its header as the file wrote it (``Name`` for ``name``), for writing rows back"""

    def described(self, lang: str) -> str:
        """What was read, in ``lang``: ``CSV file, 3 rows · encoding utf-8 (confidence 99%) · delimiter “,”``."""
        parts = [t("upload.read_summary", lang, format=self.format.upper() if self.format else "?", count=self.rows)]
        if self.encoding:
            parts.append(t("upload.read_encoding", lang, encoding=self.encoding, confidence=self.encoding_confidence or 0))
        if self.delimiter:
            parts.append(t("upload.read_delimiter", lang, delimiter="TAB" if self.delimiter == "\t" else self.delimiter))
        if self.sheet:
            parts.append(t("upload.read_sheet", lang, sheet=self.sheet))
        return " · ".join(parts)


@dataclass
class _Detected:
    """What was learnt about a file so far (kept in the result when reading fails half-way)."""

    format: str | None = None
    encoding: str | None = None
    encoding_confidence: float | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass
class _Cells:
    """A table as text before its header is interpreted: header cells, data rows and their spreadsheet rows."""

    header: list[str]
    header_row: int = 1
    numbers: list[int] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: dict[tuple[int, int], Note] = field(default_factory=dict)  # (spreadsheet row, position) → note
    table: pd.DataFrame | None = None  # the rows already as columns (fast CSV path); then ``rows`` is empty


class _ReadError(Exception):
    """The file cannot be read; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0][4])
        self.problems = problems


def _fail(lang: str, key: str, *, row: int = 1, **values: object) -> _ReadError:
    """One reading error about a whole row (the header row unless told) as an exception, its message in ``lang``."""
    return _ReadError([(row, "", "", "error", t(key, lang, row=row, **values))])


def read_partner_file(data: bytes, file_name: str, taxonomy: Taxonomy, *, lang: str = "en",
                      limits: ReadLimits = ReadLimits(), sheet: str | None = None) -> ReadResult:
    """A partner's CSV, XLSX or GeoJSON file as the raw registry table, with reading errors and change warnings."""
    detected = _Detected()
    try:
        raw, notes, header_warnings, headers = _frame(_read_cells(data, file_name, lang, limits, sheet, detected), lang)
    except _ReadError as error:
        return ReadResult(pd.DataFrame(), detected.format, detected.encoding, detected.encoding_confidence,
                          detected.delimiter, detected.sheet, 0, pd.DataFrame(error.problems, columns=PROBLEM_COLUMNS))
    raw, cell_warnings = _normalise(raw, notes, taxonomy, lang)
    raw, link_warnings = _one_web_address(raw, lang)
    problems = sorted(header_warnings + cell_warnings + link_warnings, key=lambda problem: problem[0])
    return ReadResult(raw, detected.format, detected.encoding, detected.encoding_confidence, detected.delimiter,
                      detected.sheet, len(raw), pd.DataFrame(problems, columns=PROBLEM_COLUMNS), headers)


# --- recognising the file -----------------------------------------------------------------------

def _read_cells(data: bytes, file_name: str, lang: str, limits: ReadLimits, sheet: str | None,
                detected: _Detected) -> _Cells:
    """The file's table as text, whatever its format; raises _ReadError when it cannot be read."""
    if len(data) > limits.max_bytes:
        raise _fail(lang, "r.too_large", size=format_number(len(data), lang),
                    limit=format_number(limits.max_bytes, lang))
    if not data:
        raise _fail(lang, "r.empty")
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise _fail(lang, "r.wrong_type", file=file_name, kind=t(kind, lang))
    if data.startswith(_ZIP_SIGNATURES):
        return _xlsx_cells(data, file_name, lang, limits, sheet, detected)
    text, detected.encoding, detected.encoding_confidence = _decode(data, file_name, lang)
    if not text.strip():
        raise _fail(lang, "r.empty")
    suffix = PurePath(file_name).suffix.casefold()
    if suffix in _JSON_SUFFIXES or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if suffix in _JSON_SUFFIXES:
                raise _fail(lang, "r.json_invalid", line=exc.lineno, column=exc.colno) from exc
        except RecursionError as exc:
            raise _fail(lang, "r.not_geojson") from exc
        else:
            detected.format = "geojson"
            return _geojson_cells(document, lang, limits)
    detected.format = "csv"
    detected.delimiter = _detect_delimiter(text)
    return _arrow_cells(text, detected.delimiter, limits) or \
        _assemble(_csv_records(text, detected.delimiter, lang), limits, lang, strict=True)


def _arrow_cells(text: str, delimiter: str, limits: ReadLimits) -> _Cells | None:
    """The common case — header on row 1, every row as wide as the header, no blank rows — parsed by Arrow's C++
    reader; None for anything else, which the row-by-row reader then handles and explains."""
    first_line = text.split("\n", 1)[0]
    if not first_line.strip() or '"' in first_line:
        return None
    header = next(csv.reader([first_line], delimiter=delimiter))
    if len(header) > limits.max_columns:
        return None
    invalid: list[object] = []

    def note_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{position}" for position in range(len(header))]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=note_invalid),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeError):
        return None
    if invalid or table.num_rows == 0 or table.num_rows > limits.max_rows:
        return None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = range(len(names))
    blank = frame.apply(lambda column: column.str.strip() == "").all(axis=1)
    if blank.any():
        return None
    return _Cells(header, 1, numbers=list(range(2, len(frame) + 2)), table=frame.astype(object))


def _decode(data: bytes, file_name: str, lang: str) -> tuple[str, str, float]:
    """Text, encoding name and confidence: BOMs first, then strict UTF-8, then the likeliest single-byte code page."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 1.0
            except UnicodeDecodeError as exc:
                raise _fail(lang, "r.encoding_unknown") from exc
    if len(_BINARY_BYTES.findall(data[:_SAMPLE_CHARS])) > min(len(data), _SAMPLE_CHARS) / 100 or b"\x00" in data:
        raise _fail(lang, "r.wrong_type", file=file_name, kind=t("r.kind.binary", lang))
    try:
        return data.decode("utf-8"), "utf-8", 1.0
    except UnicodeDecodeError:
        pass
    guess = _guess_code_page(data)
    if guess is None:
        raise _fail(lang, "r.encoding_unknown")
    return guess


def _guess_code_page(data: bytes) -> tuple[str, str, float] | None:
    """Windows-1257 or -1252, whichever reads as words of a Baltic or Nordic language; else charset-normalizer's guess."""
    match = from_bytes(data).best()
    suggested = match.encoding if match is not None else None
    fits: dict[str, tuple[str, int, int]] = {}
    for encoding in ("cp1257", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        fits[encoding] = (text, *_alphabet_fit(text))
    if fits:
        best = max(fits, key=lambda name: (fits[name][1] - fits[name][2], name == suggested, name == "cp1252"))
        text, fitting, other = fits[best]
        if fitting > other or match is None or suggested in fits:
            return text, best, fitting / (fitting + other) if fitting + other else 0.0
    if match is None:
        return None
    return str(match), match.encoding, round(1.0 - match.chaos, 3)


def _alphabet_fit(text: str) -> tuple[int, int]:
    """How many distinct words with non-ASCII letters fit one known alphabet, and how many fit none."""
    tokens = {token for token in text.split() if not token.isascii()}
    words = {word.lower() for token in tokens for word in _WORD.findall(token) if not word.isascii()}
    fitting = sum(any({letter for letter in word if not letter.isascii()} <= alphabet for alphabet in _ALPHABETS)
                  for word in words)
    return fitting, len(words) - fitting


# --- CSV ----------------------------------------------------------------------------------------

def _detect_delimiter(text: str) -> str:
    """The delimiter among ``,`` ``;`` tab: the sniffer's answer when it splits the header and rows best."""
    sample = text[:_SAMPLE_CHARS]
    cut = len(text) > len(sample)
    if cut:
        sample = sample[:sample.rfind("\n") + 1] or sample
    scores = {delimiter: _delimiter_score(sample, delimiter, cut) for delimiter in _DELIMITERS}
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed] == max(scores.values()):
        return sniffed
    return max(_DELIMITERS, key=scores.__getitem__)


def _delimiter_score(sample: str, delimiter: str, cut: bool) -> tuple[int, float, int]:
    """(registry headers recognised, share of rows as wide as the header, header width) for one delimiter."""
    try:
        records = [record for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                   if any(cell.strip() for cell in record)]
    except csv.Error:
        return 0, 0.0, 0
    if not records:
        return 0, 0.0, 0
    header = _trim(records[0], 0)
    rows = records[1:-1] if cut else records[1:]
    known = len({cell.strip().casefold() for cell in header} & _KNOWN_HEADERS)
    consistent = sum(len(_trim(row, len(header))) == len(header) for row in rows) / len(rows) if rows else 1.0
    return known, consistent, len(header)


def _csv_records(text: str, delimiter: str, lang: str) -> Iterator[tuple[int, list[str], dict[int, Note]]]:
    """CSV records with their spreadsheet row (a quoted multi-line cell stays in one row)."""
    number = 0
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield number, record, {}
    except csv.Error as exc:
        raise _fail(lang, "r.csv_broken", row=number + 1, reason=str(exc)) from exc


def _trim(cells: list[str], width: int) -> list[str]:
    """The cells without empty ones beyond ``width`` (a trailing delimiter or formatted empty cells)."""
    end = len(cells)
    while end > width and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _assemble(records: Iterable[tuple[int, list[str], dict[int, Note]]], limits: ReadLimits, lang: str,
              *, strict: bool) -> _Cells:
    """Header (the first non-blank row) and data rows, blank rows dropped; stops as soon as a limit is passed."""
    records = iter(records)
    for number, header, _ in records:  # noqa: B007 - number is the header's row, read after the loop
        if any(cell.strip() for cell in header):
            break
    else:
        raise _fail(lang, "r.empty")
    cells = _Cells(_trim(header, 0), number)
    width = len(cells.header)
    _check_width(width, number, limits, lang)
    ragged: list[int] = []
    for number, row, notes in records:
        if len(row) > width:
            row = _trim(row, width)
        if not "".join(row).strip():  # a blank row (one C-level join instead of a check per cell)
            continue
        if len(cells.rows) == limits.max_rows:
            raise _fail(lang, "r.too_many_rows", row=number, limit=format_number(limits.max_rows, lang))
        if strict and len(row) != width:
            ragged.append(number)
            continue
        if len(row) > limits.max_columns:
            _check_width(len(row), number, limits, lang)
        cells.numbers.append(number)
        cells.rows.append(row)
        if notes:
            cells.notes.update({(number, position): note for position, note in notes.items()})
    if ragged:
        shown = ", ".join(str(number) for number in ragged[:10]) + (" …" if len(ragged) > 10 else "")
        raise _fail(lang, "r.ragged", row=ragged[0], rows=shown, expected=width)
    if not cells.rows:
        raise _fail(lang, "r.no_rows")
    cells.header += [""] * (max(len(row) for row in cells.rows) - width)
    return cells


def _check_width(width: int, number: int, limits: ReadLimits, lang: str) -> None:
    """Refuse a row with values in more columns than the limit."""
    if width > limits.max_columns:
        raise _fail(lang, "r.too_many_columns", row=number, limit=limits.max_columns, expected=len(REGISTRY_COLUMNS))


# --- XLSX ---------------------------------------------------------------------------------------

def _xlsx_cells(data: bytes, file_name: str, lang: str, limits: ReadLimits, sheet: str | None,
                detected: _Detected) -> _Cells:
    """The cells of the registry sheet of a workbook, after refusing zip bombs and other zip files."""
    _check_workbook_archive(data, file_name, lang, limits)
    detected.format = "xlsx"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # a damaged workbook can fail anywhere inside openpyxl
        raise _fail(lang, "r.damaged", file=file_name, reason=type(exc).__name__) from exc
    try:
        worksheet = _choose_sheet(workbook, sheet, file_name, lang, limits)
        detected.sheet = worksheet.title
        worksheet.reset_dimensions()  # the declared dimension may lie; read what is there
        return _assemble(_xlsx_records(worksheet, file_name, lang, limits), limits, lang, strict=False)
    finally:
        workbook.close()


def _check_workbook_archive(data: bytes, file_name: str, lang: str, limits: ReadLimits) -> None:
    """Refuse a zip that is not a workbook, or whose directory promises more than the limits allow."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _fail(lang, "r.damaged", file=file_name, reason=type(exc).__name__) from exc
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes or unpacked > limits.max_compression_ratio * len(data):
        raise _fail(lang, "r.zip_bomb", file=file_name, size=format_number(unpacked, lang),
                    ratio=format_number(unpacked // len(data), lang))
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" in names:
        return
    kind = ("r.kind.word" if "word/document.xml" in names else
            "r.kind.opendocument" if "mimetype" in names else "r.kind.archive")
    raise _fail(lang, "r.wrong_type", file=file_name, kind=t(kind, lang))


class _Sheet(Protocol):
    """What is read of a worksheet of a read-only workbook (openpyxl names its class only in a private module)."""

    title: str

    def reset_dimensions(self) -> None: ...

    def iter_rows(self, *, max_col: int | None = None, values_only: bool = False) -> Iterator[tuple[object, ...]]: ...


def _choose_sheet(workbook: openpyxl.Workbook, sheet: str | None, file_name: str, lang: str,
                  limits: ReadLimits) -> _Sheet:
    """The sheet asked for, else the sheet whose header row names the most registry columns (first on a tie)."""
    if sheet is not None:
        matches = [worksheet for worksheet in workbook.worksheets if worksheet.title == sheet]
        if not matches:
            raise _fail(lang, "r.no_sheet", sheet=sheet, sheets=", ".join(workbook.sheetnames))
        return matches[0]
    if not workbook.worksheets:
        raise _fail(lang, "r.empty")
    return max(workbook.worksheets, key=lambda worksheet: _registry_headers(worksheet, file_name, lang, limits))


def _registry_headers(worksheet: _Sheet, file_name: str, lang: str, limits: ReadLimits) -> int:
    """How many registry column names the first non-blank row of a sheet holds."""
    for _, row, _ in _xlsx_records(worksheet, file_name, lang, limits):
        if any(cell.strip() for cell in row):
            return len({cell.strip().casefold() for cell in row} & _KNOWN_HEADERS)
    return 0


def _xlsx_records(worksheet: _Sheet, file_name: str, lang: str,
                  limits: ReadLimits) -> Iterator[tuple[int, list[str], dict[int, Note]]]:
    """Rows of a sheet as text with their spreadsheet row, noting numbers and dates turned into text."""
    rows = worksheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
    number = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as exc:  # a damaged sheet can fail anywhere inside openpyxl
            raise _fail(lang, "r.damaged", file=file_name, reason=type(exc).__name__) from exc
        if values is None:
            return
        number += 1
        end = len(values)
        while end and values[end - 1] is None:  # rows come padded to max_col
            end -= 1
        texts, notes = [], {}
        for position, value in enumerate(values[:end]):
            text, reason = _cell_text(value)
            texts.append(text)
            if reason is not None:
                notes[position] = (str(value), reason)
        yield number, texts, notes


def _cell_text(value: object) -> tuple[str, str | None]:
    """A typed cell value as registry text, and the message key when the text differs from the value's own."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, float):
        return (str(int(value)), "r.why.number") if value.is_integer() else (repr(value), None)
    if isinstance(value, datetime):
        return value.date().isoformat(), "r.why.date"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False), None
    return str(value), None


# --- GeoJSON ------------------------------------------------------------------------------------

def _geojson_cells(document: object, lang: str, limits: ReadLimits) -> _Cells:
    """A FeatureCollection of points as a table: properties are columns, the point fills latitude/longitude."""
    if not (isinstance(document, dict) and document.get("type") == "FeatureCollection"
            and isinstance(document.get("features"), list)):
        raise _fail(lang, "r.not_geojson")
    features = document["features"]
    if len(features) > limits.max_rows:
        raise _fail(lang, "r.too_many_rows", row=limits.max_rows + 2, limit=format_number(limits.max_rows, lang))
    if not features:
        raise _fail(lang, "r.no_rows")
    found = {spreadsheet_row(position): _feature(feature) for position, feature in enumerate(features)}
    bad = [number for number, feature in found.items() if feature is None]
    if bad:
        raise _ReadError([(number, "", "", "error", t("r.bad_feature", lang)) for number in bad])
    readable = {number: feature for number, feature in found.items() if feature is not None}
    header = list(dict.fromkeys(key for properties, _ in readable.values() for key in properties))
    header += [column for column in COORDINATE_COLUMNS if column not in header]
    cells = _Cells(header)
    for number, (properties, point) in readable.items():
        row = []
        for position, key in enumerate(header):
            value = properties.get(key)
            text, reason = _cell_text(value)
            stored = str(value)
            if point is not None and key in COORDINATE_COLUMNS:
                from_geometry = _cell_text(float(point[COORDINATE_COLUMNS.index(key)]))[0]
                stored, reason = text, ("r.why.geometry" if text not in ("", from_geometry) else None)
                text = from_geometry
            if reason is not None:
                cells.notes[(number, position)] = (stored, reason)
            row.append(text)
        cells.numbers.append(number)
        cells.rows.append(row)
    return cells


def _feature(feature: object) -> tuple[dict[str, object], tuple[float, float] | None] | None:
    """(properties, (latitude, longitude) or None) of a point feature; None when it is no such feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None
    properties = feature.get("properties") or {}
    geometry = feature.get("geometry")
    if not isinstance(properties, dict):
        return None
    if geometry is None:
        return properties, None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
    if not (isinstance(coordinates, list) and len(coordinates) in (2, 3)
            and all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in coordinates)):
        return None
    return properties, (coordinates[1], coordinates[0])


# --- header and cells ---------------------------------------------------------------------------

def _column_name(header: str) -> str:
    """A header cell as a column name: without BOM and surrounding spaces, registry names in their own case."""
    cleaned = header.replace("\ufeff", "").strip()
    return _REGISTRY_BY_FOLD.get(cleaned.casefold(), cleaned)


def _frame(cells: _Cells, lang: str) -> tuple[pd.DataFrame, dict[tuple[int, str], Note], list[Problem], dict[str, str]]:
    """The raw table with normalised column names, notes keyed by (index, column), header warnings, and each
    column's header as written. The columns of a set-aside file (``SET_ASIDE_COLUMNS``) are left out, with a warning."""
    names = [_column_name(header) for header in cells.header]
    set_aside = {position for position, name in enumerate(names) if name in SET_ASIDE_COLUMNS}
    ignored = [(cells.header_row, names[position], names[position], "warning",
                t("r.set_aside_column", lang, column=names[position])) for position in sorted(set_aside)]
    names = ["" if position in set_aside else name for position, name in enumerate(names)]
    header_warnings = [(cells.header_row, name, header, "warning",
                        t("r.changed", lang, old=header, new=name, why=t("r.why.header", lang)))
                       for header, name in zip(cells.header, names, strict=True) if name and name != header.replace("\ufeff", "")]
    if cells.table is not None:  # the fast CSV path: no missing cells to fill
        table = cells.table.set_axis(pd.Index(cells.numbers) - spreadsheet_row(0), axis=0)
    else:
        table = pd.DataFrame(cells.rows, index=pd.Index(cells.numbers) - spreadsheet_row(0))
        table = table.reindex(columns=range(len(names))).fillna("")  # also when every row ends before the header
    errors = [(cells.header_row, "", "", "error", t("r.unnamed_column", lang, letter=get_column_letter(position + 1)))
              for position, name in enumerate(names)
              if not name and position not in set_aside and (table[position].str.strip() != "").any()]
    for name, count in Counter(name for name in names if name).items():
        if count > 1:
            letters = ", ".join(get_column_letter(position + 1) for position, other in enumerate(names) if other == name)
            errors.append((cells.header_row, name, name, "error", t("r.duplicate_column", lang, column=name, letters=letters)))
    if errors:
        raise _ReadError(errors)
    kept = [position for position, name in enumerate(names) if name]
    raw = table[kept].set_axis([names[position] for position in kept], axis=1)
    notes = {(number - spreadsheet_row(0), names[position]): note
             for (number, position), note in cells.notes.items() if names[position]}
    headers = {names[position]: cells.header[position].replace("\ufeff", "").strip() for position in kept}
    return raw, notes, header_warnings + ignored, headers


def _normalise(raw: pd.DataFrame, notes: dict[tuple[int, str], Note], taxonomy: Taxonomy,
               lang: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells as the registry writes them, one warning per changed cell and per formula-like cell."""
    lookups = {column: taxonomy.aliases(vocabulary) for column, vocabulary in _CODE_COLUMNS.items()}
    lookups["country"] = taxonomy.country_lookup()
    problems: list[Problem] = []
    cleaned_columns = {}
    noted: dict[str, list[int]] = {}
    for index, column in notes:
        noted.setdefault(column, []).append(index)
    for column in raw.columns:
        values = raw[column].astype(object)
        uniques = pd.Series(values.unique(), dtype="string[pyarrow]")  # string kernels in Arrow, not per cell
        if column not in lookups:  # free text, ids, numbers: judge only the values that could change
            uniques = uniques[_may_change(uniques, column).to_numpy(dtype=bool)]
        results = {value: _normalise_cell(value, column, lookups) for value in uniques.tolist()}
        cleaned = values.copy()
        touched = values.isin(list(results))
        cleaned[touched] = values[touched].map({value: result[0] for value, result in results.items()})
        changed = values.index[cleaned != values].union(pd.Index(noted.get(column, []), dtype=values.index.dtype))
        for index in changed:
            stored, reason = notes.get((index, column), (values[index], None))
            reasons = ([reason] if reason else []) + results.get(values[index], (None, []))[1]
            message = t("r.changed", lang, old=stored, new=cleaned[index], why="; ".join(t(key, lang) for key in reasons))
            problems.append((spreadsheet_row(int(index)), column, stored, "warning", message))
        arrow = cleaned.astype("string[pyarrow]")
        formula_like = pd.Series(False, index=cleaned.index)
        for prefix in FORMULA_PREFIXES:
            formula_like |= arrow.str.startswith(prefix).to_numpy(dtype=bool)
        if column in NUMERIC_COLUMNS:
            formula_like &= ~arrow.str.match(_NUMBER.pattern).to_numpy(dtype=bool)
        problems += [(spreadsheet_row(int(index)), column, cleaned[index], "warning", t("r.formula", lang))
                     for index in cleaned.index[formula_like.astype(bool)]]
        cleaned_columns[column] = cleaned
    return pd.DataFrame(cleaned_columns, index=raw.index), problems


def _one_web_address(raw: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Website cells holding several addresses or handles (``http://a; http://b``, ``http://a @handle``): the first
    http(s) address stays the website, the others are added to the description as a sentence, with a warning per
    row. Only http(s) addresses are kept as links; a cell without one leaves the website empty."""
    if "website" not in raw.columns:
        return raw, []
    maybe = raw["website"].astype("string[pyarrow]").str.strip().str.contains(r"[\s;,]").to_numpy(dtype=bool)
    split = {index: [part for part in _LINK_SEPARATORS.split(raw.at[index, "website"].strip()) if part.strip(",;")]
             for index in raw.index[maybe]}
    several = {index: parts for index, parts in split.items() if len(parts) > 1}
    if not several:
        return raw, []
    raw = raw.copy()
    if "description" not in raw.columns:
        raw["description"] = ""
    warnings = []
    for index, parts in several.items():
        value = raw.at[index, "website"]
        position = next((position for position, part in enumerate(parts) if WEB_ADDRESS.match(part)), None)
        kept = parts[position] if position is not None else ""
        moved = parts[:position] + parts[position + 1:] if position is not None else parts
        description = raw.at[index, "description"].rstrip()
        sentence = t("r.other_links", lang, links=", ".join(moved))
        joint = "" if not description else (" " if description.endswith((".", "!", "?")) else ". ")
        raw.at[index, "website"], raw.at[index, "description"] = kept, description + joint + sentence
        key = "r.links_moved" if kept else "r.links_no_web_address"
        warnings.append((spreadsheet_row(int(index)), "website", value, "warning",
                         t(key, lang, kept=kept, moved=", ".join(moved))))
    return raw, warnings


def _may_change(values: pd.Series, column: str) -> pd.Series:
    """Vectorised pre-check: the values that _normalise_cell could change in a column without a code list."""
    text = values.astype("string[pyarrow]")
    maybe = (text.str.strip() != text) | text.str.startswith("'") | text.str.strip().str.casefold().isin(_EMPTY_LIKE)
    if column in COORDINATE_COLUMNS:
        maybe |= text.str.contains(",", regex=False)
    if column == "region_code":
        maybe |= text != text.str.upper()
    return maybe


def _normalise_cell(value: str, column: str, lookups: dict[str, dict[str, str]]) -> tuple[str, list[str]]:
    """One cell as the registry writes it, and the message keys of what changed."""
    text = value.strip()
    reasons = ["r.why.spaces"] if text != value else []
    if column not in REQUIRED_VALUES and text.casefold() in _EMPTY_LIKE:
        return "", reasons + ["r.why.empty"]
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES):  # undoes registry_io's apostrophe
        text = text[1:]
        reasons.append("r.why.apostrophe")
    if column in COORDINATE_COLUMNS and _DECIMAL_COMMA.match(text):
        return text.replace(",", "."), reasons + ["r.why.decimal_comma"]
    if column == "region_code" and text != text.upper():
        return text.upper(), reasons + ["r.why.case"]
    if column == "country":
        code, reason = _country_code(text, lookups[column])
        return code, reasons + ([reason] if reason else [])
    if column in SINGLE_CODE_COLUMNS:
        code = lookups[column].get(text.casefold(), text)
        return code, reasons + ([_code_reason(text, code)] if code != text else [])
    if column in CODE_LIST_COLUMNS:
        codes, list_reasons = _code_list(text, lookups[column])
        return codes, reasons + list_reasons
    return text, reasons


def _country_code(text: str, names: dict[str, str]) -> tuple[str, str | None]:
    """A country cell as its ISO code, and the message key of why it changed: a code in other letter case, a
    code Eurostat writes or ISO withdrew (``EL`` → ``GR``), a name in any interface language (``Bułgaria`` → ``BG``).
    Anything else stays as typed, for validation to name the nearest codes."""
    upper = text.upper()
    if upper in _COUNTRY_CODES:
        return upper, ("r.why.case" if upper != text else None)
    replacement = replaced_code(upper) if len(upper) == 2 else None
    if replacement is not None:
        return replacement, "r.why.country_code"
    code = names.get(fold_name(text))
    return (code, "r.why.country") if code is not None else (text, None)


def _code_reason(text: str, code: str) -> str:
    """Why a typed value was replaced by a code: its case, or a label."""
    return "r.why.case" if text.casefold() == code.casefold() else "r.why.label"


def _code_list(text: str, lookup: dict[str, str]) -> tuple[str, list[str]]:
    """A ';'-list of codes from codes or labels, also when ',' separates them; unknown parts kept for validation."""
    codes: list[str] = []
    reasons: dict[str, None] = {}
    for part in text.split(";"):
        part = part.strip()
        pieces = [part] if part.casefold() in lookup or "," not in part else [piece.strip() for piece in part.split(",")]
        if len(pieces) > 1:
            reasons["r.why.separator"] = None
        for piece in pieces:
            code = lookup.get(piece.casefold(), piece)
            if code != piece:
                reasons[_code_reason(piece, code)] = None
            codes.append(code)
    return (";".join(codes), list(reasons)) if reasons else (text, [])


# --- templates ----------------------------------------------------------------------------------

def _example_row(taxonomy: Taxonomy, lang: str) -> dict[str, object]:
    """One filled-in row that shows the format of every column and is plainly an example."""
    return {
        "id": _EXAMPLE_ID, "name": t("r.example_name", lang), "actor_type": taxonomy.codes("actor_type")[0],
        "country": "LT", "region_code": "LT011", "municipality": "Vilniaus miesto savivaldybė",
        "latitude": 54.6872, "longitude": 25.2797, "location_precision": taxonomy.codes("location_precision")[0],
        "service_types": ";".join(taxonomy.codes("service_type")[:2]),
        "target_groups": ";".join(taxonomy.codes("target_group")[:2]), "programmes": "",
        "status": taxonomy.codes("status")[0], "start_year": 2024, "end_year": "",
        "partner": t("r.example_partner", lang), "website": "https://example.org",
        "description": t("r.example_description", lang), "source": t("r.example_source", lang),
        "last_updated": date.today().isoformat(),
    }


def template_csv_bytes(taxonomy: Taxonomy, lang: str) -> bytes:
    """A CSV template (UTF-8 with BOM, so Excel shows every letter): the registry header and one example row."""
    frame = pd.DataFrame([_example_row(taxonomy, lang)], columns=REGISTRY_COLUMNS)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def template_xlsx_bytes(taxonomy: Taxonomy, lang: str) -> bytes:
    """An XLSX template: the registry sheet with one example row, and a sheet of every code list with labels."""
    workbook = openpyxl.Workbook()
    registry = workbook.active
    registry.title = "registry"
    example = _example_row(taxonomy, lang)
    registry.append(REGISTRY_COLUMNS)
    registry.append([None if example[column] == "" else example[column] for column in REGISTRY_COLUMNS])
    for cell in registry[1]:
        cell.font = Font(bold=True)
    registry.freeze_panes = "A2"
    codes = workbook.create_sheet(t("r.codes_sheet", lang))
    codes.append([t("r.codes_column", lang), t("r.codes_code", lang), t("r.codes_label", lang)])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for column in REGISTRY_COLUMNS:
        if column in _CODE_COLUMNS:
            for code, label in taxonomy.labels(_CODE_COLUMNS[column], lang).items():
                codes.append([column, code, label])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
