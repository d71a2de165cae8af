"""A field device's reply key (issue 16, step 1): made at its first export, named in every
signed manifest, learned and kept by the coordinator; a malformed one refuses the bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import x25519

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import bundle, keys
from fieldapp.sync.errors import EnrolmentError
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from fieldapp.vault.connection import transaction
from fieldapp.vault.migrations import SCHEMA_VERSION, schema_version
from tests.fixtures.make_fixture_vault import FIXTURE_PASSPHRASE
from tests.support import run_cli
from tests.support.sync import (
    Coordinator,
    enrol,
    forge,
    make_coordinator,
    make_field,
    table_dump,
    write_counts,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def pair(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def _export(field: Vault, folder: Path, seed: int = 1) -> Path:
    Store(field).record_visits(demo_visits(1, seed=seed))
    folder.mkdir(exist_ok=True)
    result = export_bundle(field, folder)
    assert result is not None
    return result.path


def _plaintext(coordinator: Coordinator, path: Path) -> bytes:
    identity = keys.own_keys(coordinator.vault).age_identity
    assert identity is not None
    return bytes(pyrage.decrypt(path.read_bytes(), [identity]))


def _manifest(coordinator: Coordinator, path: Path) -> dict[str, Any]:
    opened = bundle.split_plaintext(_plaintext(coordinator, path))
    return bundle.parse_manifest(opened.manifest_bytes)


def _site(field: Vault) -> dict[str, list[list[Any]]]:
    """One site of the device's own, so a forged bundle is valid but for what a test changes."""
    row = [
        "01a00000-0000-7000-8000-000000000111",
        "2026-11-28T10:00:00Z",
        "2026-11-28T10:00:00Z",
        field.info.device_id,
        1,
        0,
        "Kwekerij",
        *[None] * 7,
        "agriculture",
        "[]",
        "[]",
        "[]",
        *[None] * 6,
    ]
    return {"site": [row]}


def _reply_rows(field: Vault) -> list[str]:
    return [
        value
        for (value,) in field.conn.execute(
            "SELECT value FROM sync_keys WHERE name = ?", (keys.REPLY_IDENTITY,)
        )
    ]


def _audit(vault: Vault, action: str, kind: str) -> int:
    return int(
        vault.conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = ? AND record_kind = ?", (action, kind)
        ).fetchone()[0]
    )


def _new_reply_key(field: Vault) -> None:
    """What a reinstalled or restored device has: another reply key than before."""
    with transaction(field.conn):
        field.conn.execute("DELETE FROM sync_keys WHERE name = ?", (keys.REPLY_IDENTITY,))


