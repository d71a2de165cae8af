"""Errors a user can cause or meet. Each carries a message key, so it can be shown in Dutch
or English, and never a traceback."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

from fieldapp.i18n import t


class FieldAppError(Exception):
    """Base of every expected failure; ``key`` names the message in the translation catalogue."""

    key = "error.generic"
    # A line a front door says after the message, set where it knows more than the core (the
    # command line's way to confirm an older vault).
    hint: str | None = None

    def __init__(self, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str | None = None) -> str:
        params = {
            name: (value.message(lang) if isinstance(value, FieldAppError) else value)
            for name, value in self.params.items()
        }
        return t(self.key, lang, **params)

    def __str__(self) -> str:
        return self.message()


class VaultError(FieldAppError):
    key = "vault.error"


class WrongPassphrase(VaultError):
    key = "vault.wrong_passphrase"


class VaultDamaged(VaultError):
    """The vault exists but a named check failed; ``check`` says which (a message key)."""

    key = "vault.damaged"

    def __init__(self, check: str, **params: Any) -> None:
        self.check = check
        super().__init__(None, **params)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, check=t(self.check, lang, **self.params))


class VaultNotFound(VaultError):
    key = "vault.not_found"


class VaultExists(VaultError):
    key = "vault.exists"


class PracticeOnly(VaultError):
    """A practice vault (issue 17) keeps everything inside: nothing is synced, enrolled or
    written out of it, so practice never mixes with real work."""

    key = "vault.practice.stays_inside"


class VaultInUse(VaultError):
    key = "vault.in_use"


class VaultLocked(VaultError):
    key = "vault.locked"


class PassphraseChangeInterrupted(VaultError):
    """A passphrase change stopped between the database taking the new key and the key file
    being replaced; ``use_new`` says which passphrase opens the vault now."""

    def __init__(self, *, use_new: bool) -> None:
        self.use_new = use_new
        super().__init__(
            "vault.passwd_interrupted_new" if use_new else "vault.passwd_interrupted_old"
        )


class ValidationError(FieldAppError):
    """Input refused as a whole; ``field`` is the path to the offending value."""

    key = "validation.error"

    def __init__(self, field: str, problem: str, **params: Any) -> None:
        self.field = field
        self.problem = problem
        super().__init__(None, **params)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, field=self.field, problem=t(self.problem, lang, **self.params))


class NotFound(FieldAppError):
    key = "store.not_found"


# -- storage: the file system said no (not damage) -------------------------------------------


class StorageError(VaultError, OSError):
    """The disk or folder refused a read or write: full, read-only, gone, or an I/O error.

    Never damage, and the message says so: a full disk once read as "the vault is damaged,
    restore a backup", and following that advice loses work. ``target`` marks a file being
    written elsewhere (a backup, a restore's source) rather than the vault itself. Also an
    ``OSError``, so code that catches file errors keeps catching these; the SQLite flavour
    (``fieldapp.vault.connection``) is also a ``sqlcipher3.OperationalError``.
    """

    key = "vault.storage.io"
    target_key = "vault.storage.io_target"

    def __init__(self, *, path: str, detail: str = "", target: bool = False) -> None:
        self.path = path
        self.detail = detail
        self.target = target
        super().__init__(self.target_key if target else None, path=path, detail=detail or "-")


class DiskFull(StorageError):
    key = "vault.storage.full"
    target_key = "vault.storage.full_target"


class StorageReadOnly(StorageError, PermissionError):
    """A read-only medium or folder, or no write permission (EROFS, EACCES, SQLITE_READONLY)."""

    key = "vault.storage.read_only"
    target_key = "vault.storage.read_only_target"


class StorageNoAccess(StorageError, PermissionError):
    """No permission to read (EACCES while reading)."""

    key = "vault.storage.no_access"
    target_key = "vault.storage.no_access_target"


class FolderMissing(StorageError, FileNotFoundError):
    key = "vault.storage.folder_missing"
    target_key = "vault.storage.folder_missing_target"


class VaultRolledBack(VaultError):
    """The vault is older than this computer or its own folder last saw it (rollback
    evidence). ``reason``: ``older`` or ``diverged``; ``authenticated`` says whether the record
    it was compared with carries a valid MAC under the vault's current key."""

    key = "vault.rolled_back.older"

    def __init__(
        self, reason: str, *, expected: int, found: int, seen_at: str, authenticated: bool
    ) -> None:
        self.reason = reason
        self.authenticated = authenticated
        super().__init__(
            f"vault.rolled_back.{reason}", expected=expected, found=found, seen_at=seen_at
        )

    def message(self, lang: str | None = None) -> str:
        text = super().message(lang)
        if not self.authenticated:
            text += " " + t("vault.rolled_back.unauthenticated", lang)
        return text


# errno values, by name so that this module imports nothing platform-specific.
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_MISSING = {errno.ENOENT, errno.ENOTDIR}
_IO = {errno.EIO, getattr(errno, "ENXIO", errno.EIO), getattr(errno, "ENODEV", errno.EIO)}
# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 8, 10, 13, 14
# sqlite3_errstr() of those codes.
_SQLITE_MESSAGES = {
    "attempt to write a readonly database": SQLITE_READONLY,
    "disk I/O error": SQLITE_IOERR,
    "database or disk is full": SQLITE_FULL,
    "unable to open database file": SQLITE_CANTOPEN,
}
# An I/O error with less free space than this on the vault's disk is read as a full disk:
# SQLite reports a -shm it cannot grow as a plain I/O error, not as SQLITE_FULL.
LOW_SPACE_BYTES = 1024 * 1024


def storage_error(
    exc: BaseException,
    path: Path | str,
    *,
    target: bool = False,
    reading: bool = False,
    shown: Path | str | None = None,
) -> StorageError | None:
    """What a failed file or database operation on the file ``path`` means for the user, or
    ``None`` when it is not a storage problem (a damaged page, a wrong key, a bug). ``shown``
    is the path the message names (default ``path``; the vault's folder reads better than its
    database file)."""
    if isinstance(exc, StorageError):
        return exc
    path = Path(path)
    kind = _storage_kind(exc, path, reading)
    if kind is None:
        return None
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if kind is FolderMissing:
        shown = _missing_folder(path)
    return kind(path=str(path if shown is None else shown), detail=detail, target=target)


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code
    if type(exc).__module__.startswith(("sqlcipher3", "sqlite3")):
        # Some calls (Connection.backup) raise without the code: SQLite's own text tells it.
        return _SQLITE_MESSAGES.get(str(exc))
    return None


def _storage_kind(exc: BaseException, path: Path, reading: bool) -> type[StorageError] | None:
    code = _sqlite_code(exc)
    if isinstance(code, int):
        code &= 0xFF
        if code == SQLITE_FULL:
            return DiskFull
        if code == SQLITE_READONLY:
            return StorageReadOnly
        if code in (SQLITE_IOERR, SQLITE_CANTOPEN):
            if code == SQLITE_CANTOPEN and not _existing_folder(path):
                return FolderMissing
            if code == SQLITE_CANTOPEN and not _writable(path):
                return StorageReadOnly
            if low_on_space(path):
                return DiskFull
            return StorageError if code == SQLITE_IOERR else None
        return None
    if not isinstance(exc, OSError):
        return None
    if exc.errno in _FULL:
        return DiskFull
    if exc.errno in _READ_ONLY:
        return StorageNoAccess if reading and exc.errno != errno.EROFS else StorageReadOnly
    if exc.errno in _MISSING:
        return None if _existing_folder(path) else FolderMissing
    if exc.errno in _IO:
        return StorageError
    return None


def low_on_space(path: Path) -> bool:
    folder = _nearest_existing(path)
    if folder is None:
        return False

    try:
        return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def _existing_folder(path: Path) -> bool:
    """Whether the folder ``path`` (a file's path) would live in exists."""
    return path.parent.is_dir()


def _missing_folder(path: Path) -> Path:
    """The first folder on the way to the file ``path`` that does not exist: what the user
    must create or plug in."""
    missing = path.parent
    while missing.parent != missing and not missing.parent.is_dir():
        missing = missing.parent
    return missing


def _nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return None


def _writable(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    return os.access(folder, os.W_OK) and (not path.is_file() or os.access(path, os.W_OK))
