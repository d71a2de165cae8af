"""Render the main screens to PNG in Dutch and English: ``python -m ui.screenshots OUTDIR``
(``make screenshots`` writes docs/screenshots/). Runs offscreen on invented demo data in a
temporary vault; nothing of the user's own settings or vaults is touched. The visit's four
steps are rendered at a tablet's size too (1280×800 at 150%: 853×533), as an inspector's
tablet shows them, and so is practice mode (issue 17): the case list, a case's scenario and a
debrief after a realistic imperfect record, in a practice vault beside the demo vault. Beside
OUTDIR (``docs/referral-sample.png`` for ``make screenshots``), the
README's referral sample: the first two pages of a police referral the app makes from demo
data."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from fieldapp import i18n
from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_from_detail
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import Evidence, ObservationStatus, PersonRole, Role
from fieldapp.inputs import ObservationInput, PersonInput
from fieldapp.referral import make_referral
from fieldapp.referral.readiness import missing_for_final
from fieldapp.store.store import Store
from fieldapp.sync import cards, keys
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_paths
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from ui.app import create_application
from ui.coordinator.workspace import WorkspaceDialog
from ui.language import install_language
from ui.main_window import MainWindow
from ui.practice.window import PracticeWindow
from ui.referral.pages import render_pages
from ui.runner import InlineRunner
from ui.session import Profile, VaultSession
from ui.settings import SettingsDialog, VaultSettings
from ui.views.first_run import PAGE_PASSPHRASE, PAGE_PROFILE
from ui.views.shortcuts import ShortcutsDialog
from ui.visit.editor import VisitEditor
from ui.visit.steps import STEPS
from ui.widgets import style_sheet

SIZE = (1200, 760)
TABLET = (853, 533)  # 1280×800 at 150%, in logical pixels
DEMO_VISITS = 400
DEMO_PASSPHRASE = "lantaarn molen zeilboot ochtend"  # noqa: S105 - a throwaway demo vault
# The inspector who sends the README's sample referral (invented, like the demo data).
SAMPLE_PROFILE = {
    "name": "Sanne de Boer",
    "agency": "nla",
    "team": "Team Westland",
    "employee_number": "NLA-20417",
    "region": "Zuid-Holland",
    "contact": "+31 6 1234 5678",
}
SAMPLE_ZOOM = 0.85  # 96 dpi x 0.85: an A4 page about 675 pixels wide
# The practice debrief's trainee (issue 17): the greenhouse case recorded as a first attempt
# often goes. Picker A's signals all spotted but the manipulated payslip (ILO-EX-08), and the
# crew leader answering for him read as the sex-work signal VEN-05; picker B's one signal
# spotted. Evidence as the model has it.
PRACTICE_CASE = "greenhouse-westland"
PRACTICE_RECORD: tuple[tuple[str, str, Evidence], ...] = (
    ("A", "NLA-05", Evidence.TOLD),
    ("A", "NLA-04", Evidence.TOLD),
    ("A", "NLA-07", Evidence.TOLD),
    ("A", "NLA-10", Evidence.SEEN),
    ("A", "ILO-EX-02", Evidence.TOLD),
    ("A", "NLA-02", Evidence.TOLD),
    ("A", "NLA-03", Evidence.DOCUMENT),
    ("A", "VEN-05", Evidence.SEEN),
    ("B", "NLA-02", Evidence.TOLD),
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the application is made
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.gettempdir()) / "FieldApp-screenshots"
    shutil.rmtree(work, ignore_errors=True)
    # Window settings (language, size) go to the scratch folder, not the user's.
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")
    try:
        written = _render_all(out, work)
        sample = _referral_sample(out.parent / "referral-sample.png", work / "sample")
        if sample is not None:
            written.append(sample)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for path in written:
        print(path)
    return 0


def _render_all(out: Path, work: Path) -> list[Path]:
    app = create_application()
    coordinator_dir = _coordinator_vault(work)
    vault_dir = work / "vault"
    with Vault.create(vault_dir, DEMO_PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        store = Store(vault)
        store.record_visits(demo_visits(DEMO_VISITS, seed=2026))
        VaultSettings(store).profile = Profile("Sanne de Boer", "nla", "NLA-20417", "Zuid-Holland")

    written: list[Path] = []
    for lang in i18n.LANGUAGES:
        i18n.set_language(lang)
        install_language(app, lang)
        written += _first_run(out, work / f"new-{lang}", lang)
        written += _vault_screens(out, vault_dir, lang)
        written += _workspace(out, coordinator_dir, lang)
        app.processEvents()
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    QApplication.processEvents()
    return written


def _referral_sample(path: Path, folder: Path) -> Path | None:
    """The README's sample page, made as the app makes a referral: the first demo visit with a
    possible victim who has an indication of trafficking and lacks nothing a final police
    referral needs; ``make_referral`` builds and renders it in memory, PDFium rasterises its
    first two pages as the desktop's preview does. Nothing is hand-built."""
    catalogue = assessment_catalogue()
    i18n.set_language("nl")
    with Vault.create(folder, DEMO_PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        store = Store(vault)
        store.set_setting("profile", SAMPLE_PROFILE)
        for visit_uuid in store.record_visits(demo_visits(DEMO_VISITS, seed=2026)):
            detail = store.visit_detail(visit_uuid)
            for person in detail.persons:
                if person.role is not PersonRole.POSSIBLE_VICTIM:
                    continue
                if missing_for_final(
                    detail,
                    person.meta.uuid,
                    catalogue=catalogue,
                    recipient="police",
                    profile=SAMPLE_PROFILE,
                ):
                    continue
                if not assess(
                    case_from_detail(detail, person, SAMPLE_PROFILE), catalogue
                ).trafficking_indication:
                    continue
                made = make_referral(store, visit_uuid, "police", person_ref=person.label)
                _side_by_side(render_pages(made.pdf, zoom=SAMPLE_ZOOM)[:2]).save(str(path))
                return path
    print("no demo visit makes a final police referral: no referral sample", file=sys.stderr)
    return None


def _side_by_side(pages: list[QImage]) -> QImage:
    """The first pages next to each other on a grey ground, as a reader lays them out."""
    gap = 16
    width = sum(page.width() for page in pages) + gap * (len(pages) + 1)
    height = max(page.height() for page in pages) + 2 * gap
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor("#d9d9d9"))
    painter = QPainter(sheet)
    x = gap
    for page in pages:
        painter.drawImage(x, gap, page)
        x += page.width() + gap
    painter.end()
    return sheet


