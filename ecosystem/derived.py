"""What the pages need of a registry version beyond its cells, computed when the version is written, not when it
is viewed: the NUTS-3 region of every row (``regions.assign_regions``) and the warnings said about its rows
(``schema.validate_registry`` plus where rows lie, ``ValidationContext.location_problems``).

A ``Derivation`` holds what the results depend on — the validation context, the boundaries and ``source``, a
digest of the taxonomy, programmes, boundary (or, without one, country outline) and English message files and of
``DERIVATION_FORMAT`` — and turns a version's raw table into ``Derived``. The store keeps it beside the version as
``DerivedParts`` (one Parquet blob per part) under that ``source``: a reader whose files give another digest knows
the parts are stale.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ecosystem.regions import assign_regions
from ecosystem.schema import PROBLEM_COLUMNS, ValidationContext, validate_registry
from ecosystem.store import DerivedParts

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DERIVATION_FORMAT", "REGION_COLUMNS", "Derivation", "Derived", "Progress", "derivation_source"]

DERIVATION_FORMAT = 1
"""The edition of what is derived and how: raise it when a rule or a derived column changes, and every stored
result becomes stale (``python -m ecosystem init`` derives them again)."""
REGION_COLUMNS = ("region_code", "region_from_point", "region_mismatch", "region_code_source")
"""The columns ``assign_regions`` fills or adds, in its order."""
_LOCATION_COLUMNS = ("id", "latitude", "longitude", "country", "region_code")  # what assign_regions reads

Progress = Callable[[str], None]
"""Takes one line saying what was just done (``regions assigned (0.4 s)``)."""


def _quiet(_line: str) -> None:
    """Progress said to nobody."""


@lru_cache(maxsize=32)
def _file_digest(path: str, size: int, modified_ns: int) -> str:
    """sha256 of a file's bytes, read once per size and modification time."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def derivation_source(*paths: Path | None) -> str:
    """A digest of the files results are derived from (None: no such file) and of ``DERIVATION_FORMAT``: the same
    files with the same bytes, wherever they lie and whatever their times, give the same digest."""
    digest = hashlib.sha256(f"derived/{DERIVATION_FORMAT}".encode())
    for path in paths:
        if path is None or not path.is_file():
            digest.update(b"|-")
            continue
        status = path.stat()
        digest.update(f"|{path.name}:{_file_digest(str(path), status.st_size, status.st_mtime_ns)}".encode())
    return digest.hexdigest()[:32]


def _parquet(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


def _frame(data: bytes) -> pd.DataFrame:
    return pq.read_table(io.BytesIO(data)).to_pandas()


@dataclass(frozen=True)
class Derived:
    """What was derived from one registry table: where its rows lie and what is said about them."""

    source: str
    """what it was derived from (``Derivation.source``)"""
    warnings: pd.DataFrame
    """the table's problems (PROBLEM_COLUMNS; rows as in a spreadsheet of the table), where rows lie included"""
    regions: pd.DataFrame | None = None
    """``id`` and REGION_COLUMNS, one row per table row in its order; None without boundaries"""

    def placed(self, initiatives: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``initiatives`` (the typed rows of the same table, in its order) with REGION_COLUMNS as
        ``assign_regions`` gives them; ValueError when the rows are not those these results were derived from."""
        if self.regions is None:
            return initiatives
        if not np.array_equal(self.regions["id"].to_numpy(dtype=object), initiatives["id"].to_numpy(dtype=object)):
            raise ValueError("the derived regions belong to other rows")
        placed = initiatives.copy()
        for column in REGION_COLUMNS:
            placed[column] = self.regions[column].to_numpy()
        return placed

    def parts(self) -> DerivedParts:
        """These results as the store keeps them."""
        parts = {"warnings": _parquet(self.warnings[PROBLEM_COLUMNS])}
        if self.regions is not None:
            parts["regions"] = _parquet(self.regions)
        return DerivedParts(self.source, parts)

    @classmethod
    def from_parts(cls, stored: DerivedParts) -> Derived:
        """Results as the store kept them."""
        warnings = _frame(stored.parts["warnings"]).astype({"row": int})
        for column in PROBLEM_COLUMNS[1:]:
            warnings[column] = warnings[column].astype(object)
        regions = _frame(stored.parts["regions"]) if "regions" in stored.parts else None
        if regions is not None:
            regions = regions.astype({column: object for column in ("id", *REGION_COLUMNS) if column != "region_mismatch"})
            regions["region_mismatch"] = regions["region_mismatch"].astype(bool)
        return cls(stored.source, warnings, regions)


@dataclass(frozen=True)
class Derivation:
    """How results are derived from registry tables here: the checks, the boundaries (None: none usable) and
    ``source``, the digest of the files they come from."""

    context: ValidationContext
    regions: gpd.GeoDataFrame | None
    source: str

    def check(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The rules' problems of a raw table (``validate_registry``; errors block an import, not a stored version)."""
        return validate_registry(raw, self.context)

    def derive(self, raw: pd.DataFrame, progress: Progress = _quiet, checked: pd.DataFrame | None = None) -> Derived:
        """Everything derived from a raw table (text cells, index 0…n-1), each step said to ``progress``;
        ``checked``: its ``check`` when already done."""
        started = time.perf_counter()
        if checked is None:
            checked = self.check(raw)
            progress(f"{len(raw)} rows validated ({time.perf_counter() - started:.1f} s)")
        regions = None
        if self.regions is not None:
            started = time.perf_counter()
            placed = assign_regions(raw[list(_LOCATION_COLUMNS)].reset_index(drop=True), self.regions)
            regions = placed[["id", *REGION_COLUMNS]].astype({"region_code_source": object})
            progress(f"regions assigned ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        located = self.context.location_problems(raw, "en")
        progress(f"locations checked ({time.perf_counter() - started:.1f} s)")
        warnings = pd.concat([frame for frame in (checked, located) if not frame.empty] or [checked], ignore_index=True)
        return Derived(self.source, warnings[PROBLEM_COLUMNS], regions)
