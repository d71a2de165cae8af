"""Linked cases off the GUI thread: a worker opens its own connection to the vault (one
connection per thread; the GUI thread's connection never leaves it), refreshes the keys when
they are stale and finds the clusters.

:class:`WorkerVaultKey` is made on the thread that owns the vault; it copies the database key,
and wipes the copy as soon as the worker has opened the database (or on :meth:`discard`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fieldapp.links.clusters import Cluster, find_clusters
from fieldapp.links.refresh import LinkSummary, keys_stale, refresh_links, require_coordinator
from fieldapp.vault import connection
from fieldapp.vault.connection import Connection
from fieldapp.vault.layout import DB_FILE
from fieldapp.vault.memory import wipe
from fieldapp.vault.vault import Vault, VaultInfo


@dataclass(slots=True)
class WorkerVault:
    """The vault as one worker thread sees it: ``conn``, ``info`` and ``actor``."""

    info: VaultInfo
    conn: Connection

    @property
    def actor(self) -> str:
        return self.info.device_id[:8]


class WorkerVaultKey:
    def __init__(self, vault: Vault) -> None:
        require_coordinator(vault)
        self.folder = Path(vault.folder)
        self.info = vault.info
        self._key = bytearray(vault.key_buffer)

    def discard(self) -> None:
        wipe(self._key)

    @contextlib.contextmanager
    def open(self) -> Iterator[WorkerVault]:
        try:
            conn = connection.open_database(self.folder / DB_FILE, self._key, create=False)
        finally:
            self.discard()
        try:
            yield WorkerVault(self.info, conn)
        finally:
            conn.close()


@dataclass(frozen=True, slots=True)
class LinksResult:
    clusters: list[Cluster]
    refreshed: LinkSummary | None  # None when the stored keys were current


def load_links(key: WorkerVaultKey, *, refresh: bool = False) -> LinksResult:
    """On a worker thread: refresh the keys (all of them if asked, else what changed), then
    the clusters."""
    with key.open() as vault:
        stale = refresh or keys_stale(vault)
        summary = refresh_links(vault, full=refresh) if stale else None
        return LinksResult(find_clusters(vault), summary)
