"""Synthetic benchmark data and the vaults built from it, with an optional cache.

A cached vault is reused only when it was built by the same code: the cache key holds a hash of
every ``fieldapp`` source file, the size, the KDF parameters and this module's ``DATA_VERSION``.
Benchmarks never run on the cached copy itself; they run on a fresh copy in the work folder, so
a run cannot change what the next run measures. Building is never timed as a benchmark (its
duration is reported separately).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import os
import random
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlcipher3

import fieldapp
from fieldapp.catalogue import load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import Address, Evidence, ObservationStatus, Role, Sector, VisitType
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from fieldapp.vault import KdfParams, Vault, anchor
from fieldapp.vault import vault as vault_module
from fieldapp.vault.keyfile import KeyFile, unwrap_dek
from tests.bench.measure import progress
from tests.bench.rawdb import RAW_FTS_DDL, open_raw

# Fixed on purpose: the vaults hold synthetic data only, and a cached vault must reopen.
PASSPHRASE = "fieldapp benchmark vault - synthetic data only"
DATA_VERSION = "3"  # 3: real catalogue ids (an import refuses unknown ones)
OBSERVATIONS_PER_VISIT = 100
NOTES_PER_VISIT = 100
VISIT_BATCH = 1000
FTS_VISIT_BATCH = 100  # 10,000 notes per transaction
MANIFEST = "manifest.json"


# -- cache ---------------------------------------------------------------------------------


# Modules that cannot change what a vault holds; every other (and any new) module counts.
# (The command line, fieldapp/cli/, only calls the code that writes.)
NOT_WRITING = frozenset({"i18n.py", "hygiene.py", "paths.py"})


def code_fingerprint() -> str:
    """A hash of the ``fieldapp`` sources that write vaults: a vault built by other code is
    never reused."""
    root = Path(fieldapp.__file__).resolve().parent
    digest = hashlib.sha256(DATA_VERSION.encode())
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in NOT_WRITING or name.startswith("cli/"):
            continue
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def kdf_tag(kdf: KdfParams) -> str:
    return f"t{kdf.time_cost}m{kdf.memory_kib // 1024}p{kdf.parallelism}"


class DatasetCache:
    """Built datasets under ``root`` (None: build into the work folder, every run)."""

    def __init__(self, root: Path | None, work: Path, rebuild: bool = False) -> None:
        self.root = root
        self.work = work
        self.rebuild = rebuild
        self.fingerprint = code_fingerprint()

    def get(
        self, kind: str, spec: str, build: Callable[[Path], dict[str, Any]]
    ) -> tuple[Path, dict[str, Any]]:
        """The folder of a built dataset and its manifest; builds it when missing or stale."""
        name = f"{kind}-{spec}-{self.fingerprint}"
        if self.root is None:
            folder = self.work / "built" / name
            shutil.rmtree(folder, ignore_errors=True)
            return folder, self._build(folder, build, kind)
        folder = self.root / name
        manifest_path = folder / MANIFEST
        if manifest_path.exists() and not self.rebuild:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            manifest["from_cache"] = True
            progress(
                f"{kind} {spec}: cached ({folder}), built in {manifest['build_seconds']:.0f} s"
            )
            return folder, manifest
        # Drop what other code built (never reused) and any half-built entry of this one.
        self.root.mkdir(parents=True, exist_ok=True)
        for entry in self.root.iterdir():
            stale = (entry / MANIFEST).exists() and not entry.name.endswith(self.fingerprint)
            if stale or entry.name == f".{name}.building":
                shutil.rmtree(entry, ignore_errors=True)
        staging = self.root / f".{name}.building"
        manifest = self._build(staging, build, kind)
        manifest_path = staging / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # --rebuild
        os.replace(staging, folder)
        return folder, manifest

    def _build(self, folder: Path, build: Callable[[Path], dict[str, Any]], kind: str) -> dict:
        folder.mkdir(parents=True)
        started = time.monotonic()
        manifest = build(folder)
        manifest["build_seconds"] = time.monotonic() - started
        manifest["fingerprint"] = self.fingerprint
        manifest["from_cache"] = False
        progress(f"{kind}: built in {manifest['build_seconds']:.1f} s")
        return manifest


def copy_folder(source: Path, target: Path) -> Path:
    """A working copy of a built dataset (the cache itself is never opened for a benchmark).
    A copy made again at the same path is the cached state, older than what the last run
    left there: each vault's per-user rollback record for the path is forgotten first."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(MANIFEST, "*.lock"))
    for key_file in target.rglob("vault.key"):
        anchor.forget(key_file.parent, KeyFile.read(key_file).vault_id)
    return target


