"""Desktop benchmarks: start-up, unlock to a usable window, the visits list at size, and an
indicator toggle through the editor. Each against its raw baseline, measured in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw

from fieldapp.vault.keyfile import KeyFile, normalise_passphrase
from tests.bench.datasets import PASSPHRASE
from tests.bench.measure import interleave, progress
from tests.bench.rawdb import open_raw, remove_database
from tests.bench.results import Result

KDF_ALLOWANCE_S = 0.150
SITE_KEYS = {"site", "place", "municipality", "sector"}
LIST_LIMIT_S = 0.100
ROOT = Path(__file__).resolve().parents[2]

# The real entry point (ui.launch.main: the `fieldapp` command) up to the first shown window;
# with a vault present, that is the quick unlock window (ui.quick_unlock).
APP_START = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import ui.quick_unlock as quick_unlock
shown = quick_unlock.QuickUnlock.show
def show_then_quit(self):
    shown(self)
    QTimer.singleShot(0, QApplication.instance().quit)
quick_unlock.QuickUnlock.show = show_then_quit
from ui.launch import main
sys.exit(main(["--vault", sys.argv[1]]))
"""
BARE_START = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def _process(code: str, *args: str, pycache: Path) -> float:
    """One whole process. Bytecode is cached (in ``pycache``, not the source tree), as in any
    installed or frozen app: this machine sets PYTHONDONTWRITEBYTECODE, which would make every
    start compile our modules from source (about 9 ms for the then single-file cli.py, measured)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def bench_start(folder: Path, reps: int) -> Result:
    progress(f"app start to unlock window: {reps} reps each")
    pycache = folder.parent / "pycache"
    mine, theirs = interleave(
        lambda: _process(APP_START, str(folder), pycache=pycache),
        lambda: _process(BARE_START, pycache=pycache),
        reps,
        warmup=1,
        label="start",
    )
    return Result(
        key="ui_start",
        operation="app start to unlock window, whole process",
        ours=mine,
        raw=theirs,
        target="≤ 1.5× bare PySide6 window",
        max_ratio=1.5,
    )


def bench_desktop(folder: Path, label: str, reps: int) -> list[Result]:
    """In one QApplication: unlock to the usable list, the list at size, toggles."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from fieldapp.domain import ObservationStatus
    from fieldapp.store.store import VISIT_SORT_COLUMNS
    from ui.main_window import MainWindow
    from ui.models.visits import COLUMNS
    from ui.runner import InlineRunner
    from ui.session import Screen, VaultSession

    app = QApplication.instance() or QApplication([])
    window = MainWindow(VaultSession(folder), runner=InlineRunner())
    window.show()
    key_file = KeyFile.read(folder / "vault.key")
    secret = normalise_passphrase(PASSPHRASE)
    kdf = key_file.kdf

    from ui.app import main_window_opener
    from ui.quick_unlock import QuickUnlock
    from ui.window_settings import WindowSettings

    settings = WindowSettings(folder.parent / "bench-window.ini")
    open_main = main_window_opener(folder, settings)

    def unlock_to_list() -> float:
        """The path a user takes: the quick unlock window, then the main window built and
        showing the list of the open vault."""
        quick = QuickUnlock(folder, settings, InlineRunner(), open_main)
        quick.show()
        app.processEvents()
        started = time.perf_counter()
        quick.unlock(PASSPHRASE)
        app.processEvents()
        took = time.perf_counter() - started
        opened = quick.main_window
        assert opened is not None and opened.current_screen() is Screen.OVERVIEW, "unlock failed"
        opened.lock()
        opened.close()
        opened.deleteLater()
        app.processEvents()
        return took

    def kdf_only() -> float:
        started = time.perf_counter()
        hash_secret_raw(
            secret,
            key_file.salt,
            time_cost=kdf.time_cost,
            memory_cost=kdf.memory_kib,
            parallelism=kdf.parallelism,
            hash_len=32,
            type=Type.ID,
        )
        return time.perf_counter() - started

    progress(f"unlock to usable window ({label} visits): {reps} reps each")
    mine, theirs = interleave(unlock_to_list, kdf_only, reps, warmup=1, label="ui unlock")
    results = [
        Result(
            key="ui_unlock",
            operation=f"unlock to usable main window ({label} visits)",
            ours=mine,
            raw=theirs,
            target="≤ KDF + 150 ms",
            limit_seconds=theirs.median + KDF_ALLOWANCE_S,
        )
    ]

    window.unlock(PASSPHRASE)
    app.processEvents()
    model = window.visits_model
    rows = model.rowCount()
    last = model.index(rows - 1, 0)

    def timed(action) -> float:
        started = time.perf_counter()
        action()
        app.processEvents()
        return time.perf_counter() - started

    def open_list() -> None:
        model.reload(fresh=True)
        model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)

    sorts = iter(range(10**6))

    site_columns = [i for i, c in enumerate(COLUMNS) if c.sort_key in SITE_KEYS]

    def sort_list() -> None:
        # Four columns in turn: the model keeps three sorted id lists, so every sort is fresh.
        column = site_columns[next(sorts) % len(site_columns)]
        model.sort(column, Qt.SortOrder.AscendingOrder)
        model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)

    def scroll_to_end() -> None:
        model.reload(fresh=False)
        model.data(last, Qt.ItemDataRole.DisplayRole)

    conn = window.session.store.conn
    raw_sorts = iter(range(10**6))

    def raw_open() -> None:
        conn.execute(
            "SELECT uuid FROM visits WHERE deleted = 0 ORDER BY started_at DESC, uuid DESC"
        ).fetchall()

    def raw_sort() -> None:
        """The same ORDER BY the store builds, as bare SQL (the model's work excluded)."""
        key = VISIT_SORT_COLUMNS[("site", "place", "municipality", "sector")[next(raw_sorts) % 4]]
        conn.execute(
            f"SELECT v.uuid FROM visits v WHERE v.deleted = 0 ORDER BY {key} ASC, v.uuid ASC"
        ).fetchall()

    def raw_end() -> None:
        conn.execute(
            "SELECT uuid FROM visits WHERE deleted = 0 ORDER BY started_at DESC,"
            " uuid DESC LIMIT 100 OFFSET ?",
            (max(0, rows - 100),),
        ).fetchall()

    for key, name, action, raw_action in (
        ("ui_list_open", "open", open_list, raw_open),
        ("ui_list_sort", "sort by a site column", sort_list, raw_sort),
        ("ui_list_end", "scroll to end", scroll_to_end, raw_end),
    ):
        progress(f"visits list {name}: {reps} reps each")
        mine, theirs = interleave(
            lambda a=action: timed(a), lambda r=raw_action: timed(r), reps, warmup=1, label=key
        )
        results.append(
            Result(
                key=key,
                operation=f"visits list, {rows:,} visits: {name}",
                ours=mine,
                raw=theirs,
                target="≤ 100 ms",
                limit_seconds=LIST_LIMIT_S,
            )
        )

    visit_uuid = window.session.store.visit_ids()[rows // 2]
    window.open_visit(visit_uuid)
    editor = window.editor
    controller = editor.controller
    indicator = next(iter(controller.catalogue.indicators))

    def toggle() -> float:
        started = time.perf_counter()
        controller.set_status(None, indicator, next(statuses))
        took = time.perf_counter() - started
        return took

    statuses = iter([ObservationStatus.OBSERVED, ObservationStatus.NOT_OBSERVED] * 10**5)

    raw_path = folder.parent / "raw-ui-toggle.db"
    remove_database(raw_path)
    raw = open_raw(raw_path, os.urandom(32))
    raw.execute("CREATE TABLE obs (uuid TEXT PRIMARY KEY, status TEXT NOT NULL) STRICT")

    def raw_commit() -> float:
        """The raw single-row commit of docs/PERFORMANCE.md, on its own database file."""
        started = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO obs VALUES (?, ?)", (os.urandom(16).hex(), "observed"))
        raw.execute("COMMIT")
        return time.perf_counter() - started

    progress(f"toggle through the editor: {reps * 5} reps each")
    mine, theirs = interleave(toggle, raw_commit, reps * 5, warmup=3, label="ui toggle")
    results.append(
        Result(
            key="ui_toggle",
            operation="toggle in the editor until committed",
            ours=mine,
            raw=theirs,
            target="≤ 5× raw commit",
            max_ratio=5.0,
        )
    )
    raw.close()
    remove_database(raw_path)
    window.lock()
    window.close()
    return results
