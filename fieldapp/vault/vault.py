"""Create, unlock, lock, check, rekey, back up and restore a vault."""

from __future__ import annotations

import contextlib
import os
import struct
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, Self

from fieldapp.atomic import atomic_writer, fsync_dir, temp_name_for
from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.errors import (
    DiskFull,
    FieldAppError,
    FolderMissing,
    PassphraseChangeInterrupted,
    PracticeOnly,
    StorageError,
    VaultDamaged,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    VaultRolledBack,
    WrongPassphrase,
    storage_error,
)
from fieldapp.localtime import utc_text
from fieldapp.vault import anchor, audit, connection
from fieldapp.vault.connection import Connection, DatabaseError, pragma_values, transaction
from fieldapp.vault.keyfile import (
    KEY_FILE_VERSION,
    KdfParams,
    KeyFile,
    new_dek,
    unwrap_dek,
    wrap_dek,
)
from fieldapp.vault.layout import DB_FILE, KEY_FILE, LOCK_FILE, PENDING_KEY_FILE, vault_exists
from fieldapp.vault.lockfile import VaultLock
from fieldapp.vault.memory import wipe
from fieldapp.vault.migrations import SCHEMA_VERSION, migrate
from fieldapp.vault.worker import WorkerGate

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
    practice: bool = False  # a practice vault (issue 17): fictional cases, nothing leaves it

    def require_real(self) -> None:
        """The one guard before anything leaves a vault (a bundle, an enrolment, a reply, a
        referral file): a practice vault refuses, with a message that says why."""
        if self.practice:
            raise PracticeOnly()


class VaultLike(Protocol):
    """What the store and the features need of an open vault: the desktop's own
    :class:`Vault` or a worker thread's :class:`~fieldapp.vault.worker.WorkerVault` (one
    connection per thread), so work moved to a worker needs no cast."""

    @property
    def conn(self) -> Connection: ...

    @property
    def actor(self) -> str: ...

    @property
    def info(self) -> VaultInfo: ...


@dataclass(slots=True)
class CheckReport:
    """Each named check with ``None`` for passed or a short detail for failed."""

    results: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(detail is None for detail in self.results.values())