def vault_dek(folder: Path) -> bytearray:
    return unwrap_dek(KeyFile.read(folder / "vault.key"), PASSPHRASE)


# -- the 100k-visit vault (demo data, as the app's own demo command makes it) -------------


def build_visit_vault(folder: Path, count: int, kdf: KdfParams) -> dict[str, Any]:
    """``count`` demo visits through ``Store.record_visits`` in batches of 1,000."""
    vault_folder = folder / "vault"
    vault = Vault.create(vault_folder, PASSPHRASE, Role.FIELD, kdf)
    batch_seconds: list[float] = []
    try:
        store = Store(vault)
        visits = demo_visits(count)
        started = time.monotonic()
        while batch := list(itertools.islice(visits, VISIT_BATCH)):
            t0 = time.perf_counter()
            store.record_visits(batch)
            batch_seconds.append(time.perf_counter() - t0)
            done = len(batch_seconds) * VISIT_BATCH
            if len(batch_seconds) % 10 == 0 or done >= count:
                rate = min(done, count) / (time.monotonic() - started)
                progress(f"  visit vault: {min(done, count)}/{count} visits ({rate:.0f} visits/s)")
        counts = {
            table: vault.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("visits", "sites", "persons", "observations", "search_index", "audit_log")
        }
    finally:
        vault.lock()
    return {
        "visits": count,
        "kdf": asdict(kdf),
        "rows": counts,
        "db_bytes": _folder_bytes(vault_folder),
        "first_batch_seconds": batch_seconds[0] if batch_seconds else 0.0,
        "last_batch_seconds": batch_seconds[-1] if batch_seconds else 0.0,
        "record_visits_seconds": sum(batch_seconds),
    }


def full_check_limit_pages() -> int:
    """Vault.unlock reads every page (cipher_integrity_check + quick_check) up to this many
    pages; 8192 (32 MiB) when the vault module does not say."""
    return int(getattr(vault_module, "FULL_CHECK_AT_UNLOCK_MAX_PAGES", 8192))


def build_edge_vault(folder: Path, max_pages: int, kdf: KdfParams) -> dict[str, Any]:
    """Demo visits until the database is just under ``max_pages``: the largest vault that unlock
    still checks page by page, so its slowest unlock."""
    vault_folder = folder / "vault"
    vault = Vault.create(vault_folder, PASSPHRASE, Role.FIELD, kdf)
    count = 0
    try:
        store = Store(vault)
        visits = demo_visits(10**9, seed=31)
        while True:
            pages = vault.conn.execute("PRAGMA page_count").fetchall()[0][0]
            room = max_pages * 0.97 - pages
            if room <= 0:
                break
            # About 1.8 pages per demo visit; small steps near the limit so it is never passed.
            step = max(10, min(500, int(room / 4)))
            store.record_visits(list(itertools.islice(visits, step)))
            count += step
    finally:
        vault.lock()
    return {
        "visits": count,
        "kdf": asdict(kdf),
        "pages": pages,
        "max_pages": max_pages,
        "db_bytes": _folder_bytes(vault_folder),
    }


def catalogue_version() -> str:
    """The version the synthetic observations name: the newest installed catalogue, or the
    pre-catalogue marker when none can be loaded (the figures do not depend on it)."""
    try:
        from fieldapp.catalogue import latest_version

        return latest_version()
    except Exception:  # no catalogue (yet): any version string will do
        return "unchecked"


# -- bulk observations ---------------------------------------------------------------------


_CATALOGUE_IDS = tuple(load_catalogue().indicators)


