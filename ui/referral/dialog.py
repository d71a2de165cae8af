"""Doorverwijzen: from a visit to one partner's document.

Page 1 chooses about whom (one person, or every possible victim), to whom (six recipients; the
assessment's first recommendation is chosen) and the document's language, and shows before
anything is made what the recipient gets, what is left out and why. When the recipient needs
consent or a mandatory reporter that is missing, it shows the core's refusal and offers the
anonymous signal with one click. "Maken" makes the referral (kept in the vault, final) and
page 2 shows its real pages, ready to export.

The logic lives in :class:`ui.referral.controller.ReferralController`; this file only shows it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
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
QRadioButton { padding: 3px 0; }
"""


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
        left_widget.setFixedWidth(380)

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

        self.included_title = _label(t("ui.referral.dialog.included"), "sectionHeading")
        self.included = _label(rich=True)
        self.included.setAccessibleName(t("ui.referral.dialog.included"))
        self.left_out_title = _label(t("ui.referral.dialog.left_out"), "sectionHeading")
        self.left_out = _label(rich=True)
        self.left_out.setAccessibleName(t("ui.referral.dialog.left_out"))

        right_body = QWidget()
        right = QVBoxLayout(right_body)
        right.setContentsMargins(4, 0, 8, 0)
        right.setSpacing(8)
        right.addWidget(self.why_box)
        right.addWidget(self.refusal_box)
        right.addWidget(self.included_title)
        right.addWidget(self.included)
        right.addWidget(self.left_out_title)
        right.addWidget(self.left_out)
        right.addStretch(1)
        right_scroll = QScrollArea()
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right_scroll.setWidget(right_body)
        right_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        columns = QHBoxLayout()
        columns.setSpacing(20)
        columns.addWidget(left_widget)
        columns.addWidget(right_scroll, 1)

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
        choose.addLayout(columns, 1)
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

        self.subject.currentIndexChanged.connect(lambda _index: self._refresh())
        self._select_recipient(self.controller.default_recipient(self.subject_uuid()))
        self.resize(980, 700)
        self.subject.setFocus()
        self.finished.connect(lambda _result: self.clear())

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
        self.why_title.setText(t("ui.referral.dialog.why", name=outlook.name))
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
        self.make_button.setEnabled(outlook.can_make)

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
                self.recipient(), self.subject_uuid(), self.document_language()
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
