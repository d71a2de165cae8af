"""Harmless window state (language, large-touch mode, geometry) in an INI file.

Its own small module: the unlock window reads it before the rest of the desktop loads.
Anything that could say something about a case lives in the vault instead (``ui.settings``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from fieldapp import i18n
from fieldapp.paths import APP_NAME

WINDOW_SETTINGS_FILE = "window.ini"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language


def window_settings_path() -> Path:
    """Read each time: platformdirs follows the environment (tests point it at a tmp folder)."""
    import platformdirs  # noqa: PLC0415 - fieldapp.paths has the same lazily

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / WINDOW_SETTINGS_FILE


class WindowSettings:
    """Harmless window state in an INI file (never the registry, never anything about a case)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or window_settings_path()
        self._qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    @property
    def language(self) -> str | None:
        value = self._qsettings.value("language")
        return value if value in i18n.LANGUAGES else None

    @language.setter
    def language(self, lang: str) -> None:
        self._set("language", lang)

    @property
    def large_touch(self) -> bool:
        return str(self._qsettings.value("large_touch", "false")).lower() == "true"

    @large_touch.setter
    def large_touch(self, enabled: bool) -> None:
        self._set("large_touch", "true" if enabled else "false")

    @property
    def geometry(self) -> QByteArray | None:
        value = self._qsettings.value("geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._set("geometry", value)

    def _set(self, key: str, value: object) -> None:
        self._qsettings.setValue(key, value)
        self._qsettings.sync()


SMALLEST_SCREEN = QSize(853, 533)
"""The smallest screen FieldApp is used on, in logical pixels: a 1280x800 tablet at 150 %
scaling. Every window's minimum size fits it (``tests/ui/test_fits_the_screen.py``)."""
ROOMY_SCREEN = QSize(1280, 800)
"""Below this (logical pixels) the first window opens maximised: the visit screen shows site,
persons, checklist and assessment side by side and needs all the room there is."""
FIRST_WINDOW_SHARE = (0.92, 0.9)  # of the available screen, where it is roomier


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The part of the widget's screen (else the primary screen) windows may use: without the
    taskbar, in logical pixels."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(QPoint(0, 0), SMALLEST_SCREEN)
    return screen.availableGeometry()


def first_window_size(widget: QWidget | None = None) -> QSize:
    """Most of the screen the first time (no saved geometry yet), never more than it: at
    1280x800 with 150 % scaling the window used to open at 1534x1018 with "Nieuw bezoek" and
    half the columns off-screen."""
    available = available_geometry(widget)
    return QSize(
        int(available.width() * FIRST_WINDOW_SHARE[0]),
        int(available.height() * FIRST_WINDOW_SHARE[1]),
    )


def fit_size(preferred: QSize, widget: QWidget | None = None) -> QSize:
    """``preferred``, shrunk to the available screen (a dialog designed at 980x760 gets what a
    tablet has)."""
    return preferred.boundedTo(available_geometry(widget).size())


def place_window(window: QWidget, saved: QByteArray | None = None) -> None:
    """Size a top-level window from the screen it will show on: the saved geometry when there is
    one (pulled back inside the screen: it may come from a bigger monitor), else most of the
    screen, maximised on a small one (:data:`ROOMY_SCREEN`)."""
    if saved is not None and window.restoreGeometry(saved):
        keep_on_screen(window)
        return
    window.resize(first_window_size(window))
    keep_on_screen(window)
    available = available_geometry(window).size()
    if available.width() < ROOMY_SCREEN.width() or available.height() < ROOMY_SCREEN.height():
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def keep_on_screen(window: QWidget) -> None:
    """No larger than the available screen and wholly on it (the frame is not known before the
    window is shown: the title bar is allowed for by :func:`first_window_size`'s share)."""
    available = available_geometry(window)
    size = window.size().boundedTo(available.size())
    if size != window.size():
        window.resize(size)
    geometry = window.geometry()
    if not available.contains(geometry):
        x = min(max(geometry.x(), available.x()), available.right() - size.width() + 1)
        y = min(max(geometry.y(), available.y()), available.bottom() - size.height() + 1)
        window.move(x, y)


def fit_dialog(dialog: QWidget, preferred: QSize) -> None:
    """A dialog at its designed size where the screen allows, else as large as the screen."""
    dialog.resize(fit_size(preferred, dialog))
    keep_on_screen(dialog)
