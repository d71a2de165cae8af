"""The debrief as a trainee reads it on the desktop: the score, then per person what was
missed (with why it is a signal), over-read (with why it is none here) and spotted, the
assessment the trainee's record leads to beside the model's, the duties and the right referral
with why, what to ask further, and the sources.

One scrolling page of text (:class:`QTextBrowser`): read by keyboard (arrows, Page Up/Down),
by finger (kinetic scrolling) and by a screen reader, and it reflows to any width. Every text
from a case or the catalogue is escaped: a case file is data, not markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.i18n import current_language, t, tn
from fieldapp.practice.debrief import Debrief, PersonDebrief
from fieldapp.practice.model import Texts
from fieldapp.practice.render import assessment_rows
from ui.visit.fields import kinetic

SAME, DIFFERS = "=", "≠"


def _text(texts: Texts, lang: str) -> str:
    return str(getattr(texts, lang))


def _label(indicator: str, lang: str) -> str:
    """The catalogue's label, the id after it (a trainer speaks in ids, a trainee in words)."""
    item = assessment_catalogue().get(indicator)
    label = item.label[lang] if item is not None else indicator
    return f"{escape(label)} <span style='color: gray'>({escape(indicator)})</span>"


def _person_html(item: PersonDebrief, lang: str) -> list[str]:
    person, model = item.person, item.person.model
    parts = [f"<h3>{escape(_text(person.label, lang))}</h3>"]
    if not item.recorded:
        parts.append(f"<p><i>{escape(t('ui.practice.debrief.not_recorded'))}</i></p>")
    why = {signal.indicator.upper(): signal.why for signal in model.signals}
    # What to look at first: missed and over-read before the spotted (a tablet's first
    # screen shows the score and these; seven spotted signals first pushed them below it).
    if item.missed:
        parts.append(
            f"<p><b>{escape(t('practice.debrief.missed', count=len(item.missed)))}</b></p><ul>"
        )
        for indicator in item.missed:
            parts.append(
                f"<li>✗ {_label(indicator, lang)}<br>{escape(_text(why[indicator], lang))}</li>"
            )
        parts.append("</ul>")
    if item.over_read:
        parts.append(
            f"<p><b>{escape(t('practice.debrief.over_read', count=len(item.over_read)))}</b>"
            "</p><ul>"
        )
        for over in item.over_read:
            reason = (
                _text(over.why, lang)
                if over.why is not None
                else t("practice.debrief.over_read_general")
            )
            parts.append(f"<li>! {_label(over.indicator, lang)}<br>{escape(reason)}</li>")
        parts.append("</ul>")
    if item.spotted:
        parts.append(
            f"<p><b>{escape(t('practice.debrief.spotted', count=len(item.spotted)))}</b></p><ul>"
        )
        for indicator in item.spotted:
            shown = item.recorded_as.get(indicator)
            also = (
                f" — {escape(t('ui.practice.debrief.recorded_as', label=_plain(shown, lang)))}"
                if shown
                else ""
            )
            parts.append(f"<li>✓ {_label(indicator, lang)}{also}</li>")
        parts.append("</ul>")
    if not (item.spotted or item.missed or item.over_read):
        parts.append(f"<p>{escape(t('practice.debrief.no_signals'))}</p>")
    parts.append(f"<p><b>{escape(t('ui.practice.debrief.assessment'))}</b></p>")
    parts.append("<table border='1' cellspacing='0' cellpadding='4' width='100%'>")
    parts.append(
        "<tr><th width='4%'></th>"  # the mark column as narrow in every person's table
        f"<th align='left'>{escape(t('ui.practice.debrief.column.what'))}</th>"
        f"<th align='left'>{escape(t('ui.practice.debrief.column.trainee'))}</th>"
        f"<th align='left'>{escape(t('ui.practice.debrief.column.model'))}</th></tr>"
    )
    for name, mine, theirs in assessment_rows(item.trainee, item.model, lang):
        mark = SAME if mine == theirs else DIFFERS
        weight = "" if mark == SAME else " style='font-weight: 600'"
        parts.append(
            f"<tr{weight}><td>{mark}</td><td>{escape(name)}</td>"
            f"<td>{escape(mine)}</td><td>{escape(theirs)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(f"<p><b>{escape(t('practice.debrief.model_says'))}</b><br>")
    parts.append(f"{escape(_text(model.debrief, lang))}</p>")
    if model.engine_note is not None:
        parts.append(f"<p><b>{escape(t('practice.debrief.engine_note'))}</b><br>")
        parts.append(f"{escape(_text(model.engine_note, lang))}</p>")
    return parts


def _plain(indicator: str, lang: str) -> str:
    item = assessment_catalogue().get(indicator)
    return f"{item.label[lang]} ({indicator})" if item is not None else indicator


def _recipients(recipients: Sequence[str]) -> str:
    if not recipients:
        return t("practice.debrief.no_referral")
    return ", ".join(t(f"ui.visit.recipient.{to}") for to in recipients)


def debrief_html(debrief: Debrief, lang: str | None = None) -> str:
    lang = lang or current_language()
    case, score = debrief.case, debrief.score
    parts = [
        # A heading the size of a person's: on a tablet a larger one took two lines.
        "<h3>"
        + escape(t("practice.debrief.title", title=_text(case.title, lang), id=case.id))
        + "</h3>",
        "<p style='font-size: large'><b>"
        + escape(
            tn(
                "practice.debrief.score",
                score.signals,
                spotted=score.spotted,
                missed=score.missed,
                over_read=score.over_read,
            )
        )
        + "</b></p>",
        f"<p>{escape(t('ui.practice.debrief.score_help'))}</p>",
    ]
    for item in debrief.persons:
        parts += _person_html(item, lang)
    if debrief.extra_persons:
        parts.append(
            f"<p>{escape(t('practice.debrief.extra', refs=', '.join(debrief.extra_persons)))}</p>"
        )
    parts.append(f"<h3>{escape(t('ui.practice.debrief.referral_heading'))}</h3>")
    parts.append(
        f"<p><b>{escape(t('practice.debrief.referral', to=_recipients(case.referral.to)))}</b>"
        f"<br>{escape(_text(case.referral.why, lang))}</p>"
    )
    if case.ask_further is not None:
        parts.append(f"<h3>{escape(t('practice.debrief.ask_further'))}</h3>")
        parts.append(f"<p>{escape(_text(case.ask_further, lang))}</p>")
    parts.append(f"<h3>{escape(t('practice.debrief.sources'))}</h3><ul>")
    parts += [f"<li>{escape(source)}</li>" for source in case.sources]
    parts.append("</ul>")
    return "".join(parts)


class DebriefView(QWidget):
    """The debrief page, with the way on: try the case again, or back to the list."""

    again_requested = Signal()
    list_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceDebrief")
        self.text = QTextBrowser()
        self.text.setObjectName("debriefText")
        self.text.setOpenLinks(False)
        # The text wraps to the width; a rounding pixel at 150 % made a useless scroll bar.
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setAccessibleName(t("ui.practice.debrief.name"))
        kinetic(self.text)
        self.again_button = QPushButton(t("ui.practice.again"))
        self.again_button.setObjectName("practiceAgain")
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self.again_requested)
        self.list_button = QPushButton(t("ui.practice.to_list"))
        self.list_button.setObjectName("practiceToList")
        self.list_button.setAutoDefault(False)
        self.list_button.clicked.connect(self.list_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.list_button)
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.debrief: Debrief | None = None

    def show_debrief(self, debrief: Debrief) -> None:
        self.debrief = debrief
        self.text.setHtml(debrief_html(debrief))
        self.text.verticalScrollBar().setValue(0)

    def clear(self) -> None:
        self.debrief = None
        self.text.clear()
