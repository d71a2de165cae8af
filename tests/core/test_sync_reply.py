"""Replies (issue 16): the coordinator answers each device, the device forgets what arrived.

The round trip (export, import, reply, import the reply, erase) with sentinel text gone from
every decrypted page of the field vault and its WAL; work not confirmed, edited after its
bundle, or never sent kept; tampered, replayed, foreign, out-of-order and forged replies
refused with the field vault unchanged; the command line of both sides."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from fieldapp import followup, reply
from fieldapp.catalogue import loader
from fieldapp.catalogue.loader import (
    available_versions,
    latest_version,
    load_catalogue,
)
from fieldapp.demo import demo_visits
from fieldapp.domain import Address, Evidence, ObservationStatus, PersonRole, Sector
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.retention.policy import load_policy, save_policy
from fieldapp.retention.purge import forget_arrived, plan_purge, run_purge, today_utc
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import cards, keys
from fieldapp.sync.canonical import canonical_bytes
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support import PASSPHRASE, ROOT, run_cli
from tests.support.replies import Pair, corrected_catalogue, paired
from tests.support.stats import indicator_for
from tests.support.sync import enrol, make_field, table_dump
from tests.support.vault import plaintext_pages, tables_holding, text_variants

STEM = "qzxreplysentinel"  # in every text of the visits that arrive and go
KEEP = "wvkeepreply"  # in the work that must stay


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with paired(tmp_path) as made:
        yield made


def _visit(text: str, *, name: str = "Kwekerij De Hoek") -> NewVisit:
    """A greenhouse visit of today: its own rule keeps it for years, so only field retention
    can erase it."""
    return NewVisit(
        site=SiteInput(name=f"{name} {text}", sector=Sector.AGRICULTURE, municipality="Westland"),
        visit=VisitInput(started_at=today_utc().isoformat() + "T08:00:00Z", notes=f"Kas {text}"),
        persons=(
            (
                "A",
                PersonInput(
                    "A", role=PersonRole.POSSIBLE_VICTIM, notes=f"Vertelt over {text} en schuld"
                ),
            ),
        ),
        observations=(
            ObservationInput(
                indicator_for("labour"),
                ObservationStatus.OBSERVED,
                Evidence.SEEN,
                note=f"Paspoort {text} ingehouden",
                person_ref="A",
            ),
        ),
    )


def _referral(field: Vault, visit: str) -> str:
    store = Store(field)
    person = store.visit_detail(visit).persons[0].meta.uuid
    made = store.add_referral(
        visit,
        (person,),
        "nla",
        document=f"%PDF-1.7 {STEM}referral".encode(),
        document_id="FA-REPLY0001",
        content_hash="0" * 64,
        lang="nl",
        urgency="normal",
    )
    return made.meta.uuid


# -- the round trip ------------------------------------------------------------------------


def test_arrived_work_is_forgotten_after_the_field_retention_and_nothing_else(
    pair: Pair,
) -> None:
    field = pair.field
    store = Store(field)
    gone = store.record_visit(_visit(STEM))
    referral = _referral(field, gone)
    edited = store.record_visit(_visit(KEEP, name="Nagelsalon"))
    pair.send()
    store.update_visit(edited, notes=f"Na de export {KEEP} gewijzigd")
    unsent = store.record_visit(_visit(KEEP, name="Autowasstraat"))
    coordinator = pair.coordinator.vault
    followup.update(coordinator, referral, status="investigating")

    path = pair.reply()
    assert STEM.encode() not in path.read_bytes()  # encrypted to the device
    report = reply.import_reply(field, path)
    assert report.status == "imported" and report.acknowledged_through == 1
    holdings = ReplyStore(field).holdings()
    assert (holdings.arrived, holdings.waiting, holdings.unsent) == (1, 0, 2)
    # The referral's follow-up reached the device.
    status = field.conn.execute(
        "SELECT status FROM referral_followup WHERE referral_uuid = ?", (referral,)
    ).fetchone()
    assert status == ("investigating",)

    today = today_utc()
    assert plan_purge(field, today + timedelta(days=29)).empty  # not yet
    plan = plan_purge(field, today + timedelta(days=31))
    assert plan.visits["field_arrived"] == (gone,)
    assert plan.total("visit") == 1 and plan.total("referral") == 1
    field.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    before = plaintext_pages(field).lower()
    assert STEM.encode() in before and KEEP.encode() in before  # the pages are readable

    run_purge(field, plan)
    after = plaintext_pages(field)
    for variant in text_variants(STEM):
        assert variant not in after and variant not in after.lower()
    assert tables_holding(field, STEM) == []
    assert KEEP.encode() in after.lower()
    left = {uuid for (uuid,) in field.conn.execute("SELECT uuid FROM visits")}
    assert left == {edited, unsent}
    assert store.visit_detail(edited).visit.notes == f"Na de export {KEEP} gewijzigd"
    assert field.conn.execute("SELECT count(*) FROM sync_arrivals").fetchone()[0] > 0
    assert field.check().ok
    # The coordinator still holds everything.
    assert Store(coordinator).visit_detail(gone).visit.notes == f"Kas {STEM}"


def test_work_not_confirmed_is_never_erased_by_the_field_rule(pair: Pair) -> None:
    field = pair.field
    Store(field).record_visit(_visit(KEEP))
    Store(field).record_visit(_visit(KEEP, name="Bouwplaats"))
    first = pair.export()  # sent, imported later
    Store(field).record_visit(_visit(KEEP, name="Autowasstraat"))
    pair.export()  # sent, lost on the way: no reply confirms it
    assert plan_purge(field, today_utc() + timedelta(days=400)).visits["field_arrived"] == ()
    holdings = ReplyStore(field).holdings()
    assert (holdings.arrived, holdings.waiting, holdings.unsent) == (0, 3, 0)
    assert holdings.oldest_waiting is not None
    import_file(pair.coordinator.vault, first)
    reply.import_reply(field, pair.reply())
    holdings = ReplyStore(field).holdings()
    assert (holdings.arrived, holdings.waiting) == (2, 1)
    plan = plan_purge(field, today_utc() + timedelta(days=31))
    assert len(plan.visits["field_arrived"]) == 2
    run_purge(field, plan)
    assert ReplyStore(field).holdings().waiting == 1
    assert field.conn.execute("SELECT count(*) FROM visits").fetchone() == (1,)


def test_an_edit_after_the_bundle_waits_for_the_next_reply(pair: Pair) -> None:
    field = pair.field
    store = Store(field)
    visit = store.record_visit(_visit(KEEP))
    pair.send()
    store.update_visit(visit, notes="later gewijzigd")
    reply.import_reply(field, pair.reply())
    assert ReplyStore(field).holdings().arrived == 0
    assert plan_purge(field, today_utc() + timedelta(days=31)).visits["field_arrived"] == ()
    pair.send()
    reply.import_reply(field, pair.reply())
    assert ReplyStore(field).holdings().arrived == 1
    assert plan_purge(field, today_utc() + timedelta(days=31)).visits["field_arrived"] == (visit,)


def test_the_field_retention_is_the_coordinators_and_travels_in_every_reply(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    save_policy(pair.coordinator.vault, {"field_arrived": 7})
    reply.import_reply(pair.field, pair.reply())
    assert load_policy(pair.field).days["field_arrived"] == 7
    assert plan_purge(pair.field, today_utc() + timedelta(days=8)).total("visit") == 1


def test_a_lost_reply_is_made_good_by_the_next(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    pair.reply()  # lost on the way
    Store(pair.field).record_visit(_visit(KEEP, name="Bouwplaats"))
    pair.send()
    report = reply.import_reply(pair.field, pair.reply())
    assert report.seq == 2 and report.acknowledged_through == 2
    assert ReplyStore(pair.field).holdings().arrived == 2


# -- refused, the vault unchanged ---------------------------------------------------------------


def _refused(field: Vault, path: Path, *reasons: str) -> None:
    """Refused for one of ``reasons``, with a message in both languages, nothing written."""
    before = table_dump(field)
    with pytest.raises(reply.ReplyRejected) as refused:
        reply.import_reply(field, path)
    assert refused.value.key.removeprefix("sync.reply.reject.") in reasons, refused.value.key
    assert refused.value.message() and refused.value.message("en")
    assert table_dump(field) == before


def test_the_same_reply_twice_changes_nothing(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    path = pair.reply()
    reply.import_reply(pair.field, path)
    before = table_dump(pair.field)
    assert reply.import_reply(pair.field, path).status == "duplicate"
    assert table_dump(pair.field) == before


def test_an_older_reply_is_refused(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    first = pair.reply()
    second = pair.reply()
    reply.import_reply(pair.field, second)
    _refused(pair.field, first, "older")


@pytest.mark.parametrize(
    ("where", "reason"),
    # A changed recipient stanza no longer opens with the device's key: "not for this device
    # (or its header is damaged)", as for bundles; a changed MAC or nonce: damaged.
    [("header", ("not_for_us", "damaged")), ("body", ("damaged",)), ("end", ("damaged",))],
)
def test_a_tampered_reply_is_refused(pair: Pair, where: str, reason: tuple[str, ...]) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    path = pair.reply()
    data = bytearray(path.read_bytes())
    offset = {"header": 40, "body": len(data) // 2, "end": len(data) - 1}[where]
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    _refused(pair.field, path, *reason)


def test_a_truncated_or_foreign_file_is_refused(pair: Pair, tmp_path: Path) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    path = pair.reply()
    path.write_bytes(path.read_bytes()[:-100])
    _refused(pair.field, path, "damaged")
    other = tmp_path / "notes.far"
    other.write_bytes(b"just some text, no age file\n")
    _refused(pair.field, other, "format")


def test_a_reply_for_another_device_is_refused(pair: Pair, tmp_path: Path) -> None:
    second = pair.colleague(tmp_path / "second", _visit(KEEP))
    try:
        theirs = reply.write_reply(pair.coordinator.vault, second.info.device_id, pair.stick)
        Store(pair.field).record_visit(_visit(KEEP))
        pair.send()
        _refused(pair.field, theirs.path, "not_for_us")
    finally:
        second.lock()


# -- forged by hand: what a stolen reply key or a hostile coordinator could send ------------------


def _seal(
    pair: Pair,
    *,
    payload: dict[str, Any] | None = None,
    manifest_changes: dict[str, Any] | None = None,
    signing: Ed25519PrivateKey | None = None,
) -> Path:
    """A reply made by hand, encrypted to the device's real reply key."""
    field = pair.field
    own = keys.own_keys(pair.coordinator.vault)
    recipient = keys.reply_recipient(field)
    assert recipient is not None
    exported = ReplyStore(field).exported_bundles()
    body = {
        "bundles": [[seq, sha] for seq, sha in sorted(exported.items())],
        "records": {},
        "followup": [],
        "revoked": [],
        "field_retention_days": 30,
        **(payload or {}),
    }
    raw = json.dumps(body).encode()
    manifest = {
        "format": reply.FORMAT,
        "reply_id": "01a00000-0000-7000-8000-0000000000aa",
        "coordinator": own.fingerprint,
        "device_id": field.info.device_id,
        "seq": 5,
        "created_utc": "2026-12-01T10:00:00Z",
        "recipient": keys.recipient_fingerprint(recipient),
        "payload_sha256": hashlib.sha256(raw).hexdigest(),
        "payload_bytes": len(raw),
        "acknowledged_through": len(body["bundles"]),
        "counts": {
            "bundles": len(body["bundles"]),
            "records": sum(len(rows) for rows in body["records"].values()),
            "followup": len(body["followup"]),
            "revoked": len(body["revoked"]),
        },
        **(manifest_changes or {}),
    }
    manifest_bytes = canonical_bytes(manifest)
    signature = (signing or own.signing).sign(reply.signed_message(manifest_bytes))
    plaintext = (
        reply.MAGIC
        + struct.pack(">I", len(manifest_bytes))
        + manifest_bytes
        + struct.pack(">I", len(raw))
        + raw
        + signature
    )
    path = pair.stick / f"forged-{hashlib.sha256(plaintext).hexdigest()[:8]}.far"
    path.write_bytes(pyrage.encrypt(plaintext, [x25519.Recipient.from_str(recipient)]))
    return path


