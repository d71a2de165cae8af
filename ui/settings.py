"""Settings: what may say something about a case lives in the vault, the rest in a small file.

- :class:`VaultSettings` (inside the encrypted vault, ``Store.setting``): auto-lock minutes, the
  default agency, the inspector profile. Only readable while unlocked.
- :class:`WindowSettings` (an INI file in the platform's config folder, via ``QSettings``):
  harmless window state only: language, large-touch mode, window geometry. The unlock screen
  needs the language before any vault is open.
- :class:`SettingsDialog`: a thin dialog over both; the window applies what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
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
from fieldapp.i18n import t, tn
from fieldapp.profile import (
    PROFILE_TEXT_LIMIT,
    Profile,
    load_profile,
    profile_problem_at,
    save_profile,
)
from ui.session import AGENCIES
from ui.widgets import MessageLabel, paragraph, scrolling
from ui.window_settings import (
    LANGUAGE_NAMES,
    WINDOW_SETTINGS_FILE,
    WindowSettings,
    fit_dialog,
    window_settings_path,
)

# One place to import settings from: the window's own settings are re-exported here.
__all__ = [
    "AUTO_LOCK_DEFAULT_MINUTES",
    "AUTO_LOCK_MAX_MINUTES",
    "AUTO_LOCK_MIN_MINUTES",
    "LANGUAGE_NAMES",
    "WINDOW_SETTINGS_FILE",
    "ProfileForm",
    "SettingsDialog",
    "SettingsValues",
    "VaultSettings",
    "WindowSettings",
    "window_settings_path",
]

if TYPE_CHECKING:
    from fieldapp.store.store import Store

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
        return load_profile(self.store)

    @profile.setter
    def profile(self, profile: Profile) -> None:
        save_profile(self.store, profile)

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
    profile: Profile = field(default_factory=Profile)
    # A field device: the days after which work the coordinator confirmed leaves it (set by
    # the coordinator, shown only); None on a coordinator's vault.
    field_retention_days: int | None = None


class ProfileForm(QWidget):
    """The inspector's profile, as it goes onto every referral: filled in at first run and
    corrected later in the settings (a new phone number, another team), with the same fields
    and the same checks in both places (``fieldapp.profile``, which the command line's
    ``fieldapp profile set`` uses too). The callback number is the one a recipient rings; the
    team says who else can answer.

    Return moves on to the next field, as Tab does, in the first-run wizard and in the
    settings alike: in a dialog, Qt would otherwise take Return as "OK" and close it while the
    inspector was filling in the form. Only Return in the last field (the callback number)
    goes on to what the form's holder does next (its own ``returnPressed``: "Volgende" or
    "OK")."""

    FIELDS = ("name", "team", "agency", "employee_number", "region", "contact")

    def __init__(self, profile: Profile | None = None) -> None:
        super().__init__()
        self.name = self._line("name", PROFILE_TEXT_LIMIT)
        self.team = self._line("team", PROFILE_TEXT_LIMIT)
        self.team.setPlaceholderText(t("ui.profile.team_hint"))
        self.team.setAccessibleDescription(t("ui.profile.team_hint"))
        self.agency = QComboBox()
        for agency in AGENCIES:
            self.agency.addItem(agency_name(agency) or agency, agency)
        self.agency.setAccessibleName(t("ui.profile.agency"))
        self.employee_number = self._line("employee_number", 40)
        self.region = self._line("region", 80)
        self.region.setPlaceholderText(t("ui.profile.region_hint"))
        self.contact = self._line("contact", 32)
        self.contact.setPlaceholderText(t("ui.profile.contact_hint"))
        self.contact.setAccessibleDescription(t("ui.profile.contact_hint"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        # Labels above their fields where the row is too narrow (a tablet, large text).
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name in self.FIELDS:
            form.addRow(t(f"ui.profile.{name}"), self.field(name))
        # Return: the next field (the organisation, a list, is chosen with the arrows or a
        # tap and skipped, as before; Return there moves on too).
        self._next_on_return: dict[QWidget, QWidget] = {
            self.name: self.team,
            self.team: self.employee_number,
            self.agency: self.employee_number,
            self.employee_number: self.region,
            self.region: self.contact,
        }
        for widget in self._next_on_return:
            widget.installEventFilter(self)
        if profile is not None:
            self.set_profile(profile)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Return in a field before the last: the next field, and the key goes no further
        (a dialog's default button never sees it)."""
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and isinstance(watched, QWidget)
            and watched in self._next_on_return
        ):
            self._next_on_return[watched].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _line(self, name: str, limit: int) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(f"profile_{name}")
        line.setAccessibleName(t(f"ui.profile.{name}"))
        line.setMaxLength(limit)
        return line

    def field(self, name: str) -> QWidget:
        widget: QWidget = getattr(self, name)
        return widget

    def profile(self) -> Profile:
        return Profile(
            name=self.name.text().strip(),
            agency=str(self.agency.currentData()),
            employee_number=self.employee_number.text().strip(),
            region=self.region.text().strip(),
            contact=self.contact.text().strip(),
            team=self.team.text().strip(),
        )

    def set_profile(self, profile: Profile) -> None:
        self.name.setText(profile.name)
        self.agency.setCurrentIndex(max(0, self.agency.findData(profile.agency)))
        self.employee_number.setText(profile.employee_number)
        self.region.setText(profile.region)
        self.contact.setText(profile.contact)
        self.team.setText(profile.team)

    def problem(self) -> str | None:
        """What is wrong, with the keyboard focus put on that field; None when all is well."""
        found = profile_problem_at(self.profile())
        if found is None:
            return None
        self.field(found[0]).setFocus()
        return found[1]


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
        self.large_touch.setObjectName("large_touch")  # finger-sized before the mode is on

        # One organisation, the profile's: a second "default organisation" field beside it
        # was read by nothing and left inspectors guessing which of the two counts. The stored
        # default agency follows the profile's (see values()).
        self._default_agency = values.default_agency

        self.profile_form = ProfileForm(values.profile)
        self._shown_profile = self.profile_form.profile()
        self.profile_message = MessageLabel()
        profile_box = QGroupBox(t("ui.settings.profile"))
        profile_box.setAccessibleName(t("ui.settings.profile"))
        profile_layout = QVBoxLayout(profile_box)
        profile_layout.addWidget(paragraph(t("ui.profile.intro"), secondary=True))
        profile_layout.addWidget(self.profile_form)
        profile_layout.addWidget(self.profile_message)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(t("ui.settings.auto_lock"), self.auto_lock)
        form.addRow(t("ui.settings.language"), self.language)
        form.addRow(t("ui.settings.large_touch"), self.large_touch)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(12)
        column.addLayout(form)
        column.addWidget(profile_box)
        if values.field_retention_days is not None:
            self.field_retention = paragraph(
                tn("ui.sync.reply.settings_retention", values.field_retention_days),
                secondary=True,
            )
            column.addWidget(self.field_retention)
        column.addWidget(paragraph(t("ui.settings.where_stored"), secondary=True))
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(content), 1)  # scrolls on a tablet in large-touch mode
        layout.addWidget(self.buttons)
        # As large as the content (in the parent's fonts) where the screen allows: the scroll
        # area alone would ask for too little and cut the check box's text.
        self.ensurePolished()
        wanted = content.sizeHint() + QSize(48, self.buttons.sizeHint().height() + 48)
        fit_dialog(self, wanted)

    def accept(self) -> None:
        """Closes only with a profile that can go onto a referral; else it says what to fix.
        A profile left as it was never blocks the other settings (a vault made on the command
        line has none)."""
        if self.profile_form.profile() == self._shown_profile:
            super().accept()
            return
        problem = self.profile_form.problem()
        if problem is not None:
            self.profile_message.show_error(problem)
            return
        self.profile_message.clear_message()
        super().accept()

    def _agency_to_store(self) -> str:
        """The profile's organisation when it is one the default may name, else the default as
        it was (an agency only the command line knows stays untouched)."""
        agency = self.profile_form.profile().agency
        return agency if agency in PROFILE_CHOICES else self._default_agency

    def values(self) -> SettingsValues:
        return SettingsValues(
            auto_lock_minutes=self.auto_lock.value(),
            language=str(self.language.currentData()),
            large_touch=self.large_touch.isChecked(),
            default_agency=self._agency_to_store(),
            profile=self.profile_form.profile(),
        )
