"""One person met at the visit: role, sex, age band or exact age, minor, nationality, languages,
interpreter, consent (with its date), the B8/3 reflection period (with its date), notes and,
for a possible victim, the professional's own view: the forms of exploitation they suspect
(a row of toggle buttons) and whether they see an indication of trafficking themselves. The
assessment reads both; for other roles they mean nothing and are hidden.

Also for a possible victim only (issue 15), below the two columns: how to reach them safely,
where they stay now, their safety and care needs and whether they made a police report
("Bereikbaarheid, veiligheid en zorg": what the police, CoMensha and the care coordinator act
on), and their initials and date of birth ("Voor CoMensha", which tells people apart across
reporters; the referral documents carry them only to CoMensha, with consent or from a
mandatory reporter). A witness, an employer or a possible exploiter has none of these.

The date of birth is typed as every date here is shown (``dd-mm-jjjj``,
``fieldapp.localtime.DATE_FORMATS``) into a text field: a date editor that starts empty
(the consent date's "—") takes no typed digits, and a birth date is typed, not picked.

Sex and age band are rows of big toggle buttons (one tap; by keyboard arrows and Space or
Return); an exact age stays possible and then decides the band. Nationality lists the countries
met most often first, and the language follows it unless the user chose one
(``fieldapp.countries``).

Every change is validated by ``fieldapp.visit_json.person_input`` (the rules of the visit JSON
format) and saved at once. A given age decides the minor flag, so the flag is only editable
while the age is unknown; choosing consent or a B8/3 status fills in today's date.

Return moves along the quick chain (sex, age band, nationality, language) and, after the
language or the last field, ends the step (``chain_finished``). A value that cannot be saved
stays in its field with the reason beside it; :meth:`PersonForm.flush` returns those reasons,
so the editor can say them when the person leaves the screen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp import validate
from fieldapp.catalogue import FORMS
from fieldapp.countries import (
    country_choices,
    country_name,
    country_of_adjective,
    format_languages,
    language_suggestions,
    parse_languages,
    sort_key,
)
from fieldapp.domain import (
    AgeBand,
    B83Status,
    Consent,
    Person,
    PersonRole,
    PoliceReport,
    Sex,
    band_for_age,
)
from fieldapp.errors import ValidationError
from fieldapp.i18n import current_language, t
from fieldapp.localtime import date_text, qt_date_format
from ui.visit.fields import (
    Field,
    FlowLayout,
    FocusOutFilter,
    ReturnFilter,
    UndoPassThrough,
    is_modified,
    mark_saved,
    problem_text,
    section_heading,
    select_data,
    set_text,
    text_of,
)
from ui.visit.toggles import ChoiceRow

Commit = Callable[[Callable[[], Any]], Any]
TextWidget = QLineEdit | QPlainTextEdit
UNKNOWN_AGE = -1
SHORT_TEXT_LINES = 2  # safety and care needs: two lines show, more scroll
# Initials are refused by the core beyond 12 characters or with a name in them ("Ana Pop"):
# the field takes more, so the refusal is said instead of the text being cut silently.
INITIALS_FIELD_LIMIT = 40
NO_DATE = QDate(1999, 12, 31)  # shown as "—": before any date the core accepts
# Compact toggles; a suspected form is plainly on (filled), as the checklist's scope buttons.
SUSPECTED_STYLE = """
QPushButton { padding: 4px 10px; border: 1px solid palette(mid); border-radius: 4px;
              background: palette(button); }
