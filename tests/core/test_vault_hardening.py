"""Issue 12, the vault layer: each attack or careless day first, then what holds now.

Storage errors (item 1, injected here; a real full and read-only file system in
test_vault_full_disk.py), passwd re-keys (6), local rollback evidence (7), SQLCipher's own log
lines, KDF bounds, the self-checking key file, worker connections at lock and the lock file.
No test sleeps or measures time; children are synchronised on the lines they print.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.errors import (
    DiskFull,
    FieldAppError,
    FolderMissing,
    PassphraseChangeInterrupted,
    StorageError,
    StorageNoAccess,
    StorageReadOnly,
    VaultDamaged,
    VaultError,
    VaultInUse,
    VaultLocked,
    VaultRolledBack,
    WrongPassphrase,
    storage_error,
)
from fieldapp.store.store import Store
from fieldapp.vault import Vault, anchor, connection, keyfile
from fieldapp.vault.keyfile import FAST_FOR_TESTS, KeyFile, new_dek, unwrap_dek, wrap_dek
from fieldapp.vault.layout import ANCHOR_FILE, DB_FILE, KEY_FILE, LOCK_FILE, PENDING_KEY_FILE
from fieldapp.vault.lockfile import VaultLock, _same_file
from fieldapp.vault.worker import WorkerVaultKey
from tests.support import PASSPHRASE, ROOT, run_cli
from tests.support.children.vault import LineReader, held_by_another_process
from tests.support.vault import (
    PAGE_SIZE,
    add_demo,
    assert_same_records,
    dump,
    flip_byte,
    folder_state,
    sqlcipher_pages,
)

NEW_PASSPHRASE = "a different passphrase, also long"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DAMAGE_WORDS = ("beschadigd", "damaged")


@pytest.fixture
def closed(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        add_demo(vault, 12)
    return folder


def messages(exc: FieldAppError) -> dict[str, str]:
    return {lang: exc.message(lang) for lang in ("nl", "en")}


def assert_not_damage(exc: FieldAppError) -> None:
    """A storage problem's message never calls the vault damaged nor sends to a backup."""
    for lang, text in messages(exc).items():
        assert "vault.storage" not in text and "{" not in text, (lang, text)
        assert "De kluis is beschadigd" not in text and "The vault is damaged" not in text
        assert "een pagina is beschadigd" not in text and "a page is damaged" not in text
    assert exc.message("nl") != exc.message("en")


# -- 1. storage errors: full, read-only, missing folder, I/O ----------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.ENOSPC, DiskFull),
        (errno.EDQUOT, DiskFull),
        (errno.EROFS, StorageReadOnly),
        (errno.EACCES, StorageReadOnly),
        (errno.EPERM, StorageReadOnly),
        (errno.EIO, StorageError),
        (errno.EEXIST, type(None)),
    ],
)
def test_os_errors_are_classified(tmp_path: Path, code: int, expected: type) -> None:
    error = storage_error(OSError(code, os.strerror(code)), tmp_path / "file")
    assert type(error) is expected
    if error is not None:
        assert isinstance(error, OSError | FieldAppError)
        assert os.strerror(code) in error.message("en")
        assert_not_damage(error)


def test_reading_without_permission_is_no_access(tmp_path: Path) -> None:
    error = storage_error(OSError(errno.EACCES, "Permission denied"), tmp_path / "f", reading=True)
    assert isinstance(error, StorageNoAccess)
    assert isinstance(error, PermissionError)


def test_missing_folder_names_the_first_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "stick" / "backups" / "b.fieldapp"
    error = storage_error(OSError(errno.ENOENT, "No such file or directory"), target, target=True)
    assert isinstance(error, FolderMissing)
    assert error.path == str(tmp_path / "stick")
    assert str(tmp_path / "stick") in error.message("nl")
    # A missing file in a folder that exists is not a storage problem (the caller says more).
    assert storage_error(OSError(errno.ENOENT, "x"), tmp_path / "f") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [(13, DiskFull), (8, StorageReadOnly), (26, type(None)), (11, type(None)), (1, type(None))],
    ids=["FULL", "READONLY", "NOTADB", "CORRUPT", "ERROR"],
)
def test_sqlite_codes_are_classified(tmp_path: Path, code: int, expected: type) -> None:
    exc = sqlcipher3.OperationalError("x")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    assert type(storage_error(exc, tmp_path / "vault.db")) is expected


