"""Step 4, Afronden: what the visit comes to before the inspector leaves, person by person
(the signals recorded, what they add up to, the duties and where to refer), what a final
referral still lacks (``fieldapp.referral.readiness``), and the ways out: refer, close the
visit, throw away an empty draft, remove a person recorded by mistake.

Nothing here decides anything: the outcome, the duties and the recipients come from the
assessment engine's result (as in the assessment panel), what is missing from the core's
readiness check. The page only shows them, so the summary cannot disagree with the panel or
with the referral dialog.

What a final referral lacks depends on its recipient (issue 15: the care coordinator needs
where the person is and their care needs, CoMensha their initials and date of birth, the police
a callback number). Where a card names the recipients the engine advises, each gets its own
list (:func:`recipient_gaps`, the dialog's check for that recipient); without advice the card
keeps the visit's general list. Once a final referral to a recipient about the person is made,
its line says so (the day and the version, :func:`made_referrals`) instead of a list that no
longer applies: the care coordinator's referral made on the vital-interest ground still lacks
consent by the list, and the page said it was incomplete after it had gone. What is missing is
in the amber used for missing items elsewhere, not in the muted grey of the advice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldapp.assessment import Assessment, assessment_to_json
from fieldapp.catalogue import Catalogue
from fieldapp.domain import (
    Consent,
    ObservationStatus,
    Person,
    PersonRole,
    Referral,
    ReferralStatus,
    VisitDetail,
)
from fieldapp.i18n import current_language, t
from fieldapp.localtime import date_text
from fieldapp.referral.readiness import missing_for_final
from fieldapp.referral.rules import RECIPIENTS
from ui.visit.assessment_panel import summary_item
from ui.visit.fields import FlowLayout, section_heading
from ui.visit.person_form import person_summary

FINISH_STYLE = """
QFrame#card { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QLabel#cardTitle { font-weight: 600; }
QLabel#muted { color: palette(placeholder-text); }
QLabel#missing { color: #7a4b00; }
QLabel#acuteLine { color: #a4262c; font-weight: 600; }
QPushButton#finish_delete_person { color: #a4262c; border: 1px solid #a4262c; border-radius: 4px;
                                   padding: 4px 12px; background: palette(base); }