QPushButton:focus { border: 2px solid #1f4e79; }
QPushButton:checked { background: #1f4e79; color: white; border: 1px solid #1f4e79; }
QPushButton:checked:focus { border: 2px solid #0b2740; }
QPushButton:disabled { color: palette(placeholder-text); }
"""


def person_summary(person: Person) -> str:
    """One line about a person, for the collapsed details: "Mogelijk slachtoffer · vrouw ·
    19 jaar · Moldavië · Roemeens, Russisch"."""
    lang = current_language()
    parts = [_cap(t(f"person_role.{person.role.value}"))]
    if person.sex is not Sex.UNKNOWN:
        parts.append(t(f"ui.visit.sex.{person.sex.value}"))
    if person.age is not None:
        parts.append(t("ui.visit.person.age_years", age=person.age))
    elif person.age_band is not None and person.age_band is not AgeBand.UNKNOWN:
        parts.append(t(f"ui.visit.age_band.{person.age_band.value}"))
    elif person.minor:
        parts.append(t("ui.visit.person.is_minor"))
    if person.nationality:
        parts.append(country_name(person.nationality, lang))
    if person.languages:
        parts.append(format_languages(person.languages, lang))
    if person.interpreter:
        parts.append(t("ui.visit.person.with_interpreter"))
    if person.consent is not Consent.NOT_ASKED:
        parts.append(t(f"ui.visit.person.consent_{person.consent.value}"))
    if person.role is PersonRole.POSSIBLE_VICTIM:
        if person.suspected_forms:
            forms = ", ".join(t(f"ui.visit.person.form_short.{f}") for f in person.suspected_forms)
            parts.append(t("ui.visit.person.suspected_summary", forms=forms))
        if person.professional_indication:
            parts.append(t("ui.visit.person.indication_summary"))
    return " · ".join(parts)


def _narrow(combo: QComboBox) -> QComboBox:
    """As wide as its longest item when there is room, narrower (eliding) when there is not:
    the form then fits a tablet at 150%."""
    combo.setMinimumWidth(combo.fontMetrics().averageCharWidth() * 8 + 30)
    return combo


def _combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = _narrow(QComboBox())
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _band_typed(typed: str) -> str | None:
    """Digits typed on the age band are an age ("30": 25–39 jaar); letters go by the label."""
    band = band_for_age(int(typed)) if typed.isdigit() else None
    return band.value if band is not None else None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _example_day() -> str:
    """A day as the user types one, in the language's format ("15-03-1990")."""
    return date_text(date(1990, 3, 15))


def typed_day(text: str) -> str | None:
    """A day as typed, ``15-03-1990`` (also with / or ., one-digit day or month, eight digits
    ``15031990``, or ISO ``1990-03-15``), as ``1990-03-15``; "" is None. ``ValueError`` for
    text that is no day: the core's checks (``validate.birth_date``) judge the range."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and len(text) == 8:
        parts = [text[:2], text[2:4], text[4:]]
    else:
        parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(text)
    if len(parts[0]) == 4:
        year, month, day = parts
    elif len(parts[2]) == 4:
        day, month, year = parts
    else:
        raise ValueError(text)
    return date(int(year), int(month), int(day)).isoformat()


class ShortText(QPlainTextEdit):
    """A box :data:`SHORT_TEXT_LINES` lines high in the font it has: large-touch mode's
    bigger text arrives with the editor's style sheet after the box is made, and a fixed
    48 px then showed one line and a half behind a scroll bar."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        document = self.document()
        margin = int(document.documentMargin()) * 2 if document is not None else 8
        lines = self.fontMetrics().lineSpacing() * SHORT_TEXT_LINES
        height = lines + margin + 2 * self.frameWidth() + 2
        return QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()


class PersonForm(QWidget):
    changed = Signal()  # a field of the shown person was saved
    chain_finished = Signal()  # Return after the language (or in the last field)

    def __init__(self, commit: Commit, controller_getter: Callable[[], Any]) -> None:
        super().__init__()
        self._commit = commit
        self._controller = controller_getter
        self.person_uuid: str | None = None
        self.read_only = False  # another device's visit (set_read_only)
        lang = current_language()
        undo_filter = UndoPassThrough(self)
        self._return_filter = ReturnFilter(self._on_return, self)
        self._focus_filter = FocusOutFilter(self._on_focus_out, self)

        self.role = _combo(
            "person_role", [(_cap(t(f"person_role.{r.value}")), r.value) for r in PersonRole]
        )
        sexes = (Sex.MALE, Sex.FEMALE, Sex.OTHER, Sex.UNKNOWN)
        self.sex = ChoiceRow(
            "person_sex",
            [(t(f"ui.visit.sex.{s.value}"), s.value) for s in sexes],
            on_return=lambda: self._on_return(self.sex),
        )
        self.sex.chosen.connect(lambda value: self._save("sex", value))
        self.age = QSpinBox()
        self.age.setObjectName("person_age")
        self.age.setRange(UNKNOWN_AGE, 120)
        self.age.setSpecialValueText(t("ui.visit.person.age_unknown"))
        self.age.setValue(UNKNOWN_AGE)
        self.age_band = ChoiceRow(
            "person_age_band",
            [(t(f"ui.visit.age_band.{b.value}"), b.value) for b in AgeBand],
            on_return=lambda: self._on_return(self.age_band),
            match=_band_typed,
        )
        self.age_band.chosen.connect(lambda value: self._save("age_band", value))
        self.minor = _combo(
            "person_minor",
            [
                (t("ui.visit.person.minor_unknown"), None),
                (t("ui.visit.person.minor_yes"), True),
                (t("ui.visit.person.minor_no"), False),
            ],
        )
        self.nationality = _narrow(QComboBox())
        self.nationality.setObjectName("person_nationality")
        self.nationality.setEditable(True)
        self.nationality.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.nationality.addItem(t("ui.visit.person.nationality_none"), None)
        common, other = country_choices(lang)
        for code, name in common:
            self.nationality.addItem(name, code)
        self.nationality.insertSeparator(self.nationality.count())
        for code, name in other:
            self.nationality.addItem(name, code)
        self.nationality_completer = QCompleter(self.nationality.model(), self.nationality)
        self.nationality_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.nationality_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.nationality_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.nationality.setCompleter(self.nationality_completer)
        self.nationality.activated.connect(self._nationality_chosen)
        self._nationality_line.editingFinished.connect(self._nationality_typed)
        self._nationality_line.installEventFilter(undo_filter)
        self._nationality_line.installEventFilter(self._return_filter)
        self._nationality_line.installEventFilter(self)
        self.nationality.installEventFilter(self._return_filter)

        self.languages = QLineEdit()
        self.languages.setObjectName("person_languages")
        self.languages.setPlaceholderText(t("ui.visit.person.languages_placeholder"))
        self.languages_completer = QCompleter(language_suggestions(lang), self.languages)
        self.languages_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.languages_completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.languages.setCompleter(self.languages_completer)
        self.languages.editingFinished.connect(self._save_languages)
        self.languages.installEventFilter(undo_filter)
        self.languages.installEventFilter(self._return_filter)

        self.interpreter = QCheckBox(t("ui.visit.person.interpreter"))
        self.interpreter.setObjectName("person_interpreter")
        self.interpreter.setAccessibleName(t("ui.visit.person.interpreter"))
        self.interpreter.toggled.connect(lambda on: self._save("interpreter", on))

        self.consent = _combo(
            "person_consent", [(t(f"ui.visit.consent.{c.value}"), c.value) for c in Consent]
        )
        self.consent_date = self._date_edit("person_consent_date")
        self.b83 = _combo(
            "person_b83", [(_cap(t(f"ui.visit.b83.{b.value}")), b.value) for b in B83Status]
        )
        self.b83_date = self._date_edit("person_b83_date")

        # The professional's own view (possible victims only): suspected forms, own judgement.
        self.suspected = QWidget()
        self.suspected.setObjectName("person_suspected")
        self.suspected.setStyleSheet(SUSPECTED_STYLE)
        flow = FlowLayout(self.suspected)
        self.form_buttons: dict[str, QPushButton] = {}
        for form in FORMS:
            button = QPushButton(t(f"ui.visit.person.form_short.{form}"))
            button.setObjectName(f"suspected_{form}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            name = t("ui.visit.person.suspected_button", form=t(f"form.{form}"))
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.toggled.connect(self._save_suspected)
            flow.addWidget(button)
            self.form_buttons[form] = button
        self.indication = QCheckBox(t("ui.visit.person.indication"))
        self.indication.setObjectName("person_indication")
        self.indication.setToolTip(t("ui.visit.person.indication_tip"))
        self.indication.toggled.connect(lambda on: self._save("professional_indication", on))

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("person_notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(56)
        self.notes.setPlaceholderText(t("ui.visit.person.notes_placeholder"))
        for watcher in (undo_filter, self._focus_filter, self._return_filter):
            self.notes.installEventFilter(watcher)

        # Possible victims only: how to reach them, their safety and care, for CoMensha.
        self.safe_contact = self._line("safe_contact", validate.MAX_SHORT_TEXT, undo_filter)
        self.whereabouts = self._line("whereabouts", validate.MAX_SHORT_TEXT, undo_filter)
        self.safety = self._short_text("safety", undo_filter)
        self.care_needs = self._short_text("care_needs", undo_filter)
        self.police_report = ChoiceRow(
            "person_police_report",
            [(t(f"ui.visit.police_report.{p.value}"), p.value) for p in PoliceReport],
            on_return=lambda: self._on_return(self.police_report),
        )
        self.police_report.chosen.connect(lambda value: self._save("police_report", value))
        self.initials = self._line("initials", INITIALS_FIELD_LIMIT, undo_filter)
        self.birth_date = QLineEdit()
        self.birth_date.setObjectName("person_birth_date")
        self.birth_date.setMaxLength(10)
        self.birth_date.setPlaceholderText(t("ui.visit.person.date_placeholder"))
        self.birth_date.editingFinished.connect(self._save_birth_date)
        self.birth_date.installEventFilter(undo_filter)
        self.birth_date.installEventFilter(self._return_filter)
        self.texts: dict[str, TextWidget] = {
            "notes": self.notes,
            "safe_contact": self.safe_contact,
            "whereabouts": self.whereabouts,
            "safety": self.safety,
            "care_needs": self.care_needs,
            "initials": self.initials,
        }

        for combo, name in (
            (self.role, "role"),
            (self.minor, "minor"),
            (self.consent, "consent"),
            (self.b83, "b83_status"),
        ):
            combo.currentIndexChanged.connect(
                lambda _i, combo=combo, name=name: self._save(name, combo.currentData())
            )
            combo.installEventFilter(self._return_filter)
        self.age.editingFinished.connect(self._save_age)
        self.age.installEventFilter(self._return_filter)
        self.interpreter.installEventFilter(self._return_filter)
        self.indication.installEventFilter(self._return_filter)
        self.consent_date.editingFinished.connect(
            lambda: self._save_date("consent_date", self.consent_date)
        )
        self.b83_date.editingFinished.connect(lambda: self._save_date("b83_date", self.b83_date))

        self.fields = {
            "role": Field(t("ui.visit.person.role"), self.role),
            "sex": Field(t("ui.visit.person.sex"), self.sex),
            "age": Field(t("ui.visit.person.age"), self.age),
            "age_band": Field(t("ui.visit.person.age_band"), self.age_band),
            "minor": Field(t("ui.visit.person.minor"), self.minor),
            "nationality": Field(
                t("ui.visit.person.nationality"),
                self.nationality,
                hint=t("ui.visit.person.nationality_hint"),
            ),
            "languages": Field(t("ui.visit.person.languages"), self.languages),
            "interpreter": Field("", self.interpreter),
            "consent": Field(t("ui.visit.person.consent"), self.consent),
            "consent_date": Field(t("ui.visit.person.consent_date"), self.consent_date),
            "b83_status": Field(t("ui.visit.person.b83"), self.b83),
            "b83_date": Field(t("ui.visit.person.b83_date"), self.b83_date),
            "notes": Field(t("ui.visit.person.notes"), self.notes),
            "suspected_forms": Field(
                t("ui.visit.person.suspected"),
                self.suspected,
                hint=t("ui.visit.person.suspected_hint"),
            ),
            "professional_indication": Field("", self.indication),
            "safe_contact": Field(t("ui.visit.person.safe_contact"), self.safe_contact),
            "whereabouts": Field(t("ui.visit.person.whereabouts"), self.whereabouts),
            "safety": Field(t("ui.visit.person.safety"), self.safety),
            "care_needs": Field(t("ui.visit.person.care_needs"), self.care_needs),
            "police_report": Field(t("ui.visit.person.police_report"), self.police_report),
            "initials": Field(t("ui.visit.person.initials"), self.initials),
            "birth_date": Field(
                t("ui.visit.person.birth_date"),
                self.birth_date,
                hint=t("ui.visit.person.date_hint", example=_example_day()),
            ),
        }
        self.interpreter.setAccessibleName(t("ui.visit.person.interpreter"))
        self.indication.setAccessibleName(t("ui.visit.person.indication"))
        self.fields["professional_indication"].caption.hide()  # the box says it
        self.indication.setAccessibleDescription(t("ui.visit.person.indication_tip"))
        # Two columns: who the person is (left), what was agreed and observed (right).
        age_row = QHBoxLayout()
        age_row.setSpacing(10)
        age_row.addWidget(self.fields["age"], 1)
        age_row.addWidget(self.fields["minor"], 1)
        left = QVBoxLayout()
        left.setSpacing(4)
        for name in ("role", "sex", "age_band"):
            left.addWidget(self.fields[name])
        left.addLayout(age_row)
        for name in ("nationality", "languages", "interpreter"):
            left.addWidget(self.fields[name])
        left.addStretch(1)
        right = QGridLayout()
        right.setHorizontalSpacing(10)
        right.setVerticalSpacing(4)
        right.addWidget(self.fields["consent"], 0, 0)
        right.addWidget(self.fields["consent_date"], 0, 1)
        right.addWidget(self.fields["b83_status"], 1, 0)
        right.addWidget(self.fields["b83_date"], 1, 1)
        right.addWidget(self.fields["notes"], 2, 0, 1, 2)
        right.addWidget(self.fields["suspected_forms"], 3, 0, 1, 2)
        right.addWidget(self.fields["professional_indication"], 4, 0, 1, 2)
        right.setRowStretch(5, 1)
        # Below both columns and as wide as they are, in two columns of their own: the
        # victim's safety and care, then what only CoMensha may get.
        self.victim_box = QWidget()
        self.victim_box.setObjectName("person_victim_details")
        victim = QGridLayout(self.victim_box)
        victim.setContentsMargins(0, 0, 0, 0)
        victim.setHorizontalSpacing(16)
        victim.setVerticalSpacing(4)
        victim.setColumnStretch(0, 1)
        victim.setColumnStretch(1, 1)
        top = Qt.AlignmentFlag.AlignTop
        victim.addWidget(section_heading(t("ui.visit.person.care_heading")), 0, 0, 1, 2)
        victim.addWidget(self.fields["safe_contact"], 1, 0, top)
        victim.addWidget(self.fields["whereabouts"], 1, 1, top)
        victim.addWidget(self.fields["safety"], 2, 0, top)
        victim.addWidget(self.fields["care_needs"], 2, 1, top)
        victim.addWidget(self.fields["police_report"], 3, 0, 1, 2, top)
        victim.setRowMinimumHeight(4, 8)
        victim.addWidget(section_heading(t("ui.visit.person.comensha_heading")), 5, 0, 1, 2)
        self.comensha_hint = QLabel(t("ui.visit.person.comensha_hint"))
        self.comensha_hint.setObjectName("fieldLabel")
        self.comensha_hint.setWordWrap(True)
        victim.addWidget(self.comensha_hint, 6, 0, 1, 2)
        victim.addWidget(self.fields["initials"], 7, 0, top)
        victim.addWidget(self.fields["birth_date"], 7, 1, top)
        self.initials.setAccessibleDescription(t("ui.visit.person.comensha_hint"))
        columns = QGridLayout(self)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setHorizontalSpacing(16)
        columns.setVerticalSpacing(12)
        columns.addLayout(left, 0, 0)
        columns.addLayout(right, 0, 1)
        columns.addWidget(self.victim_box, 1, 0, 1, 2)
        columns.setColumnStretch(0, 3)
        columns.setColumnStretch(1, 2)
        # Return moves along the quick chain; Tab along every field (the toggle rows are one
        # Tab stop each, arrows move inside them).
        self._quick: list[QWidget] = [self.sex, self.age_band, self.nationality, self.languages]
        self._order: list[QWidget] = [
            self.role,
            self.sex,
            self.age_band,
            self.age,
            self.minor,
            self.nationality,
            self.languages,
            self.interpreter,
            self.consent,
            self.consent_date,
            self.b83,
            self.b83_date,
            self.notes,
            *self.form_buttons.values(),
            self.indication,
            self.safe_contact,
            self.whereabouts,
            self.safety,
            self.care_needs,
            self.police_report,
            self.initials,
            self.birth_date,
        ]
        tab_chain: list[QWidget] = []
        for widget in self._order:
            tab_chain += widget.buttons if isinstance(widget, ChoiceRow) else [widget]
        for first, second in itertools.pairwise(tab_chain):
            QWidget.setTabOrder(first, second)

    def set_read_only(self, on: bool) -> None:
        """Another device's visit: each person is read, not changed (texts stay selectable,
        choices show their value); applied again on every :meth:`load`."""
        self.read_only = on
        self._apply_read_only()

    def _apply_read_only(self) -> None:
        if not self.read_only:
            return
        for line in (self.languages, self._nationality_line, self.birth_date, *self.texts.values()):
            line.setReadOnly(True)
            line.setPlaceholderText("")  # "bijv. Bulgaars" invites typing
        for widget in (
            self.role,
            self.sex,
            self.age,
            self.age_band,
            self.minor,
            self.nationality,
            self.interpreter,
            self.consent,
            self.consent_date,
            self.b83,
            self.b83_date,
            self.indication,
            self.police_report,
            *self.form_buttons.values(),
        ):
            widget.setEnabled(False)

    def focus_first(self) -> None:
        self.role.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_quick(self) -> None:
        """The first quick choice still open (sex, age band, nationality, language), else
        the sex: where a new person's details start."""
        person = self._person()
        target: QWidget = self.sex
        if person is not None and person.sex is not Sex.UNKNOWN:
            target = self.age_band
            if person.age is not None or (
                person.age_band is not None and person.age_band is not AgeBand.UNKNOWN
            ):
                target = self.nationality
                if person.nationality:
                    target = self.languages
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _person(self) -> Person | None:
        controller = self._controller()
        if controller is None or self.person_uuid is None:
            return None
        try:
            person: Person = controller.person(self.person_uuid)
        except KeyError:
            return None
        return person

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A tap into the nationality field clears "— onbekend —", so what is typed next
        replaces it rather than being added to it."""
        if (
            event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonRelease)
            and watched is self.nationality.lineEdit()
            and self.nationality.currentText() == self.nationality.itemText(0)
        ):
            self._nationality_line.clear()
        return super().eventFilter(watched, event)

    @property
    def _nationality_line(self) -> QLineEdit:
        """The nationality box's text field (typed names are resolved on leaving it)."""
        line = self.nationality.lineEdit()
        assert line is not None  # the box is editable from __init__ on, so Qt made one
        return line

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setDisplayFormat(qt_date_format())
        edit.setCalendarPopup(True)
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("—")
        edit.setMaximumDate(QDate.currentDate().addDays(1))
        return edit

    def _line(self, name: str, limit: int, undo_filter: QObject) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(f"person_{name}")
        line.setMaxLength(limit)
        line.setPlaceholderText(t(f"ui.visit.person.{name}_placeholder"))
        line.editingFinished.connect(lambda: self._save_text(name))
        line.installEventFilter(undo_filter)
        line.installEventFilter(self._return_filter)
        return line

    def _short_text(self, name: str, undo_filter: QObject) -> QPlainTextEdit:
        """Two lines for a few words or a sentence; Return saves, as in the notes."""
        edit = ShortText()
        edit.setObjectName(f"person_{name}")
        edit.setTabChangesFocus(True)
        edit.setPlaceholderText(t(f"ui.visit.person.{name}_placeholder"))
        for watcher in (undo_filter, self._focus_filter, self._return_filter):
            edit.installEventFilter(watcher)
        return edit

    # -- showing --------------------------------------------------------------------------

    def load(self, person: Person | None) -> None:
        self.person_uuid = person.meta.uuid if person else None
        self.setEnabled(person is not None)
        for field in self.fields.values():
            field.message.clear_message()
        if person is None:
            return
        lang = current_language()
        select_data(self.role, person.role.value)
        self.sex.set_value(person.sex.value)
        blocked = self.age.blockSignals(True)
        self.age.setValue(UNKNOWN_AGE if person.age is None else person.age)
        self.age.blockSignals(blocked)
        self.age_band.set_value(person.age_band.value if person.age_band else None)
        self.age_band.setEnabled(person.age is None)
        select_data(self.minor, person.minor)
        self.minor.setEnabled(person.age is None)
        self._show_nationality(person.nationality)
        set_text(self.languages, format_languages(person.languages, lang))
        blocked = self.interpreter.blockSignals(True)
        self.interpreter.setChecked(person.interpreter)
        self.interpreter.blockSignals(blocked)
        select_data(self.consent, person.consent.value)
        self._show_date(
            self.consent_date, person.consent_date, person.consent is not Consent.NOT_ASKED
        )
        select_data(self.b83, person.b83_status.value)
        self._show_date(
            self.b83_date, person.b83_date, person.b83_status is not B83Status.NOT_RECORDED
        )
        for name, widget in self.texts.items():
            set_text(widget, getattr(person, name))
        set_text(self.birth_date, date_text(person.birth_date))
        self.police_report.set_value(person.police_report.value)
        self._show_own_view(person)
        self._apply_read_only()

    def _show_own_view(self, person: Person) -> None:
        """The suspected forms and the own judgement, shown only for a possible victim."""
        for form, button in self.form_buttons.items():
            blocked = button.blockSignals(True)
            button.setChecked(form in person.suspected_forms)
            button.blockSignals(blocked)
        blocked = self.indication.blockSignals(True)
        self.indication.setChecked(person.professional_indication)
        self.indication.blockSignals(blocked)
        victim = person.role is PersonRole.POSSIBLE_VICTIM
        self.fields["suspected_forms"].setVisible(victim)
        self.fields["professional_indication"].setVisible(victim)
        self.victim_box.setVisible(victim)

    def _show_nationality(self, code: str | None) -> None:
        blocked = self.nationality.blockSignals(True)
        index = self.nationality.findData(code) if code else 0
        self.nationality.setCurrentIndex(max(index, 0))
        if code and index < 0:
            self.nationality.setEditText(country_name(code, current_language()))
        self._nationality_line.setModified(False)
        self.nationality.blockSignals(blocked)

    @staticmethod
    def _show_date(edit: QDateEdit, value: str | None, enabled: bool) -> None:
        blocked = edit.blockSignals(True)
        edit.setDate(QDate.fromString(value, "yyyy-MM-dd") if value else NO_DATE)
        edit.setEnabled(enabled)
        edit.blockSignals(blocked)

    def clear(self) -> None:
        self.person_uuid = None
        set_text(self.languages, "")
        for widget in (*self.texts.values(), self.birth_date):
            set_text(widget, "")
        self.nationality.setEditText("")
        self.setEnabled(False)

    def flush(self) -> list[str]:
        """Save what was typed; the reasons for what could not be saved (each also shown
        beside its field)."""
        if self.person_uuid is None:
            return []
        if is_modified(self.languages):
            self._save_languages()
        for name, widget in self.texts.items():
            if is_modified(widget):
                self._save_text(name)
        if is_modified(self.birth_date):
            self._save_birth_date()
        if self._nationality_line.isModified():
            self._nationality_typed()
        return [
            field.message.text()
            for field in self.fields.values()
            if field.message.text() and field.message.objectName() == "error"
        ]

    # -- saving ---------------------------------------------------------------------------

    def _save(self, name: str, value: Any) -> bool:
        controller = self._controller()
        person_uuid = self.person_uuid
        if controller is None or person_uuid is None or self.read_only:
            return False
        field = self.fields[name]
        try:
            self._commit(lambda: controller.set_person_field(person_uuid, name, value))
        except ValidationError as exc:
            field.message.show_error(problem_text(exc))
            return False
        field.message.clear_message()
        self._show_derived(controller.person(person_uuid), name)
        self.changed.emit()
        return True

    def _show_derived(self, person: Person, name: str) -> None:
        """After a save, show what the save decided (minor from age, dates filled in,
        normalised languages) without touching fields the user may still be typing in."""
        select_data(self.minor, person.minor)
        self.minor.setEnabled(person.age is None)
        self.age_band.setEnabled(person.age is None)
        self.age_band.set_value(person.age_band.value if person.age_band else None)
        self._show_date(
            self.consent_date, person.consent_date, person.consent is not Consent.NOT_ASKED
        )
        self._show_date(
            self.b83_date, person.b83_date, person.b83_status is not B83Status.NOT_RECORDED
        )
        if name == "languages":
            set_text(self.languages, format_languages(person.languages, current_language()))
        if name == "nationality":
            self._show_nationality(person.nationality)
            if not is_modified(self.languages):  # the language may have followed it
                set_text(self.languages, format_languages(person.languages, current_language()))
        if name in ("role", "suspected_forms", "professional_indication"):
            self._show_own_view(person)

    def _save_suspected(self) -> None:
        forms = [form for form, button in self.form_buttons.items() if button.isChecked()]
        if not self._save("suspected_forms", forms) and self.person_uuid is not None:
            controller = self._controller()
            if controller is not None:
                self._show_own_view(controller.person(self.person_uuid))

    def _save_age(self) -> None:
        value = self.age.value()
        self._save("age", None if value == UNKNOWN_AGE else value)

    def _save_date(self, name: str, edit: QDateEdit) -> None:
        if edit.isEnabled():
            day = edit.date()
            self._save(name, None if day == NO_DATE else day.toString("yyyy-MM-dd"))

    def _save_languages(self) -> None:
        field = self.fields["languages"]
        try:
            codes = parse_languages(self.languages.text(), current_language())
        except ValueError as exc:
            field.message.show_error(t("ui.visit.person.language_unknown", word=str(exc)))
            return
        if self._save("languages", list(codes)):
            mark_saved(self.languages)
            set_text(self.languages, format_languages(codes, current_language()))

    def _save_text(self, name: str) -> None:
        """A typed text as the core keeps it (trimmed; empty is none), shown as kept."""
        widget = self.texts[name]
        if self._save(name, text_of(widget)):
            mark_saved(widget)
            controller = self._controller()
            if controller is not None and self.person_uuid is not None:
                stored = getattr(controller.person(self.person_uuid), name) or ""
                if stored != text_of(widget).strip():
                    set_text(widget, stored)

    def _save_birth_date(self) -> None:
        """Typed as shown (``15-03-1990``); unreadable text is refused here, a day outside
        1900 to today by the core (``validate.birth_date``), each with its reason."""
        field = self.fields["birth_date"]
        try:
            day = typed_day(self.birth_date.text())
        except ValueError:
            field.message.show_error(t("ui.visit.person.date_unreadable", example=_example_day()))
            return
        if self._save("birth_date", day):
            mark_saved(self.birth_date)
            set_text(self.birth_date, date_text(day))

    def _nationality_chosen(self, index: int) -> None:
        if is_modified(self.languages):  # typed first: the language no longer follows
            self._save_languages()
        self._save("nationality", self.nationality.itemData(index))

    def _nationality_typed(self) -> None:
        """Typed rather than picked: an exact name, a code, the only name containing the text,
        or the first name starting with it (the common nationalities come first)."""
        text = self.nationality.currentText().strip()
        if self.person_uuid is None:
            return
        if is_modified(self.languages):
            self._save_languages()
        code = self._resolve_country(text)
        if code is False:
            self.fields["nationality"].message.show_error(
                t("ui.visit.person.nationality_unknown", text=text)
            )
            return
        if self._save("nationality", code):
            self._nationality_line.setModified(False)

    def _resolve_country(self, text: str) -> str | bool | None:
        unknown = self.nationality.itemText(0)
        if text.startswith(unknown):  # typed after the "unknown" text a tap left in place
            text = text[len(unknown) :].strip()
        if not text:
            return None
        adjective = country_of_adjective(text)
        if adjective is not None and self.nationality.findData(adjective) >= 0:
            return adjective
        wanted = sort_key(text)
        names: list[tuple[str, str]] = [  # (comparable name, country code)
            (sort_key(self.nationality.itemText(i)), self.nationality.itemData(i))
            for i in range(1, self.nationality.count())
            if self.nationality.itemData(i)
        ]
        for name, code in names:
            if name == wanted:
                return code
        if len(text) == 2:
            for _, code in names:
                if code == text.upper():
                    return code
        containing = [code for name, code in names if wanted in name]
        if len(set(containing)) == 1:
            return containing[0]
        for name, code in names:
            if name.startswith(wanted):
                return code
        return False

    def _on_focus_out(self, widget: QWidget) -> None:
        for name, text in self.texts.items():
            if widget is text and is_modified(text):
                self._save_text(name)

    def _on_return(self, widget: QWidget) -> bool:
        """Return: save the field, then on along the quick chain (sex, age band, nationality,
        language) or to the next field; after the language, or in the last field, the step is
        done. A refused value keeps the focus, to be corrected."""
        text_name = next((name for name, text in self.texts.items() if widget is text), None)
        if text_name is not None:
            self._save_text(text_name)
        elif widget is self.birth_date:
            self._save_birth_date()
        elif widget is self.languages:
            self._save_languages()
        elif widget is self._nationality_line or widget is self.nationality:
            self._nationality_typed()
            widget = self.nationality
        elif widget is self.age:
            self._save_age()
        if widget in self.fields_refusing():
            return True
        if widget is self.role:
            self.sex.setFocus(Qt.FocusReason.TabFocusReason)
        elif widget is self.age:
            self.nationality.setFocus(Qt.FocusReason.TabFocusReason)
        elif widget in self._quick and widget is not self._quick[-1]:
            self._quick[self._quick.index(widget) + 1].setFocus(Qt.FocusReason.TabFocusReason)
        elif widget is self._quick[-1]:
            self.chain_finished.emit()
        elif widget in self._order:
            # On to the next field shown (a witness has no victim's fields); after the last
            # one the step is done.
            later = self._order[self._order.index(widget) + 1 :]
            shown = [field for field in later if field.isVisibleTo(self)]
            if shown:
                shown[0].setFocus(Qt.FocusReason.TabFocusReason)
            else:
                self.chain_finished.emit()
        return True

    def fields_refusing(self) -> list[QWidget]:
        """The inputs whose last value was refused (their message says why)."""
        return [
            field.widget
            for field in self.fields.values()
            if field.message.text() and field.message.objectName() == "error"
        ]