def _fill_database(vault: Vault) -> None:
    """SQLITE_FULL without a small file system: no page may be added to the database."""
    pages = vault.conn.execute("PRAGMA page_count").fetchone()[0]
    vault.conn.execute(f"PRAGMA max_page_count = {pages}").fetchall()


def test_a_write_on_a_full_disk_says_disk_full_and_saves_nothing(closed: Path) -> None:
    with Vault.unlock(closed, PASSPHRASE) as vault:
        store = Store(vault)
        _fill_database(vault)
        visits = demo_visits(200, seed=3)
        error: DiskFull | None = None
        for _ in range(200):
            snapshot = dump(vault)
            try:
                store.record_visit(next(visits))
            except DiskFull as exc:
                error = exc
                break
        assert error is not None, "the database never filled up"
        assert dump(vault) == snapshot  # nothing half saved
        # One error, three ways to catch it: ours, a file error, a database error.
        assert isinstance(error, FieldAppError | OSError)
        assert isinstance(error, sqlcipher3.OperationalError)
        assert not error.target
        assert error.path == str(closed)
        assert_not_damage(error)
        assert "vol" in error.message("nl") and "full" in error.message("en")
        assert not vault.conn.in_transaction  # rolled back, the connection still usable
        written = store.count_visits()
        vault.conn.execute("PRAGMA max_page_count = 1073741823").fetchall()  # space again
        store.record_visit(next(visits))
        assert store.count_visits() == written + 1
        assert vault.check().ok


def test_a_full_disk_at_commit_leaves_no_open_transaction(vault: Vault) -> None:
    """SQLite rolls back by itself after SQLITE_FULL; the old code then sent a second ROLLBACK,
    whose "no transaction is active" error hid the real one."""
    _fill_database(vault)
    with pytest.raises(DiskFull), connection.transaction(vault.conn):
        vault.conn.execute("CREATE TABLE filler (x BLOB)")
        vault.conn.execute("INSERT INTO filler VALUES (randomblob(200000))")
    assert not vault.conn.in_transaction
    assert vault.conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 4


def test_the_key_file_write_on_a_full_disk(closed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_before = (closed / KEY_FILE).read_bytes()

    def full(path: Path, data: bytes, mode: int = 0o600) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with Vault.unlock(closed, PASSPHRASE) as vault:
        monkeypatch.setattr(keyfile, "write_atomic", full)
        for change in (
            lambda: vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE),
            lambda: vault.rekey(PASSPHRASE),
        ):
            with pytest.raises(DiskFull) as caught:
                change()
            assert caught.value.path == str(closed)
            assert_not_damage(caught.value)
        monkeypatch.undo()
    assert (closed / KEY_FILE).read_bytes() == key_before
    assert not (closed / PENDING_KEY_FILE).exists()
    Vault.unlock(closed, PASSPHRASE).lock()


def test_backup_to_a_missing_folder_says_so(vault: Vault, tmp_path: Path) -> None:
    add_demo(vault, 3)
    out = tmp_path / "stick" / "backups" / "b.fieldapp"
    with pytest.raises(FolderMissing) as caught:
        vault.backup(out)
    assert caught.value.target
    assert caught.value.path == str(tmp_path / "stick" / "backups")
    assert_not_damage(caught.value)
    assert not (tmp_path / "stick").exists()


