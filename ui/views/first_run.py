"""First start, a short wizard: language and role, the inspector profile, the passphrase (with
its strength), then the offer of an encrypted backup. The checks live in ``ui.session``; this
widget collects input and emits what the user asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.vault.passphrase import (
    MIN_PASSPHRASE_LENGTH,
    guessable_words,
    passphrase_strength,
)
from ui.session import Profile
from ui.settings import LANGUAGE_NAMES, ProfileForm
from ui.widgets import (
    MessageLabel,
    PassphraseAids,
    centered_column,
    heading,
    note,
    paragraph,
    passphrase_field,
)

PAGES = 4
PAGE_WELCOME, PAGE_PROFILE, PAGE_PASSPHRASE, PAGE_DONE = range(PAGES)
LEVELS = ("weak", "weak", "fair", "good", "good")
MISMATCH = "passphrase.mismatch"  # fieldapp.vault.passphrase: the two entries differ


@dataclass(frozen=True, slots=True)
class CreateRequest:
    role: Role
    passphrase: str
    repeat: str
    profile: Profile


@dataclass(slots=True)
class WizardState:
    """What survives rebuilding the wizard after a language switch (never the passphrase)."""

    page: int = PAGE_WELCOME
    role: Role = Role.FIELD
    profile: Profile = field(default_factory=Profile)


def _buttons(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row


def _button(key: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton(t(key))
    button.setAccessibleName(t(key).replace("&", ""))
    if primary:
        button.setDefault(True)
    return button


class FirstRunView(QWidget):
    language_changed = Signal(str)
    create_requested = Signal(object)  # CreateRequest
    backup_requested = Signal()
    finished = Signal()

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.pages = QStackedWidget()
        self.step = QLabel()
        self.step.setObjectName("step")
        self._build_welcome(folder)
        self._build_profile()
        self._build_passphrase()
        self._build_done()

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setSpacing(8)
        layout.addWidget(self.step)
        layout.addWidget(self.pages)
        QVBoxLayout(self).addWidget(centered_column(content))
        self.go_to(PAGE_WELCOME)

    # -- pages ---------------------------------------------------------------------------

    def _page(self, title_key: str, *parts: QWidget | QHBoxLayout | QFormLayout) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(heading(t(title_key)))
        for part in parts:
            if isinstance(part, QWidget):
                layout.addWidget(part)
            else:
                layout.addLayout(part)
        layout.addStretch(1)
        self.pages.addWidget(page)
        return page

    def _build_welcome(self, folder: str) -> None:
        self.language = QComboBox()
        for lang in i18n.LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[lang], lang)
        self.language.setCurrentIndex(self.language.findData(i18n.current_language()))
        self.language.setAccessibleName(t("ui.settings.language"))
        self.language.currentIndexChanged.connect(
            lambda _: self.language_changed.emit(str(self.language.currentData()))
        )
        language_form = QFormLayout()
        language_form.addRow(t("ui.first.language"), self.language)

        self.field_role = QRadioButton(t("ui.role.field_choice"))
        self.field_role.setAccessibleName(t("ui.role.field_choice"))
        self.field_role.setChecked(True)
        self.coordinator_role = QRadioButton(t("ui.role.coordinator_choice"))
        self.coordinator_role.setAccessibleName(t("ui.role.coordinator_choice"))
        self._roles = QButtonGroup(self)
        self._roles.addButton(self.field_role)
        self._roles.addButton(self.coordinator_role)
        role_box = QGroupBox(t("ui.create.role"))
        role_box.setAccessibleName(t("ui.create.role"))
        role_layout = QVBoxLayout(role_box)
        role_layout.addWidget(self.field_role)
        role_layout.addWidget(self.coordinator_role)
        role_layout.addWidget(paragraph(t("ui.create.role_fixed"), secondary=True))

        self.welcome_next = _button("ui.first.next", primary=True)
        self.welcome_next.clicked.connect(lambda: self.go_to(PAGE_PROFILE))
        self._page(
            "ui.first.welcome_title",
            paragraph(t("ui.create.intro")),
            paragraph(t("ui.folder", path=folder), secondary=True, selectable=True),
            language_form,
            role_box,
            _buttons(self.welcome_next),
        )

    def _build_profile(self) -> None:
        self.profile_form = ProfileForm()
        form = self.profile_form
        self.name, self.agency = form.name, form.agency
        self.employee_number, self.region, self.contact = (
            form.employee_number,
            form.region,
            form.contact,
        )
        self.profile_message = MessageLabel()

        self.profile_back = _button("ui.first.back")
        self.profile_back.clicked.connect(lambda: self.go_to(PAGE_WELCOME))
        self.profile_next = _button("ui.first.next", primary=True)
        self.profile_next.clicked.connect(self._profile_done)
        self.contact.returnPressed.connect(self._profile_done)
        self._page(
            "ui.profile.title",
            paragraph(t("ui.profile.intro")),
            form,
            self.profile_message,
            _buttons(self.profile_back, self.profile_next),
        )

    def _build_passphrase(self) -> None:
        self.passphrase = passphrase_field(t("ui.create.passphrase"))
        self.repeat = passphrase_field(t("ui.create.repeat"))
        hint = t("ui.create.hint", minimum=MIN_PASSPHRASE_LENGTH)
        self.passphrase.setAccessibleDescription(hint)
        self.strength_bar = QProgressBar()
        self.strength_bar.setObjectName("strength")
        self.strength_bar.setRange(0, 5)
        self.strength_bar.setTextVisible(False)
        self.strength_bar.setAccessibleName(t("ui.strength.title"))
        self.strength_label = paragraph(secondary=True)
        strength = QWidget()
        strength_layout = QVBoxLayout(strength)
        strength_layout.setContentsMargins(0, 0, 0, 0)
        strength_layout.setSpacing(4)
        strength_layout.addWidget(self.strength_bar)
        strength_layout.addWidget(self.strength_label)
        form = QFormLayout()
        form.addRow(t("ui.create.passphrase"), self.passphrase)
        form.addRow(t("ui.strength.title"), strength)
        form.addRow(t("ui.create.repeat"), self.repeat)
        self.aids = PassphraseAids(self.passphrase, self.repeat)
        form.addRow("", self.aids)

        self.message = MessageLabel()
        self.passphrase_back = _button("ui.first.back")
        self.passphrase_back.clicked.connect(lambda: self.go_to(PAGE_PROFILE))
        self.submit = _button("ui.create.submit", primary=True)
        self.submit.clicked.connect(self._request)
        self.passphrase.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self._request)
        self.passphrase.textChanged.connect(self._update_strength)
        self._page(
            "ui.create.title",
            paragraph(hint, secondary=True),
            form,
            note(t("ui.create.warning")),
            self.message,
            _buttons(self.passphrase_back, self.submit),
        )
        self._update_strength("")

    def _build_done(self) -> None:
        self.backup_button = _button("ui.first.backup")
        self.backup_button.clicked.connect(self.backup_requested)
        self.finish_button = _button("ui.first.finish", primary=True)
        self.finish_button.clicked.connect(self.finished)
        self.done_message = MessageLabel()
        self._page(
            "ui.first.done_title",
            paragraph(t("ui.first.done_intro")),
            note(t("ui.first.backup_advice")),
            self.done_message,
            _buttons(self.backup_button, self.finish_button),
        )

    # -- navigation ----------------------------------------------------------------------

    def go_to(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        shown = min(page, PAGE_PASSPHRASE) + 1
        self.step.setText(t("ui.first.step", step=shown, steps=PAGE_PASSPHRASE + 1))
        self.step.setVisible(page != PAGE_DONE)
        focus = {
            PAGE_WELCOME: self.welcome_next,
            PAGE_PROFILE: self.name,
            PAGE_PASSPHRASE: self.passphrase,
            PAGE_DONE: self.backup_button,
        }[page]
        focus.setFocus()

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    def _profile_done(self) -> None:
        problem = self.profile_form.problem()
        if problem is not None:
            self.profile_message.show_error(problem)
            return
        self.profile_message.clear_message()
        self.go_to(PAGE_PASSPHRASE)

    # -- values --------------------------------------------------------------------------

    def role(self) -> Role:
        return Role.COORDINATOR if self.coordinator_role.isChecked() else Role.FIELD

    def profile(self) -> Profile:
        return self.profile_form.profile()

    def guessable_words(self) -> tuple[str, ...]:
        """The profile's words make a passphrase easier to guess (zxcvbn ``user_inputs``)."""
        profile = self.profile()
        return guessable_words(
            (profile.name, profile.employee_number, profile.region, profile.team)
        )

    def state(self) -> WizardState:
        page = self.page if self.page != PAGE_DONE else PAGE_WELCOME
        return WizardState(page=page, role=self.role(), profile=self.profile())

    def restore(self, state: WizardState) -> None:
        (self.coordinator_role if state.role is Role.COORDINATOR else self.field_role).setChecked(
            True
        )
        self.profile_form.set_profile(state.profile)
        self.go_to(state.page)

    def _update_strength(self, text: str) -> None:
        strength = passphrase_strength(text, self.guessable_words())
        self.strength_bar.setValue(strength.score + 1 if text else 0)
        self.strength_bar.setProperty("level", LEVELS[strength.score])
        self.strength_bar.style().unpolish(self.strength_bar)
        self.strength_bar.style().polish(self.strength_bar)
        if not text:
            self.strength_label.setText(t("ui.strength.empty"))
        elif strength.reason:
            self.strength_label.setText(f"{strength.label}: {strength.reason}")
        else:
            self.strength_label.setText(strength.label)
        self.strength_bar.setAccessibleDescription(self.strength_label.text())

    # -- what the window reports ---------------------------------------------------------

    def show_error(self, text: str) -> None:
        """Creating the vault failed (a full disk, a folder that cannot be written): start the
        passphrase again."""
        self.passphrase.clear()
        self.repeat.clear()
        self.message.show_error(text)
        self.passphrase.setFocus()

    def show_passphrase_problem(self, problem: FieldAppError) -> None:
        """What is wrong, and the field to fix selected: what was typed stays (emptying both
        after one slip meant typing a long passphrase twice again). Typed twice differently:
        the repeat is retyped; too short or too easy to guess: the passphrase itself."""
        self.message.show_error(problem.message())
        field = self.repeat if problem.key == MISMATCH else self.passphrase
        field.setFocus()
        field.selectAll()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.passphrase, self.repeat, self.aids, self.submit, self.passphrase_back):
            widget.setEnabled(not busy)
        if busy:
            self.message.show_info(t("ui.create.busy"))

    def show_done(self) -> None:
        self.passphrase.clear()
        self.repeat.clear()
        self.aids.reset()
        self.message.clear_message()
        self.go_to(PAGE_DONE)

    def show_backup_result(self, text: str, *, error: bool = False) -> None:
        if error:
            self.done_message.show_error(text)
        else:
            self.done_message.show_info(text)

    def reset(self) -> None:
        """Forget what was typed (after success or when leaving this screen)."""
        self.passphrase.clear()
        self.repeat.clear()
        self.aids.reset()
        self.message.clear_message()

    def _request(self) -> None:
        self.message.clear_message()
        self.create_requested.emit(
            CreateRequest(self.role(), self.passphrase.text(), self.repeat.text(), self.profile())
        )
