"""Uncaught errors are logged without personal data and shown briefly; the worker runner
delivers results on the GUI thread."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread

from ui.errors import CrashHandler, code_location, describe_crash, log_dir
from ui.runner import InlineRunner, Runner

SENTINEL = "Anna de Vries, Kerkstraat 12, BSN 123456782"


def _raise_with_personal_data() -> None:
    secret_local = SENTINEL  # noqa: F841 - locals must not reach the log either
    try:
        {}["x"]
    except KeyError as exc:
        raise ValueError(f"could not save note for {SENTINEL}") from exc


def test_crash_log_holds_no_personal_data(tmp_path: Path) -> None:
    shown: list[str] = []
    handler = CrashHandler(folder=tmp_path / "logs", show=shown.append)
    handler.install()
    try:
        try:
            _raise_with_personal_data()
        except ValueError:
            sys.excepthook(*sys.exc_info())  # what Qt does with an exception in a slot
    finally:
        handler.uninstall()

    text = handler.log_path.read_text(encoding="utf-8")
    assert SENTINEL not in text and "Anna" not in text and "123456782" not in text
    assert "builtins.ValueError" in text
    assert "raised while handling builtins.KeyError" in text
    assert "tests/ui/test_errors_and_runner.py:" in text
    assert "in _raise_with_personal_data" in text
    assert str(Path.home()) not in text
    assert shown == [
        "Er ging iets onverwachts mis. Wat al was opgeslagen, staat veilig in de kluis. De fout"
        " is vastgelegd zonder persoonsgegevens. Werkt iets daarna niet meer, sluit FieldApp"
        " dan af en start opnieuw."
    ]
    assert sys.excepthook is not handler.handle


def test_errors_on_other_threads_are_logged_too(tmp_path: Path, qtbot) -> None:
    shown: list[str] = []
    handler = CrashHandler(folder=tmp_path, show=shown.append)
    handler.install()
    try:
        worker = threading.Thread(target=_raise_with_personal_data)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(shown))  # the message box is shown on the GUI thread
    finally:
        handler.uninstall()
    text = handler.log_path.read_text(encoding="utf-8")
    assert "builtins.ValueError" in text and SENTINEL not in text


def test_code_locations_name_no_folders() -> None:
    assert code_location("/home/anna/work/app/ui/main_window.py") == "ui/main_window.py"
    assert code_location("/home/anna/fieldapp/ui/x.py") == "fieldapp/ui/x.py"
    assert (
        code_location("/home/anna/.venv/lib/python3.11/site-packages/PySide6/__init__.py")
        == "PySide6/__init__.py"
    )
    assert code_location("/home/anna/secret-case-notes.py") == "secret-case-notes.py"
    assert log_dir().name in {"log", "Logs", "FieldApp"}
    description = describe_crash(RuntimeError, RuntimeError(SENTINEL), None)
    assert description == "builtins.RuntimeError"


def test_keyboard_interrupt_is_passed_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passed: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: passed.append(kind))
    handler = CrashHandler(folder=tmp_path, show=lambda text: None)
    handler.install()
    handler.handle(KeyboardInterrupt, KeyboardInterrupt(), None)
    handler.uninstall()
    assert passed == [KeyboardInterrupt]
    assert not handler.log_path.exists()


def test_inline_runner_calls_back_at_once() -> None:
    results: list[object] = []
    runner = InlineRunner()
    runner.run(lambda: 21 * 2, results.append, results.append)
    error = RuntimeError("x")

    def fail() -> None:
        raise error

    runner.run(fail, results.append, results.append)
    assert results == [42, error]


def test_runner_works_on_a_worker_and_answers_on_the_gui_thread(qtbot) -> None:
    runner = Runner()
    gui = QThread.currentThread()
    seen: dict[str, object] = {}

    def job() -> str:
        seen["job_thread"] = QThread.currentThread()
        return "done"

    def done(result: str) -> None:
        seen["result"] = result
        seen["done_thread"] = QThread.currentThread()

    runner.run(job, done, lambda exc: seen.setdefault("error", exc))
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == "done"
    assert seen["job_thread"] is not gui
    assert seen["done_thread"] is gui

    def fail() -> None:
        raise ValueError("nope")

    runner.run(fail, lambda result: None, lambda exc: seen.setdefault("error", exc))
    qtbot.waitUntil(lambda: "error" in seen)
    assert isinstance(seen["error"], ValueError)
    runner.wait()
    assert not runner.busy