def test_backup_to_a_full_stick_leaves_nothing(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_demo(vault, 3)
    stick = tmp_path / "stick"
    stick.mkdir()
    real_writer = __import__("fieldapp.atomic", fromlist=["atomic_writer"]).atomic_writer

    class FullHandle:
        def __init__(self, handle: Any) -> None:
            self.handle = handle
            self.written = 0

        def write(self, data: bytes) -> int:
            self.written += len(data)
            if self.written > 8192:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data)

    import contextlib

    @contextlib.contextmanager
    def full_writer(target: Path, mode: int = 0o600) -> Iterator[Any]:
        with real_writer(target, mode) as handle:
            yield FullHandle(handle)

    monkeypatch.setattr("fieldapp.vault.vault.atomic_writer", full_writer)
    with pytest.raises(DiskFull) as caught:
        vault.backup(stick / "b.fieldapp")
    assert caught.value.target
    assert caught.value.path == str(stick / "b.fieldapp")
    assert_not_damage(caught.value)
    assert list(stick.iterdir()) == []
    monkeypatch.undo()
    vault.backup(stick / "b.fieldapp")  # and with space, it works
    assert [p.name for p in stick.iterdir()] == ["b.fieldapp"]


def test_backup_staging_on_a_full_stick_is_the_stick_not_the_vault(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page copy goes to the stick first; SQLITE_FULL there names the stick."""
    add_demo(vault, 3)
    stick = tmp_path / "stick"
    stick.mkdir()
    real_open = connection.open_database

    def tiny_target(path: Path, dek: Any, **kwargs: Any) -> Any:
        conn = real_open(path, dek, **kwargs)
        if kwargs.get("target"):
            conn.execute("PRAGMA max_page_count = 2").fetchall()
        return conn

    monkeypatch.setattr(connection, "open_database", tiny_target)
    with pytest.raises(DiskFull) as caught:
        vault.backup(stick / "b.fieldapp")
    assert caught.value.target and caught.value.path == str(stick / "b.fieldapp")
    assert "USB" in caught.value.message("nl")
    assert list(stick.iterdir()) == []


def test_restore_from_a_missing_file_or_a_failing_stick(tmp_path: Path, vault: Vault) -> None:
    with pytest.raises(VaultError) as caught:
        Vault.restore(tmp_path / "nope.fieldapp", tmp_path / "restored", PASSPHRASE)
    assert caught.value.key == "vault.backup_not_found"
    assert not isinstance(caught.value, VaultDamaged)
    assert str(tmp_path / "nope.fieldapp") in caught.value.message("en")


def test_unlock_and_lock_work_when_the_audit_entry_cannot_be_written(
    closed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading must not depend on writing: the unlock entry is best effort, with a notice."""
    real_record = Vault.record

    def full_record(self: Vault, action: str, kind: str, uuid: str | None = None) -> None:
        if action in ("unlock", "lock"):
            raise DiskFull(path=str(self.folder), detail="database or disk is full")
        real_record(self, action, kind, uuid)

    monkeypatch.setattr(Vault, "record", full_record)
    vault = Vault.unlock(closed, PASSPHRASE)
    assert Store(vault).count_visits() == 12
    assert [n.key for n in vault.notices] == ["vault.notice.unlock_not_audited"]
    text = vault.notices[0].message("nl")
    assert "logboek" in text and "vol" in text
    vault.lock()  # no exception: the lock entry is best effort too
    monkeypatch.undo()
    with Vault.unlock(closed, PASSPHRASE) as again:
        assert again.notices == []


def test_cli_backup_to_a_missing_folder(
    closed: Path, passphrase_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nowhere" / "b.fieldapp"
    result = run_cli(
        "vault", "backup", "--out", str(out), "--vault", str(closed),
        "--passphrase-file", str(passphrase_file),
    )  # fmt: skip
    assert result.returncode == 1
    assert "bestaat niet" in result.stderr and str(tmp_path / "nowhere") in result.stderr
    assert not any(word in result.stderr for word in DAMAGE_WORDS), result.stderr
    assert "Traceback" not in result.stderr


# -- 6. passwd re-keys -----------------------------------------------------------------------


def test_old_key_file_with_old_passphrase_no_longer_opens_after_passwd(closed: Path) -> None:
    old_key_file = (closed / KEY_FILE).read_bytes()
    old_dek = bytes(unwrap_dek(KeyFile.from_bytes(old_key_file), PASSPHRASE))
    with Vault.unlock(closed, PASSPHRASE) as vault:
        before = dump(vault)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        new_dek_bytes = bytes(vault.key_buffer)
        assert new_dek_bytes != old_dek
        # Already while open: the main file holds no page under the old key, the -wal is empty.
        raw = (closed / DB_FILE).read_bytes()
        assert len(sqlcipher_pages(raw, old_dek)[1]) == len(raw) // PAGE_SIZE
        wal = closed / f"{DB_FILE}-wal"
        assert not wal.exists() or wal.stat().st_size < 64 * 1024
        Store(vault).record_visit(next(demo_visits(1, seed=99)))
        before = dump(vault)
    # The attack: the old key file (a copy kept from before) with the old passphrase.
    current_key_file = (closed / KEY_FILE).read_bytes()
    (closed / KEY_FILE).write_bytes(old_key_file)
    state = folder_state(closed)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed, PASSPHRASE)
    assert caught.value.check == "vault.check.header"
    assert folder_state(closed) == state
    raw = (closed / DB_FILE).read_bytes()
    assert len(sqlcipher_pages(raw, old_dek)[1]) == len(raw) // PAGE_SIZE  # not one page
    assert sqlcipher_pages(raw, new_dek_bytes)[1] == []
    # The user's own (current) key file and the new passphrase open everything.
    (closed / KEY_FILE).write_bytes(current_key_file)
    with Vault.unlock(closed, NEW_PASSPHRASE) as reopened:
        assert_same_records(before, dump(reopened))
        assert "passwd" in {r[0] for r in reopened.conn.execute("SELECT action FROM audit_log")}


def test_passwd_without_rekey_is_the_documented_weaker_option(closed: Path) -> None:
    old_key_file = (closed / KEY_FILE).read_bytes()
    with Vault.unlock(closed, PASSPHRASE) as vault:
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, rekey=False)
    (closed / KEY_FILE).write_bytes(old_key_file)
    Vault.unlock(closed, PASSPHRASE).lock()  # what rekey=False leaves open, as documented


