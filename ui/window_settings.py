"""Harmless window state (language, large-touch mode, geometry) in an INI file.

Its own small module: the unlock window reads it before the rest of the desktop loads.
Anything that could say something about a case lives in the vault instead (``ui.settings``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize
from PySide6.QtGui import QGuiApplication

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


def first_window_size() -> QSize:
    """Most of the screen the first time (no saved geometry yet): the visit screen shows site,
    persons, checklist and assessment side by side and is cramped below about 1300 x 800."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(1280, 800)
    available = screen.availableGeometry()
    return QSize(max(1024, int(available.width() * 0.92)), max(680, int(available.height() * 0.9)))
