"""What the recorded signals add up to for one person, next to the checklist.

Shows, in this order: the acute banner (danger now: call 112 / police), whether there is an
indication of trafficking and on what grounds (or what its absence means), the advice to the
reporter (ask further, record the age), the forms of exploitation in context (each with its
outcome, the reading that gave it, a compact art. 273f Sr line and why the form is assessed)
and one line naming the forms not assessed, the B8/3 duty (or, for an EU/EEA/Swiss citizen, a
note), the recommended referrals with the advice to the reporter, danger signals recorded as in
the past, the line that the result rests on unconfirmed grades, and the full explanation on
request. A person who is not a possible victim gets the engine's statement that they are not
assessed as one, their referrals (police, RIEC) and nothing about forms or B8/3.

Every decision comes from the :class:`~fieldapp.assessment.Assessment`; every text from the
core (``assessment_to_json``, ``explanation_text``, the rules' own advice) or the ``ui.visit.*``
catalogue. None is worded as a verdict, and the panel ends with the engine's own reminder that
it is not one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.assessment import Assessment, assessment_to_json
from fieldapp.assessment.engine import Explanation, FormResult
from fieldapp.assessment.render import explanation_text, list_text
from fieldapp.catalogue import FORMS, Catalogue
from fieldapp.catalogue.model import Rules
from fieldapp.domain import Person
from fieldapp.i18n import current_language, t

PANEL_STYLE = """
QFrame#acuteBanner { background: #a4262c; border-radius: 6px; }
QFrame#acuteBanner QLabel { color: white; }
QLabel#acuteTitle { font-size: 14pt; font-weight: 700; }
QLabel#panelTitle { font-size: 12pt; font-weight: 600; }
QLabel#sectionTitle { font-weight: 600; margin-top: 6px; }
QLabel#muted { color: palette(placeholder-text); }
QLabel#outcome { font-weight: 600; }
QFrame#card { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QFrame#indication { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QFrame#indication[indicated="true"] { border: 2px solid #1f4e79; background: #eef4fa; }
QFrame#indication[indicated="true"] QLabel { font-weight: 600; color: #14324f; }
QFrame#b83 { border: 1px solid #c8a200; border-radius: 6px; background: #fff8dc; }
QFrame#b83 QLabel { color: #3d3000; }
QFrame#info { border: 1px solid #9fb6cd; border-radius: 6px; background: #eef4fa; }
QFrame#info QLabel { color: #1d3347; }
QFrame#formRule { color: palette(midlight); }
"""


def _label(text: str = "", name: str = "", *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if name:
        label.setObjectName(name)
    return label


def _box(name: str, *labels: QLabel) -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 8, 12, 8)
    layout.setSpacing(4)
    for label in labels:
        layout.addWidget(label)
    frame.hide()
    return frame


class FormBlock(QWidget):
    """One form of exploitation in context: outcome, reading, art. 273f Sr, why assessed,
    positive dimensions."""

    def __init__(self) -> None:
        super().__init__()
        self.rule = QFrame()
        self.rule.setObjectName("formRule")
        self.rule.setFrameShape(QFrame.Shape.HLine)
        self.outcome = _label("", "outcome")
        self.reading = _label("", "muted")
        self.law = _label()
        self.context = _label("", "muted")
        self.positive = _label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in (
            self.rule,
            self.outcome,
            self.reading,
            self.law,
            self.positive,
            self.context,
        ):
            layout.addWidget(widget)

    def show_form(self, form: str, result: FormResult, names: list[str], *, first: bool) -> None:
        lang = current_language()
        self.rule.setVisible(not first)
        self.outcome.setText(
            t(
                "ui.visit.assessment.form_outcome",
                form=t(f"form.{form}"),
                outcome=t(f"outcome.{result.outcome}"),
            )
        )
        self.outcome.setAccessibleName(self.outcome.text())
        if result.reading == "dutch_law":
            reading = t(
                "ui.visit.assessment.reading_dutch_law", ilo=t(f"outcome.{result.ilo_outcome}")
            )
        elif result.reading == "ilo":
            reading = t("ui.visit.assessment.reading_ilo")
        else:
            reading = ""
        self.reading.setText(reading)
        self.reading.setVisible(bool(reading))
        self.law.setText(_law_line(result, lang))
        positive = [d for d, dim in result.dimensions.items() if dim.positive]
        self.positive.setText(
            t(
                "ui.visit.assessment.positive",
                dimensions=", ".join(t(f"dimension.{d}") for d in positive),
            )
        )
        self.positive.setVisible(bool(positive))
        context = ""
        if result.why is not None:
            params: dict[str, object] = {"reasons": result.why}
            key = "ui.visit.assessment.context"
            if names:
                key = "ui.visit.assessment.context_signals"
                params["signals"] = "; ".join(names)
            context = explanation_text(Explanation(key, params), lang)
        self.context.setText(context)
        self.context.setVisible(bool(context))

    def clear(self) -> None:
        for label in (self.outcome, self.reading, self.law, self.context, self.positive):
            label.clear()


def _law_line(result: FormResult, lang: str) -> str:
    """ "Art. 273f Sr, aangewezen (lid 1 sub 1): handeling ✓ (opnemen) · middel ✓ (...) ·
    oogmerk ✓": what the engine's reading found, element by element, and the provisions it
    met; element names and words from the catalogue."""
    law = result.dutch_law
    parts = []
    if law.acts:
        acts = list_text([t(f"dutch_law.act.{a}", lang) for a in law.acts], lang, "and")
        parts.append(t("ui.visit.assessment.law_act_yes", acts=acts))
    else:
        parts.append(t("ui.visit.assessment.law_act_no"))
    if not law.means_needed:
        parts.append(t("ui.visit.assessment.law_means_minor"))
    elif law.means:
        means = list_text([t(f"dutch_law.means.{m}", lang) for m in law.means], lang, "or")
        parts.append(t("ui.visit.assessment.law_means_yes", means=means))
    else:
        parts.append(t("ui.visit.assessment.law_means_no"))
    if law.purpose_by_suspicion:
        parts.append(t("ui.visit.assessment.law_purpose_suspected"))
    else:
        parts.append(t(f"ui.visit.assessment.law_purpose_{'yes' if law.purpose else 'no'}"))
    elements = " · ".join(parts)
    if not law.indicated:
        return t("ui.visit.assessment.law", elements=elements)
    subs = [t("ui.visit.assessment.law_sub", sub=route) for route in law.routes]
    return t("ui.visit.assessment.law_met", subs=list_text(subs, lang, "and"), elements=elements)


class AssessmentPanel(QScrollArea):
    """Call :meth:`show_assessment` after every change; :meth:`clear` on lock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName(t("ui.visit.assessment.title_plain"))
        body = QWidget()
        body.setStyleSheet(PANEL_STYLE)
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 0, 8, 8)
        layout.setSpacing(8)

        self.title = _label("", "panelTitle")
        self.summary = _label("", "muted")

        self.acute_banner = QFrame()
        self.acute_banner.setObjectName("acuteBanner")
        banner = QVBoxLayout(self.acute_banner)
        banner.setContentsMargins(12, 10, 12, 10)
        self.acute_title = _label(t("ui.visit.assessment.acute_title"), "acuteTitle")
        self.acute_text = _label()
        banner.addWidget(self.acute_title)
        banner.addWidget(self.acute_text)
        self.acute_banner.setAccessibleName(t("ui.visit.assessment.acute_title"))
        self.acute_banner.hide()

        # Not a possible victim: the engine's statement instead of everything below.
        self.role_note = _label()
        self.role_box = _box("card", self.role_note)

        self.indication_text = _label()
        self.indication_box = _box("indication", self.indication_text)

        self.advice_title = _label(t("ui.visit.assessment.advice"), "sectionTitle")
        self.advice = _label()

        self.empty = _label(t("ui.visit.assessment.empty"), "muted")

        self.forms_card = QFrame()
        self.forms_card.setObjectName("card")
        self.forms_layout = QVBoxLayout(self.forms_card)
        self.forms_layout.setContentsMargins(12, 10, 12, 10)
        self.forms_layout.setSpacing(6)
        self.form_blocks: list[FormBlock] = []
        for _form in FORMS:
            block = FormBlock()
            self.forms_layout.addWidget(block)
            self.form_blocks.append(block)
        self.behind_title = _label(t("ui.visit.assessment.behind"), "sectionTitle")
        self.behind = _label("", rich=True)
        self.not_in_context = _label("", "muted")

        self.b83_text = _label()
        self.b83_recorded = _label("", "outcome")
        self.b83_box = _box("b83", self.b83_text, self.b83_recorded)
        self.b83_note = _label()
        self.b83_note_box = _box("info", self.b83_note)

        self.referrals_title = _label(t("ui.visit.assessment.referrals"), "sectionTitle")
        self.referrals = _label("", rich=True)
        self.past_acute = _label()
        self.unconfirmed = _label("", "muted")

        self.why_button = QToolButton()
        self.why_button.setText(t("ui.visit.assessment.why"))
        self.why_button.setCheckable(True)
        self.why_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.why_button.setArrowType(Qt.ArrowType.RightArrow)
        self.why_button.setAccessibleName(t("ui.visit.assessment.why"))
        self.why_button.toggled.connect(self._toggle_why)
        self.why = _label("", "muted")
        self.why.hide()
        self.not_a_verdict = _label("", "muted")

        for widget in (
            self.title,
            self.summary,
            self.acute_banner,
            self.role_box,
            self.indication_box,
            self.advice_title,
            self.advice,
            self.empty,
            self.forms_card,
            self.not_in_context,
            self.b83_box,
            self.b83_note_box,
            self.referrals_title,
            self.referrals,
            self.past_acute,
            self.behind_title,
            self.behind,
            self.unconfirmed,
            self.why_button,
            self.why,
            self.not_a_verdict,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.clear()

    def _toggle_why(self, shown: bool) -> None:
        self.why.setVisible(shown)
        self.why_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def clear(self) -> None:
        """Show nothing about anyone (no person selected, or the vault was locked)."""
        self.title.setText(t("ui.visit.assessment.title_plain"))
        for label in (
            self.summary,
            self.acute_text,
            self.role_note,
            self.indication_text,
            self.advice,
            self.behind,
            self.not_in_context,
            self.b83_text,
            self.b83_recorded,
            self.b83_note,
            self.referrals,
            self.past_acute,
            self.unconfirmed,
            self.why,
            self.not_a_verdict,
        ):
            label.clear()
        for block in self.form_blocks:
            block.clear()
            block.hide()
        self.summary.hide()
        self.acute_banner.hide()
        self.role_box.hide()
        self.indication_box.hide()
        self.advice_title.hide()
        self.advice.hide()
        self.empty.setText(t("ui.visit.assessment.no_person"))
        self.empty.show()
        self.forms_card.hide()
        self.not_in_context.hide()
        self.b83_box.hide()
        self.b83_note_box.hide()
        self.referrals_title.hide()
        self.referrals.hide()
        self.past_acute.hide()
        self.unconfirmed.hide()
        self.why_button.hide()
        self.not_a_verdict.hide()

    def show_assessment(
        self,
        person: Person,
        result: Assessment,
        catalogue: Catalogue,
        others: list[tuple[str, Assessment]] | None = None,
    ) -> None:
        """``others``: (label, assessment) of every person at the visit, for the summary."""
        lang = current_language()
        rendered = assessment_to_json(result, lang)
        rules = catalogue.rules
        victim = result.assessed_as_victim

        def name(indicator_id: str) -> str:
            item = catalogue.get(indicator_id)
            return item.label[lang] if item else indicator_id

        def explained(key: str) -> list[Explanation]:
            return [e for e in result.explanation if e.key == key]

        self.title.setText(t("ui.visit.assessment.title", label=person.label))
        if others and len(others) > 1:
            parts = [summary_item(label, other, rules) for label, other in others]
            self.summary.setText(t("ui.visit.assessment.summary", items="\n".join(parts)))
            self.summary.show()
        else:
            self.summary.hide()

        if result.acute:
            signals = "; ".join(name(i) for i in result.acute_indicators)
            because = t("ui.visit.assessment.acute_signals", signals=signals)
            self.acute_text.setText(f"{rendered['acute_advice']}\n{because}")
            self.acute_banner.setAccessibleDescription(self.acute_text.text())
            self.acute_banner.show()
        else:
            self.acute_banner.hide()

        # Not a possible victim: the engine's statement, referrals, nothing about forms.
        role_note = explained("assess.explain.role_not_victim")
        if not victim and role_note:
            self.role_note.setText(explanation_text(role_note[0], lang))
        self.role_box.setVisible(not victim)

        shown = victim and (result.any_signal or result.trafficking_indication)

        indication = explained("assess.explain.indication_yes") or explained(
            "assess.explain.indication_no"
        )
        if shown and indication:
            self.indication_text.setText(explanation_text(indication[0], lang))
        self.indication_box.setProperty("indicated", bool(result.trafficking_indication))
        self.indication_box.style().unpolish(self.indication_box)
        self.indication_box.style().polish(self.indication_box)
        for label in self.indication_box.findChildren(QLabel):
            label.style().unpolish(label)
            label.style().polish(label)
        self.indication_box.setVisible(shown and bool(indication))

        advice = [item["text"] for item in rendered["advice"]]
        self.advice.setText("\n".join(f"• {text}" for text in advice))
        self.advice_title.setVisible(bool(advice))
        self.advice.setVisible(bool(advice))

        self.empty.setText(t("ui.visit.assessment.empty"))
        self.empty.setVisible(victim and not shown)
        self.forms_card.setVisible(shown)
        self._show_forms(result, name)
        not_in_context = explained("assess.explain.not_in_context")
        if shown and not_in_context:
            self.not_in_context.setText(explanation_text(not_in_context[0], lang))
        self.not_in_context.setVisible(shown and bool(not_in_context))

        prompt = rendered["b83_prompt"]
        if prompt is not None:
            self.b83_text.setText(prompt["text"])
            status = person.b83_status.value
            recorded = t(f"ui.visit.b83.{status}")
            if person.b83_date and status != "not_recorded":
                recorded = t("ui.visit.b83.recorded_on", status=recorded, date=person.b83_date)
            self.b83_recorded.setText(t("ui.visit.assessment.b83_recorded", status=recorded))
        self.b83_box.setVisible(prompt is not None)
        note = rendered["b83_note"]
        self.b83_note.setText(note or "")
        self.b83_note_box.setVisible(bool(note))

        referrals = rendered["referrals"]
        rows = [
            "<b>"
            + _escape(t(f"ui.visit.recipient.{item['to']}"))
            + "</b> · "
            + _escape(t(f"ui.visit.urgency.{item['urgency']}"))
            + "<br>"
            + _escape(item["advice"])
            for item in referrals
        ]
        self.referrals.setText("<br><br>".join(rows))
        self.referrals_title.setVisible(bool(referrals))
        self.referrals.setVisible(bool(referrals))

        past = explained("assess.explain.past_acute")
        if past:
            text = explanation_text(replace(past[0], indicators=()), lang)
            signals = "; ".join(name(i) for i in result.past_acute_indicators)
            self.past_acute.setText(
                f"{text} {t('ui.visit.assessment.acute_signals', signals=signals)}"
            )
        self.past_acute.setVisible(bool(past))

        unconfirmed = explained("assess.explain.unconfirmed")
        if unconfirmed:
            self.unconfirmed.setText(explanation_text(replace(unconfirmed[0], indicators=()), lang))
        self.unconfirmed.setVisible(bool(unconfirmed))

        lines = [
            "• " + text
            for item, text in zip(result.explanation, rendered["explanation"], strict=True)
            if item.key != "assess.explain.not_a_verdict"
        ]
        self.why.setText("\n".join(lines))
        self.why_button.show()
        verdict = explained("assess.explain.not_a_verdict")
        self.not_a_verdict.setText(explanation_text(verdict[0], lang) if verdict else "")
        self.not_a_verdict.setVisible(bool(verdict))

    def _show_forms(self, result: Assessment, name: Callable[[str], str]) -> None:
        """Only the forms in context, in the catalogue's order; the signals behind each
        positive dimension once."""
        forms = list(result.forms.items())
        behind: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for position, block in enumerate(self.form_blocks):
            if position >= len(forms):
                block.hide()
                continue
            form, outcome = forms[position]
            names = [name(i) for i in outcome.context_signals]
            block.show_form(form, outcome, names, first=position == 0)
            block.show()
            for dimension, dim in outcome.dimensions.items():
                if dim.positive:
                    behind.setdefault((dimension, dim.indicators), []).append(form)

        # Each positive dimension once, with the signals behind it (named per form only when
        # the forms count different signals for it).
        per_dimension: dict[str, int] = {}
        for dimension, _ in behind:
            per_dimension[dimension] = per_dimension.get(dimension, 0) + 1
        lines = []
        for (dimension, indicators), forms_behind in behind.items():
            title = t(f"dimension.{dimension}")
            if per_dimension[dimension] > 1:
                title += " (" + ", ".join(t(f"form.{f}") for f in forms_behind) + ")"
            signals = ", ".join(_escape(name(i)) for i in indicators)
            lines.append(f"<b>{_escape(title)}</b><br>{signals}")
        self.behind.setText("<br>".join(lines))
        self.behind_title.setVisible(bool(lines) and result.assessed_as_victim)
        self.behind.setVisible(bool(lines) and result.assessed_as_victim)


def summary_item(label: str, result: Assessment, rules: Rules) -> str:
    """One line of the visit's summary: a possible victim by their highest outcome (and the
    indication), anyone else by their role."""
    if not result.assessed_as_victim:
        return t(
            "ui.visit.assessment.summary_role",
            label=label,
            role=t(f"person_role.{result.role}"),
        )
    highest = result.highest_outcome(rules)
    outcome = t(f"outcome.{highest}")
    if result.trafficking_indication and highest != rules.outcome_order[-1]:
        # The outcome does not say it already ("aanwijzingen voor mensenhandel").
        return t("ui.visit.assessment.summary_indication", label=label, outcome=outcome)
    return t("ui.visit.assessment.summary_item", label=label, outcome=outcome)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
