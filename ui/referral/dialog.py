"""Doorverwijzen: from a visit to one partner's document.

Page 1 chooses about whom (one person, or every possible victim), to whom (six recipients; the
assessment's first recommendation is chosen) and the document's language, and shows before
anything is made what the recipient gets, what is left out and why. When the recipient needs
consent or a mandatory reporter that is missing, it shows the core's refusal and offers the
anonymous signal with one click. While the visit lacks what a final referral needs (site name,
address, and per person age, nationality, consent, B8/3 where prompted: the core's
``missing_for_final``), the page lists it and the button makes a draft ("Concept maken") instead
of a final referral. "Maken" makes the referral (kept in the vault) and page 2 shows its real
pages, ready to export.

On a tablet (1280x800 at 150 %: 853x533 logical pixels) and in large-touch mode the choices and
the explanation scroll as one page while the buttons stay below them, and the dialog is never
larger than the screen, so "Maken" is always reachable.

The logic lives in :class:`ui.referral.controller.ReferralController`; this file only shows it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import Catalogue
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.referral import MadeReferral
from fieldapp.referral.rules import RECIPIENTS
from fieldapp.store.store import Store
from ui.referral.controller import ANONYMOUS, DOCUMENT_LANGUAGES, Outlook, ReferralController
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
QRadioButton { padding: 3px 0; }
"""
# Large-touch mode: every choice a target of at least 44 px (the app's LARGE_TOUCH_STYLE sets
# the buttons and lists; radio buttons are this dialog's own).
TOUCH_STYLE = """
QRadioButton { min-height: 44px; }
QComboBox, QPushButton { min-height: 44px; }
"""
SCREEN_MARGIN = 48  # room for the window's frame and title bar inside the available area
PREFERRED_SIZE = QSize(980, 700)


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
    ) -> None:
        super().__init__(parent)
        self.store = store
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
        recipients_box = QVBoxLayout()
        recipients_box.setSpacing(2)
        for key in RECIPIENTS:
            button = QRadioButton(t(f"recipient.{key}"))
            button.setObjectName(f"recipient_{key}")
            button.setAccessibleName(button.text())
            self.recipient_group.addButton(button)
            self.recipient_buttons[key] = button
            recipients_box.addWidget(button)
            button.toggled.connect(self._recipient_toggled)
        recipient_caption = QLabel(t("ui.referral.dialog.recipient"))
        recipient_caption.setObjectName("sectionHeading")

        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setAccessibleName(t("ui.referral.dialog.language_plain"))
        for lang in DOCUMENT_LANGUAGES:
            self.language.addItem(t(f"ui.referral.language.{lang}"), lang)
        language_label = self._caption("ui.referral.dialog.language", self.language)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(subject_label)
        left.addWidget(self.subject)
        left.addSpacing(10)
        left.addWidget(recipient_caption)
        left.addLayout(recipients_box)
        left.addSpacing(10)
        left.addWidget(language_label)
        left.addWidget(self.language)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        # As wide as its longest choice ("... · aanbevolen" in large type), never clipped; the
        # explanation on the right takes the rest and wraps.
        left_widget.setMinimumWidth(300)

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

        self.missing_box = QFrame()
        self.missing_box.setObjectName("missing")
        missing_layout = QVBoxLayout(self.missing_box)
        missing_layout.setContentsMargins(12, 10, 12, 10)
        self.missing_title = _label(t("ui.referral.dialog.missing_title"), "sectionHeading")
        self.missing = _label(rich=True)
        self.missing.setAccessibleName(t("ui.referral.dialog.missing_title"))
        self.missing_hint = _label(t("ui.referral.dialog.missing_hint"))
        missing_layout.addWidget(self.missing_title)
        missing_layout.addWidget(self.missing)
        missing_layout.addWidget(self.missing_hint)

        self.included_title = _label(t("ui.referral.dialog.included"), "sectionHeading")
        self.included = _label(rich=True)
        self.included.setAccessibleName(t("ui.referral.dialog.included"))
        self.left_out_title = _label(t("ui.referral.dialog.left_out"), "sectionHeading")
        self.left_out = _label(rich=True)
        self.left_out.setAccessibleName(t("ui.referral.dialog.left_out"))

        right = QVBoxLayout()
        right.setContentsMargins(4, 0, 8, 0)
        right.setSpacing(8)
        right.addWidget(self.missing_box)
        right.addWidget(self.why_box)
        right.addWidget(self.refusal_box)
        right.addWidget(self.included_title)
        right.addWidget(self.included)
        right.addWidget(self.left_out_title)
        right.addWidget(self.left_out)
        right.addStretch(1)

        # Both columns scroll as one page; the heading and the buttons stay in view.
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(20)
        columns.addWidget(left_widget)
        columns.addLayout(right, 1)
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

        self.subject.currentIndexChanged.connect(lambda _index: self._subject_changed())
        self._subject_changed()
        self.large_touch = _large_touch(parent) if large_touch is None else large_touch
        if self.large_touch:
            self.setStyleSheet(DIALOG_STYLE + TOUCH_STYLE)
        self._fit_to_screen()
        self.subject.setFocus()
        self.finished.connect(lambda _result: self.clear())

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(PREFERRED_SIZE)
        else:
            self.resize(fitted_size(screen.availableGeometry().size()))

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
        for key, button in self.recipient_buttons.items():
            button.setVisible(key in available)

    def _recipient_toggled(self, on: bool) -> None:
        if on:  # the button turned off says nothing new: the one turned on does
            self._refresh()

    def _refresh(self) -> None:
        person_uuid = self.subject_uuid()
        try:
            recommended = self.controller.recommended(person_uuid)
            outlook = self.controller.outlook(self.recipient(), person_uuid)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(_describe(exc))
            self.make_button.setEnabled(False)
            return
        for key, button in self.recipient_buttons.items():
            name = t(f"recipient.{key}")
            text = t("ui.referral.dialog.recommended", name=name) if key in recommended else name
            button.setText(text)
            button.setAccessibleName(text)
        self.outlook = outlook
        self.message.clear_message()
        self.why_title.setText(t(f"ui.referral.dialog.why_{outlook.recipient}"))
        self.why.setText(outlook.why)
        self.about.setText(
            t("ui.referral.dialog.about", labels=", ".join(outlook.subjects))
            if outlook.subjects
            else t("ui.referral.dialog.about_visit")
        )
        self.refusal_box.setVisible(not outlook.can_make)
        self.refusal.setText(outlook.refusal or "")
        self.refusal.setAccessibleName(outlook.refusal or "")
        self.anonymous_button.setVisible(outlook.offer_anonymous)
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
        make_key = "make" if outlook.final else "make_draft"
        self.make_button.setText(t(f"ui.referral.dialog.{make_key}"))
        self.make_button.setAccessibleName(t(f"ui.referral.dialog.{make_key}_plain"))
        self.make_button.setEnabled(outlook.can_make)

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
            )
        except (FieldAppError, OSError) as exc:
            self.message.show_error(_describe(exc))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.made = made
        self.preview = PreviewWidget(self.store, made.referral, made.pdf)
        self.preview_layout.insertWidget(0, self.preview, 1)
        self.stack.setCurrentIndex(self.PAGE_PREVIEW)
        self.setWindowTitle(t("ui.referral.dialog.title_made", document=made.document.document_id))
        self.preview.focus_pages()
        return made

    def clear(self) -> None:
        """Forget the document and the choices' texts (on close and on lock)."""
        if self.preview is not None:
            self.preview.clear()
        self.made = None
        self.outlook = None