def bulk_visits(rows: int, per_visit: int = OBSERVATIONS_PER_VISIT) -> list[NewVisit]:
    """``rows`` observations as visits of one person each with ``per_visit`` distinct indicators."""
    observed_at = "2026-03-02T09:00:00Z"
    statuses = (ObservationStatus.OBSERVED, ObservationStatus.NOT_OBSERVED)
    visits = []
    for number in range(max(1, rows // per_visit)):
        observations = tuple(
            ObservationInput(
                indicator_id=_CATALOGUE_IDS[index % len(_CATALOGUE_IDS)],
                status=statuses[index % 2],
                evidence=Evidence.SEEN,
                person_ref="A",
                observed_at=observed_at,
            )
            for index in range(min(per_visit, rows))
        )
        visits.append(
            NewVisit(
                site=SiteInput(name=f"Bench site {number}", sector=Sector.AGRICULTURE),
                visit=VisitInput(started_at=observed_at, type=VisitType.INSPECTION),
                persons=(("A", PersonInput(label="Werknemer A")),),
                observations=observations,
            )
        )
    return visits


def raw_observation_rows(visits: list[NewVisit], device: str) -> list[tuple[Any, ...]]:
    """The same observations as rows of the store's ``observations`` columns, ids included."""
    now = "2026-03-02T09:00:00Z"
    rows = []
    for visit in visits:
        visit_uuid, person_uuid = str(uuid.uuid4()), str(uuid.uuid4())
        for obs in visit.observations:
            rows.append(
                (
                    str(uuid.uuid4()),
                    now,
                    now,
                    device,
                    1,
                    0,
                    visit_uuid,
                    person_uuid,
                    obs.indicator_id,
                    "unchecked",
                    obs.status.value,
                    obs.evidence.value if obs.evidence else None,
                    obs.note,
                    obs.observed_at,
                    device[:8],
                )
            )
    return rows


# -- full-text search corpus ---------------------------------------------------------------

_ONSETS = (
    *("b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"),
    *("st", "sch", "kr", "pl", "br", "dr", "gr", "tr", "sl", "sn", "sp", "kl"),
)
_VOWELS = ["a", "e", "i", "o", "u", "aa", "ee", "oo", "ie", "oe", "ij", "ui", "ou", "eu"]
_CODAS = ("", "n", "r", "s", "t", "k", "l", "m", "rd", "nd", "ng", "cht")
VOCABULARY_SIZE = 30_000
ZIPF_EXPONENT = 1.0
NOTE_WORDS = (5, 14)
QUERY_COUNT = 20
QUERY_CANDIDATES = 400
# Mid-frequency: each query word occurs in 1 % .. 5 % of the notes, and a query is kept when
# both words occur together in at least 50 notes (so "top 50" has 50 to rank), where possible.
MID_FREQUENCY = (0.01, 0.05)
MIN_QUERY_MATCHES = 50


def vocabulary(size: int = VOCABULARY_SIZE, seed: int = 7) -> list[str]:
    """Distinct Dutch-looking pseudo-words, in rank order (first = most frequent)."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        words.setdefault(word, None)
    return list(words)


class NoteCorpus:
    """Deterministic notes with Zipf-distributed words, and the document frequency of each word."""

    def __init__(self, count: int, seed: int = 11) -> None:
        self.count = count
        self.seed = seed
        self.words = vocabulary()
        weights = [1 / (rank**ZIPF_EXPONENT) for rank in range(1, len(self.words) + 1)]
        self._cumulative = list(itertools.accumulate(weights))
        self.document_frequency: Counter[str] = Counter()

    def notes(self) -> Iterator[str]:
        rng = random.Random(self.seed)
        words, cumulative, total = self.words, self._cumulative, self._cumulative[-1]
        for _ in range(self.count):
            length = rng.randint(*NOTE_WORDS)
            drawn = [words[bisect.bisect(cumulative, rng.random() * total)] for _ in range(length)]
            self.document_frequency.update(set(drawn))
            yield " ".join(drawn).capitalize() + "."

    def candidate_queries(self, count: int = QUERY_CANDIDATES, seed: int = 5) -> list[str]:
        """Two-word queries of mid-frequency words (call after :meth:`notes` is exhausted)."""
        low, high = (fraction * self.count for fraction in MID_FREQUENCY)
        band = sorted(word for word, df in self.document_frequency.items() if low <= df <= high)
        if len(band) < 2:  # tiny corpora: take the words around the middle of the ranking
            ranked = [word for word, _ in self.document_frequency.most_common()]
            band = ranked[len(ranked) // 10 : len(ranked) // 10 + 40] or ranked
        rng = random.Random(seed)
        return [" ".join(rng.sample(band, 2)) if len(band) > 1 else band[0] for _ in range(count)]


def choose_queries(raw: sqlcipher3.Connection, candidates: list[str]) -> list[dict[str, Any]]:
    """The first QUERY_COUNT candidates with at least MIN_QUERY_MATCHES notes matching both
    words (counted on the raw table), topped up with the best of the rest."""
    counted = [
        {"query": query, "matches": fts_matches(raw, "t", query)}
        for query in dict.fromkeys(candidates)
    ]
    chosen = [entry for entry in counted if entry["matches"] >= MIN_QUERY_MATCHES]
    rest = sorted(
        (entry for entry in counted if entry["matches"] < MIN_QUERY_MATCHES),
        key=lambda entry: -entry["matches"],
    )
    return (chosen + rest)[:QUERY_COUNT]


def fts_matches(conn: sqlcipher3.Connection, table: str, match: str) -> int:
    rows = conn.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (match,)).fetchall()
    return int(rows[0][0])


def build_fts_vault(folder: Path, notes: int) -> dict[str, Any]:
    """A vault whose search index holds ``notes`` observation notes (plus one site text per 100),
    written through ``Store.record_visits``; then a raw FTS5 table with the same rows, written in
    the same transaction sizes so both indexes have a comparable segment structure."""
    corpus = NoteCorpus(notes)
    vault_folder = folder / "vault"
    vault = Vault.create(vault_folder, PASSPHRASE, Role.FIELD, KdfParams(1, 64 * 1024, 1))
    texts = corpus.notes()
    started = time.monotonic()
    written = 0
    try:
        store = Store(vault)
        number = 0
        while True:
            batch = []
            for _ in range(FTS_VISIT_BATCH):
                chunk = list(itertools.islice(texts, NOTES_PER_VISIT))
                if not chunk:
                    break
                batch.append(_note_visit(number, chunk))
                number += 1
            if not batch:
                break
            store.record_visits(batch, catalogue_version())
            written += sum(len(visit.observations) for visit in batch)
            if written % 100_000 == 0 or written == notes:
                rate = written / (time.monotonic() - started)
                progress(f"  search vault: {written}/{notes} notes ({rate:.0f} notes/s)")
        store_seconds = time.monotonic() - started
        raw_key = os.urandom(32)
        raw_path = folder / "raw-fts.db"
        raw = open_raw(raw_path, raw_key)
        try:
            raw.execute(RAW_FTS_DDL)
            rows_per_commit = FTS_VISIT_BATCH * (NOTES_PER_VISIT + 1)
            cursor = vault.conn.execute("SELECT rowid, body FROM search_index ORDER BY rowid")
            while chunk := cursor.fetchmany(rows_per_commit):
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", chunk)
                raw.execute("COMMIT")
            queries = choose_queries(raw, corpus.candidate_queries())
        finally:
            raw.close()
        index_rows = vault.conn.execute("SELECT count(*) FROM search_index").fetchone()[0]
    finally:
        vault.lock()
    return {
        "notes": notes,
        "index_rows": index_rows,
        "queries": [entry["query"] for entry in queries],
        "query_matches": [entry["matches"] for entry in queries],
        "raw_key": raw_key.hex(),  # a key for synthetic benchmark data, nothing else
        "store_seconds": store_seconds,
        "db_bytes": _folder_bytes(vault_folder),
        "raw_db_bytes": raw_path.stat().st_size,
    }


def _note_visit(number: int, notes: list[str]) -> NewVisit:
    started = f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d}T08:00:00Z"
    return NewVisit(
        site=SiteInput(
            name=f"Locatie {number}",
            sector=Sector.AGRICULTURE,
            address=Address(street="Middelweg", number=str(number % 250 + 1), place="Naaldwijk"),
        ),
        visit=VisitInput(started_at=started),
        observations=tuple(
            ObservationInput(
                indicator_id=f"BENCH-{index:03d}",
                status=ObservationStatus.OBSERVED,
                note=note,
                observed_at=started,
            )
            for index, note in enumerate(notes)
        ),
    )


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            total += path.stat().st_size
    return total
