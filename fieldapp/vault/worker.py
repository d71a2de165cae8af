"""The vault on a worker thread: one connection per thread, so slow work (statistics, links,
exports, retention) never runs on the GUI thread's connection.

:class:`WorkerVaultKey` is made on the thread that owns the open vault. It copies the database
key and wipes the copy as soon as the worker has opened its connection (or on
:meth:`WorkerVaultKey.discard`, when the job never ran). The worker's :class:`WorkerVault` has
what the store code uses of a :class:`~fieldapp.vault.vault.Vault`: ``conn``, ``info``,
``actor``, ``folder`` and ``is_open``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.vault import connection
from fieldapp.vault.connection import Connection
from fieldapp.vault.layout import DB_FILE
from fieldapp.vault.memory import wipe

if TYPE_CHECKING:
    from fieldapp.vault.vault import Vault, VaultInfo


@dataclass(slots=True)
class WorkerVault:
    folder: Path
    info: VaultInfo
    conn: Connection

    @property
    def actor(self) -> str:
        return self.info.device_id[:8]

    @property
    def is_open(self) -> bool:
        return True


class WorkerVaultKey:
    def __init__(self, vault: Vault) -> None:
        self.folder = Path(vault.folder)
        self.info = vault.info
        self._key = bytearray(vault.key_buffer)

    def discard(self) -> None:
        wipe(self._key)

    @contextlib.contextmanager
    def open(self) -> Iterator[WorkerVault]:
        """The worker's own connection, closed when the block ends; the key copy is gone
        once the database is open."""
        try:
            conn = connection.open_database(self.folder / DB_FILE, self._key, create=False)
        finally:
            self.discard()
        try:
            yield WorkerVault(self.folder, self.info, conn)
        finally:
            conn.close()
