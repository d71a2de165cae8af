"""What a coordinator's import refuses, and that a refusal writes nothing (docs/SECURITY.md 4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import bundle, cards
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import ImportContext, import_file, import_paths
from fieldapp.vault import Vault
from tests.support import PASSPHRASE
from tests.support.sync import (
    age_chunks,
    enrol,
    forge,
    frame,
    make_coordinator,
    make_field,
    table_dump,
    write_counts,
)

AGE = shutil.which("age") or "/usr/bin/age"


@pytest.fixture
def pair(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def _export(field: Vault, folder: Path, visits: int = 1, seed: int = 1) -> Path:
    Store(field).record_visits(demo_visits(visits, seed=seed))
    folder.mkdir(exist_ok=True)
    result = export_bundle(field, folder)
    assert result is not None
    return result.path


def _reason(report) -> str:
    assert report.status == "rejected", report
    return report.rejection.reason


def test_age_cli_decrypts_a_bundle_with_the_recovery_key(pair, tmp_path: Path) -> None:
    if not Path(AGE).is_file():
        pytest.skip("Debian's age CLI is not installed (.ci/run installs it)")
    coordinator, field = pair
    path = _export(field, tmp_path / "stick")
    key_file = tmp_path / "recovery.key"
    key_file.write_text(coordinator.recovery_secret + "\n")
    result = subprocess.run(
        [AGE, "--decrypt", "--identity", str(key_file), str(path)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    opened = bundle.split_plaintext(result.stdout)
    manifest = bundle.parse_manifest(opened.manifest_bytes)
    assert manifest["device_id"] == field.info.device_id
    assert manifest["seq"] == 1
    # The file name says nothing: random characters and the suffix.
    assert len(path.stem) == 26
    assert path.suffix == bundle.BUNDLE_SUFFIX


def test_every_single_byte_flip_is_refused_and_changes_nothing(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    path = _export(field, tmp_path / "stick")
    original = path.read_bytes()
    assert len(original) < 8 * 1024, "keep the exhaustive test small"
    vault = coordinator.vault
    ctx = ImportContext.from_vault(vault)
    before_dump = table_dump(vault)
    before = write_counts(vault)
    target = tmp_path / "flipped.fab"
    reasons: dict[str, int] = {}
    for position in range(len(original)):
        mutated = bytearray(original)
        mutated[position] ^= 0xFF if position % 2 else 0x01
        target.write_bytes(mutated)
        report = import_file(vault, target, ctx)
        reasons[_reason(report)] = reasons.get(_reason(report), 0) + 1
        assert write_counts(vault) == before, f"byte {position} changed the vault"
    assert table_dump(vault) == before_dump
    # The genuine bundle still imports: the refusals left nothing behind.
    assert import_file(vault, path, ctx).status == "imported"
    assert set(reasons) <= {
        "damaged",
        "not_for_us",
        "not_age",
        "bad_stanza",
        "header_too_large",
        "too_many_recipients",
    }, reasons


def test_truncation_at_chunk_boundaries_and_appended_bytes_are_refused(
    pair, tmp_path: Path
) -> None:
    coordinator, field = pair
    store = Store(field)
    visit = store.record_visit(next(demo_visits(1)))
    store.add_attachment("visit", visit, "foto.jpg", "image/jpeg", os.urandom(200_000))
    (tmp_path / "stick").mkdir()
    result = export_bundle(field, tmp_path / "stick")
    assert result is not None
    data = result.path.read_bytes()
    chunk_starts = list(age_chunks(data))
    assert len(chunk_starts) >= 4
    cuts = {*chunk_starts, *(start - 1 for start in chunk_starts), len(data) - 1, len(data) - 16}
    variants = [data[:cut] for cut in sorted(cuts)]
    variants += [data + b"\x00", data + os.urandom(16), data + data[chunk_starts[1] :]]
    vault = coordinator.vault
    before = write_counts(vault)
    target = tmp_path / "cut.fab"
    for variant in variants:
        target.write_bytes(variant)
        assert _reason(import_file(vault, target)) in {"damaged", "not_age", "bad_stanza"}
        assert write_counts(vault) == before
    assert import_file(vault, result.path).status == "imported"


def test_each_wrong_origin_has_its_own_message(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    other = make_coordinator(tmp_path / "other-coordinator")
    try:
        path = _export(field, tmp_path / "stick")
        # For another coordinator: its key does not open the bundle.
        assert _reason(import_file(other.vault, path)) == "not_for_us"

        # From a device that was never approved here.
        stranger = make_field(tmp_path / "stranger")
        cards.trust_coordinator(stranger, coordinator.card_raw, coordinator.card.fingerprint)
        SyncStore(stranger).mark_enrolled("{}")  # it believes it is enrolled; it is not
        stranger_bundle = _export(stranger, tmp_path / "stick2")
        stranger.lock()
        assert _reason(import_file(coordinator.vault, stranger_bundle)) == "unknown_device"

        # Re-encrypted to another coordinator that knows the device: the signed manifest
        # does not name that coordinator.
        plaintext = pyrage.decrypt(
            path.read_bytes(), [x25519.Identity.from_str(coordinator.recovery_secret)]
        )
        request, fp = cards.make_request(field)
        device = cards.parse_request(request)
        SyncStore(other.vault).enrol_device(
            device.device_id,
            device.signing_key,
            fingerprint=fp,
            inspector=None,
            agency=None,
            request="{}",
        )
        reencrypted = tmp_path / "reencrypted.fab"
        reencrypted.write_bytes(
            pyrage.encrypt(plaintext, [x25519.Recipient.from_str(other.card.age_recipient)])
        )
        assert _reason(import_file(other.vault, reencrypted)) == "not_a_recipient"

        # A revoked device.
        cards.revoke_device(coordinator.vault, field.info.device_id[-8:])
        report = import_file(coordinator.vault, path)
        assert _reason(report) == "revoked_device"
        messages = {
            report.rejection.message("en"),
            import_file(other.vault, reencrypted).rejection.message("en"),
        }
        assert len(messages) == 2
    finally:
        other.vault.lock()


def test_a_forged_signature_is_refused(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    target = tmp_path / "forged.fab"
    site = _site_row(field.info.device_id)
    target.write_bytes(forge(field, coordinator.card, rows={"site": [site]}, sign=False))
    assert _reason(import_file(coordinator.vault, target)) == "bad_signature"


def test_replay_changes_nothing(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    path = _export(field, tmp_path / "stick", visits=3)
    assert import_file(coordinator.vault, path).status == "imported"
    dump = table_dump(coordinator.vault)
    for _ in range(2):
        report = import_file(coordinator.vault, path)
        assert report.status == "duplicate"
    assert import_paths(coordinator.vault, [path.parent])[0].status == "duplicate"
    assert table_dump(coordinator.vault) == dump


def test_gap_is_a_warning_naming_the_missing_numbers(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    paths = [_export(field, tmp_path / f"stick{n}", seed=n) for n in range(1, 5)]
    first = import_file(coordinator.vault, paths[0])
    assert first.status == "imported" and not first.warnings
    last = import_file(coordinator.vault, paths[3])
    assert last.status == "imported"
    assert [w.key for w in last.warnings] == ["sync.warn.gap"]
    assert "2-3" in last.warnings[0].message("en")
    assert SyncStore(coordinator.vault).missing_seqs(field.info.device_id, 5) == [2, 3]
    reports = import_paths(coordinator.vault, [paths[2], paths[1]])
    assert [r.seq for r in reports] == [2, 3]  # applied in order
    assert all(r.status == "imported" for r in reports)
    assert SyncStore(coordinator.vault).missing_seqs(field.info.device_id, 5) == []


def test_same_seq_with_other_content_is_an_alarm(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    folder = field.folder
    field.lock()
    twin_folder = tmp_path / "twin"
    shutil.copytree(folder, twin_folder)
    (twin_folder / "vault.lock").unlink(missing_ok=True)
    field = Vault.unlock(folder, PASSPHRASE)
    twin = Vault.unlock(twin_folder, PASSPHRASE)  # a restored copy of the same device
    try:
        genuine = _export(field, tmp_path / "a", seed=1)
        fork = _export(twin, tmp_path / "b", seed=2)
        assert import_file(coordinator.vault, genuine).status == "imported"
        dump_counts = write_counts(coordinator.vault)[1]
        report = import_file(coordinator.vault, fork)
        assert _reason(report) == "same_seq_other_content"
        assert report.alarm
        assert write_counts(coordinator.vault)[1] == dump_counts  # nothing imported
        alarms = SyncStore(coordinator.vault).alarms()
        assert [(a.seq, a.kind) for a in alarms] == [(1, "same_seq")]
        sync = SyncStore(coordinator.vault)
        assert [a.id for a in sync.alarms(open_only=True)] == [alarms[0].id]
        sync.acknowledge_alarm(alarms[0].id)
        assert sync.alarms(open_only=True) == []
        assert sync.alarms()[0].acknowledged_by is not None  # kept on record
        # The twin's next bundle chains onto its own seq 1, not the imported one: a fork.
        next_fork = _export(twin, tmp_path / "c", seed=3)
        assert _reason(import_file(coordinator.vault, next_fork)) == "chain_broken"
    finally:
        twin.lock()
        field.lock()


def test_limits_refuse_before_anything_is_written(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    vault = coordinator.vault
    before = write_counts(vault)
    dump = table_dump(vault)
    target = tmp_path / "bad.fab"

    def refused(data: bytes) -> str:
        target.write_bytes(data)
        reason = _reason(import_file(vault, target))
        assert write_counts(vault) == before
        return reason

    # An oversized file (sparse: nothing is really written) is refused by its size alone.
    with open(target, "wb") as handle:
        handle.truncate(bundle.MAX_BUNDLE_BYTES + 1)
    assert _reason(import_file(vault, target)) == "file_too_large"

    # Recipient-stanza floods, of X25519 stanzas or of any other type, and a huge header.
    arg = b"A" * 42 + b"E"
    stanza = b"-> X25519 " + arg + b"\n" + arg + b"\n"
    intro, mac = bundle.AGE_INTRO, b"--- " + arg + b"\n" + os.urandom(64)
    assert refused(intro + stanza * 5 + mac) == "too_many_recipients"
    assert refused(intro + stanza * 10_000 + mac) == "too_many_recipients"
    grease = b"".join(b"-> flood-grease x\n\n" for _ in range(100))
    assert refused(intro + grease + mac) == "too_many_recipients"
    assert refused(intro + b"-> big " + b"a" * 8000 + b"\n\n" + mac) == "header_too_large"
    assert refused(b"-----BEGIN AGE ENCRYPTED FILE-----\n") == "armored"
    assert refused(b"PK\x03\x04 not a bundle") == "not_age"

    card = coordinator.card
    # A deep or huge manifest, refused before its signature is even looked at.
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    assert refused(forge(field, card, manifest_bytes=deep, sign=False)) == "json_too_deep"
    assert (
        refused(forge(field, card, manifest_bytes=b'"' + b"x" * 70_000 + b'"')) == "json_too_large"
    )
    # Deep and huge JSON inside a correctly signed bundle.
    deep_rows = b'{"kind":"site","rows":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert refused(forge(field, card, payload=frame(b"R", deep_rows))) == "json_too_deep"
    huge = b'{"kind":"site","rows":["' + b"x" * (9 * 1024 * 1024) + b'"]}'
    assert refused(forge(field, card, payload=frame(b"R", huge))) == "json_too_large"

    # Bad names: an unknown kind, a record id that is a path, an attachment name with folders.
    site = _site_row(field.info.device_id)
    unknown = frame(b"R", json.dumps({"kind": "sites; DROP TABLE visits", "rows": [site]}).encode())
    assert refused(forge(field, card, payload=unknown)) == "unknown_kind"
    assert (
        refused(forge(field, card, rows={"site": [["../../etc/passwd", *site[1:]]]})) == "records"
    )
    attachment = [
        "01a00000-0000-7000-8000-0000000000aa",
        "2026-11-28T10:00:00Z",
        "2026-11-28T10:00:00Z",
        field.info.device_id,
        1,
        0,
        "visit",
        "01a00000-0000-7000-8000-0000000000bb",
        "../../.bashrc",
        "image/png",
        1,
        "0" * 64,
    ]
    assert refused(forge(field, card, rows={"attachment": [attachment]})) == "records"
    wrong_media = [*attachment[:8], "foto.exe", "application/x-msdownload", *attachment[10:]]
    assert refused(forge(field, card, rows={"attachment": [wrong_media]})) == "records"
    # A record claiming another device as its origin.
    foreign = [*site[:3], "01a00000-0000-7000-8000-00000000ffff", *site[4:]]
    assert refused(forge(field, card, rows={"site": [foreign]})) == "foreign_record"
    # Counts that do not match, a newer schema, trailing bytes after the frames.
    assert (
        refused(
            forge(
                field,
                card,
                rows={"site": [site]},
                manifest_changes={"counts": dict.fromkeys(bundle.COUNT_KEYS, 0)},
            )
        )
        == "counts"
    )
    assert (
        refused(forge(field, card, rows={"site": [site]}, manifest_changes={"schema_version": 99}))
        == "schema_newer"
    )
    assert refused(forge(field, card, payload=b"R\x00")) == "format"
    assert table_dump(vault) == dump


def _site_row(device_id: str) -> list:
    return [
        "01a00000-0000-7000-8000-000000000111",
        "2026-11-28T10:00:00Z",
        "2026-11-28T10:00:00Z",
        device_id,
        1,
        0,
        "Kwekerij",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "agriculture",
        "[]",
        "[]",
        "[]",
        *[None] * 6,  # schema 8: intermediary and housing
    ]


def test_a_correct_forged_bundle_imports(pair, tmp_path: Path) -> None:
    """The forging helper itself makes bundles that pass, so the refusals above are real."""
    coordinator, field = pair
    target = tmp_path / "ok.fab"
    target.write_bytes(
        forge(field, coordinator.card, rows={"site": [_site_row(field.info.device_id)]})
    )
    report = import_file(coordinator.vault, target)
    assert report.status == "imported", report.rejection and report.rejection.message("en")
    assert report.counts.inserted == {"site": 1}
