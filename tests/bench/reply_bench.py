"""Benchmark group "sync", replies (issue 16): the coordinator's reply to one device holding N
records, written and imported end to end, and what the device then asks of its vault, each
against the cheapest code that does the same work, in the same run.

- Write (``write_reply``): the SELECTs of what the coordinator holds from the device, the
  payload encoded, the manifest signed, age-encrypted to the device's reply key, written
  atomically. Raw: the same SELECTs (uuid and sync_revision per table for that device, its
  bundles, conflicts, follow-up, revocations) on a bare ``sqlcipher3`` connection, the same
  structure encoded with msgspec, ``pyrage.encrypt`` to one X25519 recipient, one file write
  and fsync.
- Import (``import_reply``): read, decrypt, verify, decode into strict types, check, one
  transaction (an arrival per record, upserted from ``json_each``), and the holdings the
  report shows. Raw: read, ``pyrage.decrypt``, an untyped msgspec decode, one ``executemany``
  of (uuid, kind, revision, at) into a scratch table of the arrivals' shape in a fresh SQLCipher
  database, one transaction.
- Holdings (``ReplyStore.holdings``): per visit, arrived / waiting / not sent, and the oldest
  unconfirmed export and arrival. Raw: one aggregate over the same tables (the visit tree,
  arrivals, the latest change per record) giving the same five values, checked equal first.
  Measured twice: on the device after the reply (everything arrived), and on a device whose N
  records left in many bundles and none is confirmed yet (every device enrolled before replies
  existed, at its first reply), where the store looks up one bundle per visit.
- Retention dry run (``plan_purge``) on the day every arrived visit is past the field
  retention: raw, the arrived visits and their tree counted per kind in plain SQL (the same
  counts, checked equal first).

The vaults (an enrolled coordinator and field device, N observations exported in one bundle
and imported, one reply written, the field device after importing it, and the second device
with its many bundles) are built by the app's own code once and cached like the other
datasets; every repetition that writes works on a fresh copy. Building is never timed.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import pyrage
from pyrage import x25519

from fieldapp.domain import Role
from fieldapp.reply import import_reply, write_reply
from fieldapp.retention.policy import load_policy
from fieldapp.retention.purge import forget_arrived, plan_purge, today_utc
from fieldapp.store.reply_store import Holdings, ReplyStore
from fieldapp.store.store import Store
from fieldapp.store.sync_store import TABLES
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
    vault_dek,
)
from tests.bench.measure import Samples, elapsed, interleave, progress
from tests.bench.rawdb import open_raw, remove_database
from tests.bench.results import Result

if TYPE_CHECKING:
    import sqlcipher3

    from tests.bench.cases import Context

# The ratios are what the table judges; the absolute figures per 100k records (what an
# inspector waits for at a USB stick, a coordinator per device) are in docs/PERFORMANCE.md 4.6.
# Writing: at most twice raw, the bundle export's bound (≥ 0.5× the raw rate).
WRITE_MAX_RATIO = 2.0
# Importing: the arrivals at most twice raw, as a bundle import, plus the holdings its report
# shows (one more read of every record, about raw's cost again).
IMPORT_MAX_RATIO = 4.0
# Holdings reads the same tables as the raw aggregate and returns a row per visit.
HOLDINGS_MAX_RATIO = 1.5
# forget_arrived runs as the desktop opens a field vault: unlock's whole allowance beyond the
# KDF (docs/PERFORMANCE.md section 2).
OPENING_LIMIT_S = 0.150
# A device exporting every working day for five months before its first reply (every device
# enrolled before replies existed starts that way, with all its history unconfirmed).
WAITING_BUNDLES = 100
# Part of the cache key: the key covers the app's sources, not this module, so a change to what
# build_reply_vaults keeps needs a new number here.
DATA_VERSION = 2

# The scratch table of the import's raw baseline: the shape of the field's sync_arrivals.
RAW_ARRIVALS_DDL = """
CREATE TABLE arrivals (
    uuid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    revision INTEGER NOT NULL,
    arrived_at TEXT NOT NULL
) STRICT, WITHOUT ROWID
"""
RAW_ARRIVALS_INSERT = "INSERT INTO arrivals (uuid, kind, revision, arrived_at) VALUES (?, ?, ?, ?)"

# Every record of a visit's tree with the visit it belongs to (and its kind, for the purge's
# counts): the visit, its site, persons, observations, referrals and the attachments on any of
# them (a referral's PDF is owned by its visit), written by hand.
RAW_TREE = """
    SELECT uuid AS visit_uuid, uuid, revision, 'visit' AS kind FROM visits
    UNION ALL SELECT v.uuid, s.uuid, s.revision, 'site' FROM visits v
        JOIN sites s ON s.uuid = v.site_uuid
    UNION ALL SELECT visit_uuid, uuid, revision, 'person' FROM persons
    UNION ALL SELECT visit_uuid, uuid, revision, 'observation' FROM observations
    UNION ALL SELECT visit_uuid, uuid, revision, 'referral' FROM referrals
    UNION ALL SELECT owner_uuid, uuid, revision, 'attachment' FROM attachments
        WHERE owner_kind IN ('visit', 'referral')
    UNION ALL SELECT p.visit_uuid, a.uuid, a.revision, 'attachment' FROM attachments a
        JOIN persons p ON p.uuid = a.owner_uuid WHERE a.owner_kind = 'person'
    UNION ALL SELECT o.visit_uuid, a.uuid, a.revision, 'attachment' FROM attachments a
        JOIN observations o ON o.uuid = a.owner_uuid WHERE a.owner_kind = 'observation'
    UNION ALL SELECT v.uuid, a.uuid, a.revision, 'attachment' FROM attachments a
        JOIN visits v ON v.site_uuid = a.owner_uuid WHERE a.owner_kind = 'site'