"""


@dataclass(frozen=True, slots=True)
class PersonFinish:
    """What the page shows about one person (all texts already in the user's language)."""

    uuid: str
    label: str
    title: str
    signals: tuple[str, ...]
    outcome: str
    acute: bool
    duties: tuple[str, ...]
    referrals: tuple[str, ...]
    missing: tuple[str, ...]
    role_note: str = ""  # what a role other than possible victim means here
    # Per advised recipient, what a final referral to it still lacks (empty: nothing); when
    # given, the card says it beside each recipient instead of the general list.
    missing_for: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Per line of ``referrals``: whether that recipient's referral lacks something (amber).
    lacking: tuple[bool, ...] = ()


# Said once for the visit, above the cards (the place's name and address): not on every card.
VISIT_CODES = frozenset({"site_name", "address"})
# The recipient a referral may reach without consent, on the vital-interest ground.
VITAL_INTEREST_RECIPIENT = "zorgcoordinator"


def made_referrals(referrals: Sequence[Referral], person_uuid: str) -> dict[str, Referral]:
    """Per recipient, the newest final referral about the person (alone or with others):
    made, so what the visit lacked before it no longer holds it back. A draft is not made.
    ``referrals``: the visit's, newest first (``Store.referrals``)."""
    made: dict[str, Referral] = {}
    for referral in referrals:
        if referral.status is ReferralStatus.DRAFT or person_uuid not in referral.person_uuids:
            continue
        made.setdefault(referral.recipient, referral)
    return made


def made_text(referral: Referral) -> str:
    """The line's "gemaakt op 04-05-2026 (versie 2)": the day in Dutch time, as dates show
    everywhere here, and the version, since a referral made again is its next version."""
    return t(
        "ui.visit.finish.made",
        date=date_text(referral.meta.created_at),
        version=referral.version,
    )


def recipient_gaps(
    detail: VisitDetail,
    person: Person,
    result: Assessment,
    catalogue: Catalogue,
    profile: Mapping[str, Any] | None = None,
) -> dict[str, tuple[str, ...]]:
    """For each recipient the engine advises for ``person`` that gets a document, what a
    final referral about them to it still lacks (the core's ``missing_for_final``, as the
    referral dialog checks it; ``profile``: the stored profile, for a callback number), less
    the place's name and address, which the page says once for the visit. For the care
    coordinator about someone whose consent was not asked, the consent line says both ways
    on: consent, or the vital-interest ground chosen (with its reason) in the referral dialog,
    which is the only place it can be."""
    gaps: dict[str, tuple[str, ...]] = {}
    for advice in result.referrals:
        if advice.to not in RECIPIENTS or advice.to in gaps:
            continue
        found = missing_for_final(
            detail,
            person.meta.uuid,
            catalogue=catalogue,
            recipient=advice.to,
            profile=profile,
        )
        gaps[advice.to] = tuple(
            _gap_text(advice.to, person, m.code, m.message)
            for m in found
            if m.code not in VISIT_CODES
        )
    return gaps


def _gap_text(recipient: str, person: Person, code: str, message: str) -> str:
    if (
        recipient == VITAL_INTEREST_RECIPIENT
        and code == "consent"
        and person.consent is Consent.NOT_ASKED
    ):
        return t("ui.visit.finish.consent_or_vital", label=person.label)
    return message


def person_finish(
    person: Person,
    result: Assessment,
    signals: list[str],
    missing: list[str],
    catalogue: Catalogue,
    *,
    missing_for: Mapping[str, Sequence[str]] | None = None,
    made: Mapping[str, Referral] | None = None,
) -> PersonFinish:
    """One person's summary from the engine's result (``signals``: the names of what was
    recorded for them; the everyone-signals are said once, above the cards). Duties towards
    a victim are not listed for a witness or an employer: the screens must not contradict
    the side panel, which does not assess them as a possible victim. ``missing_for``
    (:func:`recipient_gaps`): per advised recipient, what its final referral lacks; ``made``
    (:func:`made_referrals`): per recipient, the final referral made about the person, said
    instead of that list."""
    lang = current_language()
    rendered = assessment_to_json(result, lang)
    victim = person.role is PersonRole.POSSIBLE_VICTIM
    duties = []
    if victim and rendered["b83_prompt"] is not None:
        duties.append(rendered["b83_prompt"]["text"])
    if victim and rendered["b83_note"]:
        duties.append(rendered["b83_note"])
    made_for = dict(made or {})
    # A recipient with a final referral made lacks nothing any more.
    gaps = {to: () if to in made_for else tuple(items) for to, items in (missing_for or {}).items()}
    referrals = tuple(
        _referral_line(item["to"], item["urgency"], gaps, made_for)
        for item in rendered["referrals"]
    )
    return PersonFinish(
        uuid=person.meta.uuid,
        label=person.label,
        title=t("ui.visit.finish.person", label=person.label, summary=person_summary(person)),
        signals=tuple(signals),
        outcome=summary_item(person.label, result, catalogue.rules),
        acute=result.acute,
        duties=tuple(duties),
        referrals=referrals,
        missing=tuple(missing),
        role_note=""
        if victim
        else t("ui.visit.finish.role_note", role=t(f"person_role.{person.role.value}")),
        missing_for=tuple((to, tuple(items)) for to, items in gaps.items()),
        lacking=tuple(bool(gaps.get(item["to"])) for item in rendered["referrals"]),
    )


def _referral_line(
    to: str,
    urgency: str,
    gaps: Mapping[str, Sequence[str]],
    made: Mapping[str, Referral] | None = None,
) -> str:
    """The advice ("Politie, urgentie direct") and that its final referral was made (when),
    or, where the recipient's own list is known, what it still lacks, or that nothing does."""
    line = t(
        "ui.visit.finish.referral",
        to=t(f"ui.visit.recipient.{to}"),
        urgency=t(f"ui.visit.urgency.{urgency}"),
    )
    if made and to in made:
        return t("ui.visit.finish.referral_made", referral=line, made=made_text(made[to]))
    if to not in gaps:
        return line
    lacking = gaps[to]
    if not lacking:
        return t("ui.visit.finish.referral_ready", referral=line)
    return t("ui.visit.finish.referral_lacks", referral=line, items="; ".join(lacking))


def observed_names(
    observations: dict[tuple[str | None, str], ObservationStatus],
    person_uuid: str | None,
    catalogue: Catalogue,
    *,
    inherit: bool = False,
) -> list[str]:
    """The names of the signals observed for a person (``None``: for everyone at the visit).
    ``inherit`` adds the everyone-signals their own record does not override; Afronden
    does not, as it lists those once above the cards rather than as each person's own."""
    lang = current_language()
    ids = []
    for indicator_id in catalogue.indicators:
        own = observations.get((person_uuid, indicator_id))
        status = own
        if own is None and inherit and person_uuid is not None:
            status = observations.get((None, indicator_id))
        if status is ObservationStatus.OBSERVED:
            ids.append(indicator_id)
    return [catalogue.indicators[i].label[lang] for i in ids]


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
    if name:
        label.setObjectName(name)
    return label


def _button(text: str, name: str, plain: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAutoDefault(False)
    button.setAccessibleName(plain or text.replace("…", ""))
    return button


class Lines(QWidget):
    """Lines of text, each in its own style (the advice muted, what is missing amber), read
    as one text (:meth:`text`, for screen readers and tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[QLabel] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

    def add(self, text: str, style: str) -> QLabel:
        label = _label(text, style)
        self._layout.addWidget(label)
        self.lines.append(label)
        return label

    def text(self) -> str:
        return "\n".join(label.text() for label in self.lines)


class PersonCard(QFrame):
    """One person: summary, signals, outcome, duties, referrals, what is missing; refer
    about them or remove them."""

    def __init__(self, item: PersonFinish, page: FinishPage) -> None:
        super().__init__()
        self.setObjectName("card")
        self.person_uuid = item.uuid
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self.title = _label(item.title, "cardTitle")
        layout.addWidget(self.title)
        self.role_note = _label(item.role_note, "muted")
        layout.addWidget(self.role_note)
        self.role_note.setVisible(bool(item.role_note))
        if item.acute:
            layout.addWidget(_label(t("ui.visit.assessment.acute_title"), "acuteLine"))
        signals = "; ".join(item.signals) if item.signals else t("ui.visit.finish.no_signals")
        self.signals = _label(t("ui.visit.finish.signals", signals=signals))
        self.outcome = _label(item.outcome)
        layout.addWidget(self.signals)
        layout.addWidget(self.outcome)
        self.duties = _label("\n".join(f"• {text}" for text in item.duties))
        layout.addWidget(self.duties)
        self.duties.setVisible(bool(item.duties))
        self.referrals = Lines()
        if item.missing_for and item.referrals:
            # One recipient a line, each with what its own final referral still lacks (in
            # amber, as missing items are elsewhere), or that it was made.
            self.referrals.add(t("ui.visit.finish.refer_to_heading"), "muted")
            for index, line in enumerate(item.referrals):
                lacks = index < len(item.lacking) and item.lacking[index]
                self.referrals.add(f"• {line}", "missing" if lacks else "muted")
        else:
            referrals = (
                "; ".join(item.referrals) if item.referrals else t("ui.visit.finish.no_refer")
            )
            self.referrals.add(t("ui.visit.finish.refer_to", recipients=referrals), "muted")
        layout.addWidget(self.referrals)
        general = item.missing if not (item.missing_for and item.referrals) else ()
        self.missing = _label(
            t("ui.visit.finish.missing", items="; ".join(general)) if general else "",
            "missing",
        )
        layout.addWidget(self.missing)
        self.missing.setVisible(bool(general))
        buttons = QWidget()
        row = FlowLayout(buttons)
        self.refer_button = _button(
            t("ui.visit.finish.refer_person", label=item.label),
            "finish_refer_person",
        )
        self.refer_button.clicked.connect(lambda: page.refer_requested.emit(item.uuid))
        self.delete_button = _button(
            t("ui.visit.finish.delete_person", label=item.label), "finish_delete_person"
        )
        row.addWidget(self.refer_button)
        layout.addWidget(buttons)
        # Removing is destructive: red, on its own row at the far side, never next to refer
        # where a tap aimed at one could hit the other.
        delete_row = QHBoxLayout()
        delete_row.setContentsMargins(0, 8, 0, 0)
        delete_row.addStretch(1)
        delete_row.addWidget(self.delete_button)
        layout.addLayout(delete_row)
        self.delete_button.setVisible(not page.read_only)

        # Removing a person is asked twice, here on the card (no dialog to aim at by touch).
        self.confirm = QFrame()
        self.confirm.setObjectName("confirm")
        confirm = QVBoxLayout(self.confirm)
        confirm.setContentsMargins(0, 4, 0, 0)
        self.confirm_text = _label(
            t("ui.visit.finish.delete_confirm", label=item.label),
            "missing",
        )
        confirm.addWidget(self.confirm_text)
        confirm_buttons = QWidget()
        confirm_row = FlowLayout(confirm_buttons)
        self.confirm_button = _button(
            t("ui.visit.finish.delete_yes", label=item.label), "finish_delete_yes"
        )
        self.cancel_button = _button(t("ui.visit.finish.delete_no"), "finish_delete_no")
        confirm_row.addWidget(self.confirm_button)
        confirm_row.addWidget(self.cancel_button)
        confirm.addWidget(confirm_buttons)
        self.confirm.hide()
        layout.addWidget(self.confirm)
        self.delete_button.clicked.connect(self._ask)
        self.cancel_button.clicked.connect(self._cancel)
        self.confirm_button.clicked.connect(lambda: page.delete_person_requested.emit(item.uuid))

    def _ask(self) -> None:
        self.confirm.show()
        self.delete_button.setEnabled(False)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _cancel(self) -> None:
        self.confirm.hide()
        self.delete_button.setEnabled(True)
        self.delete_button.setFocus(Qt.FocusReason.OtherFocusReason)


class FinishPage(QWidget):
    """Shows :class:`PersonFinish` rows; the editor acts on the requests."""

    refer_requested = Signal(object)  # a person's uuid, or None: every possible victim
    close_requested = Signal()
    discard_requested = Signal()
    delete_person_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet(FINISH_STYLE)
        self.read_only = False  # another device's visit: refer, nothing else
        self.cards: list[PersonCard] = []
        self.heading = section_heading(t("ui.visit.finish.heading"))
        self.visit_missing = _label("", "missing")
        self.visit_signals = _label()
        self.no_persons = _label(t("ui.visit.finish.no_persons"), "muted")
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(8)

        self.refer_button = _button(t("ui.visit.finish.refer"), "finish_refer")
        self.refer_button.setToolTip(t("ui.referral.button_tip"))
        self.refer_button.clicked.connect(lambda: self.refer_requested.emit(None))
        self.close_button = _button(t("ui.visit.finish.close"), "finish_close")
        self.close_button.setToolTip(t("ui.visit.finish.close_tip"))
        self.close_button.clicked.connect(self.close_requested.emit)
        self.discard_button = _button(t("ui.visit.finish.discard"), "finish_discard")
        self.discard_button.setToolTip(t("ui.visit.finish.discard_tip"))
        self.discard_button.clicked.connect(self.discard_requested.emit)
        self.discard_why = _label(t("ui.visit.finish.discard_not"), "muted")
        actions = QWidget()
        row = FlowLayout(actions, spacing=8)
        for button in (self.refer_button, self.close_button, self.discard_button):
            row.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 12)
        layout.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(actions)
        layout.addWidget(self.discard_why)
        layout.addWidget(self.visit_missing)
        layout.addWidget(self.visit_signals)
        layout.addWidget(self.no_persons)
        layout.addLayout(self.cards_box)
        layout.addStretch(1)

    def set_read_only(self, on: bool) -> None:
        """Another device's visit: it can be referred from, not closed, emptied or changed
        (the inspector closes their own visit)."""
        self.read_only = on
        self.close_button.setVisible(not on)
        if on:
            self.discard_button.hide()
            self.discard_why.hide()
        for card in self.cards:
            card.delete_button.setVisible(not on)

    def minimumSizeHint(self) -> QSize:
        """No minimum height: the page scrolls, and its height follows its width. The
        layout's own minimum is every wrapped text at its narrowest, which left ~1000 px of
        empty scrolling under the last card on a tablet."""
        return QSize(super().minimumSizeHint().width(), 0)

    def show_finish(
        self,
        persons: list[PersonFinish],
        visit_signals: list[str],
        visit_missing: list[str],
        *,
        can_discard: bool,
    ) -> None:
        """``visit_missing``: what a final referral lacks that is about the visit itself (the
        place); a person's own gaps are on their card."""
        for card in self.cards:
            self.cards_box.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for item in persons:
            card = PersonCard(item, self)
            self.cards_box.addWidget(card)
            card.show()  # now, not when the event loop next runs
            self.cards.append(card)
        self.no_persons.setVisible(not persons)
        if visit_signals:
            self.visit_signals.setText(
                t("ui.visit.finish.everyone_signals", signals="; ".join(visit_signals))
            )
        self.visit_signals.setVisible(bool(visit_signals))
        self.visit_missing.setText(
            t("ui.visit.finish.missing", items="; ".join(visit_missing)) if visit_missing else ""
        )
        self.visit_missing.setVisible(bool(visit_missing))
        self.discard_button.setVisible(can_discard and not self.read_only)
        # Said beside the button only: without it, a rule about a missing button confused.
        self.discard_why.setVisible(can_discard and not self.read_only)
        self.refer_button.setEnabled(bool(persons))

    def clear(self) -> None:
        self.show_finish([], [], [], can_discard=False)
