"""Opening SQLCipher with a raw key and the settings every connection needs.

One connection per thread: ``check_same_thread`` stays on. Transactions are explicit
(autocommit mode plus :func:`transaction`), so "saved" always means "committed".

Every connection is a :class:`VaultConnection`: an error the file system caused (a full disk,
a read-only folder, an I/O error) leaves it as a :class:`fieldapp.errors.StorageError` that is
also a ``sqlcipher3.OperationalError``, so it reads as what it is and never as damage, while
code that catches database errors keeps working.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlcipher3

from fieldapp.errors import StorageError, VaultLocked, storage_error
from fieldapp.vault.memory import wipe

DatabaseError = sqlcipher3.DatabaseError
SQLITE_INTERRUPT = 9

# Applied before anything else on every connection. temp_store=MEMORY matters most: SQLite's
# temporary files are not encrypted, and a large sort would otherwise spill to /var/tmp.
#
# cipher_log_level=NONE: SQLCipher otherwise writes its own lines ("ERROR CORE
# sqlcipher_page_cipher: hmac check failed for pgno=1") to stderr before our clear message.
# The setting is process-wide in SQLCipher 4.19; setting it on every connection keeps it so.
#
# cipher_memory_security is OFF, deliberately (docs/SECURITY.md suggests ON). Measured on the 2-core
# machine: with ON, inserting 5,000 demo visits took 20-28 s instead of 2.5-5 s and a full-text
# query 48-58 ms instead of 3-5 ms, because every SQLite allocation is then mlocked and wiped.
# What it protects, SQLite's freed buffers, is a small part of the plaintext in this process:
# the same text lives in Python str objects that are never wiped. The protections that cover
# the whole process stay on: no core dumps, PR_SET_DUMPABLE=0, and lock (closing the
# connection and zeroing our key buffer) after idle time.
CONNECTION_PRAGMAS = (
    "PRAGMA cipher_log_level = NONE",
    "PRAGMA cipher_memory_security = OFF",
    "PRAGMA cipher_compatibility = 4",
)
AFTER_KEY_PRAGMAS = (
    "PRAGMA temp_store = MEMORY",
    "PRAGMA secure_delete = ON",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 5000",
    # 32 MiB of decrypted pages: every miss costs a decrypt and a MAC check.
    "PRAGMA cache_size = -32768",
)

# The database file and its -wal and -shm: owner only, like the key file (0600) and the vault
# folder (0700). They hold ciphertext, but nobody else needs to read it. SQLite on Unix gives
# the -wal and -shm files the permissions of the database file (whatever the umask), so the
# database file is made with this mode before SQLite opens it. Windows has no such modes.
DATABASE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm")

_FLAVOURS: dict[type[StorageError], type[StorageError]] = {}


def sqlite_flavour(error: StorageError) -> StorageError:
    """The same storage error, also a ``sqlcipher3.OperationalError``."""
    cls = type(error)
    if issubclass(cls, sqlcipher3.OperationalError):
        return error
    flavour = _FLAVOURS.get(cls)
    if flavour is None:
        flavour = type(cls.__name__, (cls, sqlcipher3.OperationalError), {})
        flavour.__module__ = cls.__module__
        _FLAVOURS[cls] = flavour
    return flavour(path=error.path, detail=error.detail, target=error.target)


class VaultConnection(sqlcipher3.Connection):  # type: ignore[misc]  # sqlcipher3 ships no types
    """A connection that tells storage failures from damage (see the module text).

    ``storage_path`` is the database file; ``target`` marks a file written outside the vault
    (a backup's staging copy). ``after_commit`` is called after :func:`transaction` commits;
    ``closing`` is set when the vault locks, so an interrupted statement reads as "locked".
    Reads that fail while a cursor is being iterated are not translated (wrapping every row
    would cost measurable time on large lists); they are reads, and SQLite reports a full disk
    on writes.
    """

    storage_path: Path | None = None
    target = False
    after_commit: Callable[[], None] | None = None
    closing = False

    def translate(self, exc: BaseException) -> BaseException:
        code = getattr(exc, "sqlite_errorcode", None)
        if self.closing and isinstance(code, int) and code & 0xFF == SQLITE_INTERRUPT:
            return _locked_flavour()
        if self.storage_path is None:
            return exc
        path = self.storage_path
        error = storage_error(
            exc, path, target=self.target, shown=None if self.target else path.parent
        )
        return exc if error is None else sqlite_flavour(error)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlcipher3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlcipher3.Error as exc:
            translated = self.translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlcipher3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlcipher3.Error as exc:
            translated = self.translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    def executescript(self, script: str, /) -> sqlcipher3.Cursor:
        try:
            return super().executescript(script)
        except sqlcipher3.Error as exc:
            translated = self.translate(exc)
            if translated is exc:
                raise
            raise translated from exc


Connection = VaultConnection


class _LockedFlavour(VaultLocked, sqlcipher3.OperationalError):  # type: ignore[misc]  # sqlcipher3 ships no types
    pass


def _locked_flavour() -> VaultLocked:
    return _LockedFlavour()


def raw_key_literal(dek: bytes | bytearray) -> bytearray:
    """``x'<hex>'`` as a mutable buffer: SQLCipher takes it as a raw key, skipping its PBKDF2."""
    literal = bytearray(b"x'")
    literal += dek.hex().encode("ascii")
    literal += b"'"
    return literal


def open_database(
    path: Path,
    dek: bytes | bytearray,
    *,
    create: bool,
    exclusive: bool = False,
    target: bool = False,
) -> Connection:
    """Open (or with ``create`` make) the database; the first read proves the key and header.

    ``exclusive`` opens with ``locking_mode=EXCLUSIVE`` before the first read: SQLite then keeps
    the WAL index in memory and needs no ``-shm`` file, which a full disk cannot grow. Only the
    vault's own connection may do this (no other connection can open the file meanwhile).
    """
    uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
    try:
        owner_only(path, create=create)
        conn = sqlcipher3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=True, factory=VaultConnection
        )
    except (sqlcipher3.Error, OSError) as exc:
        error = storage_error(exc, path, target=target, shown=None if target else path.parent)
        if error is None:
            raise
        raise sqlite_flavour(error) from exc
    assert isinstance(conn, VaultConnection)
    conn.storage_path = path
    conn.target = target
    try:
        for pragma in CONNECTION_PRAGMAS:
            conn.execute(pragma)
        apply_key(conn, dek)
        if exclusive:
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        for pragma in AFTER_KEY_PRAGMAS:
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def owner_only(path: Path, *, create: bool) -> None:
    """Make a new database file with :data:`DATABASE_MODE` (SQLite would use 0644 less the
    umask), and take the group's and others' bits off an existing one and its -wal and -shm
    (made by an older FieldApp, or copied in). A file that cannot be changed (a read-only
    medium, another owner) opens as it is: the vault folder is 0700 anyway."""
    if os.name == "nt":
        return
    if create:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        os.close(os.open(path, flags, DATABASE_MODE))
    for file in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES)):
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                os.chmod(file, mode & 0o700)


def pragma_values(conn: Connection, pragma: str) -> list[Any]:
    """First column of every row of a pragma, with its cursor closed at once. A check pragma's
    cursor left open keeps its statement alive, and every later write then ran about ten times
    slower (measured: 20k inserts 0.08 s -> 0.97 s after an unclosed quick_check)."""
    with contextlib.closing(conn.execute(pragma)) as cursor:
        return [row[0] for row in cursor.fetchall()]


def apply_key(conn: Connection, dek: bytes | bytearray) -> None:
    literal = raw_key_literal(dek)
    try:
        conn.set_key(literal)
    finally:
        wipe(literal)


def rekey(conn: Connection, new_dek: bytes | bytearray) -> None:
    literal = raw_key_literal(new_dek)
    try:
        conn.reset_key(literal)
    except sqlcipher3.Error as exc:
        translated = conn.translate(exc) if isinstance(conn, VaultConnection) else exc
        if translated is exc:
            raise
        raise translated from exc
    finally:
        wipe(literal)


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. Not reentrant on purpose.

    SQLite rolls a transaction back by itself when a statement fails with a full disk or an
    I/O error; a second ROLLBACK would then fail ("no transaction is active") and hide the
    real error, so it is only sent while a transaction is open. A failed COMMIT may leave the
    transaction open (SQLITE_FULL, SQLITE_BUSY): it is rolled back too, so nothing is left half
    done and the connection stays usable.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlcipher3.Error):
                conn.execute("ROLLBACK")
        raise
    hook = getattr(conn, "after_commit", None)
    if hook is not None:
        hook()
