"""Benchmark group "sync": a bundle of N observations exported on a field device and imported
by the coordinator, each end to end, against the raw bulk insert of the same rows (the
baseline of the "bulk" row: executemany into a fresh raw table of the same shape, one
transaction).

Export: collect everything changed, sign, encrypt, write, fsync, rename, read back and verify,
mark exported. Import: read, check the age header, decrypt, verify the signature and hashes,
parse and check every record, then one transaction (records, provenance, search index, the
field's audit entries, ledger). Each repetition works on a fresh copy of the same vaults.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
import uuid
from typing import TYPE_CHECKING

from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.sync import cards, keys
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.bench.datasets import (
    PASSPHRASE,
    bulk_visits,
    catalogue_version,
    copy_folder,
    raw_observation_rows,
)
from tests.bench.measure import elapsed, interleave, progress
from tests.bench.rawdb import (
    RAW_OBSERVATION_INSERT,
    RAW_OBSERVATIONS_DDL,
    open_raw,
    remove_database,
)
from tests.bench.results import Result

if TYPE_CHECKING:
    from tests.bench.cases import Context

TARGET = "≥ 0.5× raw rate"


def _templates(ctx: Context, count: int) -> tuple[object, object, object]:
    """An enrolled coordinator and field device (locked folders), the field holding ``count``
    observations, and one bundle of them."""
    base = ctx.work / "sync-templates"
    coordinator = Vault.create(base / "coordinator", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    field = Vault.create(base / "field", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    try:
        keys.create_coordinator_keys(coordinator, lambda secret: None)
        card_raw, card = cards.make_card(coordinator)
        cards.trust_coordinator(field, card_raw, card.fingerprint)
        request, fingerprint = cards.make_request(field, "Bench", "nla")
        ack, _ = cards.approve_request(coordinator, request, fingerprint)
        cards.accept_ack(field, ack)
        Store(field).record_visits(bulk_visits(count), catalogue_version())
    finally:
        coordinator.lock()
        field.lock()
    # One bundle for the import side, made from a copy so the template stays unexported.
    copy = copy_folder(base / "field", ctx.work / "sync-field-once")
    (ctx.work / "sync-stick").mkdir()
    with Vault.unlock(copy, PASSPHRASE) as vault:
        result = export_bundle(vault, ctx.work / "sync-stick")
    assert result is not None
    shutil.rmtree(copy, ignore_errors=True)
    return base / "coordinator", base / "field", result


def bench_sync(ctx: Context) -> list[Result]:
    rows = ctx.sizes.bulk_rows
    visits = bulk_visits(rows)
    count = sum(len(visit.observations) for visit in visits)
    raw_rows = raw_observation_rows(visits, str(uuid.uuid4()))
    progress(f"sync: building an enrolled field device with {count} observations")
    coordinator_template, field_template, bundle = _templates(ctx, rows)
    numbers = itertools.count()

    def export_once() -> float:
        folder = copy_folder(field_template, ctx.work / f"sync-field-{next(numbers)}")
        out = ctx.work / f"sync-out-{next(numbers)}"
        out.mkdir()
        vault = Vault.unlock(folder, PASSPHRASE)
        try:
            return elapsed(lambda: export_bundle(vault, out))
        finally:
            vault.lock()
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)

    def import_once() -> float:
        folder = copy_folder(coordinator_template, ctx.work / f"sync-coord-{next(numbers)}")
        vault = Vault.unlock(folder, PASSPHRASE)
        try:
            started = time.perf_counter()
            report = import_file(vault, bundle.path)
            took = time.perf_counter() - started
            assert report.status == "imported", report.rejection
            return took
        finally:
            vault.lock()
            shutil.rmtree(folder, ignore_errors=True)

    def raw() -> float:
        path = ctx.work / f"sync-raw-{next(numbers)}.db"
        conn = open_raw(path, os.urandom(32))
        try:
            conn.executescript(RAW_OBSERVATIONS_DDL)
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(RAW_OBSERVATION_INSERT, raw_rows)
            conn.execute("COMMIT")
            return time.perf_counter() - started
        finally:
            conn.close()
            remove_database(path)

    reps = ctx.sizes.bulk_reps
    warmup = 1 if count <= 20_000 else 0
    progress(f"sync export of {count} observations: {reps} reps each")
    exported, raw_export = interleave(export_once, raw, reps, warmup=warmup, collect=True)
    progress(f"sync import of {count} observations: {reps} reps each")
    imported, raw_import = interleave(import_once, raw, reps, warmup=warmup, collect=True)
    label = f"{count // 1000}k" if count >= 1000 else str(count)
    raw_median = sorted(raw_export.values + raw_import.values)[
        len(raw_export.values + raw_import.values) // 2
    ]
    details = {
        "bundle_bytes": bundle.size,
        "records_per_bundle": sum(v for k, v in bundle.counts.items() if k != "content"),
        "round_trip_ratio": raw_median / (exported.median + imported.median),
        "also_in_bundle": "1 site + 1 visit + 1 person per 100 observations and one audit"
        " entry per record (the field device's own audit trail)",
    }
    return [
        Result(
            key="sync_export",
            operation=f"{label} observations, bundle export end to end",
            ours=exported,
            raw=raw_export,
            target=TARGET,
            kind="rate",
            rows_per_rep=count,
            min_ratio=0.5,
            details=details,
        ),
        Result(
            key="sync_import",
            operation=f"{label} observations, bundle import end to end",
            ours=imported,
            raw=raw_import,
            target=TARGET,
            kind="rate",
            rows_per_rep=count,
            min_ratio=0.5,
            details=details,
        ),
    ]
