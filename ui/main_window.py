"""The one window: first run or unlock, then the visits list and the visit editor.

The window routes: what the user asks for goes to :class:`VaultSession` (or, for slow key
derivation, through the runner to a worker and back), and what comes back goes to a view.
Locking (Ctrl+L, the menu, idle time, suspend, screen lock) closes the vault, clears every
model and the editor, and shows only the unlock screen.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenuBar,
    QStackedWidget,
    QWidget,
)

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, NotFound, VaultRolledBack
from fieldapp.i18n import t, tn
from fieldapp.localtime import local_today
from ui.autolock import AutoLock, Clock, default_clock
from ui.errors import confirm_older_vault, show_notices
from ui.language import install_language
from ui.models.visits import COLUMNS, VisitsModel
from ui.runner import JobRunner, Runner
from ui.session import Screen, VaultSession, describe_error, new_passphrase_problem
from ui.settings import SettingsDialog, SettingsValues, VaultSettings, WindowSettings
from ui.views.first_run import CreateRequest, FirstRunView
from ui.views.shortcuts import ShortcutsDialog
from ui.views.unlock import UnlockView
from ui.views.visit_page import VisitPage
from ui.views.visits import VisitsView
from ui.widgets import install_accessible_look, style_sheet
from ui.window_settings import place_window

if TYPE_CHECKING:
    from fieldapp.store.store import Store
    from fieldapp.vault.vault import UnlockKeys
    from ui.coordinator.workspace import WorkspaceDialog
    from ui.practice.window import PracticeWindow
    from ui.referral.list_view import ReferralsDialog

LOCK_SHORTCUT = QKeySequence("Ctrl+L")
STATUS_MESSAGE_MS = 8000
MIN_SIZE = QSize(600, 440)  # inside the smallest screen (ui.window_settings.SMALLEST_SCREEN)
_Dialog = TypeVar("_Dialog", bound=QDialog)  # a dialog kept open once (_open_single)


class MainWindow(QMainWindow):
    """``runner`` runs key derivation (tests pass ``InlineRunner``); ``clock`` drives auto-lock
    (tests pass a fake); ``editor_class`` is the visit editor (default: ``ui.visit.editor``)."""

    def __init__(
        self,
        session: VaultSession,
        *,
        runner: JobRunner | None = None,
        clock: Clock | None = None,
        editor_class: Any = None,
        window_settings: WindowSettings | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.runner: JobRunner = runner or Runner(self)
        self.window_settings = window_settings or WindowSettings()
        self.autolock = AutoLock(clock or default_clock, parent=self)
        self.autolock.lock_requested.connect(self._auto_lock)
        self._editor_class = editor_class
        self._editor: Any = None
        self._editor_visit: str | None = None
        # The visit open when the vault locked, to reopen after unlocking. In memory only: on
        # disk in clear it would say which case was being worked on.
        self._visit_before_lock: str | None = None
        self.referrals_dialog: ReferralsDialog | None = None
        self.sync_dialog: QDialog | None = None
        self.workspace_dialog: WorkspaceDialog | None = None
        self.practice_window: PracticeWindow | None = None  # issue 17: practice mode
        self._attempt = 0
        self._busy = False
        self._closing = False
        self.large_touch = self.window_settings.large_touch
        self.visits_model = VisitsModel(self)
        self.status_label = QLabel()
        self.status_label.setObjectName("secondary")
        self.status_label.setContentsMargins(0, 0, 10, 0)
        self.statusBar().addPermanentWidget(self.status_label)
        self.statusBar().setSizeGripEnabled(False)

        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_accessible_look(app)  # before the style sheet reads the palette
        self._screen = session.screen()
        self._build_ui()
        self.setMinimumSize(MIN_SIZE)
        place_window(self, self.window_settings.geometry)
        self.show_screen(self._screen)

    # -- building (again after a language switch) ----------------------------------------

    def _action(
        self,
        key: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip_key: str | None = None,
    ) -> QAction:
        action = QAction(t(key), self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip_key:
            action.setToolTip(t(tip_key))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work whichever view has the focus
        self._actions.append(action)
        return action

    def _build_ui(self) -> None:
        for old in getattr(self, "_actions", []):
            self.removeAction(old)
            old.deleteLater()
        self._actions: list[QAction] = []
        self.setStyleSheet(style_sheet(self.large_touch))

        self.new_visit_action = self._action("ui.action.new_visit", self.new_visit, "Ctrl+N")
        self.find_action = self._action(
            "ui.action.find", self.focus_search, QKeySequence.StandardKey.Find
        )
        self.reset_filters_action = self._action("ui.action.reset_filters", self.reset_filters)
        self.refresh_action = self._action(
            "ui.action.refresh", self.refresh_list, QKeySequence.StandardKey.Refresh
        )
        self.back_action = self._action("ui.action.back", self.back_to_list, "Ctrl+W")
        self.back_action.setShortcuts(
            [QKeySequence("Ctrl+W"), QKeySequence(QKeySequence.StandardKey.Back)]
        )
        self.referrals_action = self._action(
            "ui.referral.action.list", self.show_referrals, "Ctrl+Shift+D"
        )
        self.sync_action = self._action("ui.sync.action", self.show_sync, "Ctrl+Shift+S")
        self.workspace_action = self._action(
            "ui.workspace.action", self.show_workspace, "Ctrl+Shift+W"
        )
        self.workspace_action.setVisible(self._is_coordinator())
        # Practice mode (issue 17): its own window over its own practice vault.
        self.practice_action = self._action(
            "ui.practice.action", self.show_practice, tip_key="ui.practice.action_tip"
        )
        self.backup_action = self._action("ui.action.backup", self.backup)
        self.settings_action = self._action("ui.action.settings", self.open_settings, "Ctrl+,")
        self.lock_action = self._action(
            "ui.action.lock", self.lock, LOCK_SHORTCUT, "ui.action.lock_tip"
        )
        self.quit_action = self._action("ui.action.quit", self.close, QKeySequence.StandardKey.Quit)
        self.shortcuts_action = self._action(
            "ui.action.shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents
        )
        self.descending_action = self._action("ui.action.descending", self._sort_from_menu)
        self.descending_action.setCheckable(True)
        self.sort_group = QActionGroup(self)
        self.sort_actions: dict[int, QAction] = {}
        for column, spec in enumerate(COLUMNS):
            if spec.sort_key is None:
                continue
            action = self._action(spec.header, self._sort_from_menu)
            action.setCheckable(True)
            self.sort_group.addAction(action)
            self.sort_actions[column] = action

        menubar = QMenuBar()
        vault_menu = menubar.addMenu(t("ui.menu.vault"))
        vault_menu.addAction(self.backup_action)
        vault_menu.addAction(self.settings_action)
        vault_menu.addSeparator()
        vault_menu.addAction(self.lock_action)
        vault_menu.addAction(self.quit_action)
        visits_menu = menubar.addMenu(t("ui.menu.visits"))
        visits_menu.addAction(self.new_visit_action)
        visits_menu.addAction(self.back_action)
        visits_menu.addAction(self.referrals_action)
        visits_menu.addAction(self.practice_action)
        visits_menu.addSeparator()
        visits_menu.addAction(self.find_action)
        visits_menu.addAction(self.reset_filters_action)
        sort_menu = visits_menu.addMenu(t("ui.menu.sort"))
        for action in self.sort_actions.values():
            sort_menu.addAction(action)
        sort_menu.addSeparator()
        sort_menu.addAction(self.descending_action)
        visits_menu.addAction(self.refresh_action)
        sync_menu = menubar.addMenu(t("ui.sync.menu"))
        sync_menu.addAction(self.sync_action)
        sync_menu.addAction(self.workspace_action)
        help_menu = menubar.addMenu(t("ui.menu.help"))
        help_menu.addAction(self.shortcuts_action)
        self.setMenuBar(menubar)  # deletes the previous one

        folder = str(self.session.folder)
        self.first_run_view = FirstRunView(folder)
        self.unlock_view = UnlockView(folder)
        self.visits_view = VisitsView(
            self.visits_model, self.new_visit_action, practice_action=self.practice_action
        )
        self.visits_view.set_large_touch(self.large_touch)
        self.visit_page = VisitPage()
        self.stack = QStackedWidget()
        for view in (self.first_run_view, self.unlock_view, self.visits_view, self.visit_page):
            self.stack.addWidget(view)
        self.setCentralWidget(self.stack)  # deletes the previous one

        self.first_run_view.create_requested.connect(self.create_vault)
        self.first_run_view.language_changed.connect(self.apply_language)
        self.first_run_view.backup_requested.connect(self.backup)
        self.first_run_view.finished.connect(lambda: self.show_screen(Screen.OVERVIEW))
        self.unlock_view.unlock_requested.connect(self.unlock)
        self.unlock_view.language_changed.connect(self.apply_language)
        self.visits_view.open_requested.connect(self.open_visit)
        self.visits_model.modelReset.connect(self._sync_sort_actions)
        self.visits_model.layoutChanged.connect(self._sync_sort_actions)
        self._sync_sort_actions()

    # -- screens -------------------------------------------------------------------------

    def current_screen(self) -> Screen:
        return self._screen

    def show_screen(self, screen: Screen) -> None:
        if screen in (Screen.OVERVIEW, Screen.VISIT) and not self.session.is_open:
            screen = self.session.screen()
        self._screen = screen
        view: QWidget = {
            Screen.CREATE: self.first_run_view,
            Screen.UNLOCK: self.unlock_view,
            Screen.OVERVIEW: self.visits_view,
            Screen.VISIT: self.visit_page,
        }[screen]
        self.stack.setCurrentWidget(view)
        unlocked = self.session.is_open
        for action in (
            self.lock_action,
            self.settings_action,
            self.backup_action,
            self.referrals_action,
            self.sync_action,
            self.practice_action,
        ):
            action.setEnabled(unlocked)
        on_list = unlocked and screen is Screen.OVERVIEW
        for action in (
            self.new_visit_action,
            self.find_action,
            self.reset_filters_action,
            self.refresh_action,
            self.descending_action,
            *self.sort_actions.values(),
        ):
            action.setEnabled(on_list)
        self.back_action.setEnabled(screen is Screen.VISIT)
        # The editor has its own F1 (its help panel): one owner per key, or neither fires.
        self.shortcuts_action.setShortcut(
            QKeySequence()
            if screen is Screen.VISIT
            else QKeySequence(QKeySequence.StandardKey.HelpContents)
        )
        self.setWindowTitle(t(f"ui.title.{screen.value}"))
        if screen is Screen.CREATE:
            self.first_run_view.go_to(self.first_run_view.page)
        elif screen is Screen.UNLOCK:
            self.unlock_view.passphrase.setFocus()
        elif screen is Screen.OVERVIEW:
            self.visits_view.focus_table()

    # -- create and unlock ---------------------------------------------------------------

    def create_vault(self, request: CreateRequest) -> None:
        if self._busy:
            return
        view = self.first_run_view
        problem = new_passphrase_problem(request.passphrase, request.repeat, view.guessable_words())
        if problem is not None:
            view.show_passphrase_problem(problem)
            return
        attempt = self._begin(view)
        role, passphrase = request.role, request.passphrase
        self.runner.run(
            lambda: self.session.create_and_derive(role, passphrase),
            lambda keys: self._finish_create(attempt, keys, request),
            lambda exc: self._failed(attempt, view, exc),
        )

    def unlock(self, passphrase: str) -> None:
        if self._busy:
            return
        self._derive_and_open(passphrase, accept_older=False)

    def _derive_and_open(self, passphrase: str, *, accept_older: bool) -> None:
        attempt = self._begin(self.unlock_view)
        self.runner.run(
            lambda: self.session.derive_keys(passphrase),
            lambda keys: self._finish_unlock(attempt, keys, passphrase, accept_older),
            lambda exc: self._failed(attempt, self.unlock_view, exc),
        )

    def _begin(self, view: FirstRunView | UnlockView) -> int:
        self._attempt += 1
        self._busy = True
        view.set_busy(True)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        return self._attempt

    def _end(self, view: FirstRunView | UnlockView) -> None:
        if self._busy:
            self._busy = False
            QApplication.restoreOverrideCursor()
        view.set_busy(False)

    def _stale(self, attempt: int) -> bool:
        return attempt != self._attempt or self._closing

    def _finish_create(self, attempt: int, keys: UnlockKeys, request: CreateRequest) -> None:
        if self._stale(attempt):
            keys.wipe()
            return
        view = self.first_run_view
        self._end(view)
        try:
            store = self.session.open_with_keys(keys)
            settings = VaultSettings(store)
            settings.profile = request.profile
            settings.default_agency = request.profile.agency
        except (FieldAppError, OSError) as exc:
            view.show_error(describe_error(exc))
            return
        self._after_open(store)
        view.show_done()
        self.show_screen(Screen.CREATE)  # the last wizard page: the backup offer

    def _finish_unlock(
        self, attempt: int, keys: UnlockKeys, passphrase: str, accept_older: bool
    ) -> None:
        if self._stale(attempt):
            keys.wipe()
            return
        self._end(self.unlock_view)
        try:
            store = self.session.open_with_keys(keys, accept_older=accept_older)
        except VaultRolledBack as exc:
            # Older than FieldApp last saw it: open only after a deliberate "yes" (the user
            # put back a copy), with the keys derived again (a failed open wipes them).
            if not accept_older and confirm_older_vault(exc, self):
                self._derive_and_open(passphrase, accept_older=True)
            else:
                self.unlock_view.show_error(describe_error(exc))
            return
        except (FieldAppError, OSError) as exc:
            self.unlock_view.show_error(describe_error(exc))
            return
        self.unlock_view.reset()
        self._after_open(store)
        self._show_after_unlock()

    def _show_after_unlock(self) -> None:
        """Back where the lock found the user: the visit that was open, else the list."""
        visit_uuid, self._visit_before_lock = self._visit_before_lock, None
        self.show_screen(Screen.OVERVIEW)
        if visit_uuid is None:
            return
        try:
            self.session.store.visit_detail(visit_uuid)
        except NotFound:
            return  # discarded as an empty draft when the lock closed it
        self.open_visit(visit_uuid)

    def open_unlocked(self, keys: UnlockKeys) -> None:
        """Take over keys the quick unlock window derived (``ui.quick_unlock``). If the vault
        does not open, this window shows its unlock screen with the reason."""
        try:
            store = self.session.open_with_keys(keys)
        except (FieldAppError, OSError) as exc:
            self.show_screen(Screen.UNLOCK)
            self.unlock_view.show_error(describe_error(exc))
            return
        self._after_open(store)
        self._show_after_unlock()

    def _failed(self, attempt: int, view: FirstRunView | UnlockView, exc: BaseException) -> None:
        if self._stale(attempt):
            return
        self._end(view)
        if not isinstance(exc, FieldAppError | OSError):
            sys.excepthook(type(exc), exc, exc.__traceback__)  # logged without its message
        if view is self.first_run_view and self.session.screen() is Screen.UNLOCK:
            # Created, but opening it failed: from now on it is a matter of unlocking.
            self.unlock_view.show_error(describe_error(exc))
            self.show_screen(Screen.UNLOCK)
            return
        view.show_error(describe_error(exc))

    def _after_open(self, store: Store) -> None:
        self.workspace_action.setVisible(self._is_coordinator())
        if self.session.vault is not None:
            # Opened, but with something to know: a full disk, a confirmed older state.
            show_notices(self.session.vault.notices, self)
        settings = VaultSettings(store)
        self.autolock.arm(settings.auto_lock_minutes)
        self.visits_model.set_store(store)
        self.visits_view.set_municipality_source(store.municipalities)
        self._show_vault_texts()

    def _show_vault_texts(self) -> None:
        """Who works in this vault: its role and the inspector's name from the profile, never
        a device id (nobody knows their tablet by one; it stays in the audit trail); and what
        an empty list asks of them: a coordinator imports bundles, a field device records."""
        vault = self.session.vault
        if vault is None:
            return
        role = t(f"ui.role.{vault.info.role.value}")
        name = VaultSettings(self.session.store).profile.name
        self.status_label.setText(
            t("ui.status.unlocked_as", role=role, name=name)
            if name
            else t("ui.status.unlocked", role=role)
        )
        self.visits_view.empty.setText(
            t("ui.visits.empty_coordinator" if self._is_coordinator() else "ui.visits.empty")
        )

    # -- lock ----------------------------------------------------------------------------

    def lock(self, message: str | None = None) -> None:
        """Close the vault and forget everything shown from it (but which visit was open)."""
        self.autolock.disarm()
        if self.session.is_open and not self._closing:
            self._visit_before_lock = self._editor_visit
        self._close_dialogs()
        self._drop_editor()
        self.visits_view.clear()
        self.visits_model.clear()
        self.session.lock()
        self._clear_clipboard()
        self.first_run_view.reset()
        self.unlock_view.reset()
        self.status_label.clear()
        self.statusBar().clearMessage()
        screen = self.session.screen()
        if screen is Screen.UNLOCK:
            self.unlock_view.show_info(message or t("ui.unlock.locked"))
        self.show_screen(screen)

    def _auto_lock(self, reason: str) -> None:
        if not self.session.is_open:
            return
        if reason == "idle":
            minutes = round(self.autolock.timeout_seconds / 60)
            self.lock(tn("ui.unlock.locked_idle", minutes, minutes=minutes))
        else:
            self.lock(t(f"ui.unlock.locked_{reason}"))

    def _close_dialogs(self) -> None:
        """Every dialog goes, also the workspace hidden while a visit it opened is shown: its
        views hold the vault's data too."""
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible() or dialog is self.workspace_dialog:
                dialog.reject()

    @staticmethod
    def _clear_clipboard() -> None:
        """What this program put on the clipboard (a copied cell, a note) goes with the lock."""
        # Only an export can have put a password there, and the export module is then loaded.
        export = sys.modules.get("ui.referral.export")
        if export is not None:
            export.SecretClipboard.instance().clear()
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and clipboard.ownsClipboard():
            clipboard.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self._attempt += 1
        self.window_settings.geometry = self.saveGeometry()
        if self.session.is_open:
            self.lock()
        else:
            self._clear_clipboard()
        self.runner.wait()  # no worker outlives the window (at most one key derivation)
        super().closeEvent(event)

    # -- the list and the editor ---------------------------------------------------------

    def refresh_list(self, select: str | None = None) -> None:
        if not self.session.is_open:
            return
        self.visits_model.reload()
        self.visits_view.set_municipality_source(self.session.store.municipalities)
        if select is not None:
            self.visits_view.select_visit(select)

    def focus_search(self) -> None:
        if self._screen is Screen.OVERVIEW:
            self.visits_view.focus_search()

    def reset_filters(self) -> None:
        if self._screen is Screen.OVERVIEW:
            self.visits_view.reset_filters()

    def _sort_from_menu(self) -> None:
        checked = self.sort_group.checkedAction()
        column = next((c for c, a in self.sort_actions.items() if a is checked), 0)
        order = (
            Qt.SortOrder.DescendingOrder
            if self.descending_action.isChecked()
            else Qt.SortOrder.AscendingOrder
        )
        self.visits_view.table.sortByColumn(column, order)

    def _sync_sort_actions(self) -> None:
        action = self.sort_actions.get(self.visits_model.sort_column)
        if action is not None:
            action.setChecked(True)
        self.descending_action.setChecked(
            self.visits_model.sort_order == Qt.SortOrder.DescendingOrder
        )

    def editor_class(self) -> Any:
        if self._editor_class is not None:
            return self._editor_class
        from ui.visit.editor import VisitEditor  # noqa: PLC0415 - keep unlock light: the editor loads with the first visit opened

        return VisitEditor

    def catalogue(self) -> Any:
        """The catalogue the engine assesses with: the newest installed, asked each time (the
        loader keeps it), so one a coordinator's reply brought is used from then on."""
        from fieldapp.catalogue.loader import assessment_catalogue  # noqa: PLC0415 - keep unlock light: the catalogue loads with the first visit opened

        return assessment_catalogue()

    def new_visit(self) -> None:
        if not self.session.is_open:
            return
        editor_class = self.editor_class()
        visit_uuid = editor_class.start_new_visit(self.session.store, self.catalogue())
        self.open_visit(visit_uuid)

    def open_visit(self, visit_uuid: str) -> None:
        if not self.session.is_open:
            return
        editor_class = self.editor_class()
        self._drop_editor()
        editor = editor_class(self.session.store, self.catalogue(), visit_uuid, parent=None)
        editor.set_large_touch(self.large_touch)
        editor.close_requested.connect(self.back_to_list)
        self._editor, self._editor_visit = editor, visit_uuid
        self.visit_page.set_editor(editor)
        self.show_screen(Screen.VISIT)
        editor.setFocus()

    def back_to_list(self) -> None:
        if self._screen is not Screen.VISIT:
            return
        visit_uuid = self._editor_visit
        self._drop_editor()
        self.show_screen(Screen.OVERVIEW)
        self.refresh_list(select=visit_uuid)
        self.visits_view.table.setFocus()

    def _drop_editor(self) -> None:
        """``clear()`` saves what was still being typed (while the vault is open) and empties
        every model of the editor; then the widget goes."""
        editor, self._editor, self._editor_visit = self._editor, None, None
        if editor is None:
            return
        visit_uuid = editor.visit_uuid
        with contextlib.suppress(RuntimeError, TypeError):
            editor.close_requested.disconnect(self.back_to_list)
        editor.clear()
        self.visit_page.set_editor(None)
        if self.session.is_open:
            # A visit left with nothing in it (Ctrl+N, then straight back) is no visit: it
            # goes without a trace, as an empty e-mail draft does. Anything recorded, or ever
            # exported, keeps it (Store.discard_draft decides and changes nothing then).
            with contextlib.suppress(FieldAppError, OSError):
                self.session.store.discard_draft(visit_uuid)

    @property
    def editor(self) -> Any:
        return self._editor

    # -- referrals and sync: one dialog of each at a time, closed on lock ----------------

    def _open_single(self, attribute: str, make: Callable[[], _Dialog]) -> _Dialog:
        """Replace the dialog kept in ``attribute`` by a new one, forgotten when it closes."""
        previous = getattr(self, attribute)
        if previous is not None:
            previous.reject()
        dialog = make()
        setattr(self, attribute, dialog)

        def closed(_result: int) -> None:
            if getattr(self, attribute) is dialog:
                setattr(self, attribute, None)
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def show_referrals(self) -> ReferralsDialog | None:
        """Every referral in the vault, with its status; a row opens its preview."""
        if not self.session.is_open:
            return None
        from ui.referral.list_view import ReferralsDialog  # noqa: PLC0415 - keep unlock light: the PDF code loads with the referrals list

        store = self.session.store
        return self._open_single("referrals_dialog", lambda: ReferralsDialog(store, self))

    def show_sync(self) -> QDialog | None:
        """The sync page for this vault's role (field device or coordinator); closing it (also
        on lock) cancels a running export or import."""
        vault = self.session.vault
        if vault is None or not self.session.is_open:
            return None
        from ui.sync import sync_page  # noqa: PLC0415 - keep unlock light: the sync code loads with the sync page

        dialog = self._open_single("sync_dialog", lambda: sync_page(vault, self.runner, self))
        imported = getattr(dialog, "imported", None)  # the coordinator's page only
        if imported is not None:
            imported.connect(self._after_import)
        return dialog

    def _after_import(self, _bundles: int) -> None:
        """Imported visits show at once: in the list and in the workspace's merged picture."""
        if not self.session.is_open:
            return
        self.refresh_list(select=self.visits_view.current_visit())
        if self.workspace_dialog is not None:
            self.workspace_dialog.refresh_outcomes()

    # -- practice (issue 17) -------------------------------------------------------------

    def show_practice(self) -> PracticeWindow | None:
        """The practice window over the practice vault beside this one (created on first use;
        its passphrase is kept in this vault's settings). Closed when this vault locks."""
        if not self.session.is_open:
            return None
        from ui.practice.window import PracticeWindow  # noqa: PLC0415 - keep unlock light: practice mode loads when first opened

        store, folder = self.session.store, self.session.folder
        return self._open_single(
            "practice_window",
            lambda: PracticeWindow(
                store,
                folder,
                runner=self.runner,
                editor_class=self.editor_class(),
                catalogue=self.catalogue(),
                kdf=self.session.kdf,
                large_touch=self.large_touch,
                parent=self,
            ),
        )

    def _is_coordinator(self) -> bool:
        vault = self.session.vault
        return vault is not None and vault.info.role is Role.COORDINATOR

    def show_workspace(self, *, rebuild: bool = False) -> WorkspaceDialog | None:
        """The coordinator's workspace (merged picture, links, follow-up, statistics,
        retention); a field device has none."""
        vault = self.session.vault
        if vault is None or not self.session.is_open or not self._is_coordinator():
            return None
        hidden = self.workspace_dialog
        if hidden is not None and not hidden.isVisible() and not rebuild:
            hidden.show()  # stepped aside for a visit: back as it was, tab and filters
            hidden.raise_()
            hidden.activateWindow()
            return hidden
        from ui.coordinator.workspace import WorkspaceDialog  # noqa: PLC0415 - keep unlock light: the workspace loads when first opened

        return self._open_single(
            "workspace_dialog", lambda: WorkspaceDialog(vault, self.runner, self)
        )

    # -- vault menu ----------------------------------------------------------------------

    def backup(self) -> Path | None:
        """Ask where, then write an encrypted backup (it opens with the current passphrase)."""
        if not self.session.is_open:
            return None
        suggested = Path.home() / t("ui.backup.file_name", date=local_today().isoformat())
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.backup.title"), str(suggested), t("ui.backup.filter")
        )
        vault = self.session.vault
        if not path or vault is None or not self.session.is_open:
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            vault.backup(Path(path))
        except (FieldAppError, OSError) as exc:
            message, ok = t("ui.backup.failed", reason=describe_error(exc)), False
        else:
            message, ok = t("ui.backup.done", name=Path(path).name), True
        finally:
            QApplication.restoreOverrideCursor()
        if self._screen is Screen.CREATE:
            self.first_run_view.show_backup_result(message, error=not ok)
        else:
            self.statusBar().showMessage(message, STATUS_MESSAGE_MS)
        return Path(path) if ok else None

    def settings_values(self) -> SettingsValues:
        vault_settings = VaultSettings(self.session.store)
        return SettingsValues(
            auto_lock_minutes=vault_settings.auto_lock_minutes,
            language=i18n.current_language(),
            large_touch=self.large_touch,
            default_agency=vault_settings.default_agency,
            profile=vault_settings.profile,
            field_retention_days=self._field_retention_days(),
        )

    def _field_retention_days(self) -> int | None:
        vault = self.session.vault
        if vault is None or vault.info.role is not Role.FIELD:
            return None
        from fieldapp.retention.policy import load_policy  # noqa: PLC0415 - keep unlock light: loads when the settings open

        return load_policy(vault).days["field_arrived"]

    def open_settings(self) -> None:
        if not self.session.is_open:
            return
        dialog = SettingsDialog(self.settings_values(), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        values = dialog.values()
        dialog.deleteLater()
        if accepted and self.session.is_open:
            self.apply_settings(values)

    def apply_settings(self, values: SettingsValues) -> None:
        vault_settings = VaultSettings(self.session.store)
        vault_settings.auto_lock_minutes = values.auto_lock_minutes
        vault_settings.default_agency = values.default_agency
        if values.profile != vault_settings.profile:
            vault_settings.profile = values.profile
            self._show_vault_texts()
        self.autolock.set_minutes(vault_settings.auto_lock_minutes)
        self.set_large_touch(values.large_touch)
        if values.language != i18n.current_language():
            self.apply_language(values.language)

    def set_large_touch(self, enabled: bool) -> None:
        self.large_touch = enabled
        self.window_settings.large_touch = enabled
        self.setStyleSheet(style_sheet(enabled))
        self.visits_view.set_large_touch(enabled)
        if self._editor is not None:
            self._editor.set_large_touch(enabled)
        if self.practice_window is not None:
            self.practice_window.set_large_touch(enabled)

    def apply_language(self, lang: str) -> None:
        """Switch every text: ours (rebuilding the views) and Qt's own (its translator)."""
        if lang not in i18n.LANGUAGES:
            return
        i18n.set_language(lang)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_language(app, lang)
        self.window_settings.language = lang

        screen = self._screen
        wizard = self.first_run_view.state()
        created = self.session.is_open and screen is Screen.CREATE
        unlock_message = (
            self.unlock_view.message.text() if self.unlock_view.message.isVisible() else ""
        )
        current = self.visits_view.current_visit()
        editor_visit = self._editor_visit
        self._drop_editor()
        self._build_ui()
        self.first_run_view.restore(wizard)
        if created:
            self.first_run_view.show_done()
        if self.session.is_open:
            self._after_language_switch(current)
        elif unlock_message:
            self.unlock_view.show_info(t("ui.unlock.locked"))
        if editor_visit is not None and self.session.is_open:
            self.open_visit(editor_visit)
        else:
            self.show_screen(screen)
        if self.workspace_dialog is not None:  # built in the old language: built again
            tab = self.workspace_dialog.tabs.currentIndex()
            reopened = self.show_workspace(rebuild=True)
            if reopened is not None:
                reopened.tabs.setCurrentIndex(tab)

    def _after_language_switch(self, current: str | None) -> None:
        store = self.session.store
        self.visits_view.show_filter(self.visits_model.filter)
        self.visits_view.set_municipality_source(store.municipalities)
        self.visits_model.retranslate()  # cell texts (status, sector, type) in the new language
        self._show_vault_texts()
        if current is not None:
            self.visits_view.select_visit(current)

    # -- help ----------------------------------------------------------------------------

    def shortcut_rows(self) -> list[tuple[str, QKeySequence]]:
        rows = [
            (action.text().replace("&", ""), action.shortcut())
            for action in (
                self.new_visit_action,
                self.find_action,
                self.refresh_action,
                self.back_action,
                self.referrals_action,
                self.sync_action,
                self.settings_action,
                self.lock_action,
                self.shortcuts_action,
                self.quit_action,
            )
            if not action.shortcut().isEmpty()
        ]
        rows.insert(1, (t("ui.shortcuts.open"), QKeySequence(Qt.Key.Key_Enter)))
        rows.insert(3, (t("ui.shortcuts.to_list"), QKeySequence(Qt.Key.Key_Down)))
        rows.append((t("ui.shortcuts.next_field"), QKeySequence(Qt.Key.Key_Tab)))
        rows.append((t("ui.shortcuts.menus"), QKeySequence(Qt.Key.Key_Alt)))
        return rows

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self.shortcut_rows(), self)
        dialog.exec()
        dialog.deleteLater()