@pytest.fixture
def sent(pair: Pair) -> Pair:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    return pair


def test_a_hand_made_reply_with_the_real_key_is_accepted(sent: Pair) -> None:
    """The forger below is right: what it changes is what each refusal is about."""
    assert reply.import_reply(sent.field, _seal(sent)).status == "imported"


def test_a_reply_signed_by_a_key_the_device_never_trusted_is_refused(sent: Pair) -> None:
    stranger = Ed25519PrivateKey.generate()
    _refused(
        sent.field,
        _seal(sent, signing=stranger, manifest_changes={"coordinator": "1" * 5 + " 00000" * 11}),
        "untrusted_coordinator",
    )
    _refused(sent.field, _seal(sent, signing=stranger), "bad_signature")


def test_a_reply_naming_another_device_is_refused(sent: Pair) -> None:
    other = "01a00000-0000-7000-8000-0000000000bb"
    _refused(sent.field, _seal(sent, manifest_changes={"device_id": other}), "other_device")


def test_a_reply_confirming_a_bundle_the_device_never_made_is_refused(sent: Pair) -> None:
    forged = {"bundles": [[1, "ab" * 32]]}
    _refused(sent.field, _seal(sent, payload=forged), "unknown_bundle")


def test_another_reply_under_a_number_already_imported_is_refused(sent: Pair) -> None:
    reply.import_reply(sent.field, _seal(sent))
    _refused(sent.field, _seal(sent, payload={"field_retention_days": 12}), "seq_taken")