def test_the_first_export_makes_the_reply_key_and_later_ones_reuse_it(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    assert _reply_rows(field) == []  # enrolment does not make it: devices enrolled before do
    assert keys.reply_recipient(field) is None
    first = _export(field, tmp_path / "stick")
    (secret,) = _reply_rows(field)
    assert secret.startswith("AGE-SECRET-KEY-1")
    recipient = keys.public_recipient(secret)
    assert keys.reply_recipient(field) == recipient
    second = _export(field, tmp_path / "stick", seed=2)
    assert _reply_rows(field) == [secret]
    for path in (first, second):
        manifest = _manifest(coordinator, path)
        assert manifest["reply_recipient"] == recipient
        assert secret not in _plaintext(coordinator, path).decode("utf-8", "replace")


def test_a_coordinator_has_no_reply_key_of_its_own(pair) -> None:
    coordinator, _ = pair
    with pytest.raises(EnrolmentError) as caught:
        keys.reply_identity(coordinator.vault)
    assert caught.value.key == "sync.enrol.field_only"


def test_the_coordinator_keeps_the_reply_key_a_bundle_names(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    path = _export(field, tmp_path / "stick")
    sync = SyncStore(coordinator.vault)
    device = sync.device(field.info.device_id)
    assert device is not None and device.reply_recipient is None
    assert import_file(coordinator.vault, path).status == "imported"
    device = sync.device(field.info.device_id)
    assert device is not None
    assert device.reply_recipient == keys.reply_recipient(field)
    assert device.reply_recipient_at is not None
    # Learning a device's first key is no change worth a line in the log.
    assert _audit(coordinator.vault, "change", "device_reply_key") == 0


def _swap_recipient(plaintext: bytes, old: str, new: str) -> bytes:
    """The plaintext with ``new`` in the manifest where ``old`` was (same length: the layout
    and the signature stay; only the signed bytes change)."""
    assert len(old) == len(new) and plaintext.count(old.encode()) == 1
    return plaintext.replace(old.encode(), new.encode())


def _sealed(coordinator: Coordinator, plaintext: bytes) -> bytes:
    targets = (coordinator.card.age_recipient, coordinator.card.recovery_recipient)
    return pyrage.encrypt(plaintext, [x25519.Recipient.from_str(r) for r in targets])


def test_the_signature_covers_the_reply_key(pair, tmp_path: Path) -> None:
    """Another valid key put in a genuine bundle's manifest breaks the device's signature; a
    flipped character is no age key at all and is refused for that, before the signature."""
    coordinator, field = pair
    path = _export(field, tmp_path / "stick")
    plaintext = _plaintext(coordinator, path)
    genuine = keys.reply_recipient(field)
    assert genuine is not None
    vault = coordinator.vault
    before, before_dump = write_counts(vault), table_dump(vault)
    other = str(x25519.Identity.generate().to_public())
    swapped = tmp_path / "swapped.fab"
    swapped.write_bytes(_sealed(coordinator, _swap_recipient(plaintext, genuine, other)))
    report = import_file(vault, swapped)
    assert report.rejection is not None and report.rejection.reason == "bad_signature"
    flipped_char = "q" if genuine[10] != "q" else "p"
    flipped = genuine[:10] + flipped_char + genuine[11:]
    damaged = tmp_path / "flipped.fab"
    damaged.write_bytes(_sealed(coordinator, _swap_recipient(plaintext, genuine, flipped)))
    report = import_file(vault, damaged)
    assert report.rejection is not None and report.rejection.reason == "reply_recipient"
    assert write_counts(vault) == before and table_dump(vault) == before_dump
    device = SyncStore(vault).device(field.info.device_id)
    assert device is not None and device.reply_recipient is None
    assert import_file(vault, path).status == "imported"


BAD_RECIPIENTS = [
    "",
    "age1",
    "age1" + "q" * 58,  # the form, but no valid checksum
    "AGE1QQQQ",
    "age1" + "q" * 5000,
    None,
    123,
    ["age1"],
    "AGE-SECRET-KEY-1" + "Q" * 58,  # a secret key where the public one belongs
]


@pytest.mark.parametrize("value", BAD_RECIPIENTS, ids=range(len(BAD_RECIPIENTS)))
def test_a_malformed_reply_key_in_a_signed_manifest_is_refused_and_changes_nothing(
    pair, tmp_path: Path, value: object
) -> None:
    coordinator, field = pair
    vault = coordinator.vault
    before, before_dump = write_counts(vault), table_dump(vault)
    target = tmp_path / "forged.fab"
    target.write_bytes(
        forge(
            field, coordinator.card, rows=_site(field), manifest_changes={"reply_recipient": value}
        )
    )
    report = import_file(vault, target)
    assert report.rejection is not None and report.rejection.reason == "reply_recipient"
    for lang, word in (("nl", "antwoordsleutel"), ("en", "reply key")):
        assert word in report.rejection.message(lang).lower()
    assert write_counts(vault) == before and table_dump(vault) == before_dump


def test_a_bundle_of_an_older_release_without_a_reply_key_imports(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    target = tmp_path / "older.fab"
    target.write_bytes(
        forge(field, coordinator.card, rows=_site(field))
    )  # the manifest of releases before it
    report = import_file(coordinator.vault, target)
    assert report.status == "imported", report.rejection and report.rejection.message("en")
    device = SyncStore(coordinator.vault).device(field.info.device_id)
    assert device is not None and device.reply_recipient is None


def test_a_valid_forged_reply_key_is_learned(pair, tmp_path: Path) -> None:
    """The forging helper with a good key passes, so the refusals above are of the key."""
    coordinator, field = pair
    recipient = str(x25519.Identity.generate().to_public())
    target = tmp_path / "forged.fab"
    target.write_bytes(
        forge(
            field,
            coordinator.card,
            rows=_site(field),
            manifest_changes={"reply_recipient": recipient},
        )
    )
    assert import_file(coordinator.vault, target).status == "imported"
    device = SyncStore(coordinator.vault).device(field.info.device_id)
    assert device is not None and device.reply_recipient == recipient


def test_a_changed_reply_key_is_kept_and_written_in_the_log(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    vault = coordinator.vault
    first = _export(field, tmp_path / "stick")
    old = keys.reply_recipient(field)
    assert import_file(vault, first).status == "imported"
    again = _export(field, tmp_path / "stick", seed=2)
    assert import_file(vault, again).status == "imported"  # the same key: nothing to log
    assert _audit(vault, "change", "device_reply_key") == 0
    _new_reply_key(field)
    third = _export(field, tmp_path / "stick", seed=3)
    new = keys.reply_recipient(field)
    assert new is not None and new != old
    assert import_file(vault, third).status == "imported"
    device = SyncStore(vault).device(field.info.device_id)
    assert device is not None and device.reply_recipient == new
    assert _audit(vault, "change", "device_reply_key") == 1
    (uuid,) = vault.conn.execute(
        "SELECT record_uuid FROM audit_log WHERE record_kind = 'device_reply_key'"
    ).fetchone()
    assert uuid == field.info.device_id
    assert vault.check().ok


def test_an_older_bundle_imported_late_keeps_the_newer_key(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    vault = coordinator.vault
    first = _export(field, tmp_path / "stick")
    _new_reply_key(field)
    second = _export(field, tmp_path / "stick", seed=2)
    new = keys.reply_recipient(field)
    assert import_file(vault, second).status == "imported"
    assert import_file(vault, first).status == "imported"
    device = SyncStore(vault).device(field.info.device_id)
    assert device is not None and device.reply_recipient == new
    assert _audit(vault, "change", "device_reply_key") == 0


def test_a_vault_of_schema_8_gains_the_columns_and_its_first_export_a_reply_key(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-v8", folder)
    coordinator = make_coordinator(tmp_path / "coordinator")
    try:
        with Vault.unlock(folder, FIXTURE_PASSPHRASE) as field:
            assert schema_version(field.conn) == SCHEMA_VERSION
            columns = [row[1] for row in field.conn.execute("PRAGMA table_info(sync_devices)")]
            assert {"reply_recipient", "reply_recipient_at"} <= set(columns)
            enrol(field, coordinator)
            assert _reply_rows(field) == []
            path = _export(field, tmp_path / "stick")
            assert import_file(coordinator.vault, path).status == "imported"
            device = SyncStore(coordinator.vault).device(field.info.device_id)
            assert device is not None
            assert device.reply_recipient == keys.reply_recipient(field) is not None
    finally:
        coordinator.vault.lock()


def test_the_schema_9_fixture_holds_a_reply_key(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-v9", folder)
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as field:
        recipient = keys.reply_recipient(field)
        assert recipient is not None and keys.is_age_recipient(recipient)


def test_status_shows_the_reply_key_as_a_fingerprint(tmp_path: Path, passphrase_file: Path) -> None:
    coordinator = make_coordinator(tmp_path / "c")
    field = make_field(tmp_path / "f")
    enrol(field, coordinator)
    f = ["--vault", str(tmp_path / "f"), "--passphrase-file", str(passphrase_file)]
    c = ["--vault", str(tmp_path / "c"), "--passphrase-file", str(passphrase_file)]
    try:
        path = _export(field, tmp_path / "stick")
        assert import_file(coordinator.vault, path).status == "imported"
        recipient = keys.reply_recipient(field)
        assert recipient is not None
    finally:
        field.lock()
        coordinator.vault.lock()
    fingerprint = keys.recipient_fingerprint(recipient)
    field_status = json.loads(_ok(run_cli("sync", "status", "--json", *f)))
    assert field_status["reply_key"] == fingerprint
    device = json.loads(_ok(run_cli("sync", "status", "--json", *c)))["devices"][0]
    assert device["reply_key"] == fingerprint and device["reply_key_at"]
    for args in (f, c):
        text = _ok(run_cli("sync", "status", *args, lang="en"))
        assert fingerprint in text and "reply key" in text.lower()
        assert "age1" not in text


def _ok(result) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout
