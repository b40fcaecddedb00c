"""Getting the registry store ready before anyone visits: ``python -m ecosystem init`` and the server's start-up.

``initialise`` seeds an empty store from the data folder's ``initiatives.csv`` (validated first; a broken file is
refused row by row) and makes sure the current version has its derived regions and warnings for the input files
as they are now (``ecosystem.derived``): derived again when the boundaries, taxonomy or programmes changed. A
second run finds everything in place and writes nothing. Two processes initialising at once are safe: the seed
is one transaction that writes only into an empty store, and the derived parts are kept once per source.

``ensure_initialised`` is what a server calls at start-up (in a worker thread): it opens or creates the database
(and the state folder at the default address) and never raises; its report says what it did or what is wrong.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ecosystem.derived import Progress
from ecosystem.i18n import t
from ecosystem.outlines import NATURAL_EARTH_SOURCE
from ecosystem.registry import RegistryError, read_raw_csv
from ecosystem.schema import has_errors, validate_registry
from ecosystem.store import RegistryStore, StoreBusyError, StoreError, canonical_registry, open_store
from ecosystem.taxonomy import TaxonomyError
from ecosystem.view import Inputs, load_inputs

__all__ = ["BUSY_PATIENCE_SECONDS", "InitReport", "ensure_initialised", "initialise", "say_on_stderr", "seed"]

BUSY_PATIENCE_SECONDS = 600.0
"""How long initialising waits, busy timeout after busy timeout, while another process writes the database."""
_Result = TypeVar("_Result")


def say_on_stderr(line: str) -> None:
    """Progress as a line of the log (stderr), prefixed ``init:``."""
    print(f"init: {line}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class InitReport:
    """What initialising did: the store's location and current version, its rows, whether this run seeded the
    store or derived the current version's regions and warnings, and how long it took; or why it could not."""

    location: str
    version: int = 0
    rows: int = 0
    seeded: bool = False
    derived: bool = False
    seconds: float = 0.0
    problem: str | None = None
    """why the store is not ready (``ensure_initialised`` only; ``initialise`` raises instead)"""

    @property
    def ready(self) -> bool:
        """Whether the store holds a version with its derived columns for the current inputs."""
        return self.problem is None and self.version > 0

    def summary(self) -> str:
        """One line for people: what the store holds now and what this run did."""
        if self.problem is not None:
            return f"registry not ready ({self.location}): {self.problem}"
        if not self.version:
            return f"registry empty ({self.location}): the seed file holds no rows"
        done = [what for what, did in (("seeded", self.seeded), ("derived columns computed", self.derived)) if did]
        return (f"registry ready: version {self.version}, {self.rows} rows ({self.location}); "
                f"{', '.join(done) or 'nothing to do'} in {self.seconds:.1f} s")


def _patiently(operation: Callable[[], _Result], progress: Progress) -> _Result:
    """``operation()``, tried again while another process holds the database's write lock (each try waits the
    store's busy timeout), for up to BUSY_PATIENCE_SECONDS."""
    deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
    while True:
        try:
            return operation()
        except StoreBusyError:
            if time.monotonic() > deadline:
                raise
            progress("the database is busy with another change (another process initialising?); waiting")


def seed(store: RegistryStore, inputs: Inputs, progress: Progress = say_on_stderr) -> int | None:
    """Fill an empty store from the data folder's initiatives.csv, with its derived regions and warnings; the new
    version, or None when the store holds a version (or the file no rows). RegistryError, row by row as in the
    file, when the file is broken."""
    if store.current_version():
        return None
    path, derivation = inputs.seed_path, inputs.derivation
    started = time.perf_counter()
    raw = read_raw_csv(path)
    progress(f"{path.name} read: {len(raw)} rows ({time.perf_counter() - started:.1f} s)")
    if raw.empty:
        progress(f"{path.name} holds no rows: nothing to seed")
        return None
    started = time.perf_counter()
    try:
        table = canonical_registry(raw)  # the rows as the store keeps them, in id order
    except StoreError:
        table = None  # no id, or one twice: the file's problems say which rows
    checked = derivation.check(table) if table is not None else None
    if checked is None or has_errors(checked):
        raise RegistryError(path.name, validate_registry(raw, inputs.context))  # rows as in the file
    progress(f"{len(table)} rows validated ({time.perf_counter() - started:.1f} s)")
    derived = derivation.derive(table, progress, checked=checked)
    started = time.perf_counter()
    version = _patiently(lambda: store.seed_if_empty(table, file_name=path.name, derived=derived.parts()), progress)
    if version is None:
        progress("another process seeded the store meanwhile")
    else:
        progress(f"seeded version {version} with its derived columns ({time.perf_counter() - started:.1f} s)")
    return version


def initialise(store: RegistryStore, inputs: Inputs, progress: Progress = say_on_stderr) -> InitReport:
    """Seed an empty store, then make sure its current version has regions and warnings derived from the input
    files as they are now; a quick no-op when all is in place. RegistryError for a broken seed or programmes
    file, StoreError when the database cannot be read or written."""
    started = time.perf_counter()
    if inputs.regions_problem is not None:
        progress(f"region boundaries not used ({inputs.regions_problem})")
    if inputs.regions is None:  # the geography in use, as the About page says it
        progress(t("about.outlines", "en", source=NATURAL_EARTH_SOURCE))
    else:
        progress(f"geography: the NUTS-3 regions of {inputs.regions_path} ({len(inputs.regions)} regions)")
    seeded = seed(store, inputs, progress) is not None
    version = store.current_version()
    derived = False
    if version and store.derived_source(version) != inputs.derivation.source:
        progress(f"the regions and warnings of version {version} are missing or were derived from other files; "
                 "deriving them")
        parts = inputs.derivation.derive(store.read(version), progress).parts()
        derived = _patiently(lambda: store.save_derived(version, parts), progress)
        progress(f"derived columns stored for version {version}" if derived
                 else f"another process stored the derived columns of version {version} meanwhile")
    rows = int(store.versions().iloc[0]["rows"]) if version else 0
    return InitReport(store.location, version, rows, seeded, derived, time.perf_counter() - started)


def ensure_initialised(progress: Progress = say_on_stderr) -> InitReport:
    """Make the configured store ready to serve (``initialise``), creating the database — and the state folder at
    the default address — when missing. Fast when there is nothing to do; never raises: a broken file or an
    unusable database is the report's ``problem`` (and said to ``progress``), and the pages say it too."""
    started = time.perf_counter()
    location = "the registry database"
    try:
        inputs = load_inputs()
        with open_store() as store:
            location = store.location
            return initialise(store, inputs, progress)
    except (RegistryError, TaxonomyError, StoreError, OSError) as error:  # a broken file, an unusable database
        problem = str(error)
    progress(problem)
    return InitReport(location, seconds=time.perf_counter() - started, problem=problem)
