"""Writing the registry (or a filtered selection of it) as files people download: CSV, GeoJSON, XLSX.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are never run when an export is opened in Excel or LibreOffice: in XLSX they are text cells
with the quote prefix (Excel's own mark for "this is text", shown without an apostrophe); CSV has no such mark,
so there they get a leading apostrophe — as does text that already starts with apostrophes before such a
character, because the upload reader removes one apostrophe there. An export imported again is therefore
unchanged, cell for cell. Numeric columns stay numbers.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import SupportsFloat

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ecosystem.schema import COORDINATE_COLUMNS, NUMERIC_COLUMNS, REGISTRY_COLUMNS, YEAR_COLUMNS

__all__ = [
    "FORMULA_PREFIXES", "neutralise_formulas", "registry_csv_bytes", "registry_geojson_bytes", "registry_xlsx_bytes",
    "table_csv_bytes", "table_xlsx_bytes",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_APOSTROPHE_NEEDED = re.compile(f"'*[{re.escape(''.join(FORMULA_PREFIXES))}]")  # formula-like, maybe after apostrophes


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text cells that start like a formula, also after apostrophes, get a leading apostrophe; others are unchanged."""
    text = values.fillna("").astype(str)
    return text.where(~text.str.match(_APOSTROPHE_NEEDED), "'" + text)


def _export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[REGISTRY_COLUMNS].copy()
    for column in REGISTRY_COLUMNS:
        if column not in NUMERIC_COLUMNS:
            out[column] = neutralise_formulas(out[column])
    return out


def registry_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as a UTF-8 CSV with the registry's columns (the same contract partners upload)."""
    return _export_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def registry_geojson_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as a GeoJSON FeatureCollection of points (rows without coordinates have a null geometry)."""
    features = []
    for record in frame[REGISTRY_COLUMNS].to_dict(orient="records"):
        properties = {key: (None if _missing(value) else int(value) if key in YEAR_COLUMNS else value)
                      for key, value in record.items() if key not in COORDINATE_COLUMNS}
        lat, lon = record["latitude"], record["longitude"]
        geometry = None if _missing(lat) or _missing(lon) else {"type": "Point", "coordinates": [float(lon), float(lat)]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1).encode("utf-8")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def registry_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "registry") -> bytes:
    """The rows as an XLSX workbook: text cells as text, formula-like text with the quote prefix."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(REGISTRY_COLUMNS)
    for record in frame[REGISTRY_COLUMNS].itertuples(index=False):
        sheet.append([_xlsx_value(sheet, column, value) for column, value in zip(REGISTRY_COLUMNS, record, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(sheet: object, column: str, value: object) -> object:
    """A cell as written to ``sheet`` (a write-only worksheet): numbers as numbers, text as text that no spreadsheet runs."""
    if column in NUMERIC_COLUMNS:
        if _missing(value) or value == "":
            return None
        if not isinstance(value, str | SupportsFloat):
            raise TypeError(f"{column}: {value!r} is not a number")
        number = float(value)
        return int(number) if column.endswith("year") else number
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # text: openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
        return cell
    return "'" + value if value.startswith("'") and _APOSTROPHE_NEEDED.match(value) else value


def table_csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    """Any table (e.g. a problems list) as a CSV, by default UTF-8 with a BOM for Excel, formula-like text
    neutralised (UnicodeEncodeError when ``encoding`` cannot write a letter of it)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = neutralise_formulas(out[column])
    return out.to_csv(index=False, lineterminator="\n", sep=delimiter).encode(encoding)


def table_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "registry") -> bytes:
    """Any table of text as an XLSX workbook: every cell text, formula-like text with the quote prefix."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append([str(column) for column in frame.columns])
    for record in frame.itertuples(index=False):
        sheet.append([_xlsx_value(sheet, "", "" if _missing(value) else str(value)) for value in record])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
