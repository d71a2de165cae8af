"""Settings: what may say something about a case lives in the vault, the rest in a small file.

- :class:`VaultSettings` (inside the encrypted vault, ``Store.setting``): auto-lock minutes, the
  default agency, the inspector profile. Only readable while unlocked.
- :class:`WindowSettings` (an INI file in the platform's config folder, via ``QSettings``):
  harmless window state only: language, large-touch mode, window geometry. The unlock screen
  needs the language before any vault is open.
- :class:`SettingsDialog`: a thin dialog over both; the window applies what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.agencies import (
    AGENCY_CODES,
    PROFILE_CHOICES,
    agency_key,
    agency_name,
    profile_spelling,
)
from fieldapp.i18n import t
from ui.widgets import paragraph
from ui.window_settings import (
    LANGUAGE_NAMES,
    WINDOW_SETTINGS_FILE,
    WindowSettings,
    window_settings_path,
)

# One place to import settings from: the window's own settings are re-exported here.
__all__ = [
    "AUTO_LOCK_DEFAULT_MINUTES",
    "AUTO_LOCK_MAX_MINUTES",
    "AUTO_LOCK_MIN_MINUTES",
    "LANGUAGE_NAMES",
    "WINDOW_SETTINGS_FILE",
    "SettingsDialog",
    "SettingsValues",
    "VaultSettings",
    "WindowSettings",
    "window_settings_path",
]

if TYPE_CHECKING:
    from fieldapp.store.store import Store
    from ui.session import Profile

AUTO_LOCK_DEFAULT_MINUTES = 5
AUTO_LOCK_MIN_MINUTES = 1
AUTO_LOCK_MAX_MINUTES = 60


class VaultSettings:
    """Settings kept inside the vault. Every read goes to the store, so nothing outlives a lock."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def auto_lock_minutes(self) -> int:
        value = self.store.setting("auto_lock_minutes", AUTO_LOCK_DEFAULT_MINUTES)
        if not isinstance(value, int) or isinstance(value, bool):
            return AUTO_LOCK_DEFAULT_MINUTES
        return max(AUTO_LOCK_MIN_MINUTES, min(AUTO_LOCK_MAX_MINUTES, value))

    @auto_lock_minutes.setter
    def auto_lock_minutes(self, minutes: int) -> None:
        minutes = max(AUTO_LOCK_MIN_MINUTES, min(AUTO_LOCK_MAX_MINUTES, int(minutes)))
        self.store.set_setting("auto_lock_minutes", minutes)

    @property
    def profile(self) -> Profile:
        from ui.session import Profile  # noqa: PLC0415 - ui.session loads after unlock

        return Profile.from_setting(self.store.setting("profile"))

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self.store.set_setting("profile", profile.as_setting())

    @property
    def default_agency(self) -> str:
        """An agency code; the profile's agency until one is chosen."""
        value = self.store.setting("default_agency")
        code = agency_key(value) if isinstance(value, str) else None
        return code if code in AGENCY_CODES else self.profile.agency

    @default_agency.setter
    def default_agency(self, agency: str) -> None:
        """Any name of a known agency (or ``other``); stored in the profile's spelling."""
        code = agency_key(agency)
        if code not in AGENCY_CODES:
            raise ValueError(agency)
        self.store.set_setting("default_agency", profile_spelling(code))


@dataclass(frozen=True, slots=True)
class SettingsValues:
    auto_lock_minutes: int
    language: str
    large_touch: bool
    default_agency: str


class SettingsDialog(QDialog):
    """Shows ``values``; after ``accept`` the window reads :meth:`values` and applies them."""

    def __init__(self, values: SettingsValues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("ui.settings.title"))
        self.setAccessibleName(t("ui.settings.title"))
        self.setModal(True)

        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(AUTO_LOCK_MIN_MINUTES, AUTO_LOCK_MAX_MINUTES)
        self.auto_lock.setSuffix(t("ui.settings.minutes_suffix"))
        self.auto_lock.setValue(values.auto_lock_minutes)
        self.auto_lock.setAccessibleName(t("ui.settings.auto_lock"))

        self.language = QComboBox()
        for lang in i18n.LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[lang], lang)
        self.language.setCurrentIndex(max(0, self.language.findData(values.language)))
        self.language.setAccessibleName(t("ui.settings.language"))

        self.large_touch = QCheckBox(t("ui.settings.large_touch_check"))
        self.large_touch.setChecked(values.large_touch)
        self.large_touch.setAccessibleName(t("ui.settings.large_touch"))

        self.default_agency = QComboBox()
        for agency in PROFILE_CHOICES:
            self.default_agency.addItem(agency_name(agency) or agency, agency)
        self.default_agency.setCurrentIndex(
            max(0, self.default_agency.findData(values.default_agency))
        )
        self.default_agency.setAccessibleName(t("ui.settings.default_agency"))

        form = QFormLayout()
        form.addRow(t("ui.settings.auto_lock"), self.auto_lock)
        form.addRow(t("ui.settings.language"), self.language)
        form.addRow(t("ui.settings.large_touch"), self.large_touch)
        form.addRow(t("ui.settings.default_agency"), self.default_agency)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(form)
        layout.addWidget(paragraph(t("ui.settings.where_stored"), secondary=True))
        layout.addWidget(self.buttons)

    def values(self) -> SettingsValues:
        return SettingsValues(
            auto_lock_minutes=self.auto_lock.value(),
            language=str(self.language.currentData()),
            large_touch=self.large_touch.isChecked(),
            default_agency=str(self.default_agency.currentData()),
        )