@pytest.mark.parametrize(
    ("payload", "manifest"),
    [
        (
            {
                "followup": [
                    ["01a00000-0000-7000-8000-0000000000cc", "lost", None, "2026-12-01T10:00:00Z"]
                ]
            },
            {},
        ),
        (
            {
                "followup": [
                    ["01a00000-0000-7000-8000-0000000000cc", "closed", None, "2026-12-01T10:00:00Z"]
                ]
            },
            {},
        ),
        ({"records": {"visit": [["not-a-uuid", 1]]}}, {}),
        ({"records": {"secrets": []}}, {}),
        ({"field_retention_days": 0}, {}),
        ({"surprise": 1}, {}),
        ({}, {"counts": {"bundles": 9, "records": 0, "followup": 0, "revoked": 0}}),
        ({}, {"acknowledged_through": 7}),
    ],
)
def test_a_reply_of_the_wrong_form_is_refused(
    sent: Pair, payload: dict[str, Any], manifest: dict[str, Any]
) -> None:
    _refused(sent.field, _seal(sent, payload=payload, manifest_changes=manifest), "payload")


def test_a_manifest_of_the_wrong_form_is_refused(sent: Pair) -> None:
    _refused(sent.field, _seal(sent, manifest_changes={"seq": 0}), "manifest")
    _refused(sent.field, _seal(sent, manifest_changes={"extra": "x"}), "manifest")
    _refused(sent.field, _seal(sent, manifest_changes={"format": "other-v1"}), "format")


