"""Issue 12, item 1 on a real file system: a full tmpfs and then a read-only one, mounted in a
user namespace (``unshare -Urm``) by tests/support/children/full_disk.py. Skipped where user
namespaces are not available (Windows, macOS, locked-down CI); the same paths are covered with
injected errors in test_vault_hardening.py.

Before the fix every line below read "De kluis is beschadigd … zet een back-up terug": the
vault could not even be opened to read, although nothing was wrong with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

from tests.support import ROOT

# What the old code said (vault.damaged, vault.read_failed); "niet beschadigd" is fine.
DAMAGE = (
    "De kluis is beschadigd",
    "The vault is damaged",
    "een pagina is beschadigd",
    "a page is damaged",
    "Zet een back-up terug",
    "Restore a backup",
)


@cache
def _namespaces() -> bool:
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return False
    try:
        probe = subprocess.run(
            ["unshare", "-Urm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt 2>/dev/null"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces(), reason="no user namespaces with tmpfs here")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fulldisk")
    home = root / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "TMPDIR": str(root),
        "FIELDAPP_LANG": "nl",
    }
    env.pop("FIELDAPP_VAULT", None)
    result = subprocess.run(
        ["unshare", "-Urm", sys.executable, "-m", "tests.support.children.full_disk", str(root)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def _no_damage(text: str) -> None:
    assert not any(word in text for word in DAMAGE), text
    assert "ERROR CORE" not in text and "Traceback" not in text, text


def test_the_disk_really_was_full(report: dict[str, Any]) -> None:
    assert report["free"] == 0


def test_a_full_disk_still_opens_for_reading(report: dict[str, Any]) -> None:
    assert report["read"] == 20
    assert report["check"] is True
    assert report["notices"] == ["vault.notice.opened_on_full_disk"]
    assert "vol" in report["notice_nl"][0] and "géén back-up" in report["notice_nl"][0]
    # The vault's own connection holds the file exclusively (no -shm): a worker connection is
    # refused at once with the same reason instead of waiting for a lock it cannot get.
    assert report["worker"].get("error") == "DiskFull", report["worker"]


@pytest.mark.parametrize("step", ["write", "passwd"])
def test_a_write_on_a_full_disk_says_full(report: dict[str, Any], step: str) -> None:
    outcome = report[step]
    assert outcome.get("error") == "DiskFull", outcome
    assert outcome["target"] is False
    assert "De schijf waarop de kluis staat is vol" in outcome["nl"]
    _no_damage(outcome["nl"] + outcome["en"])
    assert report["after_write"] == 20


def test_backups_say_where_the_problem_is(report: dict[str, Any]) -> None:
    same = report["backup_same_disk"]
    assert same.get("error") == "DiskFull" and same["target"] is True, same
    assert "USB-stick" in same["nl"]
    _no_damage(same["nl"])
    assert report["left_behind"] == []
    missing = report["backup_missing"]
    assert missing.get("error") == "FolderMissing" and missing["target"] is True, missing
    assert "bestaat niet" in missing["nl"]
    _no_damage(missing["nl"])
    assert report["backup_elsewhere"] == {"ok": None}  # rescue the work to another disk
    assert report["lock"] == {"ok": None}


def test_the_command_line_on_a_full_disk(report: dict[str, Any]) -> None:
    listing, check, add = report["cli_list"], report["cli_check"], report["cli_add"]
    assert listing["rc"] == 0, listing
    assert len(listing["out"].splitlines()) >= 2
    assert check["rc"] == 0 and "Alle controles geslaagd" in check["out"], check
    assert add["rc"] == 1, add
    assert "vol" in add["err"]
    for run in (listing, check, add):
        _no_damage(run["err"])


def test_restore_onto_a_full_disk_leaves_no_vault(report: dict[str, Any]) -> None:
    outcome = report["restore_full"]
    assert outcome.get("error") == "DiskFull", outcome
    _no_damage(outcome["nl"])
    assert not {"vault.db", "vault.key"} & set(report["restore_left"])


def test_after_freeing_space_everything_is_there(report: dict[str, Any]) -> None:
    assert report["freed"] == {"count": 21, "check": True, "notices": []}


def test_a_read_only_file_system_says_read_only(report: dict[str, Any]) -> None:
    outcome = report["read_only_unlock"]
    assert outcome.get("error") == "StorageReadOnly", outcome
    assert "alleen-lezen" in outcome["nl"] and "read-only" in outcome["en"]
    _no_damage(outcome["nl"] + outcome["en"])
    assert "al geopend" not in outcome["nl"]  # not "in use by another program"
    cli = report["read_only_cli"]
    assert cli["rc"] == 1 and "alleen-lezen" in cli["err"], cli
    _no_damage(cli["err"])
    target = report["read_only_backup_target"]
    assert target.get("error") == "StorageReadOnly" and target["target"] is True, target
