"""Writing the registry (or a filtered selection of it) as files people download: CSV, GeoJSON, XLSX.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are written with a leading apostrophe, so opening an export in Excel or LibreOffice never
executes anything. Numeric columns stay numbers.
"""

from __future__ import annotations

import io
import json
import math

import pandas as pd

from openpyxl import Workbook

from ecosystem.schema import REGISTRY_COLUMNS

__all__ = [
    "FORMULA_PREFIXES", "neutralise_formulas", "registry_csv_bytes", "registry_geojson_bytes", "registry_xlsx_bytes",
    "table_csv_bytes",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC = {"latitude", "longitude", "start_year", "end_year"}


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text cells that start like a formula get a leading apostrophe; others are unchanged."""
    text = values.fillna("").astype(str)
    return text.where(~text.str.startswith(FORMULA_PREFIXES), "'" + text)


def _export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[REGISTRY_COLUMNS].copy()
    for column in REGISTRY_COLUMNS:
        if column not in _NUMERIC:
            out[column] = neutralise_formulas(out[column])
    return out


def registry_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as a UTF-8 CSV with the registry's columns (the same contract partners upload)."""
    return _export_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def registry_geojson_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as a GeoJSON FeatureCollection of points (rows without coordinates have a null geometry)."""
    features = []
    for record in frame[REGISTRY_COLUMNS].to_dict(orient="records"):
        properties = {key: (None if _missing(value) else int(value) if key in ("start_year", "end_year") else value)
                      for key, value in record.items() if key not in ("latitude", "longitude")}
        lat, lon = record["latitude"], record["longitude"]
        geometry = None if _missing(lat) or _missing(lon) else {"type": "Point", "coordinates": [float(lon), float(lat)]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1).encode("utf-8")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def registry_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "registry") -> bytes:
    """The rows as an XLSX workbook (text cells stored as text, formula-like text neutralised)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(REGISTRY_COLUMNS)
    table = _export_frame(frame)
    for record in table.itertuples(index=False):
        sheet.append([_xlsx_value(column, value) for column, value in zip(REGISTRY_COLUMNS, record)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(column: str, value: object) -> object:
    if column in _NUMERIC:
        if _missing(value) or value == "":
            return None
        return int(value) if column.endswith("year") else float(value)
    return value


def table_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Any table (e.g. a problems list) as a UTF-8 CSV with a BOM for Excel, formula-like text neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = neutralise_formulas(out[column])
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
