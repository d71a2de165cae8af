"""The referral flow on the desktop: from the visit editor (Doorverwijzen…, Ctrl+D) choose
about whom and to whom, see what goes in and what stays out before making, the consent refusal
with its one-click anonymous signal, make, preview the real pages, export (encrypted with a
password shown once, or plain after a warning), and the list of referrals in the main window."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from fieldapp import i18n
from fieldapp.catalogue import Catalogue
from fieldapp.domain import PersonRole, ReferralStatus, Sector
from fieldapp.i18n import t
from fieldapp.inputs import PersonInput, SiteInput
from fieldapp.referral import make_referral
from fieldapp.referral.rules import RECIPIENTS, recipient_rules
from fieldapp.store.store import Store
from fieldapp.vault import audit
from fieldapp.visit_json import visit_from_dict
from tests.support.qt import unlock, unnamed_controls
from tests.support.sample_visit import sample_visit
from ui.referral.controller import ReferralController
from ui.referral.dialog import ReferralDialog, fitted_size
from ui.referral.export import CLIPBOARD_SECONDS, SecretClipboard
from ui.referral.list_model import COLUMNS, ReferralListModel
from ui.referral.preview import ZOOM_LEVELS
from ui.session import Screen
from ui.visit import SHORTCUTS, VisitEditor
from ui.widgets import style_sheet

SITE_NAME = "Kwekerij Qsitezq"


def referral_visit() -> dict:
    """Three persons: A (possible victim, consent given), B (possible victim, consent
    refused) and X (possible exploiter), with signals for A and B."""
    data = sample_visit()
    data["site"]["name"] = SITE_NAME
    victim_a = data["persons"][0]
    victim_a["consent"] = "given"
    data["persons"] += [
        {"ref": "B", "label": "Werknemer B", "role": "possible_victim", "sex": "m", "age": 31,
         "nationality": "RO", "consent": "refused"},
        {"ref": "X", "label": "Baas X", "role": "possible_exploiter", "sex": "m", "age": 50,
         "nationality": "NL"},
    ]  # fmt: skip
    data["observations"] += [
        {"person": "A", "indicator": "ILO-EX-01", "status": "observed", "evidence": "told"},
        {"person": "B", "indicator": "ILO-CD-01", "status": "observed", "evidence": "seen"},
    ]
    return data


@pytest.fixture
def visit_id(store: Store) -> str:
    visit_uuid = store.record_visit(visit_from_dict(referral_visit()))
    # A municipality is no mandatory reporter: CoMensha then needs the person's consent. The
    # callback number: the police and the care coordinator call back (a final one needs it).
    store.set_setting(
        "profile",
        {
            "name": "Inspecteur Jansen",
            "agency": "gemeente",
            "region": "Westland",
            "contact": "06 12345678",
        },
    )
    return visit_uuid


def person_uuid(store: Store, visit_uuid: str, label: str) -> str:
    return next(p.meta.uuid for p in store.visit_detail(visit_uuid).persons if p.label == label)


def select_person(editor: VisitEditor, label: str) -> None:
    persons = editor.controller.persons
    number = next(n for n, p in enumerate(persons, start=1) if p.label == label)
    editor.select_person_number(number)


def activate(qtbot, widget: QWidget) -> None:
    """Shortcuts only reach the active window, as a user's keys would."""
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


@pytest.fixture
def make_editor(
    make_editor: Callable[..., VisitEditor], visit_id: str
) -> Callable[[], VisitEditor]:
    """The shared editor, on this module's visit."""
    return lambda: make_editor(visit_id)


@pytest.fixture
def make_dialog(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str
) -> Iterator[Callable[..., ReferralDialog]]:
    dialogs: list[ReferralDialog] = []

    def make(person: str | None = "Werknemer A") -> ReferralDialog:
        uuid = person_uuid(store, visit_id, person) if person else None
        dialog = ReferralDialog(store, visit_id, catalogue=catalogue, person_uuid=uuid)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        activate(qtbot, dialog)
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.clear()


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple]:
    """Patch the save dialog to answer ``path``; returns the calls made to it."""
    calls: list[tuple] = []

    def answer(*args, **kwargs):
        calls.append(args)
        return str(path), ""

    monkeypatch.setattr("ui.referral.export.QFileDialog.getSaveFileName", answer)
    return calls


