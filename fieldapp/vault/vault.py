"""Create, unlock, lock, check, rekey, back up and restore a vault."""

from __future__ import annotations

import contextlib
import os
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from fieldapp.atomic import atomic_writer, fsync_dir, temp_name_for
from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.errors import (
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from fieldapp.store import audit
from fieldapp.vault import connection
from fieldapp.vault.connection import Connection, DatabaseError, pragma_values, transaction
from fieldapp.vault.keyfile import KdfParams, KeyFile, new_dek, unwrap_dek, wipe, wrap_dek
from fieldapp.vault.layout import DB_FILE, KEY_FILE, LOCK_FILE, PENDING_KEY_FILE, vault_exists
from fieldapp.vault.lockfile import VaultLock
from fieldapp.vault.migrations import SCHEMA_VERSION, migrate

BACKUP_MAGIC = b"FIELDAPP-VAULT-BACKUP-1\n"
MAX_BACKUP_KEY_FILE = 64 * 1024
COPY_CHUNK = 1024 * 1024
MIN_DATABASE_BYTES = 4096  # one page; a vault file is always a whole number of pages
# Unlock runs the full page checks only up to this size (16 MiB); they cost about 6.6 ms per
# MiB (measured), and unlock must stay within KDF + 150 ms. Larger vaults are checked by
# `vault check` (and the desktop's background check). Either way SQLCipher verifies each
# page's MAC when it is read, so damage is never read as data.
FULL_CHECK_AT_UNLOCK_MAX_PAGES = 4096


@dataclass(frozen=True, slots=True)
class VaultInfo:
    vault_id: str
    device_id: str
    role: Role
    created_at: str
    schema_version: int


@dataclass(slots=True)
class CheckReport:
    """Each named check with ``None`` for passed or a short detail for failed."""

    results: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(detail is None for detail in self.results.values())


class Vault:
    """An open vault. Every use of ``conn`` after :meth:`lock` raises ``VaultLocked``."""

    def __init__(
        self, folder: Path, conn: Connection, dek: bytearray, lock: VaultLock, info: VaultInfo
    ) -> None:
        self.folder = folder
        self._conn: Connection | None = conn
        self._dek = dek
        self._lock = lock
        self.info = info
        self.actor = info.device_id[:8]

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def create(
        cls, folder: Path, passphrase: str, role: Role, kdf: KdfParams | None = None
    ) -> Self:
        """Make a new vault and return it open. Refuses a folder that holds any vault file."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = VaultLock(folder / LOCK_FILE)
        lock.acquire()
        dek = new_dek()
        db_path = folder / DB_FILE
        try:
            if vault_exists(folder):
                raise VaultExists(path=str(folder))
            vault_id = str(uuid.uuid4())
            key_file = wrap_dek(vault_id, dek, passphrase, kdf or KdfParams())
            conn = connection.open_database(db_path, dek, create=True)
            try:
                migrate(conn, role=Role(role).value)
                with transaction(conn):
                    conn.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("vault_id", vault_id),
                            ("device_id", str(uuid.uuid4())),
                            ("role", Role(role).value),
                            ("created_at", now_iso()),
                        ],
                    )
                    audit.append(conn, "system", "create", "vault", vault_id)
                # The key file comes last: without it the database is unusable, so a crash
                # before this point leaves nothing that looks like a working vault.
                key_file.write(folder / KEY_FILE)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            if not (folder / KEY_FILE).exists():
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        Path(f"{db_path}{suffix}").unlink()
            wipe(dek)
            lock.release()
            raise
        return cls(folder, conn, dek, lock, _read_info(conn))

    @classmethod
    def unlock(cls, folder: Path, passphrase: str) -> Self:
        """Open an existing vault. Wrong passphrase, damage and absence each raise their own
        error, and none of them writes anything to the folder."""
        return cls.open_with_keys(folder, derive_unlock_keys(folder, passphrase))

    @classmethod
    def open_with_keys(cls, folder: Path, keys: UnlockKeys) -> Self:
        """The fast half of unlocking, on the thread that will use the connection. Takes over
        ``keys``: the key it opens with lives on in the vault, the other is wiped."""
        folder = Path(folder)
        lock = VaultLock(folder / LOCK_FILE)
        try:
            lock.acquire()
        except BaseException:
            keys.wipe()
            raise
        conn: Connection | None = None
        dek: bytearray | None = None
        try:
            conn, dek = _open_resolving_interrupted_rekey(folder, keys)
            if pragma_values(conn, "PRAGMA page_count")[0] <= FULL_CHECK_AT_UNLOCK_MAX_PAGES:
                _verify_pages(conn)
            migrate(conn)
            info = _read_info(conn)
            if info.vault_id != keys.vault_id:
                raise VaultDamaged("vault.check.vault_id_mismatch")
            vault = cls(folder, conn, dek, lock, info)
            vault.record("unlock", "vault", info.vault_id)
            return vault
        except BaseException:
            if conn is not None:
                conn.close()
            keys.wipe()
            lock.release()
            raise

    def lock(self) -> None:
        """Close the connection, zero our copy of the key and release the folder lock."""
        if self._conn is None:
            return
        try:
            self.record("lock", "vault", self.info.vault_id)
        finally:
            self._conn.close()
            self._conn = None
            wipe(self._dek)
            self._lock.release()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise VaultLocked()
        return self._conn

    @property
    def key_buffer(self) -> bytearray:
        """The live DEK buffer (all zeros after lock); exposed for tests and bundle signing."""
        return self._dek

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    def record(self, action: str, kind: str, record_uuid: str | None = None) -> None:
        """An audit entry in its own transaction, for events that change no record."""
        with transaction(self.conn):
            audit.append(self.conn, self.actor, action, kind, record_uuid)

    # -- keys ----------------------------------------------------------------------------

    def change_passphrase(self, current: str, new: str, kdf: KdfParams | None = None) -> None:
        """Rewrap the same DEK under a new passphrase; the database is not touched."""
        key_path = self.folder / KEY_FILE
        key_file = KeyFile.read(key_path)
        wipe(unwrap_dek(key_file, current))  # proves ``current``; WrongPassphrase otherwise
        wrap_dek(key_file.vault_id, self._dek, new, kdf or key_file.kdf).write(key_path)
        self.record("passwd", "vault", self.info.vault_id)

    def rekey(self, passphrase: str) -> None:
        """Replace the DEK itself. The new key file is written as ``pending`` first, so a crash
        between the database rekey and the key-file swap is resolved at the next unlock."""
        key_path = self.folder / KEY_FILE
        key_file = KeyFile.read(key_path)
        wipe(unwrap_dek(key_file, passphrase))
        fresh = new_dek()
        pending_path = self.folder / PENDING_KEY_FILE
        wrap_dek(key_file.vault_id, fresh, passphrase, key_file.kdf).write(pending_path)
        try:
            connection.rekey(self.conn, fresh)
        except BaseException:
            pending_path.unlink(missing_ok=True)
            wipe(fresh)
            raise
        # From here the database uses the new key, whatever happens to the key-file swap (if
        # it fails, the next unlock completes it from the pending file).
        wipe(self._dek)
        self._dek = fresh
        os.replace(pending_path, key_path)
        fsync_dir(self.folder)
        self.record("rekey", "vault", self.info.vault_id)

    # -- checking ------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Every check we know: page MACs, b-tree integrity, foreign keys, search index, audit
        chain. Unlike unlock, this reports all results instead of stopping at the first."""
        report = CheckReport()
        conn = self.conn
        bad_pages = pragma_values(conn, "PRAGMA cipher_integrity_check")
        report.results["cipher_integrity_check"] = "; ".join(bad_pages) or None
        integrity = pragma_values(conn, "PRAGMA integrity_check")
        report.results["integrity_check"] = None if integrity == ["ok"] else "; ".join(integrity)
        dangling = pragma_values(conn, "PRAGMA foreign_key_check")
        report.results["foreign_key_check"] = f"{len(dangling)}" if dangling else None
        try:
            conn.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
            report.results["search_index"] = None
        except DatabaseError as exc:
            report.results["search_index"] = str(exc)
        broken_at = audit.verify_chain(conn)
        report.results["audit_chain"] = None if broken_at is None else f"seq {broken_at}"
        return report

    # -- backup and restore --------------------------------------------------------------

    def backup(self, out: Path) -> None:
        """One file holding the key file and an encrypted page copy of the database; it opens
        with the passphrase that was current when it was made. Written atomically."""
        out = Path(out)
        staging = temp_name_for(out.with_name(out.name + ".db"))
        try:
            target = connection.open_database(staging, self._dek, create=True)
            try:
                if self.conn.in_transaction:
                    raise VaultLocked()  # never reached from the UI; backup() would spin
                self.conn.backup(target)
                _verify_pages(target)
            finally:
                target.close()
            key_bytes = (self.folder / KEY_FILE).read_bytes()
            with atomic_writer(out) as handle, open(staging, "rb") as source:
                handle.write(BACKUP_MAGIC)
                handle.write(struct.pack(">I", len(key_bytes)))
                handle.write(key_bytes)
                while chunk := source.read(COPY_CHUNK):
                    handle.write(chunk)
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{staging}{suffix}").unlink()
        self.record("backup", "vault", self.info.vault_id)

    @classmethod
    def restore(cls, backup_file: Path, folder: Path, passphrase: str) -> Self:
        """Check a backup fully, then install it as a new vault in ``folder`` (which must not
        hold a vault: restoring never overwrites one)."""
        folder = Path(folder)
        if vault_exists(folder):
            raise VaultExists(path=str(folder))
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            source = open(backup_file, "rb")  # noqa: SIM115 - closed in finally below
        except OSError as exc:
            raise VaultDamaged("vault.check.backup_unreadable") from exc
        staging = temp_name_for(folder / DB_FILE)
        try:
            if source.read(len(BACKUP_MAGIC)) != BACKUP_MAGIC:
                raise VaultDamaged("vault.check.backup_format")
            (length,) = struct.unpack(">I", source.read(4).rjust(4, b"\0"))
            if length > MAX_BACKUP_KEY_FILE:
                raise VaultDamaged("vault.check.backup_format")
            key_bytes = source.read(length)
            key_file = KeyFile.from_bytes(key_bytes)
            wipe(unwrap_dek(key_file, passphrase))
            with atomic_writer(staging) as handle:
                while chunk := source.read(COPY_CHUNK):
                    handle.write(chunk)
            probe_dek = unwrap_dek(key_file, passphrase)
            try:
                probe = _open_existing(staging, probe_dek)
                try:
                    _verify_pages(probe)
                    if _read_info(probe).vault_id != key_file.vault_id:
                        raise VaultDamaged("vault.check.vault_id_mismatch")
                finally:
                    probe.close()
            finally:
                wipe(probe_dek)
            os.replace(staging, folder / DB_FILE)
            fsync_dir(folder)
            key_file.write(folder / KEY_FILE)
        finally:
            source.close()
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{staging}{suffix}").unlink()
        vault = cls.unlock(folder, passphrase)
        vault.record("restore", "vault", vault.info.vault_id)
        return vault


def _open_existing(db_path: Path, dek: bytearray) -> Connection:
    # SQLite treats an empty file as a new database and would write a fresh header into it.
    size = db_path.stat().st_size
    if size < MIN_DATABASE_BYTES:
        raise VaultDamaged("vault.check.header")
    if size % MIN_DATABASE_BYTES:
        raise VaultDamaged("vault.check.truncated")
    try:
        return connection.open_database(db_path, dek, create=False)
    except DatabaseError as exc:
        raise VaultDamaged("vault.check.header") from exc


@dataclass(slots=True)
class UnlockKeys:
    """What the passphrase unlocks: the slow half of unlocking (Argon2id), touching no
    database, so the desktop can run it on a worker thread."""

    vault_id: str
    dek: bytearray
    pending_dek: bytearray | None = None  # from vault.key.pending after an interrupted rekey

    def wipe(self) -> None:
        wipe(self.dek)
        if self.pending_dek is not None:
            wipe(self.pending_dek)


def derive_unlock_keys(folder: Path, passphrase: str) -> UnlockKeys:
    folder = Path(folder)
    key_path, db_path = folder / KEY_FILE, folder / DB_FILE
    if not key_path.exists() and not db_path.exists():
        raise VaultNotFound(path=str(folder))
    if not db_path.exists():
        raise VaultDamaged("vault.check.database_missing")
    if not key_path.exists():
        raise VaultDamaged("vault.check.keyfile_missing")
    key_file = KeyFile.read(key_path)
    keys = UnlockKeys(key_file.vault_id, unwrap_dek(key_file, passphrase))
    pending_path = folder / PENDING_KEY_FILE
    if pending_path.exists():
        # A pending key wrapped under an older passphrase is stale: ignore it.
        with contextlib.suppress(WrongPassphrase, VaultDamaged):
            keys.pending_dek = unwrap_dek(KeyFile.read(pending_path), passphrase)
    return keys


def _open_resolving_interrupted_rekey(
    folder: Path, keys: UnlockKeys
) -> tuple[Connection, bytearray]:
    """Open with the current key; if a rekey was cut short after the database took the new
    key, finish it with the pending key file instead. Returns the key in use; wipes the other."""
    pending_path = folder / PENDING_KEY_FILE
    try:
        conn = _open_existing(folder / DB_FILE, keys.dek)
    except VaultDamaged:
        if keys.pending_dek is None:
            raise
        conn = _open_existing(folder / DB_FILE, keys.pending_dek)
        os.replace(pending_path, folder / KEY_FILE)
        fsync_dir(folder)
        wipe(keys.dek)
        return conn, keys.pending_dek
    pending_path.unlink(missing_ok=True)
    if keys.pending_dek is not None:
        wipe(keys.pending_dek)
    return conn, keys.dek


def _verify_pages(conn: Connection) -> None:
    try:
        bad_pages = pragma_values(conn, "PRAGMA cipher_integrity_check")
        if bad_pages:
            raise VaultDamaged("vault.check.cipher_integrity", detail="; ".join(bad_pages[:5]))
        quick = pragma_values(conn, "PRAGMA quick_check")
        if quick != ["ok"]:
            raise VaultDamaged("vault.check.quick_check", detail="; ".join(quick[:5]))
    except DatabaseError as exc:
        raise VaultDamaged("vault.check.quick_check", detail=str(exc)) from exc


def _read_info(conn: Connection) -> VaultInfo:
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return VaultInfo(
            vault_id=meta["vault_id"],
            device_id=meta["device_id"],
            role=Role(meta["role"]),
            created_at=meta["created_at"],
            schema_version=SCHEMA_VERSION,
        )
    except (KeyError, ValueError, DatabaseError) as exc:
        raise VaultDamaged("vault.check.meta") from exc