def test_a_reply_to_a_device_that_never_exported_is_refused(tmp_path: Path, pair: Pair) -> None:
    fresh = make_field(tmp_path / "fresh")
    try:
        cards.trust_coordinator(fresh, pair.coordinator.card_raw, pair.coordinator.card.fingerprint)
        Store(pair.field).record_visit(_visit(KEEP))
        pair.send()
        _refused(fresh, pair.reply(), "no_reply_key")
    finally:
        fresh.lock()


# -- the coordinator's side --------------------------------------------------------------------


def test_a_revoked_device_learns_it_and_so_do_the_others(pair: Pair, tmp_path: Path) -> None:
    second = pair.colleague(tmp_path / "second", _visit(KEEP))
    try:
        cards.revoke_device(pair.coordinator.vault, second.info.device_id)
        # The revoked device learns it, and what arrived (so it can forget); nothing more.
        theirs = reply.write_reply(pair.coordinator.vault, second.info.device_id, pair.stick)
        assert theirs.counts.records > 0 and theirs.counts.followup == 0
        reply.import_reply(second, theirs.path)
        assert ReplyStore(second).revoked_at(second.info.device_id) is not None
        assert ReplyStore(second).holdings().arrived == 1
        Store(pair.field).record_visit(_visit(KEEP))
        pair.send()
        reply.import_reply(pair.field, pair.reply())
        assert ReplyStore(pair.field).revoked_at(second.info.device_id) is not None
        assert ReplyStore(pair.field).revoked_at(pair.field.info.device_id) is None
    finally:
        second.lock()


def test_a_failed_write_leaves_no_reply_behind(pair: Pair, monkeypatch) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()

    def full_disk(*_: Any, **__: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reply, "write_atomic", full_disk)
    with pytest.raises(OSError):
        pair.reply()
    assert list(pair.stick.glob("*.far")) == []
    assert ReplyStore(pair.coordinator.vault).replies_to(pair.field.info.device_id) == []
    monkeypatch.undo()
    assert reply.import_reply(pair.field, pair.reply()).seq == 1


def test_a_reply_confirms_each_record_in_the_revision_the_coordinator_holds(pair: Pair) -> None:
    store = Store(pair.field)
    visit = store.record_visit(_visit(KEEP))
    pair.send()
    store.update_visit(visit, notes="tweede versie")
    pair.send()
    written = reply.write_reply(pair.coordinator.vault, pair.field.info.device_id, pair.stick)
    assert written.acknowledged_through == 2
    records = ReplyStore(pair.coordinator.vault).records_from(pair.field.info.device_id)
    local = dict(pair.field.conn.execute("SELECT uuid, revision FROM visits").fetchall())
    assert dict(records["visit"]) == local
    payload_counts = msgspec.to_builtins(written.counts)
    assert payload_counts["records"] == sum(len(rows) for rows in records.values())


# -- the command line ---------------------------------------------------------------------------


