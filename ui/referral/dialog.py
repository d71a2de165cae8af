"""Doorverwijzen: from a visit to one partner's document.

Page 1 chooses about whom (one person, or every possible victim), to whom (six recipients; the
assessment's first recommendation is chosen) and the document's language, and shows before
anything is made what the recipient gets, what is left out and why. When the recipient needs
consent or a mandatory reporter that is missing, it shows the core's refusal and offers the
anonymous signal with one click. While the visit lacks what a final referral needs (site name,
address, and per person age, nationality, consent, B8/3 where prompted: the core's
``missing_for_final`` for the chosen recipient), the page lists it and the button makes a draft
("Concept maken") instead of a final referral. "Maken" makes the referral (kept in the vault)
and page 2 shows its real pages, ready to export.

What the inspector adds (issue 15): "Toelichting (uw eigen reden)" under the choices, their own
words for every recipient; for the care coordinator about someone without recorded consent,
below the refusal, the choice "Zonder toestemming: vitaal belang (AVG art. 6 lid 1 sub d)",
which needs its reason in words before "Maken" works (until then the page says so under the
reason's field, and the button says what it waits for); for the anonymous registration, "Noem
onze organisatie als melder" (off: the registration names no reporting organisation unless
chosen). "Komt in het document" names the inspector's words and the vital-interest ground
when given; the Toelichting also counts for what a final referral lacks (a visit without
signals needs it for the police, the Labour Authority and the RIEC). Consent is answered here
only where it was never asked: a refusal is changed in the person's details, on purpose.

On a tablet (1280x800 at 150 %: 853x533 logical pixels; 1920x1080 at 200 %: 960x540) the
choices and the explanation scroll as one page while the buttons stay below them, and the dialog
is never larger than the screen, so "Maken" is always in view. Where the choices do not fit
beside the explanation (large-touch mode on such a screen), the page is laid out compactly: about
whom and the language side by side, the recipients in two or three columns, the explanation
below them. Every recipient is then in view without scrolling: a finger user who saw only the
first four in one column did not know that RIEC and the anonymous signal exist (issue 14).

The page opens at the top, the chosen recipient in view; a change made in it (another
recipient, a consent answered) scrolls to why "Maken" is off or makes a draft. Tab follows the
page top to bottom (about whom, the chosen recipient, the language, the Toelichting, the
consent to answer, the anonymous way out, the vital-interest ground, naming the reporter) and
then "Maken" and "Annuleren", round again to the first.

By keyboard the next step is always the default: "Maken" on the first page; once a final
referral is made, "Exporteren met wachtwoord" has the focus (Return or Space exports); once it is
exported, "Sluiten" (Return closes). A draft is not meant to be sent as it is, so after
"Concept maken" the pages have the focus and no button is the default.

The logic lives in :class:`ui.referral.controller.ReferralController`; this file only shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import Catalogue
from fieldapp.domain import ReferralStatus
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.referral import MadeReferral
from fieldapp.referral.rules import RECIPIENTS
from fieldapp.store.store import Store
from ui.referral.controller import (
    ANONYMOUS,
    DOCUMENT_LANGUAGES,
    Additions,
    Outlook,
    ReferralController,
)
from ui.referral.preview import PreviewWidget
from ui.widgets import MessageLabel, heading

DIALOG_STYLE = """
QLabel#sectionHeading { font-size: 11pt; font-weight: 600; }
QLabel#fieldLabel { color: palette(placeholder-text); }
QFrame#why { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QFrame#refusal { border: 1px solid #a4262c; border-radius: 6px; background: #fdf3f3; }
QFrame#refusal QLabel { color: #5c1115; }
QFrame#missing { border: 1px solid #8a5a00; border-radius: 6px; background: #fff8e6; }
QFrame#missing QLabel { color: #3d2800; }
QFrame#vital { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QLabel#vitalNeeded { color: #a4262c; }
QRadioButton { padding: 3px 0; }
"""
# Large-touch mode: every choice a target of at least 44 px (the app's LARGE_TOUCH_STYLE sets
# the buttons and lists; radio buttons are this dialog's own).
TOUCH_STYLE = """
QRadioButton, QCheckBox { min-height: 44px; }
QComboBox, QPushButton { min-height: 44px; }
"""
SCREEN_MARGIN = 48  # room for the window's frame and title bar inside the available area
PREFERRED_SIZE = QSize(980, 700)
CHOICES_MIN_WIDTH = 300  # the choices' column beside the explanation, at the least
EXPLANATION_MIN_WIDTH = 280  # narrower, the explanation wraps a word a line: put it below
COLUMN_SPACING = 20
SECTION_SPACING = 16  # between about whom, the recipients and the language, in a column
CAPTION_SPACING = 6  # between a caption and its control
RADIO_SPACING = 2  # between recipients in one column
TEXT_LINES = 3  # the reasons typed here: a few lines show, more scroll
RECIPIENT_COLUMNS = (3, 2)  # in the compact layout, the most that fit
ARROW_STEPS = {
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_Right: 1,
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Left: -1,
}


def _label(text: str = "", name: str = "", *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _columns(items: tuple[str, ...], per_column: int = 8) -> str:
    """A bulleted list; a long one in two columns, so it stays readable without scrolling."""
    lines = ["• " + escape(item) for item in items]
    if len(lines) <= per_column:
        return "<br>".join(lines)
    half = (len(lines) + 1) // 2
    cell = "<td style='padding-right:28px' valign='top'>{}</td>"
    return (
        "<table cellspacing='0' cellpadding='0'><tr>"
        + cell.format("<br>".join(lines[:half]))
        + cell.format("<br>".join(lines[half:]))
        + "</tr></table>"
    )


def fitted_size(available: QSize, preferred: QSize = PREFERRED_SIZE) -> QSize:
    """``preferred`` where there is room; never larger than the screen's free area (a tablet at
    150 % has 853x533 logical pixels), so the buttons below never fall off-screen."""
    return QSize(
        min(preferred.width(), available.width() - SCREEN_MARGIN // 2),
        min(preferred.height(), available.height() - SCREEN_MARGIN),
    )


def _field(caption: QLabel, control: QWidget) -> QWidget:
    """A caption above its control, as one piece the layout can move."""
    field = QWidget()
    layout = QVBoxLayout(field)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(CAPTION_SPACING)
    layout.addWidget(caption)
    layout.addWidget(control)
    return field


class _TextBox(QPlainTextEdit):
    """A few lines for the inspector's own words (Return is a new line, Tab moves on), as
    high as :data:`TEXT_LINES` lines of the font it has: large-touch mode's bigger text
    arrives with the window's style sheet, after the box is made."""

    def __init__(self, name: str, placeholder: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setTabChangesFocus(True)
        self.setPlaceholderText(placeholder)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        lines = self.fontMetrics().lineSpacing() * TEXT_LINES
        return QSize(super().sizeHint().width(), lines + 2 * self.frameWidth() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()


def _large_touch(widget: QWidget | None) -> bool:
    """Large-touch mode as the window that opens the dialog has it (the visit editor and the
    main window keep it as ``large_touch``)."""
    while widget is not None:
        value = getattr(widget, "large_touch", None)
        if isinstance(value, bool):
            return value
        widget = widget.parentWidget()
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FieldAppError):
        return exc.message()
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return t("ui.referral.make_failed", reason=reason)


class ReferralDialog(QDialog):
    PAGE_CHOOSE, PAGE_PREVIEW = 0, 1

    def __init__(
        self,
        store: Store,
        visit_uuid: str,
        *,
        catalogue: Catalogue | None = None,
        person_uuid: str | None = None,
        parent: QWidget | None = None,
        large_touch: bool | None = None,
        record_consent: Callable[[str, str], bool] | None = None,
        completed_by: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        # Records a person's consent as the visit editor does (undoable there); None: the
        # dialog only lists consent as missing.
        self._record_consent = record_consent
        self.controller = ReferralController(store, visit_uuid, catalogue)
        self.made: MadeReferral | None = None
        self.preview: PreviewWidget | None = None
        self.outlook: Outlook | None = None
        self.setWindowTitle(t("ui.referral.dialog.title"))
        self.setAccessibleName(t("ui.referral.dialog.title"))
        self.setStyleSheet(DIALOG_STYLE)

        # -- the choices (left)
        self.subject = QComboBox()
        self.subject.setObjectName("subject")
        self.subject.setAccessibleName(t("ui.referral.dialog.subject_plain"))
        for choice in self.controller.subject_choices():
            self.subject.addItem(choice.text, choice.person_uuid)
        default = self.controller.default_subject(person_uuid)
        self.subject.setCurrentIndex(max(0, self.subject.findData(default)))
        subject_label = self._caption("ui.referral.dialog.subject", self.subject)

        self.recipient_group = QButtonGroup(self)
        self.recipient_group.setExclusive(True)
        self.recipient_buttons: dict[str, QRadioButton] = {}
        self.recipients_box = QWidget()
        self.recipients_box.setObjectName("recipients")
        self.recipients_grid = QGridLayout(self.recipients_box)
        self.recipients_grid.setContentsMargins(0, 0, 0, 0)
        self.recipients_grid.setHorizontalSpacing(SECTION_SPACING)
        self.recipients_grid.setVerticalSpacing(RADIO_SPACING)
        for key in RECIPIENTS:
            button = QRadioButton(t(f"recipient.{key}"), self.recipients_box)
            button.setObjectName(f"recipient_{key}")
            button.setAccessibleName(button.text())
            self.recipient_group.addButton(button)
            self.recipient_buttons[key] = button
            button.toggled.connect(self._recipient_toggled)
        recipient_caption = QLabel(t("ui.referral.dialog.recipient"))
        recipient_caption.setObjectName("sectionHeading")
        self.recipient_caption = recipient_caption

        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setAccessibleName(t("ui.referral.dialog.language_plain"))
        for lang in DOCUMENT_LANGUAGES:
            self.language.addItem(t(f"ui.referral.language.{lang}"), lang)
        language_label = self._caption("ui.referral.dialog.language", self.language)

        # The inspector's own words, for every recipient: the document shows them as such.
        self.reason = _TextBox("reason", t("ui.referral.dialog.reason_placeholder"))
        self.reason.setAccessibleName(t("ui.referral.dialog.reason_plain"))
        self.reason.setAccessibleDescription(t("ui.referral.dialog.reason_placeholder"))
        reason_label = self._caption("ui.referral.dialog.reason", self.reason)
        self._had_reason = False
        self.reason.textChanged.connect(self._reason_changed)

        # Four parts, arranged by _arrange(): in a column beside the explanation, or (compact)
        # about whom and the language side by side above the recipients; the reason last.
        self.subject_field = _field(subject_label, self.subject)
        self.recipients_section = _field(recipient_caption, self.recipients_box)
        self.language_field = _field(language_label, self.language)
        self.reason_field = _field(reason_label, self.reason)
        self.choices = QWidget()
        self.choices.setObjectName("choicesColumn")
        self.choices_grid = QGridLayout(self.choices)
        self.choices_grid.setContentsMargins(0, 0, 0, 0)
        self.compact = False  # see _arrange()
        self.side_by_side = False  # compact: about whom and the language on one row
        self.recipient_columns = 1
        self._available: tuple[str, ...] = tuple(RECIPIENTS)
        self._recommended: tuple[str, ...] = ()

        # -- what it gives (right)
        self.why_box = QFrame()
        self.why_box.setObjectName("why")
        why_layout = QVBoxLayout(self.why_box)
        why_layout.setContentsMargins(12, 10, 12, 10)
        self.why_title = _label("", "sectionHeading")
        self.why = _label()
        self.about = _label("", "fieldLabel")
        why_layout.addWidget(self.why_title)
        why_layout.addWidget(self.why)
        why_layout.addWidget(self.about)

        self.refusal_box = QFrame()
        self.refusal_box.setObjectName("refusal")
        refusal_layout = QVBoxLayout(self.refusal_box)
        refusal_layout.setContentsMargins(12, 10, 12, 10)
        self.refusal = _label()
        self.anonymous_button = QPushButton(t("ui.referral.dialog.use_anonymous"))
        self.anonymous_button.setObjectName("use_anonymous")
        self.anonymous_button.setAccessibleName(t("ui.referral.dialog.use_anonymous"))
        self.anonymous_button.setAutoDefault(False)
        self.anonymous_button.clicked.connect(self.switch_to_anonymous)
        anonymous_row = QHBoxLayout()
        anonymous_row.addWidget(self.anonymous_button)
        anonymous_row.addStretch(1)
        refusal_layout.addWidget(self.refusal)
        refusal_layout.addLayout(anonymous_row)

        # The care coordinator without recorded consent: the vital-interest ground, chosen
        # on purpose and with its reason (kept with the referral, said in the document).
        self.vital_box = QFrame()
        self.vital_box.setObjectName("vital")
        vital_layout = QVBoxLayout(self.vital_box)
        vital_layout.setContentsMargins(12, 10, 12, 10)
        vital_title = _label(t("ui.referral.dialog.vital_title"), "sectionHeading")
        self.vital_check = QCheckBox(t("ui.referral.dialog.vital_check"))
        self.vital_check.setObjectName("vital_interest")
        self.vital_check.setAccessibleName(t("ui.referral.dialog.vital_title"))
        self.vital_check.setAccessibleDescription(t("ui.referral.dialog.vital_explain"))
        self.vital_check.toggled.connect(self._vital_toggled)
        self.vital_reason = _TextBox("vital_reason", t("ui.referral.dialog.vital_placeholder"))
        self.vital_reason.setAccessibleName(t("ui.referral.dialog.vital_reason"))
        self.vital_reason.setEnabled(False)
        self.vital_reason.textChanged.connect(self._vital_reason_changed)
        vital_reason_label = _label(t("ui.referral.dialog.vital_reason"), "fieldLabel")
        vital_reason_label.setBuddy(self.vital_reason)
        vital_layout.addWidget(vital_title)
        vital_layout.addWidget(_label(t("ui.referral.dialog.vital_explain")))
        vital_layout.addWidget(self.vital_check)
        vital_layout.addWidget(vital_reason_label)
        vital_layout.addWidget(self.vital_reason)
        # Why "Maken" waits, right under the field that answers it (on a tablet the refusal's
        # box above the ground was out of view once the field had the keyboard).
        self.vital_needed = _label(t("ui.referral.dialog.vital_reason_needed"), "vitalNeeded")
        self.vital_needed.hide()
        vital_layout.addWidget(self.vital_needed)
        self._vital_had_reason = False

        # The anonymous registration names no reporting organisation unless chosen here.
        self.name_reporter = QCheckBox(t("ui.referral.dialog.name_reporter"))
        self.name_reporter.setObjectName("name_reporter")
        self.name_reporter.setAccessibleName(t("ui.referral.dialog.name_reporter"))
        self.name_reporter.setToolTip(t("ui.referral.dialog.name_reporter_tip"))
        self.name_reporter.setAccessibleDescription(t("ui.referral.dialog.name_reporter_tip"))
        self.name_reporter.toggled.connect(lambda _on: self._refresh())

        self.missing_box = QFrame()
        self.missing_box.setObjectName("missing")
        missing_layout = QVBoxLayout(self.missing_box)
        missing_layout.setContentsMargins(12, 10, 12, 10)
        self.missing_title = _label(t("ui.referral.dialog.missing_title"), "sectionHeading")
        self.missing = _label(rich=True)
        self.missing.setAccessibleName(t("ui.referral.dialog.missing_title"))
        # Another device's visit: only its inspector can complete it ("Vul dit aan" would
        # ask the coordinator for what they cannot do).
        self.missing_hint = _label(
            t("ui.referral.dialog.missing_hint_imported", inspector=completed_by)
            if completed_by
            else t("ui.referral.dialog.missing_hint")
        )
        missing_layout.addWidget(self.missing_title)
        missing_layout.addWidget(self.missing)
        missing_layout.addWidget(self.missing_hint)
        # Consent not asked yet: answered here, from what the person said at the visit, so a
        # final referral does not wait for a trip back to the person's details.
        self.consent_rows = QWidget()
        self.consent_rows.setObjectName("consent_rows")
        self._consent_layout = QVBoxLayout(self.consent_rows)
        self._consent_layout.setContentsMargins(0, 4, 0, 0)
        self.consent_buttons: dict[tuple[str, str], QPushButton] = {}
        self._consent_shown: tuple[tuple[str, str], ...] = ()
        missing_layout.addWidget(self.consent_rows)

        self.included_title = _label(t("ui.referral.dialog.included"), "sectionHeading")
        self.included = _label(rich=True)
        self.included.setAccessibleName(t("ui.referral.dialog.included"))
        self.left_out_title = _label(t("ui.referral.dialog.left_out"), "sectionHeading")
        self.left_out = _label(rich=True)
        self.left_out.setAccessibleName(t("ui.referral.dialog.left_out"))

        self.explanation = QWidget()
        self.explanation.setObjectName("explanation")
        right = QVBoxLayout(self.explanation)
        right.setContentsMargins(4, 0, 8, 0)
        right.setSpacing(8)
        right.addWidget(self.missing_box)
        right.addWidget(self.why_box)
        right.addWidget(self.refusal_box)
        right.addWidget(self.vital_box)
        right.addWidget(self.name_reporter)
        right.addWidget(self.included_title)
        right.addWidget(self.included)
        right.addWidget(self.left_out_title)
        right.addWidget(self.left_out)
        right.addStretch(1)

        # Choices and explanation scroll as one page; the heading and the buttons stay in view.
        body = QWidget()
        self.body_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(COLUMN_SPACING)
        self.body_layout.addWidget(self.choices, 0)
        self.body_layout.addWidget(self.explanation, 1)
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("choices")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidget(body)
        self.body_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(
            self.body_scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture
        )

        self.message = MessageLabel()
        choose_buttons = QDialogButtonBox()
        self.make_button = choose_buttons.addButton(
            t("ui.referral.dialog.make"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.make_button.setObjectName("make")
        self.make_button.setAccessibleName(t("ui.referral.dialog.make_plain"))
        self.make_button.setDefault(True)
        self.cancel_button = choose_buttons.addButton(
            t("ui.referral.dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.setAccessibleName(t("ui.referral.dialog.cancel"))
        self.cancel_button.setAutoDefault(False)
        choose_buttons.accepted.connect(self.make)
        choose_buttons.rejected.connect(self.reject)

        choose_page = QWidget()
        choose = QVBoxLayout(choose_page)
        choose.setContentsMargins(0, 0, 0, 0)
        choose.setSpacing(10)
        choose.addWidget(heading(t("ui.referral.dialog.heading")))
        choose.addWidget(self.body_scroll, 1)
        choose.addWidget(self.message)
        choose.addWidget(choose_buttons)

        self.preview_page = QWidget()
        self.preview_layout = QVBoxLayout(self.preview_page)
        self.preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview_layout.setSpacing(8)
        preview_buttons = QDialogButtonBox()
        self.close_button = preview_buttons.addButton(
            t("ui.referral.close"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.close_button.setObjectName("close")
        self.close_button.setAccessibleName(t("ui.referral.close"))
        self.close_button.setAutoDefault(False)
        preview_buttons.rejected.connect(self.accept)
        self.preview_layout.addWidget(preview_buttons)

        self.stack = QStackedWidget()
        self.stack.addWidget(choose_page)
        self.stack.addWidget(self.preview_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(self.stack)

        self._place_choices()
        self.subject.currentIndexChanged.connect(lambda _index: self._subject_changed())
        # Opened at the top, the chosen recipient in view: only a change made here scrolls
        # to what it changed (see _refresh).
        self._opening = True
        self._subject_changed()
        self._opening = False
        self.large_touch = _large_touch(parent) if large_touch is None else large_touch
        if self.large_touch:
            self.setStyleSheet(DIALOG_STYLE + TOUCH_STYLE)
        self._fit_to_screen()
        self._set_tab_order()
        self.body_scroll.installEventFilter(self)  # its size decides the arrangement
        for button in self.recipient_buttons.values():
            button.installEventFilter(self)  # the arrows: see _arrow()
        self.subject.setFocus()
        self.finished.connect(lambda _result: self.clear())

    def _tab_chain(self) -> list[QWidget]:
        """The page's controls in the order they show, top to bottom: the choices, then the
        explanation's (the consent to answer, the anonymous way out, the vital-interest
        ground, naming the reporter), then the buttons."""
        return [
            self.subject,
            *self.recipient_buttons.values(),
            self.language,
            self.reason,
            *self.consent_buttons.values(),
            self.anonymous_button,
            self.vital_check,
            self.vital_reason,
            self.name_reporter,
            self.make_button,
            self.cancel_button,
        ]

    def _set_tab_order(self) -> None:
        """Qt's own chain in :meth:`_tab_chain`'s order (what assistive tools walk); Tab and
        Shift+Tab themselves go by :meth:`focusNextPrevChild`."""
        for before, after in pairwise(self._tab_chain()):
            QWidget.setTabOrder(before, after)

    def _tab_stops(self) -> list[QWidget]:
        """What Tab visits now: the chain's controls that show and can be used, the
        recipients as one stop (the one with the keyboard, else the one chosen: arrows move
        within them, as in any radio group)."""
        focus = QApplication.focusWidget()
        shown = self._shown_recipients()
        chosen = next((b for b in shown if b.isChecked()), shown[0] if shown else None)
        group_stop = focus if focus in shown else chosen
        stops: list[QWidget] = []
        for widget in self._tab_chain():
            if isinstance(widget, QRadioButton):
                # Qt takes Tab focus from a group's unchosen buttons itself: not asked here.
                if widget is group_stop:
                    stops.append(widget)
            elif (
                widget.isVisibleTo(self)
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                stops.append(widget)
        return stops

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab through the page top to bottom and from "Annuleren" round to "Over wie";
        Shift+Tab back. Qt's chain alone let Tab go round "Maken", "Annuleren" and the consent
        buttons, which are made while the dialog is open, and never back to the choices."""
        if self.stack.currentIndex() != self.PAGE_CHOOSE:
            return super().focusNextPrevChild(forward)
        stops = self._tab_stops()
        focus = QApplication.focusWidget()
        index = next(
            (
                position
                for position, widget in enumerate(stops)
                if focus is not None and (focus is widget or widget.isAncestorOf(focus))
            ),
            None,
        )
        if index is None:
            return super().focusNextPrevChild(forward)
        target = stops[(index + (1 if forward else -1)) % len(stops)]
        target.setFocus(
            Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
        )
        if self.body_scroll.isAncestorOf(target):
            self.body_scroll.ensureWidgetVisible(target)
        return True

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(PREFERRED_SIZE)
        else:
            self.resize(fitted_size(screen.availableGeometry().size()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.body_scroll and event.type() == QEvent.Type.Resize:
            self._arrange()
        elif (
            isinstance(watched, QRadioButton)
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and event.key() in ARROW_STEPS
        ):
            return self._arrow(watched, ARROW_STEPS[Qt.Key(event.key())])
        return super().eventFilter(watched, event)

    def _arrow(self, button: QRadioButton, step: int) -> bool:
        """An arrow key moves to the next or previous recipient in their order and chooses
        it, wrapping at the ends, as in a radio group (WAI-ARIA): in columns, Qt's own arrows
        go by position, and Down alone never reaches the column beside."""
        shown = self._shown_recipients()
        if button not in shown:
            return False
        target = shown[(shown.index(button) + step) % len(shown)]
        if button.isChecked():
            target.click()
        target.setFocus(
            Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason
        )
        return True

    # -- arrangement -----------------------------------------------------------------------

    def _shown_recipients(self) -> list[QRadioButton]:
        return [self.recipient_buttons[key] for key in RECIPIENTS if key in self._available]

    def _room(self) -> QSize:
        """The page's room, less a vertical scroll bar (shown or not: the choice must not
        depend on it, or showing it would change the choice)."""
        bar = self.body_scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        size = self.body_scroll.size()
        return QSize(size.width() - bar, size.height())

    def _fits_beside(self, shown: list[QRadioButton]) -> bool:
        """Whether the choices fit in one column beside the explanation, every recipient in
        view without scrolling and the explanation at a readable width."""
        room = self._room()
        fields = (self.subject_field, self.language_field)
        height = (
            sum(field.sizeHint().height() for field in fields)
            + self.recipient_caption.sizeHint().height()
            + CAPTION_SPACING
            + sum(button.sizeHint().height() for button in shown)
            + RADIO_SPACING * max(0, len(shown) - 1)
            + SECTION_SPACING * 2
        )
        width = max(
            CHOICES_MIN_WIDTH,
            *(field.sizeHint().width() for field in fields),
            *(button.sizeHint().width() for button in shown),
        )
        return (
            height <= room.height()
            and width + COLUMN_SPACING + EXPLANATION_MIN_WIDTH <= room.width()
        )

    def _columns_that_fit(self, shown: list[QRadioButton]) -> int:
        """The most recipient columns (of ``RECIPIENT_COLUMNS``) that fit the width, each
        choice as wide as its text: first with "aanbevolen" on the name's line, else below it
        (a long name with it does not fit half a tablet's width in large type)."""
        room = self._room().width()
        spacing = self.recipients_grid.horizontalSpacing()
        for below in (False, True):
            self._set_recipient_texts(below=below)
            widest = max((button.sizeHint().width() for button in shown), default=0)
            for most in RECIPIENT_COLUMNS:
                columns = min(most, len(shown))
                if columns > 1 and columns * widest + (columns - 1) * spacing <= room:
                    return columns
        return 1

    def _arrange(self) -> None:
        """Choose the layout for the room there is: the choices in a column beside the
        explanation where they fit, else compact (about whom and the language side by side
        where they fit, the recipients in columns, the explanation below)."""
        shown = self._shown_recipients()
        self._set_recipient_texts(below=False)
        compact = not self._fits_beside(shown)
        columns = self._columns_that_fit(shown) if compact else 1
        room = self._room().width()
        side_by_side = compact and (
            self.subject_field.sizeHint().width()
            + SECTION_SPACING
            + self.language_field.sizeHint().width()
            <= room
        )
        if (compact, side_by_side) != (self.compact, self.side_by_side):
            self.compact, self.side_by_side = compact, side_by_side
            self._place_choices()
        self.recipient_columns = columns
        self._place_recipients()

    def _place_choices(self) -> None:
        grid = self.choices_grid
        for field in (
            self.subject_field,
            self.recipients_section,
            self.language_field,
            self.reason_field,
        ):
            grid.removeWidget(field)
        for index in range(5):
            grid.setRowStretch(index, 0)
            grid.setColumnStretch(index, 0)
        grid.setHorizontalSpacing(SECTION_SPACING)
        grid.setVerticalSpacing(12 if self.compact else SECTION_SPACING)
        if self.side_by_side:
            grid.addWidget(self.subject_field, 0, 0)
            grid.addWidget(self.language_field, 0, 1)
            grid.addWidget(self.recipients_section, 1, 0, 1, 2)
            grid.addWidget(self.reason_field, 2, 0, 1, 2)
        else:
            grid.addWidget(self.subject_field, 0, 0)
            grid.addWidget(self.recipients_section, 1, 0)
            grid.addWidget(self.language_field, 2, 0)
            grid.addWidget(self.reason_field, 3, 0)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(4, 1)
        # Beside the explanation: as wide as its longest choice, never clipped; the
        # explanation takes the rest and wraps.
        self.choices.setMinimumWidth(0 if self.compact else CHOICES_MIN_WIDTH)
        self.body_layout.setDirection(
            QBoxLayout.Direction.TopToBottom if self.compact else QBoxLayout.Direction.LeftToRight
        )
        self.body_layout.setSpacing(12 if self.compact else COLUMN_SPACING)

    def _place_recipients(self) -> None:
        """The recipients offered, in their order, row by row in ``recipient_columns``."""
        grid = self.recipients_grid
        columns = self.recipient_columns
        for button in self.recipient_buttons.values():
            grid.removeWidget(button)
        for index, button in enumerate(self._shown_recipients()):
            grid.addWidget(button, index // columns, index % columns)
        for column in range(max(RECIPIENT_COLUMNS)):
            grid.setColumnStretch(column, 1 if column < columns else 0)
        grid.setVerticalSpacing(6 if columns > 1 else RADIO_SPACING)

    def _set_recipient_texts(self, *, below: bool) -> None:
        """Each recipient's name, marked when the assessment recommends it: "· aanbevolen"
        after the name, or ``below`` it on a line of its own. Screen readers always hear the
        one-line form."""
        for key, button in self.recipient_buttons.items():
            name = t(f"recipient.{key}")
            spoken = text = name
            if key in self._recommended:
                spoken = t("ui.referral.dialog.recommended", name=name)
                text = t("ui.referral.dialog.recommended_below", name=name) if below else spoken
            if button.text() != text:
                button.setText(text)
            button.setAccessibleName(spoken)

    def _caption(self, key: str, buddy: QWidget) -> QLabel:
        label = QLabel(t(key))
        label.setObjectName("sectionHeading")
        label.setBuddy(buddy)
        return label

    # -- state -----------------------------------------------------------------------------

    def subject_uuid(self) -> str | None:
        person_uuid: str | None = self.subject.currentData()  # the items' data: uuids
        return person_uuid

    def recipient(self) -> str:
        return next(
            (key for key, button in self.recipient_buttons.items() if button.isChecked()),
            RECIPIENTS[0],
        )

    def document_language(self) -> str:
        return self.language.currentData() or DOCUMENT_LANGUAGES[0]

    def additions(self) -> Additions:
        """What the inspector added here; the controller passes each only where it belongs."""
        return Additions(
            reason=self.reason.toPlainText(),
            vital=self.vital_check.isChecked(),
            vital_reason=self.vital_reason.toPlainText(),
            name_reporter=self.name_reporter.isChecked(),
        )

    def _vital_toggled(self, on: bool) -> None:
        self.vital_reason.setEnabled(on)
        self._refresh()
        if on:
            self.vital_reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _vital_reason_changed(self) -> None:
        """Only a reason given or taken away changes what can be made: not every key."""
        has_reason = bool(self.vital_reason.toPlainText().strip())
        if has_reason != self._vital_had_reason:
            self._vital_had_reason = has_reason
            self._refresh()

    def _reason_changed(self) -> None:
        """The Toelichting given or taken away: what goes in, and (for a visit without
        signals) what a final referral lacks, change; typing on changes neither. The page
        stays where the inspector is typing."""
        has_reason = bool(self.reason.toPlainText().strip())
        if has_reason != self._had_reason:
            self._had_reason = has_reason
            self._refresh(scroll=False)

    def set_subject(self, person_uuid: str | None) -> None:
        self.subject.setCurrentIndex(self.subject.findData(person_uuid))

    def set_recipient(self, recipient: str) -> None:
        self._select_recipient(recipient)

    def set_document_language(self, lang: str) -> None:
        self.language.setCurrentIndex(self.language.findData(lang))

    def _select_recipient(self, recipient: str) -> None:
        button = self.recipient_buttons[recipient]
        if button.isChecked():
            self._refresh()
        else:
            button.setChecked(True)  # toggled -> _refresh

    def switch_to_anonymous(self) -> None:
        """The refusal's one-click way out: the anonymous signal, which needs no consent."""
        self._select_recipient(ANONYMOUS)
        self.make_button.setFocus()

    # -- showing ---------------------------------------------------------------------------

    def _subject_changed(self) -> None:
        """Another person chosen: offer only the recipients for their role. A choice that
        still fits stays; one that does not (CoMensha, chosen for a victim, when a witness is
        chosen) gives way to the engine's first advice for the new person."""
        person_uuid = self.subject_uuid()
        try:
            available = self.controller.available(person_uuid)
            recipient = self.controller.default_recipient(person_uuid)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(_describe(exc))
            self.make_button.setEnabled(False)
            return
        self._show_available(available)
        current = self.recipient_group.checkedButton()
        if current is not None and self.recipient() in available:
            recipient = self.recipient()
        self._select_recipient(recipient)

    def _show_available(self, available: tuple[str, ...]) -> None:
        self._available = available
        for key, button in self.recipient_buttons.items():
            button.setVisible(key in available)
        self._arrange()

    def _recipient_toggled(self, on: bool) -> None:
        if on:  # the button turned off says nothing new: the one turned on does
            self._refresh()

    def _refresh(self, *, scroll: bool = True) -> None:
        """Show what the current choices give. ``scroll``: bring why "Maken" is off or makes
        a draft into view (never while the dialog opens: it opens at the top, the chosen
        recipient in view, and never while the inspector types their own reason)."""
        person_uuid = self.subject_uuid()
        try:
            recommended = self.controller.recommended(person_uuid)
            outlook = self.controller.outlook(self.recipient(), person_uuid, self.additions())
        except (FieldAppError, OSError) as exc:
            self.message.show_error(_describe(exc))
            self.make_button.setEnabled(False)
            return
        self._recommended = tuple(recommended)
        self._arrange()  # the texts, and with them the columns that fit
        self.outlook = outlook
        self.message.clear_message()
        self.why_title.setText(t(f"ui.referral.dialog.why_{outlook.recipient}"))
        self.why.setText(outlook.why)
        self.about.setText(
            t("ui.referral.dialog.about", labels=", ".join(outlook.subjects))
            if outlook.subjects
            else t("ui.referral.dialog.about_visit")
        )
        # The vital interest chosen without its reason: said under the reason's field.
        self.refusal_box.setVisible(not outlook.can_make and not outlook.vital_reason_needed)
        self.refusal.setText(outlook.refusal or "")
        self.refusal.setAccessibleName(outlook.refusal or "")
        self.anonymous_button.setVisible(outlook.offer_anonymous)
        self.vital_box.setVisible(outlook.vital_offered)
        self.vital_needed.setVisible(outlook.vital_reason_needed)
        self.name_reporter.setVisible(outlook.name_reporter_offered)
        for widget in (self.included_title, self.included, self.left_out_title, self.left_out):
            widget.setVisible(outlook.can_make)
        self.included.setText(
            "".join(
                f"<p style='margin:0 0 4px 0'><b>{escape(group)}</b><br>{escape(items)}</p>"
                for group, items in outlook.included
            )
        )
        self.left_out.setText(
            _columns(outlook.left_out)
            if outlook.left_out
            else escape(t("ui.referral.dialog.nothing_left_out"))
        )
        self.missing_box.setVisible(not outlook.final)
        self.missing.setText(_columns(outlook.missing))
        self.missing_hint.setVisible(outlook.can_make)  # "U kunt nu een concept maken"
        self._show_consent_rows(outlook.consent_needed if self._record_consent else ())
        if scroll and not self._opening and (not outlook.final or not outlook.can_make):
            # Why "Maken" is off or makes a draft, and the consent to answer: in view, not
            # below the fold of a tablet's page (once the layout has its sizes).
            reason = self.missing_box if outlook.can_make else self.refusal_box
            if outlook.vital_reason_needed:
                reason = self.vital_needed  # under the field that answers it
            elif outlook.vital_offered and not outlook.can_make:
                reason = self.vital_box  # the way on is there, below the refusal
            QTimer.singleShot(0, self, lambda: self._show_reason(reason))
        make_key = "make" if outlook.final else "make_draft"
        if outlook.vital_reason_needed:
            make_key = "make_vital_first"  # off, and the button says why
        self.make_button.setText(t(f"ui.referral.dialog.{make_key}"))
        self.make_button.setAccessibleName(t(f"ui.referral.dialog.{make_key}_plain"))
        self.make_button.setEnabled(outlook.can_make)

    def _show_reason(self, box: QWidget) -> None:
        if box.isVisible() and self.stack.currentIndex() != self.PAGE_PREVIEW:
            self.body_scroll.ensureWidgetVisible(box, 0, 0)

    def _show_consent_rows(self, needed: tuple[tuple[str, str], ...]) -> None:
        """A row per person whose consent was not asked: "gegeven" and "geweigerd" (Alt+G and
        Alt+W on the first row)."""
        if needed == self._consent_shown:
            return
        self._consent_shown = needed
        layout = self._consent_layout
        while layout.count():
            item = layout.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                # Hidden at once: until it is deleted, its "&Gegeven" would make Alt+G
                # ambiguous with the new row's, and Qt then moves focus instead of pressing.
                widget.hide()
                widget.deleteLater()
        self.consent_buttons.clear()
        for number, (person_uuid, label) in enumerate(needed):
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            caption = _label(t("ui.referral.dialog.consent_of", label=label))
            line.addWidget(caption, 1)
            for value in ("given", "refused"):
                key = f"ui.referral.dialog.consent_{value}" + ("_key" if number == 0 else "")
                button = QPushButton(t(key))
                button.setObjectName(f"consent_{value}")
                button.setAccessibleName(
                    t(f"ui.referral.dialog.consent_{value}_plain", label=label)
                )
                button.setAutoDefault(False)
                button.clicked.connect(
                    lambda _c=False, p=person_uuid, v=value: self._consent_chosen(p, v)
                )
                self.consent_buttons[(person_uuid, value)] = button
                line.addWidget(button)
            layout.addWidget(row)
            row.show()  # a child added to a box already shown stays hidden until told
        self.consent_rows.setVisible(bool(needed))
        self._set_tab_order()

    def _consent_chosen(self, person_uuid: str, value: str) -> None:
        if self._record_consent is None or not self._record_consent(person_uuid, value):
            return
        self.controller.reload()
        self._refresh()
        if self.outlook is not None and self.outlook.final and self.make_button.isEnabled():
            self.make_button.setDefault(True)
            self.make_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def missing_lines(self) -> list[str]:
        """What the dialog lists as missing for a final referral (for tests and readers)."""
        return list(self.outlook.missing) if self.outlook else []

    def included_lines(self) -> list[str]:
        """What the dialog lists as going in, as "group: items" (for tests and screen readers)."""
        return [
            f"{group}: {items}" for group, items in (self.outlook.included if self.outlook else ())
        ]

    def left_out_lines(self) -> list[str]:
        return list(self.outlook.left_out) if self.outlook else []

    # -- making ----------------------------------------------------------------------------

    def make(self) -> MadeReferral | None:
        """Make the referral (about 100 ms, on the GUI thread: it writes to the vault) and
        show its pages."""
        if self.made is not None or not self.make_button.isEnabled():
            return self.made
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            made = self.controller.make(
                self.recipient(),
                self.subject_uuid(),
                self.document_language(),
                final=self.outlook is not None and self.outlook.final,
                additions=self.additions(),
            )
        except (FieldAppError, OSError) as exc:
            self.message.show_error(_describe(exc))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.made = made
        self.preview = PreviewWidget(self.store, made.referral, made.pdf)
        self.preview.exported.connect(self._exported)
        self.preview_layout.insertWidget(0, self.preview, 1)
        self.stack.setCurrentIndex(self.PAGE_PREVIEW)
        self.setWindowTitle(t("ui.referral.dialog.title_made", document=made.document.document_id))
        self.make_button.setDefault(False)
        if made.referral.status is ReferralStatus.DRAFT:
            self.preview.focus_pages()  # a draft is read, completed later, not sent as it is
        else:
            self._next_step(self.preview.export_button)
        return made

    def _next_step(self, button: QPushButton) -> None:
        """``button`` takes the keyboard and is the dialog's default: Return or Space."""
        button.setDefault(True)
        button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _exported(self, _target: Path) -> None:
        """Exported: closing is what is left. With a password, its window is on top; when it
        closes, this dialog takes the keyboard back (a window manager need not give it)."""
        self._next_step(self.close_button)
        password = self.preview.exporter.password_dialog if self.preview else None
        if password is not None:
            password.finished.connect(lambda _result: self._back_from_password())

    def _back_from_password(self) -> None:
        if self.isVisible():  # not when the dialog closed first (lock), taking it along
            self.activateWindow()
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        """Forget the document and the choices' texts (on close and on lock)."""
        if self.preview is not None:
            self.preview.clear()
        self.made = None
        self.outlook = None
        for box in (self.reason, self.vital_reason):  # the inspector's words go too
            blocked = box.blockSignals(True)
            box.clear()
            box.blockSignals(blocked)
        self._had_reason = self._vital_had_reason = False
