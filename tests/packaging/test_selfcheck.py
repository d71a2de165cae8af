"""`fieldapp self-check`: passes on this installation, cleans up after itself, and names the
step that failed. (The frozen build runs the same command in `make dist-check`.)"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from fieldapp import cli, i18n, selfcheck
from fieldapp.selfcheck import Context, SelfCheckFailed, Step
from tests.support import run_cli


@pytest.fixture
def temp_area(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that ``tempfile`` uses in this process (and, through the environment
    variables, in child processes on every OS)."""
    area = tmp_path / "tmp"
    area.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(area))
    return area


@pytest.fixture(autouse=True)
def no_process_hardening(monkeypatch: pytest.MonkeyPatch) -> None:
    """``cli.main`` disables core dumps for its process; not for the test runner's."""
    monkeypatch.setattr("fieldapp.hygiene.harden_process", lambda: None)


def test_self_check_passes_and_leaves_nothing_behind(temp_area: Path) -> None:
    env = {"TMPDIR": str(temp_area), "TEMP": str(temp_area), "TMP": str(temp_area)}
    result = run_cli("self-check", env=env, lang="en")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FieldApp self-check")
    assert lines[-1].startswith(f"Self-check passed: {len(selfcheck.STEPS)} steps")
    step_lines = lines[1:-1]
    assert len(step_lines) == len(selfcheck.STEPS) + 1  # and the clean-up
    assert all(line.lstrip().startswith("OK") for line in step_lines)
    assert "Remove the temporary files" in step_lines[-1]
    assert list(temp_area.iterdir()) == []


def test_self_check_speaks_dutch_by_default(temp_area: Path) -> None:
    result = run_cli("self-check", env={"TMPDIR": str(temp_area)})
    assert result.returncode == 0, result.stderr
    assert "Zelftest geslaagd" in result.stdout
    assert list(temp_area.iterdir()) == []


def _spy_then_fail(seen: list[Path], failure: Exception):
    def run(ctx: Context) -> None:
        seen.append(ctx.root)
        raise failure

    return run


@pytest.mark.parametrize(
    ("failing", "failure", "shown"),
    [
        # before any vault exists, with an unexpected error: its type and text are shown
        ("catalogue", RuntimeError("simulated"), "RuntimeError: simulated"),
        # with the vault and its restored copy open: both are locked before the clean-up
        (
            "backup_restore",
            SelfCheckFailed("selfcheck.problem.restore_differs"),
            "the restored vault differs from the original",
        ),
    ],
)
def test_a_failing_step_exits_1_naming_it_and_still_cleans_up(
    failing: str,
    failure: Exception,
    shown: str,
    temp_area: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[Path] = []
    steps = [
        Step(step.name, _spy_then_fail(seen, failure)) if step.name == failing else step
        for step in selfcheck.STEPS
    ]
    monkeypatch.setattr(selfcheck, "STEPS", steps)

    assert cli.main(["self-check", "--lang", "en"]) == 1

    out, err = capsys.readouterr()
    label = i18n.t(f"selfcheck.step.{failing}", "en")
    assert f"Self-check failed at step {failing} ({label})." in err
    failed_lines = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed_lines) == 1
    assert failed_lines[0].startswith(f"  FAILED  {label}: ")
    assert shown in failed_lines[0]
    names = [step.name for step in steps]
    for name in names[names.index(failing) + 1 :]:  # nothing runs after the failure
        assert i18n.t(f"selfcheck.step.{name}", "en") not in out
    assert "Remove the temporary files" in out
    assert "Self-check passed" not in out
    assert seen and seen[0].parent == temp_area
    assert list(temp_area.iterdir()) == []


def test_every_step_has_a_label_in_both_languages() -> None:
    """The extension point: a new step needs a `selfcheck.step.<name>` text, nothing else."""
    names = [step.name for step in selfcheck.STEPS]
    assert len(names) == len(set(names))
    for name in [*names, "cleanup"]:
        for lang in i18n.LANGUAGES:
            assert f"selfcheck.step.{name}" in i18n.catalogue(lang), (name, lang)