def test_the_command_line_round_trip(pair: Pair, tmp_path: Path) -> None:
    Store(pair.field).record_visit(_visit(STEM))
    bundle_path = pair.export()
    replies = tmp_path / "replies"
    replies.mkdir()
    pair.coordinator.vault.lock()
    pair.field.lock()
    coordinator = pair.coordinator.vault.folder
    field = pair.field.folder
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}

    done = run_cli(
        "--vault",
        str(coordinator),
        "sync",
        "import",
        str(bundle_path),
        "--reply-out",
        str(replies),
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["bundles"][0]["status"] == "imported"
    assert [r["status"] for r in document["replies"]] == ["written"]
    assert len(list(replies.glob("*.far"))) == 1

    status = run_cli("--vault", str(field), "sync", "status", "--json", env=env)
    before = json.loads(status.stdout)
    assert (before["arrived"], before["waiting"]) == (0, 1) and before["oldest_waiting"]
    assert before["last_reply"] is None

    imported = run_cli("--vault", str(field), "sync", "import", str(replies), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "antwoord 1 ingelezen" in imported.stdout
    status = run_cli("--vault", str(field), "sync", "status", "--json", env=env)
    after = json.loads(status.stdout)
    assert (after["arrived"], after["waiting"], after["unsent"]) == (1, 0, 0)
    assert after["last_reply"]["seq"] == 1 and after["field_retention_days"] == 30
    text = run_cli("--vault", str(field), "sync", "status", env=env).stdout
    assert "1 bezoek bevestigd als aangekomen" in text

    plan = run_cli("--vault", str(field), "retention", "run", "--dry-run", "--json", env=env)
    assert json.loads(plan.stdout)["policy"]["field_arrived"] == 30

    again = run_cli(
        "--vault",
        str(coordinator),
        "sync",
        "reply",
        "--device",
        after["device_id"][-8:],
        "--out",
        str(replies),
        env=env,
    )
    assert again.returncode == 0, again.stderr
    assert "Antwoord 2" in again.stdout

    wrong = run_cli(
        "--vault",
        str(field),
        "sync",
        "import",
        str(replies),
        "--reply-out",
        str(replies),
        env=env,
    )
    assert wrong.returncode == 2 and "--reply-out" in wrong.stderr
    assert "Traceback" not in wrong.stderr


# -- catalogue publishing ------------------------------------------------------------------------


def test_a_published_catalogue_reaches_the_device_and_stays_readable(
    pair: Pair, tmp_path: Path
) -> None:
    shipped = latest_version()
    # Recorded before the coordinator publishes (both vaults share this process, and with it
    # the versions they registered).
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    content_hash = reply.publish_catalogue(
        pair.coordinator.vault, "2026.9", corrected_catalogue(tmp_path / "2026.9")
    )
    report = reply.import_reply(pair.field, pair.reply())
    assert report.installed_catalogue == "2026.9"
    pair.field.register_catalogues()  # what the command line and the desktop do next
    assert pair.field.catalogues == ["2026.9"]
    assert latest_version() == "2026.9"
    assert load_catalogue("2026.9").content_hash == content_hash
    # New observations use it; the coordinator reads them (it holds the version it published).
    visit = Store(pair.field).record_visit(_visit(KEEP, name="Bouwplaats"))
    versions = pair.field.conn.execute(
        "SELECT DISTINCT catalogue_version FROM observations WHERE visit_uuid = ?", (visit,)
    ).fetchall()
    assert versions == [("2026.9",)]
    pair.send()
    # Old observations keep their version.
    assert ("2026.2",) in pair.field.conn.execute(
        "SELECT DISTINCT catalogue_version FROM observations"
    ).fetchall()
    # The vault keeps it across a lock: gone from the process while locked, back at unlock.
    folder = pair.field.folder
    pair.field.lock()
    pair.coordinator.vault.lock()
    assert "2026.9" not in available_versions() and latest_version() == shipped
    pair.field = Vault.unlock(folder, PASSPHRASE)
    assert "2026.9" in available_versions()
    pair.coordinator.vault = Vault.unlock(pair.coordinator.vault.folder, PASSPHRASE)
    # The same reply again changes nothing; the version is not installed twice.
    assert reply.import_reply(pair.field, pair.reply()).status == "imported"
    count = pair.field.conn.execute("SELECT count(*) FROM catalogue_installed").fetchone()
    assert count == (1,)


def test_a_released_version_never_changes(pair: Pair, tmp_path: Path) -> None:
    with pytest.raises(reply.ReplyError) as refused:
        reply.publish_catalogue(
            pair.coordinator.vault, "2026.2", corrected_catalogue(tmp_path / "c", "2026.2")
        )
    assert refused.value.key == "sync.reply.catalogue_changed"
    with pytest.raises(reply.ReplyError) as unknown:
        reply.publish_catalogue(pair.coordinator.vault, "2031.1")
    assert unknown.value.key == "sync.reply.catalogue_unknown"
    assert reply.publish_catalogue(pair.coordinator.vault, "2026.2")  # shipped: fine


def _catalogue_payload(folder: Path, version: str, content_hash: str | None = None) -> dict:
    files = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.json")}
    digest = content_hash or loader.check_catalogue(version, files).content_hash
    return {"catalogue": {"version": version, "content_hash": digest, "files": files}}


def test_a_reply_with_a_bad_catalogue_is_refused(sent: Pair, tmp_path: Path) -> None:
    good = corrected_catalogue(tmp_path / "good")
    _refused(
        sent.field, _seal(sent, payload=_catalogue_payload(good, "2026.9", "ab" * 32)), "payload"
    )
    other = corrected_catalogue(tmp_path / "changed", "2026.2")
    _refused(
        sent.field, _seal(sent, payload=_catalogue_payload(other, "2026.2", "ab" * 32)), "payload"
    )
    changed = _catalogue_payload(other, "2026.2")
    _refused(sent.field, _seal(sent, payload=changed), "catalogue_changed")
    broken = corrected_catalogue(tmp_path / "broken")
    (broken / "rules.json").write_text("{}", encoding="utf-8")
    files = {path.name: path.read_text(encoding="utf-8") for path in broken.glob("*.json")}
    payload = {"catalogue": {"version": "2026.9", "content_hash": "ab" * 32, "files": files}}
    _refused(sent.field, _seal(sent, payload=payload), "catalogue")
    assert "2026.9" not in available_versions()


def test_the_command_line_publishes_and_writes_replies(pair: Pair, tmp_path: Path) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    pair.coordinator.vault.lock()
    folder = pair.coordinator.vault.folder
    out = tmp_path / "out"
    out.mkdir()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    source = corrected_catalogue(tmp_path / "2026.9")
    done = run_cli(
        "--vault", str(folder), "catalogue", "publish", "2026.9", "--from", str(source),
        "--out", str(out), env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Signalenlijst 2026.9 gepubliceerd" in done.stdout
    assert len(list(out.glob("*.far"))) == 1
    wrong = run_cli("--vault", str(folder), "catalogue", "publish", "2040.1", env=env)
    assert wrong.returncode == 1 and "2040.1" in wrong.stderr and "Traceback" not in wrong.stderr
    pair.coordinator.vault = Vault.unlock(folder, PASSPHRASE)
    reply.import_reply(pair.field, next(out.glob("*.far")))
    assert "2026.9" in available_versions()


# -- coordinator key renewal ---------------------------------------------------------------------


def _trusted(field: Vault) -> str:
    trusted = SyncStore(field).trusted_coordinator()
    assert trusted is not None
    return trusted.fingerprint


def test_devices_move_to_renewed_keys_without_a_new_enrolment(pair: Pair, tmp_path: Path) -> None:
    coordinator = pair.coordinator.vault
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    old, new = cards.renew_coordinator_keys(coordinator)
    assert old != new and keys.own_keys(coordinator).fingerprint == new
    assert _trusted(pair.field) == old
    # A bundle the device makes before it hears of the renewal still imports (old key).
    Store(pair.field).record_visit(_visit(KEEP, name="Bouwplaats"))
    pair.send()
    # Its reply is signed with the key it trusts and carries the new card: it moves.
    path = pair.reply()
    report = reply.import_reply(pair.field, path)
    assert report.status == "imported" and _trusted(pair.field) == new
    trusted = SyncStore(pair.field).trusted_coordinator()
    assert trusted is not None and trusted.enrolled_at is not None  # still enrolled
    # Its next bundle goes to the new key and says so; replies are then signed with it.
    Store(pair.field).record_visit(_visit(KEEP, name="Nagelsalon"))
    exported = export_bundle(pair.field, pair.stick)
    assert exported is not None
    assert import_file(coordinator, exported.path).status == "imported"
    device = SyncStore(coordinator).device(pair.field.info.device_id)
    assert device is not None and device.coordinator_fingerprint == new
    assert reply.import_reply(pair.field, pair.reply()).status == "imported"
    assert ReplyStore(pair.field).holdings().arrived == 3


def test_a_reply_written_before_the_coordinator_saw_the_move_is_accepted(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    _, new = cards.renew_coordinator_keys(pair.coordinator.vault)
    first, second = pair.reply(), pair.reply()  # both signed with the old key
    reply.import_reply(pair.field, first)
    assert _trusted(pair.field) == new
    assert reply.import_reply(pair.field, second).status == "imported"
    assert _trusted(pair.field) == new


def test_two_renewals_are_followed_in_one_reply(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    cards.renew_coordinator_keys(pair.coordinator.vault)
    _, newest = cards.renew_coordinator_keys(pair.coordinator.vault)
    reply.import_reply(pair.field, pair.reply())
    assert _trusted(pair.field) == newest


def test_a_forged_renewal_is_refused(sent: Pair) -> None:
    stranger = Ed25519PrivateKey.generate()
    identity = x25519.Identity.generate()
    trusted = cards.trusted_card(sent.field)
    card = cards.Card(
        coordinator_id=trusted.coordinator_id,
        signing_key=keys.public_hex(stranger),
        age_recipient=str(identity.to_public()),
        recovery_recipient=trusted.recovery_recipient,
        created_utc="2026-12-01T10:00:00Z",
    )
    text = cards.card_bytes(card).decode().strip()
    signed_by_stranger = stranger.sign(cards.renewal_message(text)).hex()
    payload = {"renewals": [[text, signed_by_stranger]]}
    _refused(sent.field, _seal(sent, payload=payload), "renewal")
    # Signed by the real key, but for another coordinator: refused as well.
    other = cards.Card(
        coordinator_id="01a00000-0000-7000-8000-0000000000dd",
        signing_key=card.signing_key,
        age_recipient=card.age_recipient,
        recovery_recipient=card.recovery_recipient,
        created_utc=card.created_utc,
    )
    other_text = cards.card_bytes(other).decode().strip()
    real = keys.own_keys(sent.coordinator.vault).signing
    payload = {"renewals": [[other_text, real.sign(cards.renewal_message(other_text)).hex()]]}
    _refused(sent.field, _seal(sent, payload=payload), "renewal")
    assert _trusted(sent.field) == trusted.fingerprint


def test_the_command_line_renews_the_keys(pair: Pair) -> None:
    folder = pair.coordinator.vault.folder
    pair.coordinator.vault.lock()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    done = run_cli("--vault", str(folder), "enrol", "renew-key", "--json", env=env)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["fingerprint"] != document["old_fingerprint"]
    text = run_cli("--vault", str(pair.field.folder), "enrol", "renew-key", env=env)
    assert text.returncode == 1 and "Traceback" not in text.stderr  # a field vault cannot
    pair.coordinator.vault = Vault.unlock(folder, PASSPHRASE)


# -- known sites ---------------------------------------------------------------------------------


def _site_visit(name: str, sector: Sector, municipality: str, kvk: str | None) -> NewVisit:
    return NewVisit(
        site=SiteInput(
            name=name,
            sector=sector,
            municipality=municipality,
            kvk=kvk,
            address=Address(street="Kasweg", number="4", postcode="2671 AB", place="Naaldwijk"),
        ),
        visit=VisitInput(started_at=today_utc().isoformat() + "T08:00:00Z"),
    )


def test_a_reply_brings_the_registered_businesses_of_the_devices_region(
    pair: Pair, tmp_path: Path
) -> None:
    """Westland and Den Haag share a RIEC region (Den Haag); Groningen does not. A host
    family and an unlicensed address never travel, nor a site without a KvK number."""
    second = make_field(tmp_path / "second")
    try:
        enrol(second, pair.coordinator, inspector="Inspecteur 12")
        other = Store(second)
        other.record_visit(
            _site_visit("Nagelstudio Lotus", Sector.NAIL_BEAUTY, "Den Haag", "11223344")
        )
        other.record_visit(_site_visit("Gastgezin", Sector.DOMESTIC_WORK, "Den Haag", "22334455"))
        other.record_visit(
            _site_visit("Flat Laan", Sector.SEX_WORK_UNLICENSED, "Den Haag", "33445566")
        )
        other.record_visit(_site_visit("Bakkerij Noord", Sector.OTHER, "Groningen", "44556677"))
        other.record_visit(_site_visit("Schoonmaak zonder KvK", Sector.CLEANING, "Den Haag", None))
        result = export_bundle(second, pair.stick)
        assert result is not None
        import_file(pair.coordinator.vault, result.path)
    finally:
        second.lock()
    Store(pair.field).record_visit(
        _site_visit("Kwekerij De Hoek", Sector.AGRICULTURE, "Westland", "55667788")
    )
    pair.send()
    reply.import_reply(pair.field, pair.reply())
    store = ReplyStore(pair.field)
    assert store.known_site_count() == 2
    assert [site.name for site in store.find_known_sites("nagel")] == ["Nagelstudio Lotus"]
    assert [site.name for site in store.find_known_sites("De Hoek")] == ["Kwekerij De Hoek"]
    assert [site.name for site in store.find_known_sites("11223344")] == ["Nagelstudio Lotus"]
    assert len(store.find_known_sites("2671ab")) == 2
    assert store.find_known_sites("x") == []  # one character finds nothing


def test_known_sites_of_the_wrong_form_are_refused(sent: Pair) -> None:
    site = ["Kwekerij", "55667788", None, None, None, None, "Westland", "agriculture"]
    _refused(sent.field, _seal(sent, payload={"known_sites": [[*site[:7], "spa"]]}), "payload")
    private = {"known_sites": [[*site[:7], "domestic_work"]]}  # a host family: never
    _refused(sent.field, _seal(sent, payload=private), "payload")
    _refused(
        sent.field, _seal(sent, payload={"known_sites": [["Kwe\x1bkerij", *site[1:]]]}), "payload"
    )
    _refused(
        sent.field, _seal(sent, payload={"known_sites": [[site[0], "123", *site[2:]]]}), "payload"
    )
    assert (
        reply.import_reply(sent.field, _seal(sent, payload={"known_sites": [site]})).status
        == "imported"
    )


# -- forgetting by itself ------------------------------------------------------------------------


def test_forgetting_erases_only_what_arrived_and_writes_nothing_when_nothing_is_due(
    pair: Pair,
) -> None:
    store = Store(pair.field)
    arrived = store.record_visit(_visit(STEM))
    pair.send()
    reply.import_reply(pair.field, pair.reply())
    kept = store.record_visit(_visit(KEEP, name="Autowasstraat"))
    before = table_dump(pair.field)
    assert forget_arrived(pair.field).total("visit") == 0  # not yet past 30 days
    assert table_dump(pair.field) == before  # and nothing written, not even a log line
    result = forget_arrived(pair.field, today_utc() + timedelta(days=31))
    assert result.total("visit") == 1
    left = {uuid for (uuid,) in pair.field.conn.execute("SELECT uuid FROM visits")}
    assert left == {kept} and arrived not in left
    # A coordinator never forgets this way.
    assert forget_arrived(pair.coordinator.vault, today_utc() + timedelta(days=400)).counts == {}


def test_a_visit_with_a_referral_waits_after_its_export_not_unsent(pair: Pair) -> None:
    """The export marks the referral synced (one revision more): the inspector's work went
    out, so the visit is waiting for confirmation, not "not yet sent"."""
    visit = Store(pair.field).record_visit(_visit(KEEP))
    _referral(pair.field, visit)
    pair.export()
    holdings = ReplyStore(pair.field).holdings()
    assert (holdings.waiting, holdings.unsent) == (1, 0)


# -- what the fresh-eyes walk found ----------------------------------------------------------------


def test_a_revoked_device_that_moved_to_renewed_keys_still_learns_it(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    _, new = cards.renew_coordinator_keys(pair.coordinator.vault)
    moved = reply.import_reply(pair.field, pair.reply())
    assert moved.moved_to == new and _trusted(pair.field) == new
    cards.revoke_device(pair.coordinator.vault, pair.field.info.device_id)
    report = reply.import_reply(pair.field, pair.reply())  # signed with the old key, + chain
    assert report.status == "imported"
    assert ReplyStore(pair.field).revoked_at(pair.field.info.device_id) is not None


def test_files_of_the_other_kind_are_named_for_what_they_are(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    bundle_path = pair.export()
    _refused(pair.field, bundle_path, "is_bundle")
    import_file(pair.coordinator.vault, bundle_path)
    reply_path = pair.reply()
    report = import_file(pair.coordinator.vault, reply_path)
    assert report.status == "rejected" and report.rejection is not None
    assert report.rejection.key == "sync.reject.is_reply"


def test_publishing_an_older_version_than_the_newest_published_is_refused(pair: Pair) -> None:
    reply.publish_catalogue(pair.coordinator.vault, "2026.2")
    with pytest.raises(reply.ReplyError) as refused:
        reply.publish_catalogue(pair.coordinator.vault, "2026.1")
    assert refused.value.key == "sync.reply.catalogue_older"
    with pytest.raises(reply.ReplyError):
        reply.publish_catalogue(pair.coordinator.vault, "../2026.2")


def test_known_sites_lapse_when_no_reply_came_for_the_field_retention(pair: Pair) -> None:
    Store(pair.field).record_visit(
        _site_visit("Kwekerij De Hoek", Sector.AGRICULTURE, "Westland", "55667788")
    )
    pair.send()
    reply.import_reply(pair.field, pair.reply())
    store = ReplyStore(pair.field)
    assert store.known_site_count() == 1
    forget_arrived(pair.field, today_utc() + timedelta(days=10))
    assert store.known_site_count() == 1  # a recent reply: kept
    forget_arrived(pair.field, today_utc() + timedelta(days=31))
    assert store.known_site_count() == 0


def test_the_command_line_skips_a_colleagues_reply_and_an_older_one_quietly(
    pair: Pair, tmp_path: Path
) -> None:
    second = pair.colleague(tmp_path / "second", _visit(KEEP))
    try:
        folder = tmp_path / "replies"
        folder.mkdir()
        reply.write_reply(pair.coordinator.vault, second.info.device_id, folder)
    finally:
        second.lock()
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    older = reply.write_reply(pair.coordinator.vault, pair.field.info.device_id, tmp_path).path
    reply.write_reply(pair.coordinator.vault, pair.field.info.device_id, folder)
    pair.field.lock()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    field = str(pair.field.folder)
    done = run_cli("--vault", field, "sync", "import", str(folder), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "overgeslagen" in done.stdout and "ingelezen" in done.stdout
    again = run_cli("--vault", field, "sync", "import", str(older), "--json", env=env)
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["replies"][0]["status"] == "skipped"
    status = json.loads(run_cli("--vault", field, "sync", "status", "--json", env=env).stdout)
    assert status["first_erasure"] == (today_utc() + timedelta(days=31)).isoformat()
    pair.field = Vault.unlock(pair.field.folder, PASSPHRASE)


def test_the_command_line_shows_the_follow_up_a_reply_brought(pair: Pair) -> None:
    visit = Store(pair.field).record_visit(_visit(KEEP))
    referral = _referral(pair.field, visit)
    pair.send()
    followup.update(pair.coordinator.vault, referral, status="closed", outcome="victim_supported")
    reply.import_reply(pair.field, pair.reply())
    pair.field.lock()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    listed = run_cli("--vault", str(pair.field.folder), "referral", "list", env=env)
    assert "Terugkoppeling van de coördinator: afgesloten: slachtoffer geholpen" in listed.stdout
    as_json = run_cli("--vault", str(pair.field.folder), "referral", "list", "--json", env=env)
    assert json.loads(as_json.stdout)[0]["followup"]["status"] == "closed"
    pair.field = Vault.unlock(pair.field.folder, PASSPHRASE)


def test_every_single_byte_change_of_a_small_reply_is_refused(pair: Pair) -> None:
    """As for bundles: age's header MAC and STREAM tags, then the signature, leave no byte
    that can change unnoticed; the vault is the same after all of them."""
    store = Store(pair.field)
    store.record_visits(demo_visits(1, seed=5))
    pair.send()
    original = pair.reply().read_bytes()
    target = pair.stick / "flipped.far"
    before = table_dump(pair.field)
    accepted = []
    for offset in range(len(original)):
        data = bytearray(original)
        data[offset] ^= 0x40
        target.write_bytes(bytes(data))
        try:
            reply.import_reply(pair.field, target)
        except reply.ReplyRejected:
            continue
        accepted.append(offset)
    assert accepted == []
    assert table_dump(pair.field) == before
    target.write_bytes(original)
    assert reply.import_reply(pair.field, target).status == "imported"  # the original is fine


def test_the_coordinators_status_says_who_got_replies_and_who_is_behind(pair: Pair) -> None:
    Store(pair.field).record_visit(_visit(KEEP))
    pair.send()
    pair.reply()
    cards.renew_coordinator_keys(pair.coordinator.vault)
    pair.coordinator.vault.lock()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    folder = str(pair.coordinator.vault.folder)
    text = run_cli("--vault", folder, "sync", "status", env=env).stdout
    assert "1 antwoord geschreven" in text and "Vertrouwt nog een eerdere sleutel" in text
    pair.coordinator.vault = Vault.unlock(pair.coordinator.vault.folder, PASSPHRASE)


def test_unlocking_a_vault_without_installed_catalogues_loads_no_catalogue_code(
    tmp_path: Path,
) -> None:
    """Registering a coordinator's catalogues at unlock (issue 16) costs nothing when there are
    none: unlock stays light, the catalogue loads with the first visit opened."""
    folder = tmp_path / "vault"
    make_field(folder).lock()
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fieldapp.vault import Vault\n"
        f"vault = Vault.unlock(Path({str(folder)!r}), {PASSPHRASE!r})\n"
        "assert 'fieldapp.catalogue.loader' not in sys.modules, 'loaded at unlock'\n"
        "vault.lock()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