"""
RAW_EXPORT_CURSOR = (
    "SELECT coalesce(max(change_to), 0) FROM sync_outgoing"
    " WHERE status = 'exported' AND resends = '[]'"
)
# Per visit: every record arrived in its current revision, anything changed after the last
# exported bundle, the latest arrival, the earliest change still to be confirmed; then what the
# holdings report: the three counts, when the bundle holding the oldest unconfirmed change was
# exported (one lookup), and the oldest arrival among visits held.
RAW_HOLDINGS = f"""
    WITH per_visit AS (
        SELECT t.visit_uuid, min(coalesce(a.revision = t.revision, 0)) AS arrived,
            max(a.arrived_at) AS arrived_at,
            max(coalesce(c.change_no, 0) > :cursor) AS unsent,
            min(CASE WHEN coalesce(a.revision = t.revision, 0) = 0 THEN c.change_no END)
                AS first_waiting
        FROM ({RAW_TREE}) t
        LEFT JOIN sync_arrivals a ON a.uuid = t.uuid
        LEFT JOIN (SELECT uuid, max(change_no) AS change_no FROM sync_changes GROUP BY uuid) c
            ON c.uuid = t.uuid
        GROUP BY t.visit_uuid
    ),
    totals AS (
        SELECT coalesce(sum(arrived), 0) AS arrived,
            coalesce(sum(NOT arrived AND NOT unsent), 0) AS waiting,
            coalesce(sum(NOT arrived AND unsent), 0) AS unsent,
            min(CASE WHEN NOT arrived AND NOT unsent THEN first_waiting END) AS first_waiting,
            min(CASE WHEN arrived THEN arrived_at END) AS oldest_arrival
        FROM per_visit
    )
    SELECT arrived, waiting, unsent,
        (SELECT o.exported_at FROM sync_outgoing o WHERE o.status = 'exported'
            AND o.resends = '[]' AND first_waiting > o.change_from
            AND first_waiting <= o.change_to),
        oldest_arrival
    FROM totals