def answer_message_box(button_text: str) -> None:
    """Click ``button_text`` in the message box that is about to open (it runs its own loop)."""

    def click() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox))
        button = next(b for b in box.findChildren(QPushButton) if b.text() == button_text)
        button.click()

    QTimer.singleShot(0, click)


def made(dialog: ReferralDialog, qtbot) -> None:
    qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    assert dialog.made is not None, dialog.message.text()


# -- opening it ------------------------------------------------------------------------------


def test_ctrl_d_is_free_and_listed(make_editor) -> None:
    keys = [keys for keys, _ in SHORTCUTS]
    assert keys.count("Ctrl+D") == 1
    editor = make_editor()
    bound = [s.key().toString() for s in editor._shortcuts]
    assert bound.count("Ctrl+D") == 1
    assert editor.refer_button.text() == "Doorverwijzen…"
    assert editor.refer_button.accessibleName() == "Doorverwijzen"


def test_the_button_and_ctrl_d_open_the_dialog_for_the_selected_person(
    qtbot, make_editor, store, visit_id
) -> None:
    editor = make_editor()
    select_person(editor, "Werknemer A")
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.referral_dialog
    assert isinstance(dialog, ReferralDialog) and dialog.isVisible()
    assert dialog.subject_uuid() == person_uuid(store, visit_id, "Werknemer A")
    # The assessment's first recommendation is chosen, and marked in the list.
    recommended = dialog.controller.recommended(dialog.subject_uuid())
    assert recommended, "the sample visit has signals: the engine recommends someone"
    assert dialog.recipient() == recommended[0]
    first = dialog.recipient_buttons[recommended[0]]
    assert first.text() == t(
        "ui.referral.dialog.recommended", name=t(f"recipient.{recommended[0]}")
    )
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)

    select_person(editor, "Baas X")  # no possible victim: every possible victim instead
    qtbot.mouseClick(editor.refer_button, Qt.MouseButton.LeftButton)
    dialog = editor.referral_dialog
    assert dialog.subject_uuid() is None
    assert dialog.subject.currentText().startswith("Alle mogelijke slachtoffers")
    assert dialog.controller.subjects(None) == dialog.controller.victims
    assert {p.label for p in dialog.controller.victims} == {"Werknemer A", "Werknemer B"}


# -- before making -----------------------------------------------------------------------------


def test_included_and_left_out_change_with_the_recipient(make_dialog, store, visit_id) -> None:
    dialog = make_dialog("Werknemer A")
    subject = dialog.subject_uuid()
    shown: dict[str, tuple[list[str], list[str]]] = {}
    for recipient in RECIPIENTS:
        dialog.set_recipient(recipient)
        assert dialog.recipient() == recipient
        assert dialog.make_button.isEnabled(), recipient  # A gave consent: nothing refused
        assert not dialog.refusal_box.isVisibleTo(dialog)
        plan = dialog.controller.plan(recipient, subject)
        assert dialog.left_out_lines() == list(plan.left_out)  # the core's list, as it is
        assert dialog.why.text() == plan.why
        shown[recipient] = (dialog.included_lines(), dialog.left_out_lines())

    police_in, police_out = shown["police"]
    # The whole signal, but for what only CoMensha registers (issue 15).
    comensha_only = ("initials", "birth_date", "suspected_forms")
    assert set(police_out) <= {t(f"referral.field.person.{name}") for name in comensha_only}
    assert dialog.outlook is not None
    assert any(line.startswith("Locatie: Naam locatie, ") for line in police_in)
    assert any(line.startswith("Bijlagen: ") for line in police_in)

    anonymous_in, anonymous_out = shown["anonymous"]
    for field in ("site.name", "site.address", "person.label", "signal.note", "visit.notes"):
        assert t(f"referral.field.{field}") in anonymous_out
    assert not any(line.startswith("Personen: ") for line in anonymous_in)
    assert "Locatie: Gemeente, Sector" in anonymous_in

    riec_in, riec_out = shown["riec"]
    assert t("referral.field.assessment") in riec_out
    persons = next(line for line in riec_in if line.startswith("Personen: "))
    assert "Baas X" in persons and "Werknemer A" not in persons  # no victim identity

    # The lists on screen follow the radio buttons.
    dialog.set_recipient("comensha")
    assert t("referral.field.site.address") in dialog.left_out.text()
    dialog.recipient_buttons["police"].click()
    assert t("referral.field.site.address") not in dialog.left_out.text()


