"""The one way the desktop runs slow work: a job on a worker thread, its result on the GUI thread.

``Runner.run(job, on_done, on_error)`` runs ``job()`` on a :class:`QThreadPool` and calls
``on_done(result)`` or ``on_error(exception)`` back on the GUI thread (a queued signal, after
Picard's ``run_task``). Jobs must not touch the vault's SQLite connection: it belongs to the
GUI thread that opened it. :class:`InlineRunner` does the same synchronously, so tests never
wait or sleep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class JobRunner(Protocol):
    def run(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None: ...

    def wait(self) -> None: ...


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker arrive there queued."""

    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._job()
        except BaseException as exc:  # every failure goes back to the caller
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class Runner(QObject):
    """Jobs on a private thread pool (two threads: the KDF is the heaviest job we have)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()

    def run(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        relay = _Relay()  # created here, so it belongs to the calling (GUI) thread
        self._relays.add(relay)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            callback(value)

        relay.done.connect(lambda result: finish(on_done, result))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        self._pool.start(_Job(job, relay))

    def wait(self) -> None:
        """Block until every started job has finished (at shutdown)."""
        self._pool.waitForDone()

    @property
    def busy(self) -> bool:
        return bool(self._relays)


class InlineRunner:
    """Runs each job at once on the calling thread: for tests and for tools without a loop."""

    busy = False

    def run(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        try:
            result = job()
        except BaseException as exc:  # same contract as Runner
            on_error(exc)
        else:
            on_done(result)

    def wait(self) -> None:
        return None