def _coordinator_vault(work: Path) -> Path:
    """A coordinator that imported the bundles of two enrolled field devices (demo data)."""

    folder = work / "coordinator"
    stick = work / "stick"
    stick.mkdir(parents=True)
    with Vault.create(folder, DEMO_PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS) as coordinator:
        keys.create_coordinator_keys(coordinator, lambda _secret: None)
        card_raw, card = cards.make_card(coordinator)
        for number, (inspector, agency) in enumerate(
            (("Sanne de Boer", "nla"), ("Karim El Idrissi", "politie")), start=1
        ):
            with Vault.create(
                work / f"field-{number}", DEMO_PASSPHRASE, Role.FIELD, FAST_FOR_TESTS
            ) as field:
                cards.trust_coordinator(field, card_raw, card.fingerprint)
                request, fingerprint = cards.make_request(field, inspector, agency)
                ack, _ = cards.approve_request(coordinator, request, fingerprint)
                cards.accept_ack(field, ack)
                Store(field).record_visits(demo_visits(DEMO_VISITS // 2, seed=2026 + number))
                export_bundle(field, stick)
        import_paths(coordinator, [stick])
    return folder


def _workspace(out: Path, folder: Path, lang: str) -> list[Path]:
    """The coordinator's workspace: merged picture, linked cases, statistics."""

    shots: list[Path] = []
    with Vault.unlock(folder, DEMO_PASSPHRASE) as vault:
        dialog = WorkspaceDialog(vault, InlineRunner())
        dialog.resize(*SIZE)
        dialog.open()
        for index, name in (
            (0, "12-workspace-merged"),
            (1, "13-workspace-links"),
            (3, "14-workspace-statistics"),
        ):
            dialog.tabs.setCurrentIndex(index)
            shots.append(_grab(dialog, out / f"{lang}-{name}.png"))
        dialog.reject()
        dialog.deleteLater()
    return shots


def _window(folder: Path) -> MainWindow:
    window = MainWindow(VaultSession(folder), runner=InlineRunner())
    window.resize(*SIZE)
    window.show()
    QApplication.processEvents()
    return window


def _grab(widget: QWidget, path: Path) -> Path:
    QApplication.processEvents()
    widget.grab().save(str(path))
    return path


def _first_run(out: Path, folder: Path, lang: str) -> list[Path]:
    window = _window(folder)
    view = window.first_run_view
    shots = [_grab(window, out / f"{lang}-01-first-run.png")]
    view.go_to(PAGE_PROFILE)
    view.name.setText("Sanne de Boer")
    view.employee_number.setText("NLA-20417")
    view.region.setText("Zuid-Holland")
    shots.append(_grab(window, out / f"{lang}-02-profile.png"))
    view.go_to(PAGE_PASSPHRASE)
    weak = "password1234"
    view.passphrase.setText(weak)
    view.repeat.setText(weak)
    view.submit.click()  # refused, with its reason
    view.passphrase.setText(weak)
    shots.append(_grab(window, out / f"{lang}-03-passphrase.png"))
    window.close()
    window.deleteLater()
    return shots


def _vault_screens(out: Path, vault_dir: Path, lang: str) -> list[Path]:
    window = _window(vault_dir)
    shots = [_grab(window, out / f"{lang}-04-unlock.png")]
    window.unlock(DEMO_PASSPHRASE)
    view = window.visits_view
    view.focus_table()
    view.table.selectRow(2)
    shots.append(_grab(window, out / f"{lang}-05-visits.png"))

    view.status.setCurrentIndex(view.status.findData("open"))
    view.search.setText("Westland")
    view.apply_filters()
    shots.append(_grab(window, out / f"{lang}-06-visits-search.png"))
    view.reset_filters()

    editor_shot = _editor(window, out / f"{lang}-07-visit.png")
    if editor_shot is not None:
        shots.append(editor_shot)
        shots += _referral(window, out, lang)
        window.back_to_list()
        shots += _steps(window, out, lang)

    for name, make in (
        ("08-settings", lambda: SettingsDialog(window.settings_values(), window)),
        ("09-shortcuts", lambda: ShortcutsDialog(window.shortcut_rows(), window)),
    ):
        dialog = make()
        dialog.show()
        QApplication.processEvents()
        shots.append(_grab(dialog, out / f"{lang}-{name}.png"))
        dialog.reject()
        dialog.deleteLater()
    if window.editor_class() is not None:
        shots += _practice(window, vault_dir, out, lang)
    window.close()
    window.deleteLater()
    return shots


def _practice(window: MainWindow, vault_dir: Path, out: Path, lang: str) -> list[Path]:
    """Practice mode at a tablet's size, as a trainee meets it: a case's scenario (and, on a
    desktop's width, the scenario beside the editor), the debrief of :data:`PRACTICE_RECORD`
    (with each person's sex, age and nationality, recorded through the store of the practice
    vault the window uses), then the list with
    that score kept. Each language starts from an empty practice vault."""
    practice = PracticeWindow(
        window.session.store,
        vault_dir,
        runner=InlineRunner(),
        editor_class=window.editor_class(),
        catalogue=window.catalogue(),
        kdf=FAST_FOR_TESTS,
        parent=window,
    )
    if practice.practice.is_open:
        practice.reset()  # the other language's attempt and score go
    practice.resize(*TABLET)
    practice.show()
    QApplication.processEvents()
    row = practice.cases_model.row_of(PRACTICE_CASE)
    if not practice.practice.is_open or row < 0:
        print("practice vault or case not available: no practice screenshots", file=sys.stderr)
        practice.close()
        return []
    practice.table.selectRow(row)
    practice.open_case_at(row)
    case = practice.case
    visit = practice.practice.current_visit(case) if case is not None else None
    shots: list[Path] = []
    if case is not None and visit is not None:
        practice.resize(*SIZE)
        shots.append(_grab(practice, out / f"{lang}-17-practice-case.png"))
        practice.resize(*TABLET)
        practice.show_scenario_button.click()
        shots.append(_grab(practice, out / f"{lang}-18-tablet-practice-scenario.png"))
        practice.show_editor_button.click()
        visit_uuid, refs = visit
        person = {ref: uuid for uuid, ref in refs.items()}
        store = practice.practice.store
        for met in case.persons:  # who they are, as the scenario tells it
            store.update_person(
                person[met.ref],
                PersonInput(
                    label=str(getattr(met.label, lang)),
                    role=met.role,
                    sex=met.sex,
                    age=met.age,
                    nationality=met.nationality,
                ),
            )
        for ref, indicator, evidence in PRACTICE_RECORD:
            store.set_observation(
                visit_uuid,
                person[ref],
                ObservationInput(indicator, ObservationStatus.OBSERVED, evidence),
            )
        practice.debrief_button.click()
        shots.append(_grab(practice, out / f"{lang}-19-tablet-practice-debrief.png"))
        practice.debrief_view.list_button.click()
    practice.table.selectRow(row)
    shots.insert(0, _grab(practice, out / f"{lang}-16-tablet-practice-list.png"))
    practice.close()
    practice.deleteLater()
    return shots


def _editor(window: MainWindow, path: Path) -> Path | None:
    """The visit editor is built separately; when it is not there (or fails), say so."""
    if window.editor_class() is None:
        print("visit editor not available: no screenshot of it", file=sys.stderr)
        return None
    visit_uuid = window.visits_model.visit_id(2)
    if visit_uuid is None:
        return None
    try:
        window.open_visit(visit_uuid)
    except Exception as exc:  # a screenshot run must finish
        print(f"visit editor failed ({type(exc).__name__}): no screenshot of it", file=sys.stderr)
        return None
    return _grab(window, path)


def _steps(window: MainWindow, out: Path, lang: str) -> list[Path]:
    """The visit editor's four steps at a tablet's size, styled as the window styles it."""
    visit_uuid = window.visits_model.visit_id(2)
    if visit_uuid is None:
        return []
    store = window.session.store
    host = QWidget()
    host.setStyleSheet(style_sheet(False))
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    editor = VisitEditor(store, window.catalogue(), visit_uuid)
    layout.addWidget(editor)
    host.resize(*TABLET)
    host.show()
    shots = []
    for index, key in enumerate(STEPS):
        editor.go_to_step(index, focus=False)
        shots.append(_grab(host, out / f"{lang}-15-tablet-step{index + 1}-{key}.png"))
    editor.clear()
    host.close()
    host.deleteLater()
    return shots


def _referral(window: MainWindow, out: Path, lang: str) -> list[Path]:
    """The referral dialog from the open visit (what goes in, what stays out), then the
    preview of the document it makes (in the scratch vault)."""

    editor = window.editor
    if editor is None or not hasattr(editor, "open_referral"):
        return []
    dialog = editor.open_referral()
    if dialog is None:
        return []
    dialog.set_recipient("comensha")  # shows both what goes in and what stays out
    dialog.set_document_language(lang)
    dialog.resize(1000, 700)
    QApplication.processEvents()
    shots = [_grab(dialog, out / f"{lang}-10-referral.png")]
    if dialog.make() is not None:
        dialog.resize(1000, 760)
        QApplication.processEvents()
        shots.append(_grab(dialog, out / f"{lang}-11-referral-preview.png"))
    dialog.reject()
    QApplication.processEvents()
    return shots


if __name__ == "__main__":
    raise SystemExit(main())