def test_a_missing_consent_is_refused_and_anonymous_is_one_click(qtbot, make_dialog) -> None:
    dialog = make_dialog("Werknemer B")  # consent refused, reporter a municipality
    for recipient in ("comensha", "zorgcoordinator"):
        dialog.set_recipient(recipient)
        assert dialog.refusal_box.isVisibleTo(dialog)
        assert not dialog.make_button.isEnabled()
        assert dialog.anonymous_button.isVisibleTo(dialog)
        assert not dialog.included.isVisibleTo(dialog)
        assert recipient_rules()[recipient].name["nl"] in dialog.refusal.text()
        assert "anoniem signaal" in dialog.refusal.text()
        assert "--to" not in dialog.refusal.text()  # the command line's hint stays there
    assert dialog.refusal.text() == t(
        "ui.referral.refused.referral.needs_consent",
        recipient=recipient_rules()["zorgcoordinator"].name["nl"],
    )

    qtbot.mouseClick(dialog.anonymous_button, Qt.MouseButton.LeftButton)
    assert dialog.recipient() == "anonymous"
    assert dialog.recipient_buttons["anonymous"].isChecked()
    assert not dialog.refusal_box.isVisibleTo(dialog)
    assert dialog.make_button.isEnabled()
    assert dialog.included.isVisibleTo(dialog)

    # The same recipient for a person who gave consent: allowed.
    dialog.set_subject(
        dialog.subject.itemData(
            dialog.subject.findText("Persoon Werknemer A", Qt.MatchFlag.MatchStartsWith)
        )
    )
    dialog.set_recipient("comensha")
    assert dialog.make_button.isEnabled()
    # Every possible victim: B has not consented, so all of them may not go.
    dialog.set_subject(None)
    assert not dialog.make_button.isEnabled()
    assert dialog.anonymous_button.isVisibleTo(dialog)


def test_a_mandatory_reporter_needs_no_consent_for_comensha(make_dialog, store: Store) -> None:
    store.set_setting("profile", {"name": "Inspecteur Jansen", "agency": "nla"})
    dialog = make_dialog("Werknemer B")
    dialog.set_recipient("comensha")
    assert dialog.make_button.isEnabled()
    dialog.set_recipient("zorgcoordinator")  # care always needs the person's own consent
    assert not dialog.make_button.isEnabled()


# -- making and the preview ----------------------------------------------------------------------


