"""Uncaught errors: a short translated message, and a log entry without personal data.

An exception's message and the local variables of its frames can hold anything the user typed
(a name, an address, a note). The log therefore keeps only the exception's type and, for each
frame, the code location (file relative to its package, line, function name). It rotates in
the platform's log folder (``platformdirs.user_log_dir("FieldApp")``).

An expected failure that slips past a view's own handler (a ``FieldAppError``: a full disk, a
read-only folder, a locked vault) is still logged, but the user reads its own message, the
same text the command line prints, rather than "something unexpected went wrong".
:func:`user_message` is that choice for any caller; :func:`confirm_older_vault` and
:func:`show_notices` are the vault's two questions and warnings for the desktop.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from fieldapp.errors import FieldAppError, VaultRolledBack
from fieldapp.i18n import t
from fieldapp.paths import APP_NAME

LOG_FILE = "fieldapp.log"
LOG_MAX_BYTES = 256 * 1024
LOG_BACKUPS = 3
MAX_CHAIN = 5
# Path parts from which a file name is shown: our packages, or the installed package's own path.
_PACKAGE_ROOTS = ("fieldapp", "ui", "tests")
_LIBRARY_ROOTS = ("site-packages", "dist-packages", "lib-dynload")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_dir() -> Path:
    import platformdirs  # noqa: PLC0415 - at the first crash, not at start-up

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def code_location(filename: str) -> str:
    """``ui/main_window.py`` or ``PySide6/QtCore.pyi``: never a home folder or user name."""
    parts = Path(filename).parts
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in _LIBRARY_ROOTS:
            return "/".join(parts[index + 1 :]) or Path(filename).name
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in _PACKAGE_ROOTS:
            start = index
            while start > 0 and parts[start - 1] in _PACKAGE_ROOTS:
                start -= 1  # tests/ui/..., fieldapp/ui/...
            return "/".join(parts[start:])
    return Path(filename).name


def user_message(exc: BaseException | None) -> str | None:
    """The text for an error the user can act on (any ``FieldAppError``: the vault layer turns
    a full disk, a read-only or missing folder and an I/O error into one), or ``None`` for a
    bug, which gets the generic crash text."""
    if isinstance(exc, FieldAppError):
        return exc.message()
    return None


def describe_crash(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> str:
    """Type and code locations only, for the exception and what it was raised from."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    current_type: type[BaseException] | None = exc_type
    current_tb = tb
    for depth in range(MAX_CHAIN):
        if current_type is None:
            break
        name = f"{current_type.__module__}.{current_type.__qualname__}"
        lines.append(name if depth == 0 else f"raised while handling {name}")
        for frame in traceback.extract_tb(current_tb):
            lines.append(f"  at {code_location(frame.filename)}:{frame.lineno} in {frame.name}")
        if current is None:
            break
        seen.add(id(current))
        cause = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if cause is None or id(cause) in seen:
            break
        current, current_type, current_tb = cause, type(cause), cause.__traceback__
    return "\n".join(lines)


class _Notifier(QObject):
    """Created on the GUI thread: a crash on a worker thread shows its message there."""

    requested = Signal()


class CrashHandler:
    """Installs ``sys.excepthook`` and ``threading.excepthook``; ``uninstall`` restores them.

    ``show`` replaces the message box (tests); ``folder`` the log folder.
    """

    def __init__(
        self, folder: Path | None = None, show: Callable[[str], None] | None = None
    ) -> None:
        self.folder = folder or log_dir()
        self._show = show or _message_box
        self._logger = logging.getLogger("fieldapp.crash")
        self._handler: logging.Handler | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._showing = False
        self._notifier: _Notifier | None = None
        self._pending_text: str | None = None

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_FILE

    def install(self) -> None:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        if QApplication.instance() is not None:
            self._notifier = _Notifier()
            self._notifier.requested.connect(self._notify)
        sys.excepthook = self.handle
        threading.excepthook = self.handle_thread

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self.handle_thread:
            threading.excepthook = self._previous_thread_hook
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        if self._notifier is not None:
            self._notifier.deleteLater()
            self._notifier = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc or exc_type(), tb)
            return
        self.write(exc_type, exc, tb)
        self._pending_text = user_message(exc)
        if threading.current_thread() is threading.main_thread():
            self._notify()
        elif self._notifier is not None:
            self._notifier.requested.emit()

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def write(
        self,
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._ensure_handler()
            self._logger.error("uncaught %s", describe_crash(exc_type, exc, tb))
        except Exception:  # a broken log must never hide the message box
            logging.getLogger(__name__).debug("crash log not written", exc_info=False)

    def _ensure_handler(self) -> None:
        if self._handler is not None:
            return
        # Loaded at the first crash: logging.handlers pulls in socket, pickle and queue, which
        # start-up does not need.
        from logging.handlers import RotatingFileHandler  # noqa: PLC0415 - at the first crash (see above)

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = RotatingFileHandler(
            self.log_path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self._logger.addHandler(handler)
        self._logger.setLevel(logging.INFO)
        self._logger.propagate = False  # nowhere else: not the console, not a parent handler
        self._handler = handler
        if os.name == "posix":
            self.log_path.chmod(0o600)

    def _notify(self) -> None:
        if self._showing:
            return  # one message at a time; the log has every entry
        self._showing = True
        text, self._pending_text = self._pending_text or t("ui.crash.message"), None
        try:
            self._show(text)
        except Exception:  # noqa: S110 - nothing sensible left to do
            pass
        finally:
            self._showing = False


def _message_box(text: str) -> None:
    if QApplication.instance() is None:
        return
    box = QMessageBox(QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(t("ui.crash.title"))
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def confirm_older_vault(
    exc: VaultRolledBack,
    parent: QWidget | None = None,
    ask: Callable[[str], bool] | None = None,
) -> bool:
    """Ask whether an older vault state is deliberate (the user put back a copy). Only a
    click on "confirm" says yes; the default button and closing the box say no. ``ask``
    replaces the box (tests)."""
    text = f"{exc.message()}\n\n{t('ui.vault.rolled_back.question')}"
    if ask is not None:
        return ask(text)
    box = QMessageBox(parent or QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(t("ui.vault.rolled_back.title"))
    box.setText(text)
    accept = box.addButton(t("ui.vault.rolled_back.accept"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(t("ui.vault.rolled_back.cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is accept


def show_notices(
    notices: list[FieldAppError],
    parent: QWidget | None = None,
    show: Callable[[str], None] | None = None,
) -> None:
    """The warnings of an operation that succeeded (``Vault.notices``: opened on a full disk,
    an audit entry that could not be written), one box for all of them."""
    if not notices:
        return
    text = "\n\n".join(notice.message() for notice in notices)
    if show is not None:
        show(text)
        return
    box = QMessageBox(parent or QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(t("ui.vault.notice.title"))
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