"""
# The visits every record of which arrived before the cutoff, and their trees per kind (a site
# counted when no other visit uses it).
RAW_PURGE_PLAN = f"""
    WITH tree AS MATERIALIZED ({RAW_TREE}),
    due AS MATERIALIZED (
        SELECT t.visit_uuid FROM tree t LEFT JOIN sync_arrivals a ON a.uuid = t.uuid
        GROUP BY t.visit_uuid
        HAVING min(coalesce(a.revision = t.revision, 0)) = 1 AND max(a.arrived_at) < :cutoff
    )
    SELECT t.kind, count(*) FROM tree t JOIN due d ON d.visit_uuid = t.visit_uuid
    WHERE t.kind != 'site' OR NOT EXISTS (
        SELECT 1 FROM visits v WHERE v.site_uuid = t.uuid
            AND v.uuid NOT IN (SELECT visit_uuid FROM due))
    GROUP BY t.kind
"""


def _enrol(coordinator: Vault, field: Vault) -> None:
    card_raw, card = cards.make_card(coordinator)
    cards.trust_coordinator(field, card_raw, card.fingerprint)
    request, fingerprint = cards.make_request(field, "Bench", "nla")
    ack, _ = cards.approve_request(coordinator, request, fingerprint)
    cards.accept_ack(field, ack)


def waiting_bundles(rows: int) -> int:
    """How many bundles the waiting device's records left in: one per visit, at most
    WAITING_BUNDLES."""
    return min(WAITING_BUNDLES, len(bulk_visits(rows)))


def build_reply_vaults(folder: Path, rows: int) -> dict[str, Any]:
    """An enrolled coordinator and field device; the field records ``rows`` observations and
    exports them in one bundle, the coordinator imports it and writes one reply, and a copy of
    the field device imports that reply. Keeps the coordinator and the field device as they
    were before the reply was written, the reply, and the field device after it. Beside them
    a second device of the same coordinator whose ``rows`` observations left in
    :func:`waiting_bundles` bundles, none confirmed yet (a device before its first reply)."""
    coordinator = Vault.create(folder / "coordinator", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    field = Vault.create(folder / "field", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    waiting = Vault.create(folder / "field-waiting", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    stick = folder / "stick"
    stick.mkdir()
    try:
        keys.create_coordinator_keys(coordinator, lambda secret: None)
        _enrol(coordinator, field)
        _enrol(coordinator, waiting)
        Store(field).record_visits(bulk_visits(rows), catalogue_version())
        exported = export_bundle(field, stick)
        assert exported is not None
        report = import_file(coordinator, exported.path)
        assert report.status == "imported", report.rejection
        exported.path.unlink()
        device_id = field.info.device_id
        visits = bulk_visits(rows)
        bundles = waiting_bundles(rows)
        for number in range(bundles):
            batch = visits[number * len(visits) // bundles : (number + 1) * len(visits) // bundles]
            Store(waiting).record_visits(batch, catalogue_version())
            left = export_bundle(waiting, stick)
            assert left is not None
            left.path.unlink()
    finally:
        coordinator.lock()
        field.lock()
        waiting.lock()
    # The reply is written by a copy, so the kept coordinator has written none yet.
    writer = copy_folder(folder / "coordinator", folder / "coordinator-once")
    with Vault.unlock(writer, PASSPHRASE) as vault:
        written = write_reply(vault, device_id, stick)
    shutil.rmtree(writer, ignore_errors=True)
    arrived = copy_folder(folder / "field", folder / "field-arrived")
    with Vault.unlock(arrived, PASSPHRASE) as vault:
        imported = import_reply(vault, written.path)
        assert imported.status == "imported", imported.status
    return {
        "observations": rows,
        "device_id": device_id,
        "reply": written.path.name,
        "reply_bytes": written.size,
        "records": written.counts.records,
        "bundles": written.counts.bundles,
        "arrived_visits": imported.holdings.arrived,
        "waiting_bundles": bundles,
        "arrived_on": today_utc().isoformat(),
        "db_bytes": (folder / "coordinator" / "vault.db").stat().st_size,
        "field_db_bytes": (folder / "field-arrived" / "vault.db").stat().st_size,
    }


def _raw_payload(conn: sqlcipher3.Connection, device_id: str) -> dict[str, Any]:
    """What a reply carries, read with the same SELECTs on a bare connection."""
    bundles = conn.execute(
        "SELECT seq, bundle_sha256 FROM sync_incoming WHERE device_id = ?", (device_id,)
    ).fetchall()
    records = {
        kind: conn.execute(
            f"SELECT uuid, sync_revision FROM {table}"
            " WHERE origin_device = ? AND sync_revision IS NOT NULL",
            (device_id,),
        ).fetchall()
        for kind, table in TABLES.items()
    }
    conflicts = conn.execute(
        "SELECT record_kind, record_uuid, max(field_revision) FROM sync_conflicts"
        " WHERE device_id = ? GROUP BY record_kind, record_uuid",
        (device_id,),
    ).fetchall()
    followup = conn.execute(
        "SELECT f.referral_uuid, f.status, f.outcome, f.updated_at FROM referral_followup f"
        " JOIN referrals r ON r.uuid = f.referral_uuid WHERE r.origin_device = ?",
        (device_id,),
    ).fetchall()
    revoked = conn.execute(
        "SELECT device_id, revoked_at FROM sync_devices WHERE revoked_at IS NOT NULL"
    ).fetchall()
    return {
        "bundles": bundles,
        "records": {kind: rows for kind, rows in records.items() if rows},
        "conflicts": conflicts,
        "followup": followup,
        "revoked": revoked,
        "field_retention_days": 30,
    }


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _holdings(folder: Path, reps: int, state: str) -> tuple[Samples, Samples, Holdings]:
    """``ReplyStore.holdings`` on the vault in ``folder`` against the raw aggregate on a bare
    connection to the same file, after checking both give the same answer."""
    raw = open_raw(folder / "vault.db", bytes(vault_dek(folder)))
    vault = Vault.unlock(folder, PASSPHRASE)
    try:
        store = ReplyStore(vault)
        found = store.holdings()

        def raw_answer() -> tuple[Any, ...]:
            cursor = raw.execute(RAW_EXPORT_CURSOR).fetchone()[0]
            return tuple(raw.execute(RAW_HOLDINGS, {"cursor": cursor}).fetchone())

        expected = (
            found.arrived,
            found.waiting,
            found.unsent,
            found.oldest_waiting,
            found.oldest_arrival,
        )
        assert raw_answer() == expected, (raw_answer(), found)
        progress(f"reply: holdings, records {state}: {reps} reps each")
        ours, theirs = interleave(
            lambda: elapsed(store.holdings),
            lambda: elapsed(raw_answer),
            reps,
            label=f"reply_holdings_{state}",
        )
        return ours, theirs, found
    finally:
        vault.lock()
        raw.close()


def bench_reply(ctx: Context) -> list[Result]:
    rows = ctx.sizes.bulk_rows
    source, manifest = ctx.cache.get(
        "reply", f"{rows}-v{DATA_VERSION}", lambda folder: build_reply_vaults(folder, rows)
    )
    ctx.builds["reply_vaults"] = manifest
    device_id = manifest["device_id"]
    records = manifest["records"]
    label = f"{records // 1000}k" if records >= 1000 else str(records)
    progress(f"reply: {records} records from one device ({manifest['bundles']} bundle)")
    base = ctx.work / "reply"
    base.mkdir()
    reply_path = base / manifest["reply"]
    shutil.copyfile(source / "stick" / manifest["reply"], reply_path)
    numbers = itertools.count()
    identity = x25519.Identity.generate()
    recipient = identity.to_public()

    # -- (a) the coordinator writes ------------------------------------------------------
    raw_coordinator = copy_folder(source / "coordinator", base / "coordinator-raw")
    coordinator_dek = bytes(vault_dek(raw_coordinator))

    def write_once() -> float:
        folder = copy_folder(source / "coordinator", base / f"coordinator-{next(numbers)}")
        out = base / f"out-{next(numbers)}"
        out.mkdir()
        vault = Vault.unlock(folder, PASSPHRASE)
        try:
            return elapsed(lambda: write_reply(vault, device_id, out))
        finally:
            vault.lock()
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)

    def raw_write_once() -> float:
        conn = open_raw(raw_coordinator / "vault.db", coordinator_dek)
        target = base / f"raw-{next(numbers)}.age"
        try:
            started = time.perf_counter()
            payload = msgspec.json.encode(_raw_payload(conn, device_id))
            _write_synced(target, pyrage.encrypt(payload, [recipient]))
            return time.perf_counter() - started
        finally:
            conn.close()
            target.unlink(missing_ok=True)

    reps = max(5, ctx.sizes.bulk_reps)
    warmup = 1 if rows <= 20_000 else 0
    progress(f"reply write, {records} records: {reps} reps each")
    wrote, raw_wrote = interleave(write_once, raw_write_once, reps, warmup=warmup, collect=True)

    # -- (b) the device imports ----------------------------------------------------------
    conn = open_raw(raw_coordinator / "vault.db", coordinator_dek)
    try:
        raw_plaintext = msgspec.json.encode(_raw_payload(conn, device_id))
    finally:
        conn.close()
    raw_reply = base / "reply-raw.age"
    _write_synced(raw_reply, pyrage.encrypt(raw_plaintext, [recipient]))
    shutil.rmtree(raw_coordinator, ignore_errors=True)
    at = "2026-12-07T09:00:00Z"

    def import_once() -> float:
        folder = copy_folder(source / "field", base / f"field-{next(numbers)}")
        vault = Vault.unlock(folder, PASSPHRASE)
        try:
            started = time.perf_counter()
            report = import_reply(vault, reply_path)
            took = time.perf_counter() - started
            assert report.status == "imported" and report.arrived_now == records, report
            return took
        finally:
            vault.lock()
            shutil.rmtree(folder, ignore_errors=True)

    def raw_import_once() -> float:
        path = base / f"raw-import-{next(numbers)}.db"
        conn = open_raw(path, os.urandom(32))
        try:
            conn.execute(RAW_ARRIVALS_DDL)
            started = time.perf_counter()
            payload = msgspec.json.decode(pyrage.decrypt(raw_reply.read_bytes(), [identity]))
            arrivals = [
                (uuid, kind, revision, at)
                for kind, pairs in payload["records"].items()
                for uuid, revision in pairs
            ]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(RAW_ARRIVALS_INSERT, arrivals)
            conn.execute("COMMIT")
            took = time.perf_counter() - started
            assert len(arrivals) == records
            return took
        finally:
            conn.close()
            remove_database(path)

    progress(f"reply import, {records} records: {reps} reps each")
    imported, raw_imported = interleave(
        import_once, raw_import_once, reps, warmup=warmup, collect=True
    )

    # -- (c) what the device asks of its vault afterwards (read only) --------------------
    read_reps = max(5, ctx.sizes.page_reps // 5)
    waiting_folder = copy_folder(source / "field-waiting", base / "field-waiting")
    held_waiting, raw_held_waiting, waiting = _holdings(waiting_folder, read_reps, "waiting")
    assert waiting.arrived == 0 and waiting.waiting == manifest["arrived_visits"], waiting
    field = copy_folder(source / "field-arrived", base / "field-arrived")
    held, raw_held, found = _holdings(field, read_reps, "arrived")
    assert found.arrived == manifest["arrived_visits"], found
    raw = open_raw(field / "vault.db", bytes(vault_dek(field)))
    vault = Vault.unlock(field, PASSPHRASE)
    try:
        days = load_policy(vault).days["field_arrived"]
        arrived_on = date.fromisoformat(manifest["arrived_on"])
        today = arrived_on + timedelta(days=days + 1)  # every arrived visit is due
        cutoff = {"cutoff": (today - timedelta(days=days)).isoformat()}
        plan = plan_purge(vault, today)
        raw_plan = dict(raw.execute(RAW_PURGE_PLAN, cutoff).fetchall())
        purge_counts = {kind: plan.total(kind) for kind in raw_plan}
        assert purge_counts == raw_plan, (purge_counts, raw_plan)

        def purge_plan() -> float:
            return elapsed(lambda: plan_purge(vault, today))

        def raw_purge_plan() -> float:
            return elapsed(lambda: raw.execute(RAW_PURGE_PLAN, cutoff).fetchall())

        progress(f"reply: retention dry run, {records} records: {read_reps} reps each")
        planned, raw_planned = interleave(
            purge_plan, raw_purge_plan, read_reps, label="reply_plan_purge"
        )

        # At every opening the desktop lets a field device forget what is due; on the day of
        # the reply nothing is (raw: the same plain SQL, finding nothing).
        nothing = {"cutoff": (arrived_on - timedelta(days=days)).isoformat()}
        assert forget_arrived(vault, arrived_on).total("visit") == 0
        assert not raw.execute(RAW_PURGE_PLAN, nothing).fetchall()

        def opening() -> float:
            return elapsed(lambda: forget_arrived(vault, arrived_on))

        def raw_opening() -> float:
            return elapsed(lambda: raw.execute(RAW_PURGE_PLAN, nothing).fetchall())

        progress(f"reply: forgetting at opening, {records} records: {read_reps} reps each")
        opened, raw_opened = interleave(opening, raw_opening, read_reps, label="reply_forget")
    finally:
        vault.lock()
        raw.close()
        shutil.rmtree(base, ignore_errors=True)

    details = {
        "records": records,
        "observations": manifest["observations"],
        "reply_bytes": manifest["reply_bytes"],
        "raw_payload_bytes": len(raw_plaintext),
        "holdings": {"arrived": found.arrived, "waiting": found.waiting, "unsent": found.unsent},
        "waiting_bundles": manifest["waiting_bundles"],
        "purge_counts": purge_counts,
        "also": "1 site + 1 visit + 1 person per 100 observations, all from one bundle;"
        " the import's figure includes the holdings its report shows",
    }
    return [
        Result(
            key="reply_write",
            operation=f"reply for {label} records, written (write_reply)",
            ours=wrote,
            raw=raw_wrote,
            target=f"≤ {WRITE_MAX_RATIO:g}×",
            max_ratio=WRITE_MAX_RATIO,
            details=details,
        ),
        Result(
            key="reply_import",
            operation=f"reply for {label} records, imported (import_reply)",
            ours=imported,
            raw=raw_imported,
            target=f"≤ {IMPORT_MAX_RATIO:g}×",
            max_ratio=IMPORT_MAX_RATIO,
            details=details,
        ),
        Result(
            key="reply_holdings",
            operation=f"holdings of a field device, {label} records arrived",
            ours=held,
            raw=raw_held,
            target=f"≤ {HOLDINGS_MAX_RATIO:g}×",
            max_ratio=HOLDINGS_MAX_RATIO,
            details=details,
        ),
        Result(
            key="reply_holdings_waiting",
            operation=f"holdings of a field device, {label} records waiting"
            f" in {manifest['waiting_bundles']} bundles",
            ours=held_waiting,
            raw=raw_held_waiting,
            target=f"≤ {HOLDINGS_MAX_RATIO:g}×",
            max_ratio=HOLDINGS_MAX_RATIO,
            details=details,
        ),
        Result(
            key="reply_plan_purge",
            operation=f"retention dry run, {label} arrived records due (plan_purge)",
            ours=planned,
            raw=raw_planned,
            target="(ratio reported; no target set)",
            details=details,
        ),
        Result(
            key="reply_forget_at_open",
            operation=f"field vault opened, forgetting what is due, none of {label} records",
            ours=opened,
            raw=raw_opened,
            target=f"≤ {OPENING_LIMIT_S * 1000:.0f} ms (each opening)",
            limit_seconds=OPENING_LIMIT_S,
            details=details,
        ),
    ]
