"""What the recorded signals add up to for one person, next to the checklist.

Shows, in this order: the acute banner (danger now: call 112 / police), the outcome per form
of exploitation with the positive dimensions and the signals behind them, the B8/3 duty and
whether it was recorded, the recommended referrals with their reasons, the line that the
result rests on unconfirmed grades, and the full explanation on request. Every text comes from
the core (``assessment_to_json``, ``explanation_text``) or the ``ui.visit.*`` catalogue; none is
worded as a verdict, and the panel ends with the engine's own reminder that it is not one.
"""

from __future__ import annotations

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
from fieldapp.assessment.render import explanation_text
from fieldapp.catalogue import FORMS, Catalogue
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
QFrame#b83 { border: 1px solid #c8a200; border-radius: 6px; background: #fff8dc; }
QFrame#b83 QLabel { color: #3d3000; }
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


class AssessmentPanel(QScrollArea):
    """Call :meth:`show_assessment` after every change; :meth:`clear` on lock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
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

        self.empty = _label(t("ui.visit.assessment.empty"), "muted")

        self.forms_card = QFrame()
        self.forms_card.setObjectName("card")
        self.forms_layout = QVBoxLayout(self.forms_card)
        self.forms_layout.setContentsMargins(12, 10, 12, 10)
        self.forms_layout.setSpacing(4)
        self.form_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for form in FORMS:
            outcome = _label("", "outcome")
            details = _label("", rich=True)
            self.forms_layout.addWidget(outcome)
            self.forms_layout.addWidget(details)
            self.form_labels[form] = (outcome, details)

        self.behind_title = _label(t("ui.visit.assessment.behind"), "sectionTitle")
        self.behind = _label("", rich=True)
        self.forms_layout.addWidget(self.behind_title)
        self.forms_layout.addWidget(self.behind)

        self.b83_box = QFrame()
        self.b83_box.setObjectName("b83")
        b83 = QVBoxLayout(self.b83_box)
        b83.setContentsMargins(12, 8, 12, 8)
        self.b83_text = _label()
        self.b83_recorded = _label("", "outcome")
        b83.addWidget(self.b83_text)
        b83.addWidget(self.b83_recorded)
        self.b83_box.hide()

        self.referrals_title = _label(t("ui.visit.assessment.referrals"), "sectionTitle")
        self.referrals = _label("", rich=True)
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
            self.empty,
            self.forms_card,
            self.b83_box,
            self.referrals_title,
            self.referrals,
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
        self.summary.clear()
        self.summary.hide()
        self.acute_banner.hide()
        self.acute_text.clear()
        self.empty.setText(t("ui.visit.assessment.no_person"))
        self.empty.show()
        self.forms_card.hide()
        for outcome, details in self.form_labels.values():
            outcome.clear()
            details.clear()
        self.behind.clear()
        self.b83_box.hide()
        self.b83_text.clear()
        self.b83_recorded.clear()
        self.referrals_title.hide()
        self.referrals.clear()
        self.referrals.hide()
        self.unconfirmed.clear()
        self.unconfirmed.hide()
        self.why.clear()
        self.why_button.hide()
        self.not_a_verdict.clear()
        self.not_a_verdict.hide()

    def show_assessment(
        self,
        person: Person,
        result: Assessment,
        catalogue: Catalogue,
        others: list[tuple[str, str]] | None = None,
    ) -> None:
        """``others``: (label, highest outcome) of every person at the visit, for the summary."""
        lang = current_language()
        rendered = assessment_to_json(result, lang)
        rules = catalogue.rules

        def name(indicator_id: str) -> str:
            item = catalogue.get(indicator_id)
            return item.label[lang] if item else indicator_id

        self.title.setText(t("ui.visit.assessment.title", label=person.label))
        if others and len(others) > 1:
            parts = [
                t("ui.visit.assessment.summary_item", label=label, outcome=t(f"outcome.{outcome}"))
                for label, outcome in others
            ]
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

        any_signal = any(
            rules.rank(form.outcome) >= rules.rank("signals_present")
            for form in result.forms.values()
        )
        self.empty.setText(t("ui.visit.assessment.empty"))
        self.empty.setVisible(not any_signal)
        self.forms_card.setVisible(any_signal)
        behind: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for form, (outcome_label, details_label) in self.form_labels.items():
            outcome = result.forms[form]
            outcome_label.setText(
                t(
                    "ui.visit.assessment.form_outcome",
                    form=t(f"form.{form}"),
                    outcome=t(f"outcome.{outcome.outcome}"),
                )
            )
            active = outcome.outcome != "no_signals"
            outcome_label.setObjectName("outcome" if active else "muted")
            outcome_label.style().unpolish(outcome_label)
            outcome_label.style().polish(outcome_label)
            positive = [d for d, dim in outcome.dimensions.items() if dim.positive]
            for dimension in positive:
                key = (dimension, outcome.dimensions[dimension].indicators)
                behind.setdefault(key, []).append(form)
            details_label.setText(
                t(
                    "ui.visit.assessment.positive",
                    dimensions=", ".join(t(f"dimension.{d}") for d in positive),
                )
            )
            details_label.setVisible(bool(positive))

        # Each positive dimension once, with the signals behind it (named per form only when
        # the forms count different signals for it).
        per_dimension: dict[str, int] = {}
        for dimension, _ in behind:
            per_dimension[dimension] = per_dimension.get(dimension, 0) + 1
        lines = []
        for (dimension, indicators), forms in behind.items():
            title = t(f"dimension.{dimension}")
            if per_dimension[dimension] > 1:
                title += " (" + ", ".join(t(f"form.{f}") for f in forms) + ")"
            signals = ", ".join(_escape(name(i)) for i in indicators)
            lines.append(f"<b>{_escape(title)}</b><br>{signals}")
        self.behind.setText("<br>".join(lines))
        self.behind_title.setVisible(bool(lines))
        self.behind.setVisible(bool(lines))

        prompt = rendered["b83_prompt"]
        if prompt is not None:
            self.b83_text.setText(prompt["text"])
            status = person.b83_status.value
            recorded = t(f"ui.visit.b83.{status}")
            if person.b83_date and status != "not_recorded":
                recorded = t("ui.visit.b83.recorded_on", status=recorded, date=person.b83_date)
            self.b83_recorded.setText(t("ui.visit.assessment.b83_recorded", status=recorded))
            self.b83_box.show()
        else:
            self.b83_box.hide()

        referrals = rendered["referrals"]
        if referrals:
            rows = [
                "<b>"
                + _escape(t(f"ui.visit.recipient.{item['to']}"))
                + "</b> · "
                + _escape(t(f"ui.visit.urgency.{item['urgency']}"))
                + "<br>"
                + _escape(item["reason"])
                for item in referrals
            ]
            self.referrals.setText("<br><br>".join(rows))
        self.referrals_title.setVisible(bool(referrals))
        self.referrals.setVisible(bool(referrals))

        unconfirmed = [e for e in result.explanation if e.key == "assess.explain.unconfirmed"]
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
        verdict = [e for e in result.explanation if e.key == "assess.explain.not_a_verdict"]
        self.not_a_verdict.setText(explanation_text(verdict[0], lang) if verdict else "")
        self.not_a_verdict.setVisible(bool(verdict))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
