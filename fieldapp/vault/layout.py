"""The files of a vault folder. Cheap to import: the desktop decides between its first-run and
unlock windows with this before any cryptography is loaded."""

from __future__ import annotations

from pathlib import Path

KEY_FILE = "vault.key"
PENDING_KEY_FILE = "vault.key.pending"
DB_FILE = "vault.db"
LOCK_FILE = "vault.lock"
ANCHOR_FILE = "vault.anchor"


def vault_exists(folder: Path) -> bool:
    return (folder / KEY_FILE).exists() or (folder / DB_FILE).exists()
