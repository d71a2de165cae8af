"""The encrypted vault: a folder with a key file and a SQLCipher database.

Layout of a vault folder::

    vault.key           key file: KDF parameters, salt, the wrapped database key and a
                        checksum (no secret)
    vault.key.pending   only during a key change: the new wrapped key, until the database has it
    vault.db            SQLCipher 4 database (plus -wal and -shm while open; both encrypted)
    vault.anchor        rollback evidence: the newest audit entry's number and hash, with a MAC
    vault.lock          advisory lock held while a process has the vault open (the folder
                        itself is locked too, on POSIX)

A second rollback record per vault folder lives in the user's data folder (``anchor.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldapp.vault.keyfile import KdfParams
    from fieldapp.vault.vault import (
        CheckReport,
        UnlockKeys,
        Vault,
        VaultInfo,
        derive_unlock_keys,
    )

__all__ = ["CheckReport", "KdfParams", "UnlockKeys", "Vault", "VaultInfo", "derive_unlock_keys"]


def __getattr__(name: str) -> Any:
    """Loaded on first use (PEP 562): the desktop shows its unlock window before SQLCipher,
    Argon2 and cryptography are imported, and `fieldapp.vault.passphrase` stays cheap to
    import. Real imports, so import-linter and PyInstaller see them."""
    if name == "KdfParams":
        from fieldapp.vault import keyfile  # noqa: PLC0415 - PEP 562: on first use (above)

        return keyfile.KdfParams
    if name in __all__:
        from fieldapp.vault import vault  # noqa: PLC0415 - PEP 562: on first use (above)

        return getattr(vault, name)
    raise AttributeError(name)