def test_make_keeps_a_final_referral_and_shows_its_pages(qtbot, make_dialog, store) -> None:
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("police")
    dialog.set_document_language("en")
    assert store.referrals() == []
    made(dialog, qtbot)
    referrals = store.referrals()
    assert [r.meta.uuid for r in referrals] == [dialog.made.referral.meta.uuid]
    referral = referrals[0]
    assert referral.status is ReferralStatus.FINAL
    assert referral.recipient == "police" and referral.lang == "en"
    assert referral.person_uuids == (
        person_uuid(store, dialog.controller.visit_uuid, "Werknemer A"),
    )

    assert dialog.stack.currentIndex() == ReferralDialog.PAGE_PREVIEW
    preview = dialog.preview
    assert preview is not None and preview.isVisible()
    assert len(preview.page_images) >= 1
    first = preview.page_images[0]
    assert not first.isNull() and first.width() > 500
    assert first.height() > first.width()  # A4, upright
    assert len(preview.page_labels) == len(preview.page_images)
    assert preview.page_labels[0].accessibleName().startswith("Pagina 1 van ")
    assert referral.document_id in preview.title.text()
    # The page is not blank: some pixels are dark (text).
    dark = sum(
        1
        for x in range(0, first.width(), 7)
        for y in range(0, first.height() // 3, 7)
        if first.pixelColor(x, y).lightness() < 100
    )
    assert dark > 50

    # Zoom by keyboard, re-rendered from the PDF in memory.
    # (The first zoom follows the window's width, up to 100 %.)
    width, start = first.width(), preview.zoom
    assert start <= 1.0
    preview.focus_pages()
    qtbot.keyClick(preview.pages_area, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert preview.zoom > start
    assert preview.page_images[0].width() > width
    qtbot.keyClick(preview.pages_area, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(preview.pages_area, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert preview.zoom < start
    assert preview.page_images[0].width() < width
    for _ in ZOOM_LEVELS:
        preview.zoom_out()
    assert preview.zoom == ZOOM_LEVELS[0] and not preview.zoom_out_button.isEnabled()

    # Making it again is a new version; the first stays as it was.
    dialog.clear()
    again = make_dialog("Werknemer A")
    again.set_recipient("police")
    again.set_document_language("en")
    made(again, qtbot)
    versions = sorted(r.version for r in store.referrals())
    assert versions == [1, 2]


def _clear_site(store: Store, visit_uuid: str) -> None:
    """No site name and no address, as a new draft visit starts."""
    site = store.visit_detail(visit_uuid).site
    store.update_site(site.meta.uuid, SiteInput(name="", sector=Sector.AGRICULTURE))


def test_an_incomplete_visit_lists_what_is_missing_and_offers_a_draft_only(
    qtbot, make_dialog, store: Store, visit_id: str
) -> None:
    """Issue 14: a final police referral was made for a visit with no site name or address."""
    _clear_site(store, visit_id)
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("police")
    assert dialog.missing_box.isVisible()
    assert dialog.missing_lines() == [  # the police may find a place by other ways too
        t("referral.missing.site_name"),
        t("referral.missing.findable"),
    ]
    assert t("referral.missing.site_name") in dialog.missing.text()
    assert dialog.make_button.isEnabled()
    assert dialog.make_button.text() == t("ui.referral.dialog.make_draft")
    # The anonymous signal carries no name or address: it can be final.
    dialog.set_recipient("anonymous")
    assert not dialog.missing_box.isVisible()
    assert dialog.make_button.text() == t("ui.referral.dialog.make")
    dialog.set_recipient("police")
    qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    assert dialog.made is not None
    (referral,) = store.referrals()
    assert referral.status is ReferralStatus.DRAFT
    assert dialog.made.document.title.startswith("CONCEPT")


def test_a_complete_visit_shows_nothing_missing_and_makes_a_final(make_dialog) -> None:
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("police")
    assert not dialog.missing_box.isVisible()
    assert dialog.missing_lines() == []
    assert dialog.make_button.text() == t("ui.referral.dialog.make")


@pytest.mark.parametrize("large_touch", [False, True])
def test_make_stays_on_a_tablet_screen(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str, large_touch: bool
) -> None:
    """1280x800 at 150 % leaves 853x533 logical pixels: the dialog fits it, and "Maken" stays
    inside the dialog also with large-touch mode's bigger targets (issue 14 saw it off-screen)."""
    _clear_site(store, visit_id)  # the missing box makes the page longest
    tablet = QSize(853, 533)
    size = fitted_size(tablet)
    assert size.width() <= tablet.width() and size.height() <= tablet.height() - 40
    host = QWidget()
    host.setStyleSheet(style_sheet(large_touch))
    host.large_touch = large_touch  # as the main window and the editor keep it
    qtbot.addWidget(host)
    dialog = ReferralDialog(store, visit_id, catalogue=catalogue, parent=host)
    assert dialog.large_touch is large_touch
    dialog.resize(size)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.minimumSizeHint().height() <= size.height()
    assert dialog.minimumSizeHint().width() <= size.width()
    assert (dialog.width(), dialog.height()) == (size.width(), size.height())
    for button in (dialog.make_button, dialog.cancel_button):
        corner = button.mapTo(dialog, button.rect().bottomRight())
        assert dialog.rect().contains(corner), button.text()
        assert button.isVisible()
    if large_touch:
        assert dialog.make_button.height() >= 44
        for radio in dialog.recipient_buttons.values():
            assert radio.sizeHint().height() >= 44, radio.text()
        assert dialog.subject.sizeHint().height() >= 44
    # No choice is clipped: each radio button is as wide as its text needs.
    for radio in dialog.recipient_buttons.values():
        assert radio.width() >= radio.sizeHint().width(), radio.text()
    dialog.clear()


def test_nothing_is_written_to_disk_while_making(qtbot, make_dialog, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("nla")
    made(dialog, qtbot)
    after = {p for p in tmp_path.rglob("*") if p.is_file()}
    new = [p for p in after - before if p.suffix.lower() == ".pdf"]
    assert new == []


# -- export ----------------------------------------------------------------------------------------


def test_export_is_encrypted_with_a_password_shown_once(
    qtbot, make_dialog, store, tmp_path: Path, monkeypatch
) -> None:
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("police")
    made(dialog, qtbot)
    preview = dialog.preview
    target = tmp_path / "out" / "verwijzing.pdf"
    target.parent.mkdir()
    calls = save_to(monkeypatch, target)

    qtbot.mouseClick(preview.export_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1
    assert calls[0][2].endswith(f"{dialog.made.referral.document_id}-v1.pdf")  # suggested name
    assert target.exists()
    assert [p.name for p in target.parent.iterdir()] == ["verwijzing.pdf"]  # no temp file left
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(target)

    password_dialog = preview.exporter.password_dialog
    assert password_dialog is not None and password_dialog.isVisible()
    password = password_dialog.password_label.text()
    assert len(password.replace("-", "")) == 20
    with pikepdf.open(target, password=password) as pdf:
        assert pdf.encryption.R == 6
        assert len(pdf.pages) >= 1
    shown = "\n".join(w.text() for w in password_dialog.findChildren(type(preview.title)))
    assert "ander kanaal" in shown

    # Copy: on the clipboard, for 30 seconds; the timer's clear empties it.
    clipboard = QGuiApplication.clipboard()
    qtbot.mouseClick(password_dialog.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == password
    guard = SecretClipboard.instance()
    assert guard.timer.isActive() and guard.timer.interval() == CLIPBOARD_SECONDS * 1000
    password_dialog.clear_clipboard()
    assert clipboard.text() == ""
    assert not guard.timer.isActive() and not guard.holding

    # Something else the user copied afterwards is left alone.
    password_dialog.copy()
    clipboard.setText("iets anders")
    guard.clear()
    assert clipboard.text() == "iets anders"

    # Shown once: closing it forgets the password.
    qtbot.mouseClick(password_dialog.done_button, Qt.MouseButton.LeftButton)
    assert preview.exporter.password_dialog is None
    assert preview.message.text().startswith("Versleuteld opgeslagen: verwijzing.pdf")

    # The audit log records the export (the referral's id, never content).
    exports = [e for e in audit.entries(store.conn) if e.action == "export"]
    assert [(e.record_kind, e.record_uuid) for e in exports] == [
        ("referral", dialog.made.referral.meta.uuid)
    ]


def test_plain_export_only_after_the_warning(
    qtbot, make_dialog, store, tmp_path: Path, monkeypatch
) -> None:
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("anonymous")
    made(dialog, qtbot)
    preview = dialog.preview
    target = tmp_path / "plain.pdf"
    calls = save_to(monkeypatch, target)

    answer_message_box(t("ui.referral.plain.cancel"))
    qtbot.mouseClick(preview.plain_button, Qt.MouseButton.LeftButton)
    assert calls == [] and not target.exists()
    assert not [e for e in audit.entries(store.conn) if e.action == "export"]

    answer_message_box(t("ui.referral.plain.confirm"))
    qtbot.mouseClick(preview.plain_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1 and target.exists()
    with pikepdf.open(target) as pdf:
        assert not pdf.is_encrypted
    assert preview.exporter.password_dialog is None  # no password to show
    assert "Zonder wachtwoord opgeslagen" in preview.message.text()
    assert len([e for e in audit.entries(store.conn) if e.action == "export"]) == 1


def test_a_failed_export_says_so(qtbot, make_dialog, tmp_path: Path, monkeypatch) -> None:
    dialog = make_dialog("Werknemer A")
    made(dialog, qtbot)
    save_to(monkeypatch, tmp_path / "missing-folder" / "x.pdf")
    assert dialog.preview.export() is None
    assert dialog.preview.message.text().startswith("Het bestand is niet opgeslagen.")
    assert dialog.preview.exporter.password_dialog is None


# -- the list -------------------------------------------------------------------------------------


def test_the_referrals_model_passes_the_model_tester(qtmodeltester, store, visit_id) -> None:
    model = ReferralListModel()
    qtmodeltester.check(model)  # no store
    model.set_store(store)
    qtmodeltester.check(model)  # empty
    first = make_referral(store, visit_id, "police", person_ref="A")
    make_referral(store, visit_id, "anonymous", person_ref="B")
    make_referral(store, visit_id, "police", person_ref="A")
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == len(COLUMNS)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))]
    assert headers == [
        "Document",
        "Bezoek",
        "Over",
        "Ontvanger",
        "Versie",
        "Gemaakt",
        "Status",
        "Urgentie",
    ]
    row = model.row_of(first.referral.meta.uuid)
    texts = [model.index(row, c).data() for c in range(len(COLUMNS))]
    assert texts[0] == first.referral.document_id
    # Which visit (site name, local date) and which person (issue 14).
    assert texts[1] == f"{SITE_NAME}, 20-11-2026"
    assert texts[2] == "Werknemer A"
    assert texts[3] == "Politie (AVIM)"
    assert texts[4] == "1"
    assert texts[6] == "definitief"
    assert texts[7] == t(f"referral.urgency.{first.referral.urgency}")
    assert model.index(row, 0).data(Qt.ItemDataRole.UserRole) == first.referral.meta.uuid
    anonymous = next(r for r in range(3) if model.index(r, 3).data() == "Anoniem signaal")
    assert model.index(anonymous, 2).data() == "Werknemer B"

    model.sort(4, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 4).data() for r in range(3)] == ["1", "1", "2"]
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 2).data() for r in range(3)] == [
        "Werknemer A",
        "Werknemer A",
        "Werknemer B",
    ]
    qtmodeltester.check(model)
    i18n.set_language("en")
    model.retranslate()
    assert model.index(model.row_of(first.referral.meta.uuid), 6).data() == "final"
    assert model.headerData(5, Qt.Orientation.Horizontal) == "Made"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Visit"
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_the_list_from_the_main_window_opens_and_exports(
    qtbot, make_window, locked_vault: int, tmp_path: Path, monkeypatch
) -> None:
    window = make_window()
    unlock(qtbot, window)
    activate(qtbot, window)
    store = window.session.store
    visit_uuid = window.visits_model.visit_id(0)
    referral = make_referral(store, visit_uuid, "anonymous").referral
    assert window.referrals_action.isEnabled()
    rows = dict((what, keys.toString()) for what, keys in window.shortcut_rows())
    assert rows["Doorverwijzingen…"] == "Ctrl+Shift+D"

    qtbot.keyClick(
        window.visits_view.table,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.referrals_dialog
    assert dialog is not None and dialog.isVisible()
    view = dialog.view
    assert view.model.rowCount() == 1
    assert view.table.currentIndex().row() == 0
    assert unnamed_controls(dialog) == []

    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    preview_dialog = view.preview_dialog
    assert preview_dialog is not None and preview_dialog.isVisible()
    assert len(preview_dialog.preview.page_images) >= 1
    assert referral.document_id in preview_dialog.windowTitle()
    preview_dialog.reject()
    qtbot.waitUntil(lambda: view.preview_dialog is None)

    target = tmp_path / "uit-de-lijst.pdf"
    save_to(monkeypatch, target)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(target)
    password = view.exporter.password_dialog.password_label.text()
    with pikepdf.open(target, password=password) as pdf:
        assert pdf.encryption.R == 6
    assert any(
        e.action == "export" and e.record_uuid == referral.meta.uuid
        for e in audit.entries(store.conn)
    )

    # Locking (here: by the idle timer, while the password is shown) closes every dialog and
    # forgets the rows.
    assert view.exporter.password_dialog.isVisible()
    password_dialog = view.exporter.password_dialog
    window.lock()
    assert window.current_screen() is Screen.UNLOCK
    assert window.referrals_dialog is None
    assert view.exporter.password_dialog is None and password_dialog.password_label.text() == ""
    assert view.model.rowCount() == 0
    assert not window.referrals_action.isEnabled()


def test_an_empty_list_says_how_to_make_one(qtbot, store) -> None:
    from ui.referral.list_view import ReferralsDialog

    dialog = ReferralsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.view.empty.isVisible() and not dialog.view.table.isVisible()
    assert not dialog.view.open_button.isEnabled()
    assert dialog.view.open_current() is None


# -- from the real editor in the window, lock, language, names -------------------------------


def test_lock_closes_the_referral_dialog_and_clears_the_clipboard(
    qtbot, make_window, locked_vault: int, tmp_path: Path, monkeypatch
) -> None:
    window = make_window(editor_class=VisitEditor)
    unlock(qtbot, window)
    activate(qtbot, window)
    window.open_visit(window.visits_model.visit_id(0))
    editor = window.editor
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.referral_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.switch_to_anonymous()
    made(dialog, qtbot)
    save_to(monkeypatch, tmp_path / "a.pdf")
    dialog.preview.export()
    password_dialog = dialog.preview.exporter.password_dialog
    password_dialog.copy()
    assert QGuiApplication.clipboard().text() == password_dialog.password_label.text()

    closed: list[int] = []
    dialog.finished.connect(closed.append)
    window.lock()
    assert closed and dialog.made is None and dialog.preview.page_images == []
    assert window.editor is None
    assert QGuiApplication.clipboard().text() == ""
    assert window.current_screen() is Screen.UNLOCK


def test_english(qtbot, make_dialog) -> None:
    i18n.set_language("en")
    dialog = make_dialog("Werknemer B")
    assert dialog.windowTitle() == "Refer"
    assert dialog.make_button.text() == "&Make"
    dialog.set_recipient("zorgcoordinator")
    name = recipient_rules()["zorgcoordinator"].name["en"]
    assert dialog.refusal.text().startswith(f"A referral to {name} needs")
    assert dialog.anonymous_button.text() == "Make an anonymous signal"
    dialog.switch_to_anonymous()
    assert dialog.left_out_title.text() == "Left out"
    assert t("referral.field.site.name", "en") in dialog.left_out_lines()


def test_every_control_is_named_and_reachable(qtbot, make_dialog) -> None:
    dialog = make_dialog("Werknemer A")
    assert unnamed_controls(dialog) == []
    # Tab moves from the person through the recipients to the language and the buttons.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.subject.setFocus()
    seen: list[QWidget] = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert dialog.recipient_buttons[dialog.recipient()] in seen
    assert dialog.language in seen
    assert dialog.make_button in seen
    made(dialog, qtbot)
    assert unnamed_controls(dialog) == []


def test_the_controller_without_qt(store, visit_id, catalogue) -> None:
    controller = ReferralController(store, visit_id, catalogue)
    choices = controller.subject_choices()
    assert [c.person_uuid is None for c in choices] == [True, False, False, False]
    assert controller.default_subject(None) is None
    exploiter = person_uuid(store, visit_id, "Baas X")
    assert controller.default_subject(exploiter) is None  # victims first
    outlook = controller.outlook("zorgcoordinator", person_uuid(store, visit_id, "Werknemer B"))
    assert not outlook.can_make and outlook.offer_anonymous
    outlook = controller.outlook("anonymous", person_uuid(store, visit_id, "Werknemer B"))
    assert outlook.can_make and not outlook.offer_anonymous
    assert outlook.subjects == ("Persoon Werknemer B (mogelijk slachtoffer)",)


def test_a_referral_pdf_is_not_listed_with_the_visit_attachments(
    qtbot, make_editor, store, visit_id
) -> None:
    made = make_referral(store, visit_id, "police", person_ref="A")
    assert store.visit_detail(visit_id).attachments == ()
    assert store.attachment_content(made.referral.document_uuid) == made.pdf
    editor = make_editor()
    assert editor.controller.attachments == []
    assert editor.attachments.list.count() == 0


# -- who the referral may be about (the inspector's item 2) ----------------------------------


def choose_subject_by_keys(qtbot, dialog: ReferralDialog, text: str) -> None:
    """Pick "Over wie" as a user does: focus the box, Home, and Down until ``text`` shows."""
    dialog.subject.setFocus()
    qtbot.keyClick(dialog.subject, Qt.Key.Key_Home)
    for _ in range(dialog.subject.count()):
        if dialog.subject.currentText().startswith(text):
            return
        qtbot.keyClick(dialog.subject, Qt.Key.Key_Down)
    assert dialog.subject.currentText().startswith(text)


def offered(dialog: ReferralDialog) -> list[str]:
    return [key for key, button in dialog.recipient_buttons.items() if button.isVisibleTo(dialog)]


def test_an_exploiter_is_offered_police_nla_and_riec_never_comensha(qtbot, make_dialog) -> None:
    dialog = make_dialog("Werknemer A")
    dialog.set_recipient("comensha")  # chosen for the victim
    choose_subject_by_keys(qtbot, dialog, "Persoon Baas X (mogelijke uitbuiter)")
    assert offered(dialog) == ["police", "nla", "riec"]
    assert dialog.recipient() in ("police", "nla", "riec")
    assert "Persoon Baas X (mogelijke uitbuiter)" in dialog.about.text()
    assert dialog.make_button.isEnabled()
    assert dialog.missing_lines() == []  # his age and consent are not asked for


def test_a_witness_is_offered_police_and_nla_only(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str
) -> None:
    store.add_person(visit_id, PersonInput(label="C", role=PersonRole.WITNESS))
    dialog = ReferralDialog(
        store, visit_id, catalogue=catalogue, person_uuid=person_uuid(store, visit_id, "C")
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    choose_subject_by_keys(qtbot, dialog, "Persoon C (getuige)")
    assert offered(dialog) == ["police", "nla"]
    assert dialog.recipient() in ("police", "nla")
    assert not dialog.recipient_buttons["comensha"].isChecked()
    assert dialog.why_title.text() in (
        t("ui.referral.dialog.why_police"),
        t("ui.referral.dialog.why_nla"),
    )
    # Chosen anyway (a stale choice): the core refuses and says where it may go.
    dialog.set_recipient("comensha")
    assert not dialog.make_button.isEnabled()
    assert "Politie (AVIM)" in dialog.refusal.text()
    dialog.clear()


def test_a_possible_victim_is_offered_every_recipient(qtbot, make_dialog) -> None:
    dialog = make_dialog("Werknemer A")
    assert offered(dialog) == list(RECIPIENTS)
    dialog.set_recipient("anonymous")
    assert dialog.why_title.text() == "Wat in een anoniem signaal staat"
    dialog.set_recipient("zorgcoordinator")
    assert dialog.why_title.text() == "Wat de zorgcoördinator mensenhandel krijgt"


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_preview_fits_a_tablet(
    qtbot, store: Store, catalogue: Catalogue, visit_id: str, large_touch: bool
) -> None:
    """At 853x533 the inspector saw "›nder wachtwoord exporteren", a cut "100 %" and a page
    scrolling sideways: the export buttons move to their own row when they do not fit beside
    the zoom, the zoom reads in full, and the page opens at a zoom that fits the width."""
    host = QWidget()
    host.setStyleSheet(style_sheet(large_touch))
    host.large_touch = large_touch
    qtbot.addWidget(host)
    dialog = ReferralDialog(store, visit_id, catalogue=catalogue, parent=host)
    dialog.resize(fitted_size(QSize(853, 533)))
    dialog.show()
    qtbot.waitExposed(dialog)
    made(dialog, qtbot)
    preview = dialog.preview
    assert preview is not None
    qtbot.waitUntil(lambda: preview.exports_on_own_row() or preview.width() > 0)
    QApplication.processEvents()
    for button in (preview.plain_button, preview.export_button):
        assert button.width() >= button.sizeHint().width(), button.text()
        left = button.mapTo(dialog, button.rect().topLeft())
        right = button.mapTo(dialog, button.rect().bottomRight())
        assert dialog.rect().contains(left) and dialog.rect().contains(right), button.text()
    label = preview.zoom_label
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    for button in (preview.zoom_out_button, preview.zoom_in_button):
        assert button.width() >= button.sizeHint().width(), button.toolTip()
    assert preview.pages_area.horizontalScrollBar().maximum() == 0
    # Narrower still (a window made smaller): the zoom follows, the page never scrolls aside.
    dialog.resize(560, dialog.height())
    QApplication.processEvents()
    assert preview.zoom < 1.0
    assert preview.pages_area.horizontalScrollBar().maximum() == 0
    qtbot.keyClick(preview.pages_area, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert preview.zoom == 1.0  # the user may still choose 100 % and scroll
    dialog.resize(fitted_size(QSize(853, 533)))
    dialog.grab().save(str(Path(os.environ.get("TMPDIR", "/tmp")) / f"preview-{large_touch}.png"))
    dialog.clear()