def _fail_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(src).name == PENDING_KEY_FILE:
            raise PermissionError(errno.EACCES, "Access is denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_passwd_cut_short_after_the_database_rekey(
    closed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pending key file is under the NEW passphrase: the old one must say what to do, the
    new one must open and finish the change."""
    with Vault.unlock(closed, PASSPHRASE) as vault:
        before = dump(vault)
        _fail_swap(monkeypatch)
        with pytest.raises(PermissionError):
            vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        monkeypatch.undo()
    assert (closed / PENDING_KEY_FILE).exists()
    state = folder_state(closed)
    with pytest.raises(PassphraseChangeInterrupted) as caught:
        Vault.unlock(closed, PASSPHRASE)
    assert caught.value.use_new
    assert "nieuwe wachtwoord" in caught.value.message("nl")
    assert folder_state(closed) == state
    with Vault.unlock(closed, NEW_PASSPHRASE) as vault:
        assert_same_records(before, dump(vault))
        assert vault.check().ok
    assert not (closed / PENDING_KEY_FILE).exists()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(closed, PASSPHRASE)


def test_passwd_cut_short_before_the_database_rekey(closed: Path) -> None:
    with Vault.unlock(closed, PASSPHRASE) as vault:
        before = dump(vault)
        vault_id = vault.info.vault_id
    # What a crash right after writing the pending file leaves.
    wrap_dek(vault_id, new_dek(), NEW_PASSPHRASE, FAST_FOR_TESTS).write(closed / PENDING_KEY_FILE)
    with pytest.raises(PassphraseChangeInterrupted) as caught:
        Vault.unlock(closed, NEW_PASSPHRASE)
    assert not caught.value.use_new
    assert "oude wachtwoord" in caught.value.message("nl")
    with Vault.unlock(closed, PASSPHRASE) as vault:
        assert_same_records(before, dump(vault))
    assert not (closed / PENDING_KEY_FILE).exists()


# -- 7. rollback evidence ----------------------------------------------------------------------


def _snapshot(folder: Path, into: Path, names: tuple[str, ...]) -> None:
    into.mkdir()
    for name in names:
        shutil.copy2(folder / name, into / name)


def _put_back(snapshot: Path, folder: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (folder / f"{DB_FILE}{suffix}").unlink(missing_ok=True)
    for path in snapshot.iterdir():
        shutil.copy2(path, folder / path.name)


def _work(folder: Path, visits: int = 3, seed: int = 5) -> None:
    with Vault.unlock(folder, PASSPHRASE) as vault:
        Store(vault).record_visits(demo_visits(visits, seed=seed))


@pytest.mark.parametrize(
    "restored",
    [(DB_FILE,), (DB_FILE, KEY_FILE), (DB_FILE, KEY_FILE, ANCHOR_FILE)],
    ids=["db", "db+key", "whole-folder"],
)
def test_an_older_copy_put_back_is_detected(
    closed: Path, tmp_path: Path, restored: tuple[str, ...]
) -> None:
    _snapshot(closed, tmp_path / "old", restored)
    _work(closed)
    with Vault.unlock(closed, PASSPHRASE) as vault:
        vault_id = vault.info.vault_id
    newest = anchor.read(anchor.computer_record_path(closed, vault_id))
    assert newest is not None
    expected_seq = newest.seq  # the lock entry: the newest the vault ever had
    _put_back(tmp_path / "old", closed)
    state = folder_state(closed)
    with pytest.raises(VaultRolledBack) as caught:
        Vault.unlock(closed, PASSPHRASE)
    error = caught.value
    assert error.reason == "older" and error.authenticated
    nl, en = error.message("nl"), error.message("en")
    assert f"regel {expected_seq}" in nl and f"entry {expected_seq}" in en
    assert "UTC" in nl and "{" not in nl + en
    assert folder_state(closed) == state  # refused: nothing written
    # A deliberate restore: accepted, recorded, and the new baseline from then on.
    with Vault.unlock(closed, PASSPHRASE, accept_older=True) as vault:
        actions = [r[0] for r in vault.conn.execute("SELECT action FROM audit_log ORDER BY seq")]
        assert actions[-2:] == ["accept_older", "unlock"]
        assert vault.check().ok
    with Vault.unlock(closed, PASSPHRASE) as vault:
        assert vault.check().results["rollback"] is None


def test_a_wal_deleted_after_a_crash_is_detected(closed: Path) -> None:
    _crash_with_writes(closed, "plain")
    (closed / f"{DB_FILE}-wal").unlink()
    (closed / f"{DB_FILE}-shm").unlink(missing_ok=True)
    with pytest.raises(VaultRolledBack) as caught:
        Vault.unlock(closed, PASSPHRASE)
    assert caught.value.reason == "older"


def test_a_wal_deleted_after_a_checkpoint_and_a_crash_is_detected(closed: Path) -> None:
    """The unlock entry is in the database file after the checkpoint: only the record taken
    at the first commit of the new -wal generation names a lost entry."""
    _crash_with_writes(closed, "checkpoint")
    (closed / f"{DB_FILE}-wal").unlink()
    (closed / f"{DB_FILE}-shm").unlink(missing_ok=True)
    with pytest.raises(VaultRolledBack):
        Vault.unlock(closed, PASSPHRASE)


def test_a_crash_with_the_wal_in_place_is_no_false_alarm(closed: Path) -> None:
    _crash_with_writes(closed, "checkpoint")
    with Vault.unlock(closed, PASSPHRASE) as vault:
        assert Store(vault).count_visits() == 22
        assert vault.check().ok


def _crash_with_writes(folder: Path, mode: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.children.rollback", str(folder), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=os.environ.copy(),
        bufsize=0,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(PASSPHRASE.encode() + b"\n")
        proc.stdin.flush()
        line = LineReader(proc).readline()
        assert line is not None and line.startswith("ready"), line
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert (folder / f"{DB_FILE}-wal").stat().st_size > 0


def test_a_forked_copy_is_diverged(closed: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(closed, twin)
    _work(closed, visits=2, seed=5)
    _work(twin, visits=6, seed=6)  # the same vault, another (longer) history
    for name in (DB_FILE, KEY_FILE, ANCHOR_FILE):
        shutil.copy2(twin / name, closed / name)
    with pytest.raises(VaultRolledBack) as caught:
        Vault.unlock(closed, PASSPHRASE)
    assert caught.value.reason == "diverged"
    assert "wijkt af" in caught.value.message("nl")


def test_a_copy_from_before_a_passwd_is_detected_and_says_other_key(
    closed: Path, tmp_path: Path
) -> None:
    _snapshot(closed, tmp_path / "old", (DB_FILE, KEY_FILE, ANCHOR_FILE))
    with Vault.unlock(closed, PASSPHRASE) as vault:
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    _put_back(tmp_path / "old", closed)
    with pytest.raises(VaultRolledBack) as caught:
        Vault.unlock(closed, PASSPHRASE)  # the old key file and passphrase: the old copy
    assert not caught.value.authenticated
    assert "sleutel" in caught.value.message("nl").split("(")[-1]


def test_vault_restore_sets_the_new_baseline(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    add_demo(vault, 4)
    backup = tmp_path / "b.fieldapp"
    vault.backup(backup)
    Store(vault).record_visits(demo_visits(3, seed=8))
    vault.lock()
    shutil.rmtree(vault_dir)
    with Vault.restore(backup, vault_dir, PASSPHRASE) as restored:
        assert Store(restored).count_visits() == 4
        assert restored.notices == []
    with Vault.unlock(vault_dir, PASSPHRASE) as reopened:
        assert reopened.check().ok


def test_records_are_authenticated_and_hold_no_content(closed: Path) -> None:
    with Vault.unlock(closed, PASSPHRASE) as vault:
        dek = bytes(vault.key_buffer)
        vault_id = vault.info.vault_id
    inside = anchor.read(closed / ANCHOR_FILE)
    outside = anchor.read(anchor.computer_record_path(closed, vault_id))
    assert inside is not None and inside == outside
    assert inside.verifies(dek) and not inside.verifies(bytes(32))
    forged = anchor.Anchor(vault_id, inside.seq + 1, inside.head, inside.at, inside.macs)
    assert not forged.verifies(dek)
    document = json.loads((closed / ANCHOR_FILE).read_text())
    assert set(document) == {"format", "version", "vault_id", "seq", "head", "at", "macs"}
    assert vault_id not in anchor.computer_record_path(closed, vault_id).name


def test_no_false_alarm_in_ordinary_use(closed: Path, tmp_path: Path) -> None:
    for seed in range(3):
        _work(closed, visits=1, seed=seed)
    with Vault.unlock(closed, PASSPHRASE) as vault:
        vault.rekey(PASSPHRASE)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        vault.backup(tmp_path / "b.fieldapp")
    with Vault.unlock(closed, NEW_PASSPHRASE) as vault:
        assert vault.check().ok
    # A restore into a new folder is a vault of its own there.
    with Vault.restore(tmp_path / "b.fieldapp", tmp_path / "elsewhere", NEW_PASSPHRASE) as copy:
        assert copy.check().ok


# -- SQLCipher's log lines, KDF bounds, the self-checking key file ------------------------------


def test_sqlcipher_writes_nothing_to_stderr_on_a_wrong_key(closed: Path) -> None:
    flip_byte(closed / DB_FILE, 100)  # page 1: the header fails its MAC
    result = subprocess.run(
        [sys.executable, "-m", "fieldapp.cli", "visit", "list", "--vault", str(closed)],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "FIELDAPP_PASSPHRASE": PASSPHRASE, "FIELDAPP_LANG": "en"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "ERROR CORE" not in result.stderr and "hmac check failed" not in result.stderr
    assert result.stderr.startswith("Error: The vault is damaged"), result.stderr


def _tampered(params: dict[str, int], *, checksum: bool = True, version: int = 2) -> bytes:
    key_file = wrap_dek("v", new_dek(), PASSPHRASE, FAST_FOR_TESTS)
    document = json.loads(key_file.to_bytes())
    document["kdf"].update(params)
    document["version"] = version
    document.pop("checksum")
    if checksum and version >= 2:
        document["checksum"] = keyfile._checksum(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "params",
    [
        {"memory_kib": 4 * 1024 * 1024},
        {"memory_kib": 2 * 1024 * 1024},
        {"time_cost": 1000},
        {"time_cost": 17},
        {"parallelism": 255},
        {"time_cost": 12, "memory_kib": 1024 * 1024},
        {"memory_kib": 1024},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
@pytest.mark.parametrize("version", [1, 2])
def test_kdf_cost_is_bounded_before_any_derivation(
    params: dict[str, int], version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_derivation(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("derived a key from a key file that should have been refused")

    raw = _tampered(params, version=version)
    monkeypatch.setattr(keyfile, "hash_secret_raw", no_derivation)
    with pytest.raises(VaultDamaged) as caught:
        unwrap_dek(KeyFile.from_bytes(raw), PASSPHRASE)
    assert caught.value.check == "vault.check.keyfile_params"


def test_the_default_and_the_bounds_still_derive() -> None:
    keyfile.KdfParams().validate()
    keyfile.KdfParams(time_cost=3, memory_kib=keyfile.MAX_MEMORY_KIB, parallelism=16).validate()
    FAST_FOR_TESTS.validate()


def _flips(raw: bytes) -> Iterator[bytes]:
    for position in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[position] ^= 1 << bit
            yield bytes(flipped)


def test_every_bit_flip_in_the_key_file_is_damage_not_a_wrong_passphrase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = wrap_dek("vault-id", new_dek(), PASSPHRASE, FAST_FOR_TESTS)
    raw = original.to_bytes()

    def no_derivation(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a damaged key file reached the KDF")

    monkeypatch.setattr(keyfile, "hash_secret_raw", no_derivation)
    held = harmless = 0
    for flipped in _flips(raw):
        try:
            parsed = KeyFile.from_bytes(flipped)
        except VaultDamaged as exc:
            assert exc.check in ("vault.check.keyfile_format", "vault.check.keyfile_checksum")
            held += 1
            continue
        assert parsed == original  # e.g. a flip inside JSON whitespace: the same file
        harmless += 1
    assert held + harmless == len(raw) * 8
    assert held == len(raw) * 8  # measured: every one of the ~3,600 flips is damage


@pytest.mark.parametrize("field", ["wrapped_dek", "nonce", "salt"])
def test_a_flipped_bit_in_the_wrapped_key_says_damaged(closed: Path, field: str) -> None:
    path = closed / KEY_FILE
    document = json.loads(path.read_text())
    holder = document["kdf"] if field == "salt" else document
    data = bytearray(base64.b64decode(holder[field]))
    data[len(data) // 2] ^= 0x10
    holder[field] = base64.b64encode(bytes(data)).decode()
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    state = folder_state(closed)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed, PASSPHRASE)
    assert caught.value.check == "vault.check.keyfile_checksum"
    assert caught.value.message("nl") != WrongPassphrase().message("nl")
    assert folder_state(closed) == state


@pytest.mark.parametrize("version", [1, 3, 7])
def test_old_fixture_key_files_open_and_are_upgraded(version: int, tmp_path: Path) -> None:
    from tests.fixtures.make_fixture_vault import FIXTURE_PASSPHRASE

    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / f"vault-v{version}", folder)
    assert json.loads((folder / KEY_FILE).read_text())["version"] == 1
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as vault:
        dek = bytes(vault.key_buffer)
    upgraded = json.loads((folder / KEY_FILE).read_text())
    assert upgraded["version"] == 2 and len(upgraded["checksum"]) == 64
    assert bytes(unwrap_dek(KeyFile.read(folder / KEY_FILE), FIXTURE_PASSPHRASE)) == dek
    Vault.unlock(folder, FIXTURE_PASSPHRASE).lock()


# -- worker connections at lock ------------------------------------------------------------------


def test_lock_keeps_the_folder_locked_until_the_last_worker_closes(
    vault: Vault, vault_dir: Path
) -> None:
    add_demo(vault, 3)
    key = WorkerVaultKey(vault)
    inside = threading.Event()
    locked = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        with key.open() as worker:
            progress_after_lock = 0

            def progress() -> int:
                nonlocal progress_after_lock
                inside.set()
                if locked.is_set():
                    progress_after_lock += 1
                    if progress_after_lock > 1000:
                        outcome["not_interrupted"] = True
                        return 1
                return 0

            worker.conn.set_progress_handler(progress, 1000)
            try:
                worker.conn.execute(
                    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
                    " SELECT count(*) FROM r"
                ).fetchone()
            except Exception as exc:
                outcome["query"] = exc
            try:
                _ = worker.conn
            except Exception as exc:
                outcome["after"] = exc
            outcome["open_while_worker"] = _try_unlock(vault_dir)

    thread = threading.Thread(target=work)
    thread.start()
    assert inside.wait(120)
    vault.lock()
    locked.set()
    thread.join()
    assert "not_interrupted" not in outcome
    assert isinstance(outcome["query"], VaultLocked)
    assert isinstance(outcome["after"], VaultLocked)
    assert isinstance(outcome["open_while_worker"], VaultInUse)
    assert vault.workers.open_count == 0
    Vault.unlock(vault_dir, PASSPHRASE).lock()  # released once the worker closed


def _try_unlock(folder: Path) -> BaseException | None:
    try:
        Vault.unlock(folder, PASSPHRASE).lock()
    except BaseException as exc:
        return exc
    return None


def test_no_worker_opens_after_lock_and_unused_key_copies_are_wiped(vault: Vault) -> None:
    key = WorkerVaultKey(vault)
    assert any(key._key)
    vault.lock()
    assert not any(key._key)
    with pytest.raises(VaultLocked), key.open():
        pass
    late = WorkerVaultKey(vault)  # made from the (zeroed) key after lock
    with pytest.raises(VaultLocked), late.open():
        pass


# -- the lock file -----------------------------------------------------------------------------


def test_deleting_vault_lock_does_not_let_a_second_opener_in(vault: Vault, vault_dir: Path) -> None:
    (vault_dir / LOCK_FILE).unlink()
    with pytest.raises(VaultInUse):
        Vault.unlock(vault_dir, PASSPHRASE)
    assert vault.conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 4


def test_deleting_vault_lock_held_by_another_process(closed: Path) -> None:
    with held_by_another_process(closed, PASSPHRASE, ROOT):
        (closed / LOCK_FILE).unlink()
        with pytest.raises(VaultInUse):
            Vault.unlock(closed, PASSPHRASE)
    Vault.unlock(closed, PASSPHRASE).lock()


def test_a_lock_file_replaced_while_locking_is_refused(tmp_path: Path) -> None:
    path = tmp_path / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _same_file(fd, path)  # the same file: fine
        path.unlink()
        path.write_bytes(b"")
        with pytest.raises(OSError, match="replaced"):
            _same_file(fd, path)
    finally:
        os.close(fd)
    lock = VaultLock(path)
    lock.acquire()
    assert lock.held
    lock.release()
