"""The vault on a worker thread: one connection per thread, so slow work (statistics, links,
exports, retention) never runs on the GUI thread's connection.

:class:`WorkerVaultKey` is made on the thread that owns the open vault. It copies the database
key and wipes the copy as soon as the worker has opened its connection (or on
:meth:`WorkerVaultKey.discard`, when the job never ran). The worker's :class:`WorkerVault` has
what the store code uses of a :class:`~fieldapp.vault.vault.Vault`: ``conn``, ``info``,
``actor``, ``folder`` and ``is_open``.

Lock reaches the workers too (:class:`WorkerGate`, one per open vault): from the moment the
vault locks, no worker may open a connection, every key copy not yet used is wiped, a running
statement is interrupted, and ``conn`` raises ``VaultLocked``. The folder lock is released
only once the last worker connection has closed, so no connection to the database is ever
open while another process could open the vault.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.errors import DiskFull, VaultLocked
from fieldapp.vault import connection
from fieldapp.vault.connection import Connection, VaultConnection
from fieldapp.vault.layout import DB_FILE
from fieldapp.vault.memory import wipe

if TYPE_CHECKING:
    from fieldapp.vault.vault import Vault, VaultInfo


class WorkerGate:
    """The worker connections of one open vault, and whether new ones may open."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._open: set[_Slot] = set()
        self._keys: set[WorkerVaultKey] = set()
        self._closed = False
        self._on_idle: Callable[[], None] | None = None
        # Set when the vault had to open without a -shm file (a full disk): its connection
        # then holds the file exclusively, and another connection could only wait and fail.
        self.exclusive_path: Path | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def add_key(self, key: WorkerVaultKey) -> None:
        with self._cond:
            if self._closed:
                key.discard()
            else:
                self._keys.add(key)

    def drop_key(self, key: WorkerVaultKey) -> None:
        with self._cond:
            self._keys.discard(key)

    def reserve(self) -> _Slot:
        """A place for one worker connection, taken before it opens: lock waits for it."""
        with self._cond:
            if self._closed:
                raise VaultLocked()
            slot = _Slot()
            self._open.add(slot)
            return slot

    def fill(self, slot: _Slot, conn: VaultConnection) -> None:
        with self._cond:
            slot.conn = conn
            if self._closed:
                raise VaultLocked()

    def release(self, slot: _Slot) -> None:
        with self._cond:
            self._open.discard(slot)
            if self._open or self._on_idle is None:
                return
            on_idle, self._on_idle = self._on_idle, None
            self._cond.notify_all()
        on_idle()

    def close(self, on_idle: Callable[[], None]) -> None:
        """No new work; wipe unused key copies; interrupt what runs. ``on_idle`` (releasing
        the folder lock) runs now if no worker connection is open, else when the last one
        closes, on that worker's thread."""
        with self._cond:
            self._closed = True
            for key in self._keys:
                key.discard()
            self._keys.clear()
            for slot in self._open:
                if slot.conn is not None:
                    slot.conn.closing = True
                    with contextlib.suppress(Exception):
                        slot.conn.interrupt()  # thread-safe in SQLite; the worker sees VaultLocked
            if self._open:
                self._on_idle = on_idle
                return
        on_idle()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every worker connection has closed (for a caller that must know)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._open, timeout)

    @property
    def open_count(self) -> int:
        with self._cond:
            return len(self._open)


@dataclass(slots=True, eq=False)
class _Slot:
    conn: VaultConnection | None = None


@dataclass(slots=True)
class WorkerVault:
    folder: Path
    info: VaultInfo
    _conn: Connection
    _gate: WorkerGate = field(repr=False)

    @property
    def conn(self) -> Connection:
        if self._gate.closed:
            raise VaultLocked()
        return self._conn

    @property
    def actor(self) -> str:
        return self.info.device_id[:8]

    @property
    def is_open(self) -> bool:
        return not self._gate.closed


class WorkerVaultKey:
    def __init__(self, vault: Vault) -> None:
        self.folder = Path(vault.folder)
        self.info = vault.info
        self._gate: WorkerGate = vault.workers
        self._key = bytearray(vault.key_buffer)
        self._gate.add_key(self)

    def discard(self) -> None:
        wipe(self._key)

    @contextlib.contextmanager
    def open(self) -> Iterator[WorkerVault]:
        """The worker's own connection, closed when the block ends; the key copy is gone
        once the database is open. ``VaultLocked`` once the vault has locked."""
        slot: _Slot | None = None
        try:
            if self._gate.exclusive_path is not None:
                raise DiskFull(path=str(self._gate.exclusive_path), detail="-")
            slot = self._gate.reserve()
            if not any(self._key):
                raise VaultLocked()  # wiped by lock between the two lines above
            conn = connection.open_database(self.folder / DB_FILE, self._key, create=False)
        except BaseException:
            if slot is not None:
                self._gate.release(slot)
            raise
        finally:
            self.discard()
            self._gate.drop_key(self)
        try:
            self._gate.fill(slot, conn)
            yield WorkerVault(self.folder, self.info, conn, self._gate)
        finally:
            try:
                conn.close()
            finally:
                self._gate.release(slot)