class Vault:
    """An open vault. Every use of ``conn`` after :meth:`lock` raises ``VaultLocked``.

    ``notices`` holds what the user should hear about although the operation succeeded (the
    vault opened on a full disk, an audit entry that could not be written); each is a
    ``FieldAppError`` whose ``message()`` is the text.
    """

    def __init__(
        self,
        folder: Path,
        conn: Connection,
        dek: bytearray,
        lock: VaultLock,
        info: VaultInfo,
        *,
        exclusive: bool = False,
    ) -> None:
        self.folder = folder
        self._conn: Connection | None = conn
        self._dek = dek
        self._lock = lock
        self.info = info
        self.actor = info.device_id[:8]
        self.notices: list[FieldAppError] = []
        self.catalogues: list[str] = []  # versions registered from this vault (see lock)
        self.workers = WorkerGate()
        if exclusive:
            self.workers.exclusive_path = folder
        self._wal = anchor.WalWatch(folder)
        self._seen_seq = 0  # the newest audit entry seen after the last commit
        self._anchored: tuple[int, bytes] | None = None  # the head last recorded
        conn.after_commit = self._after_commit

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: Path,
        passphrase: str,
        role: Role,
        kdf: KdfParams | None = None,
        *,
        practice: bool = False,
    ) -> Self:
        """Make a new vault and return it open. Refuses a folder that holds any vault file.
        ``practice``: a field vault for practice cases, marked so for good (nothing leaves it)."""
        if practice and Role(role) is not Role.FIELD:
            raise ValueError("a practice vault is a field vault")
        folder = Path(folder)
        _mkdir(folder)
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
                            *([("practice", "1")] if practice else []),
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
        vault = cls(folder, conn, dek, lock, _read_info(conn))
        vault._write_anchor()
        return vault

    @classmethod
    def unlock(cls, folder: Path, passphrase: str, *, accept_older: bool = False) -> Self:
        """Open an existing vault. Wrong passphrase, damage, absence, a storage problem and a
        vault older than it was (``VaultRolledBack``, unless ``accept_older``) each raise their
        own error, and none of them writes anything to the folder."""
        return cls.open_with_keys(
            folder, derive_unlock_keys(folder, passphrase), accept_older=accept_older
        )

    @classmethod
    def open_with_keys(cls, folder: Path, keys: UnlockKeys, *, accept_older: bool = False) -> Self:
        """The fast half of unlocking, on the thread that will use the connection. Takes over
        ``keys``: the key it opens with lives on in the vault, the other is wiped.

        ``accept_older``: the user confirmed that an older state is deliberate (they put back
        a copy themselves). It is recorded in the audit log and becomes the new baseline."""
        return cls._open(Path(folder), keys, accept_older=accept_older, restoring=False)

    @classmethod
    def _open(cls, folder: Path, keys: UnlockKeys, *, accept_older: bool, restoring: bool) -> Self:
        lock = VaultLock(folder / LOCK_FILE)
        try:
            lock.acquire()
        except BaseException:
            keys.wipe()
            raise
        conn: Connection | None = None
        dek: bytearray | None = None
        try:
            conn, dek, exclusive = _open_resolving_interrupted_rekey(folder, keys)
            if pragma_values(conn, "PRAGMA page_count")[0] <= FULL_CHECK_AT_UNLOCK_MAX_PAGES:
                _verify_pages(conn)
            # Before migrate, which writes: a refused vault is left exactly as it was.
            evidence = _rollback_evidence(conn, folder, keys.vault_id, dek)
            if evidence is not None and not accept_older:
                raise VaultRolledBack(
                    evidence.reason,
                    expected=evidence.expected,
                    found=evidence.found,
                    seen_at=_readable_time(evidence.seen_at),
                    authenticated=evidence.authenticated,
                )
            migrate(conn)
            info = _read_info(conn)
            if info.vault_id != keys.vault_id:
                raise VaultDamaged("vault.check.vault_id_mismatch")
            vault = cls(folder, conn, dek, lock, info, exclusive=exclusive)
        except BaseException:
            if conn is not None:
                conn.close()
            keys.wipe()
            lock.release()
            raise
        vault._after_open(exclusive=exclusive, accepted=evidence is not None, restoring=restoring)
        return vault

    def _after_open(self, *, exclusive: bool, accepted: bool, restoring: bool) -> None:
        """What unlock writes, none of it a reason to refuse a vault that opened: on a full
        disk the vault must still open for reading (see ``_record_best_effort``)."""
        notice: str | None = "vault.notice.unlock_not_audited"
        if exclusive:
            # One notice says it all: opened for reading, nothing saved until space is freed,
            # and (therefore) this opening is not in the audit log.
            self.notices.append(
                FieldAppError("vault.notice.opened_on_full_disk", path=str(self.folder))
            )
            notice = None
        if restoring:
            self._record_best_effort("restore", "vault.notice.restore_not_audited")
        else:
            if accepted:
                self._record_best_effort("accept_older", notice)
            self._record_best_effort("unlock", notice)
        self._upgrade_key_file()
        self._write_anchor()
        self.register_catalogues()

    def register_catalogues(self) -> None:
        """Catalogue versions a coordinator's reply installed (issue 16), readable while the
        vault is open; one that no longer validates is skipped with a notice, never used.
        Called at unlock and after a reply or a publication installed one (on the thread
        that owns the vault: the loader's registry is the process's)."""
        new = [
            (version, files)
            for version, files in self.conn.execute(
                "SELECT version, files FROM catalogue_installed ORDER BY version"
            ).fetchall()
            if version not in self.catalogues
        ]
        if not new:
            return  # the usual case: unlock does not load the catalogue code
        from fieldapp.catalogue.loader import (  # noqa: PLC0415 - keep unlock light: the catalogue loads on first use
            catalogue_files_from_row,
            install_catalogue,
        )

        for version, files in new:
            try:
                install_catalogue(version, catalogue_files_from_row(files))
            except (FieldAppError, ValueError, zlib.error):
                self.notices.append(
                    FieldAppError("vault.notice.catalogue_unreadable", version=version)
                )
                continue
            self.catalogues.append(version)

    def lock(self) -> None:
        """Close the connection, zero our copy of the key and release the folder lock (at
        once, or when the last worker connection has closed: see ``worker.WorkerGate``)."""
        if self._conn is None:
            return
        try:
            self._record_best_effort("lock", None)
            self._write_anchor()
        finally:
            self._conn.close()
            self._conn = None
            wipe(self._dek)
            self.workers.close(self._lock.release)
            if self.catalogues:
                from fieldapp.catalogue.loader import release_catalogues  # noqa: PLC0415 - see register_catalogues

                release_catalogues(self.catalogues)
                self.catalogues = []

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

    def _record_best_effort(self, action: str, notice: str | None) -> bool:
        """Write an audit entry for an event that already happened (unlock, lock, a backup
        that is on disk). A storage failure does not undo the event: the entry is missing and
        the user is told. Reading a vault on a full disk changes nothing, so refusing to open
        it for want of an audit line would keep inspectors from their own notes, and would
        push them towards the wrong remedy; someone with the passphrase can read the files
        anyway, so the entry is a record, not a gate."""
        try:
            self.record(action, "vault", self.info.vault_id)
        except StorageError as exc:
            if notice is not None:
                self.notices.append(FieldAppError(notice, reason=exc))
            return False
        return True

    # -- rollback evidence ---------------------------------------------------------------

    def _after_commit(self) -> None:
        """After each transaction: a new record at the first commit of a new -wal generation
        (``anchor.WalWatch``) that wrote an audit entry, so the record names an entry that
        lives in that generation; otherwise one 32-byte read and one indexed query."""
        if self._conn is None:
            return
        with contextlib.suppress(DatabaseError):
            head = anchor.audit_head(self._conn)
            seq = 0 if head is None else head[0]
            new_entry, self._seen_seq = seq > self._seen_seq, seq
            if new_entry and self._wal.changed():
                self._write_anchor()

    def _write_anchor(self, deks: Iterable[bytes | bytearray] | None = None) -> None:
        """Best effort: a record that cannot be written leaves the older one, which the
        database still lives up to (records only ever trail the database)."""
        if self._conn is None:
            return
        with contextlib.suppress(OSError, DatabaseError):
            head = anchor.audit_head(self._conn)
            if deks is None and head == self._anchored:
                return  # already recorded, under the current key
            anchor.write(
                self._conn, self.folder, self.info.vault_id, deks or (self._dek,), now_iso()
            )
            self._anchored = head
            self._wal.mark()

    def _upgrade_key_file(self) -> None:
        """A key file of an older format gets its checksum (same wrapped key, no passphrase
        needed). Best effort: the old format still opens."""
        key_path = self.folder / KEY_FILE
        with contextlib.suppress(OSError, VaultError):
            key_file = KeyFile.read(key_path)
            if key_file.version < KEY_FILE_VERSION:
                key_file.write(key_path)

    # -- keys ----------------------------------------------------------------------------

    def change_passphrase(
        self, current: str, new: str, kdf: KdfParams | None = None, *, rekey: bool = True
    ) -> None:
        """A new passphrase, and by default a new database key with it.

        With ``rekey`` (the default) the database is re-encrypted under a fresh key, so a copy
        of the old key file together with the old passphrase no longer opens today's data (it
        opens only copies of the database from before the change). ``rekey=False`` only
        rewraps the same key: fast, but every old copy of the key file stays valid with the
        old passphrase for as long as the database key is not replaced."""
        key_path = self.folder / KEY_FILE
        key_file = KeyFile.read(key_path)
        wipe(unwrap_dek(key_file, current))  # proves ``current``; WrongPassphrase otherwise
        params = kdf or key_file.kdf
        if rekey:
            self._replace_key(key_file.vault_id, new, params, "passwd")
            return
        wrap_dek(key_file.vault_id, self._dek, new, params).write(key_path)
        self.record("passwd", "vault", self.info.vault_id)

    def rekey(self, passphrase: str) -> None:
        """Replace the DEK itself, keeping the passphrase. See :meth:`_replace_key`."""
        key_file = KeyFile.read(self.folder / KEY_FILE)
        wipe(unwrap_dek(key_file, passphrase))
        self._replace_key(key_file.vault_id, passphrase, key_file.kdf, "rekey")

    def _replace_key(self, vault_id: str, passphrase: str, params: KdfParams, action: str) -> None:
        """A fresh DEK for the database, wrapped under ``passphrase``. Crash-safe: the new key
        file is written as ``pending`` first, so a crash between the database rekey and the
        key-file swap is resolved at the next unlock (with either passphrase, see
        :func:`derive_unlock_keys`). The rollback records are sealed under both keys until the
        swap is done, so whichever key opens the vault next verifies them."""
        if self.conn.in_transaction:
            raise VaultLocked()  # never reached from the UI or CLI
        key_path = self.folder / KEY_FILE
        pending_path = self.folder / PENDING_KEY_FILE
        fresh = new_dek()
        try:
            wrap_dek(vault_id, fresh, passphrase, params).write(pending_path)
        except BaseException:
            wipe(fresh)
            raise
        self._write_anchor((self._dek, fresh))
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
        # Pages under the old key must not stay in vault.db or the -wal: copy every page into
        # the main file under the new key and empty the -wal. Best effort (a worker reading
        # keeps a checkpoint from finishing); closing the vault checkpoints again.
        with contextlib.suppress(DatabaseError):
            pragma_values(self.conn, "PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            os.replace(pending_path, key_path)
            fsync_dir(self.folder)
        except OSError as exc:
            raise _storage(exc, key_path) from exc
        self.record(action, "vault", self.info.vault_id)
        self._write_anchor()

    # -- checking ------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Every check we know: page MACs, b-tree integrity, foreign keys, search index, audit
        chain, rollback records. Unlike unlock, this reports all results instead of stopping
        at the first."""
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
        except StorageError:
            raise
        except DatabaseError as exc:
            report.results["search_index"] = str(exc)
        broken_at = audit.verify_chain(conn)
        report.results["audit_chain"] = None if broken_at is None else f"seq {broken_at}"
        evidence = anchor.evidence(conn, self.folder, self.info.vault_id, self._dek)
        report.results["rollback"] = (
            None
            if evidence is None
            else f"{evidence.where}: {evidence.reason}, seq {evidence.expected} "
            f"({evidence.seen_at}), {evidence.found} now"
        )
        return report

    # -- backup and restore --------------------------------------------------------------

    def backup(self, out: Path) -> None:
        """One file holding the key file and an encrypted page copy of the database; it opens
        with the passphrase that was current when it was made. Written atomically. A missing
        folder, a full or read-only target each raise their own ``StorageError`` (``target``)
        and leave nothing behind."""
        out = Path(out)
        if not out.parent.is_dir():
            raise FolderMissing(path=str(out.parent), detail="-", target=True)
        if self.conn.in_transaction:
            raise VaultLocked()  # never reached from the UI; backup() would spin
        staging = temp_name_for(out.with_name(out.name + ".db"))
        try:
            try:
                target = connection.open_database(staging, self._dek, create=True, target=True)
                try:
                    self.conn.backup(target)
                    _verify_pages(target)
                finally:
                    target.close()
            except DatabaseError as exc:
                error = storage_error(exc, out, target=True)
                if error is None:
                    raise
                raise error from exc
            key_bytes = (self.folder / KEY_FILE).read_bytes()
            try:
                with atomic_writer(out) as handle, open(staging, "rb") as source:
                    handle.write(BACKUP_MAGIC)
                    handle.write(struct.pack(">I", len(key_bytes)))
                    handle.write(key_bytes)
                    while chunk := source.read(COPY_CHUNK):
                        handle.write(chunk)
            except OSError as exc:
                raise _storage(exc, out, target=True) from exc
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{staging}{suffix}").unlink()
        self._record_best_effort("backup", "vault.notice.backup_not_audited")

    @classmethod
    def restore(cls, backup_file: Path, folder: Path, passphrase: str) -> Self:
        """Check a backup fully, then install it as a new vault in ``folder`` (which must not
        hold a vault: restoring never overwrites one). The restored state becomes the new
        baseline for rollback evidence."""
        folder = Path(folder)
        backup_file = Path(backup_file)
        if vault_exists(folder):
            raise VaultExists(path=str(folder))
        _mkdir(folder)
        try:
            source = open(backup_file, "rb")  # noqa: SIM115 - closed in finally below
        except FileNotFoundError as exc:
            raise VaultError("vault.backup_not_found", path=str(backup_file)) from exc
        except OSError as exc:
            error = storage_error(exc, backup_file, target=True, reading=True)
            raise error or VaultDamaged("vault.check.backup_unreadable") from exc
        staging = temp_name_for(folder / DB_FILE)
        try:
            if _read(source, backup_file, len(BACKUP_MAGIC)) != BACKUP_MAGIC:
                raise VaultDamaged("vault.check.backup_format")
            (length,) = struct.unpack(">I", _read(source, backup_file, 4).rjust(4, b"\0"))
            if length > MAX_BACKUP_KEY_FILE:
                raise VaultDamaged("vault.check.backup_format")
            key_bytes = _read(source, backup_file, length)
            key_file = KeyFile.from_bytes(key_bytes)
            wipe(unwrap_dek(key_file, passphrase))
            try:
                with atomic_writer(staging) as handle:
                    while chunk := _read(source, backup_file, COPY_CHUNK):
                        handle.write(chunk)
            except StorageError:
                raise
            except OSError as exc:
                raise _storage(exc, staging) from exc
            probe_dek = unwrap_dek(key_file, passphrase)
            try:
                probe, _ = _open_existing(staging, probe_dek)
                try:
                    _verify_pages(probe)
                    if _read_info(probe).vault_id != key_file.vault_id:
                        raise VaultDamaged("vault.check.vault_id_mismatch")
                finally:
                    probe.close()
            finally:
                wipe(probe_dek)
            try:
                os.replace(staging, folder / DB_FILE)
                fsync_dir(folder)
            except OSError as exc:
                raise _storage(exc, folder / DB_FILE) from exc
            key_file.write(folder / KEY_FILE)
        finally:
            source.close()
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{staging}{suffix}").unlink()
        return cls._open(
            folder, derive_unlock_keys(folder, passphrase), accept_older=True, restoring=True
        )


def _mkdir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _storage(exc, folder / KEY_FILE) from exc


def _storage(exc: OSError, path: Path, *, target: bool = False) -> OSError:
    """The storage error for ``exc``, or ``exc`` itself when it is something else. A file of
    the vault is shown as its folder."""
    return storage_error(exc, path, target=target, shown=None if target else path.parent) or exc


def _read(source: BinaryIO, path: Path, size: int) -> bytes:
    """Read from a backup file; a failing medium says so (not "damaged")."""
    try:
        return source.read(size)
    except OSError as exc:
        error = storage_error(exc, path, target=True, reading=True)
        raise error or VaultDamaged("vault.check.backup_unreadable") from exc


def _open_existing(db_path: Path, dek: bytearray) -> tuple[Connection, bool]:
    """The open database and whether it had to be opened exclusively (a full disk)."""
    # SQLite treats an empty file as a new database and would write a fresh header into it.
    try:
        size = db_path.stat().st_size
    except FileNotFoundError as exc:
        raise VaultDamaged("vault.check.database_missing") from exc
    except OSError as exc:
        raise _storage(exc, db_path) from exc
    if size < MIN_DATABASE_BYTES:
        raise VaultDamaged("vault.check.header")
    if size % MIN_DATABASE_BYTES:
        raise VaultDamaged("vault.check.truncated")
    try:
        try:
            return connection.open_database(db_path, dek, create=False), False
        except DiskFull as full:
            # WAL mode needs a -shm file, which a full disk cannot grow: SQLite then fails
            # before reading a page. In exclusive locking mode it keeps that index in memory,
            # so the vault still opens for reading. Anything else stays as it was.
            try:
                return connection.open_database(db_path, dek, create=False, exclusive=True), True
            except StorageError:
                raise full from None
    except StorageError:
        raise
    except DatabaseError as exc:
        raise VaultDamaged("vault.check.header") from exc


@dataclass(slots=True)
class UnlockKeys:
    """What the passphrase unlocks: the slow half of unlocking (Argon2id), touching no
    database, so the desktop can run it on a worker thread. ``dek`` is empty when only the
    pending key file opened with the passphrase (the new passphrase of a change that was cut
    short); ``pending_locked`` when a pending key file exists that it does not open."""

    vault_id: str
    dek: bytearray
    pending_dek: bytearray | None = None  # from vault.key.pending after an interrupted rekey
    pending_locked: bool = False

    def wipe(self) -> None:
        wipe(self.dek)
        if self.pending_dek is not None:
            wipe(self.pending_dek)


def derive_unlock_keys(folder: Path, passphrase: str) -> UnlockKeys:
    folder = Path(folder)
    key_path, db_path = folder / KEY_FILE, folder / DB_FILE
    try:
        key_exists, db_exists = key_path.exists(), db_path.exists()
    except OSError as exc:
        error = storage_error(exc, key_path, reading=True)
        if error is None:
            raise
        raise error from exc
    if not key_exists and not db_exists:
        raise VaultNotFound(path=str(folder))
    if not db_exists:
        raise VaultDamaged("vault.check.database_missing")
    if not key_exists:
        raise VaultDamaged("vault.check.keyfile_missing")
    key_file = KeyFile.read(key_path)
    pending_file: KeyFile | None = None
    pending_path = folder / PENDING_KEY_FILE
    if pending_path.exists():
        with contextlib.suppress(VaultDamaged, OSError):
            pending_file = KeyFile.read(pending_path)
            if pending_file.vault_id != key_file.vault_id:
                pending_file = None
    try:
        keys = UnlockKeys(key_file.vault_id, unwrap_dek(key_file, passphrase))
    except WrongPassphrase:
        if pending_file is None:
            raise
        # Perhaps the new passphrase of a change cut short after the database took the new
        # key: then only the pending key file opens with it.
        return UnlockKeys(key_file.vault_id, bytearray(), unwrap_dek(pending_file, passphrase))
    if pending_file is not None:
        try:
            keys.pending_dek = unwrap_dek(pending_file, passphrase)
        except WrongPassphrase:
            keys.pending_locked = True  # under another passphrase: stale, or a passwd's
    return keys


def _open_resolving_interrupted_rekey(
    folder: Path, keys: UnlockKeys
) -> tuple[Connection, bytearray, bool]:
    """Open with the current key; if a rekey was cut short after the database took the new
    key, finish it with the pending key file instead. Returns the key in use (and wipes the
    other) and whether the database was opened exclusively."""
    db_path = folder / DB_FILE
    if not keys.dek:
        # Only the pending file opened: the database must have taken its key already.
        assert keys.pending_dek is not None
        try:
            conn, exclusive = _open_existing(db_path, keys.pending_dek)
        except VaultDamaged as exc:
            raise PassphraseChangeInterrupted(use_new=False) from exc
        _finish_key_swap(folder)
        return conn, keys.pending_dek, exclusive
    try:
        conn, exclusive = _open_existing(db_path, keys.dek)
    except VaultDamaged as exc:
        if keys.pending_dek is None:
            if keys.pending_locked and exc.check == "vault.check.header":
                raise PassphraseChangeInterrupted(use_new=True) from exc
            raise
        conn, exclusive = _open_existing(db_path, keys.pending_dek)
        _finish_key_swap(folder)
        wipe(keys.dek)
        return conn, keys.pending_dek, exclusive
    with contextlib.suppress(OSError):
        (folder / PENDING_KEY_FILE).unlink(missing_ok=True)
    if keys.pending_dek is not None:
        wipe(keys.pending_dek)
    return conn, keys.dek, exclusive


def _finish_key_swap(folder: Path) -> None:
    """Put the pending key file in place. If the folder refuses (read-only, full), the vault
    still opens with the key in memory, and the next unlock tries again."""
    with contextlib.suppress(OSError):
        os.replace(folder / PENDING_KEY_FILE, folder / KEY_FILE)
        fsync_dir(folder)


def _rollback_evidence(
    conn: Connection, folder: Path, vault_id: str, dek: bytearray
) -> anchor.Evidence | None:
    try:
        return anchor.evidence(conn, folder, vault_id, dek)
    except StorageError:
        raise
    except DatabaseError as exc:
        raise VaultDamaged("vault.check.quick_check", detail=str(exc)) from exc


def _readable_time(iso: str) -> str:
    """``2026-11-20T08:30:00Z`` as ``2026-11-20 08:30 UTC`` for a message."""
    shown = utc_text(iso)
    return iso if shown == iso else f"{shown} UTC"


def _verify_pages(conn: Connection) -> None:
    try:
        bad_pages = pragma_values(conn, "PRAGMA cipher_integrity_check")
        if bad_pages:
            raise VaultDamaged("vault.check.cipher_integrity", detail="; ".join(bad_pages[:5]))
        quick = pragma_values(conn, "PRAGMA quick_check")
        if quick != ["ok"]:
            raise VaultDamaged("vault.check.quick_check", detail="; ".join(quick[:5]))
    except StorageError:
        raise
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
            practice=meta.get("practice") == "1",
        )
    except StorageError:
        raise
    except (KeyError, ValueError, DatabaseError) as exc:
        raise VaultDamaged("vault.check.meta") from exc
