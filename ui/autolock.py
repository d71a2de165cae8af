"""Lock the vault after idle time, on suspend and when the screen locks.

:class:`AutoLock` takes an injected clock (a callable returning seconds that only go forward), so
tests move time without sleeping. While armed it watches every input event of the application
(an event filter on the ``QApplication``) and checks on a ``QTimer`` tick whether the idle time
has passed. ``applicationStateChanged`` to *Suspended* locks at once. On Linux the session's
screen saver and logind report a locked screen or a coming sleep over D-Bus, where present.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from PySide6.QtCore import SLOT, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

Clock = Callable[[], float]
TICK_MS = 5_000
SYSTEM_BUS_SOCKETS = ("/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket")

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.InputMethod,
        QEvent.Type.Shortcut,
    }
)
_POINTER_MOVES = frozenset({QEvent.Type.MouseMove, QEvent.Type.TabletMove})


def default_clock() -> float:
    """Seconds that keep counting while the machine sleeps where the OS offers that
    (``CLOCK_BOOTTIME`` on Linux; ``CLOCK_MONOTONIC`` stops during suspend)."""
    if sys.platform == "linux":  # a test mypy reads: clock_gettime is not on every system
        boottime = getattr(time, "CLOCK_BOOTTIME", None)
        if boottime is not None:
            return time.clock_gettime(boottime)
    return time.monotonic()


class AutoLock(QObject):
    """Emits ``lock_requested(reason)`` once per arming; reason is ``idle``, ``suspend`` or
    ``screen_locked``."""

    lock_requested = Signal(str)

    def __init__(
        self, clock: Clock = default_clock, tick_ms: int = TICK_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.timeout_seconds = 5 * 60.0
        self.last_activity = clock()
        self._armed = False
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.check)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self.on_application_state)
        self._screen_watch = ScreenLockWatcher(self)
        self._screen_watch.locked.connect(lambda: self._fire("screen_locked"))

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self, minutes: float) -> None:
        """Start watching (after unlock); ``minutes`` of no input lock the vault."""
        self.timeout_seconds = float(minutes) * 60.0
        self.touch()
        if not self._armed:
            self._armed = True
            app = QGuiApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            self.timer.start()
            self._screen_watch.start()

    def set_minutes(self, minutes: float) -> None:
        self.timeout_seconds = float(minutes) * 60.0

    def disarm(self) -> None:
        if not self._armed:
            return
        self._armed = False
        self.timer.stop()
        app = QGuiApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def touch(self) -> None:
        self.last_activity = self.clock()

    def idle_seconds(self) -> float:
        return self.clock() - self.last_activity

    @Slot()
    def check(self) -> None:
        """The timer tick (tests call it directly after moving their clock)."""
        if self._armed and self.idle_seconds() >= self.timeout_seconds:
            self._fire("idle")

    @Slot(Qt.ApplicationState)
    def on_application_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            self._fire("suspend")
        elif state == Qt.ApplicationState.ApplicationActive:
            self.check()  # back from a long absence: lock before showing anything

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT_EVENTS:
            self.last_activity = self.clock()
        elif kind in _POINTER_MOVES and (
            QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
        ):
            self.last_activity = self.clock()  # a mouse passing over an inactive window: no
        return False

    def _fire(self, reason: str) -> None:
        if not self._armed:
            return
        self.disarm()
        self.lock_requested.emit(reason)


class _Bus(Protocol):
    """A ``QDBusConnection`` as the binding takes it. PySide6's stub types ``connect()``'s slot
    as bytes; the binding takes the str that ``SLOT()`` returns and refuses bytes (PySide6
    6.11), so the buses are used through this type (a cast, since the stub disagrees)."""

    def isConnected(self) -> bool: ...

    def connect(  # noqa: PLR0917 - QDBusConnection.connect's own positional arguments
        self, service: str, path: str, interface: str, name: str, receiver: QObject, slot: str, /
    ) -> bool: ...


class ScreenLockWatcher(QObject):
    """Screen locking and sleep as Linux desktops announce them on D-Bus (Qt itself has no
    screen-lock signal; Windows and macOS deactivate or suspend the application instead)."""

    locked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._started = False

    def start(self) -> None:
        if self._started or not sys.platform.startswith("linux"):
            return
        self._started = True
        try:
            from PySide6.QtDBus import QDBusConnection  # noqa: PLC0415 - QtDBus on Linux only, and only if this build has it
        except ImportError:
            return
        with contextlib.suppress(Exception):
            # Only buses that already exist: no autolaunch of a session bus from here.
            has_session = bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
            has_system = bool(os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")) or any(
                Path(path).exists() for path in SYSTEM_BUS_SOCKETS
            )
            session = cast(_Bus, QDBusConnection.sessionBus()) if has_session else None
            if session is not None and session.isConnected():
                for service in ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"):
                    session.connect(
                        "", "", service, "ActiveChanged", self, SLOT("on_active_changed(bool)")
                    )
            system = cast(_Bus, QDBusConnection.systemBus()) if has_system else None
            if system is not None and system.isConnected():
                system.connect(
                    "org.freedesktop.login1",
                    "",
                    "org.freedesktop.login1.Session",
                    "Lock",
                    self,
                    SLOT("on_lock()"),
                )
                system.connect(
                    "org.freedesktop.login1",
                    "/org/freedesktop/login1",
                    "org.freedesktop.login1.Manager",
                    "PrepareForSleep",
                    self,
                    SLOT("on_active_changed(bool)"),
                )

    @Slot(bool)
    def on_active_changed(self, active: bool) -> None:
        if active:
            self.locked.emit()

    @Slot()
    def on_lock(self) -> None:
        self.locked.emit()
