"""A real full and read-only file system for the vault, in a user namespace.

``unshare -Urm python -m tests.support.children.full_disk ROOT`` mounts a small tmpfs at ROOT/mnt
(visible to this process and its children only), makes a vault on it, fills the disk to the
last byte and then tries what a user would: read, write, check, change the passphrase, back up
to the same disk, to a missing folder and to another disk, restore onto the full disk, the
command line; then frees space, and last remounts the file system read-only. It prints one JSON
object with what happened; the test decides what is right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PASSPHRASE = "correct horse battery staple"


def _outcome(call: Any) -> dict[str, Any]:
    try:
        value = call()
    except BaseException as exc:
        return {
            "error": type(exc).__name__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "nl": exc.message("nl") if hasattr(exc, "message") else str(exc),
            "en": exc.message("en") if hasattr(exc, "message") else str(exc),
            "target": getattr(exc, "target", None),
        }
    return {"ok": value}


def _cli(*args: str, stdin: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "FIELDAPP_PASSPHRASE": PASSPHRASE, "FIELDAPP_LANG": "nl"}
    result = subprocess.run(
        [sys.executable, "-m", "fieldapp.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return {"rc": result.returncode, "out": result.stdout, "err": result.stderr}


def _fill(mnt: Path) -> None:
    with open(mnt / "filler", "wb") as handle:
        block = b"\0" * 65536
        try:
            while True:
                handle.write(block)
                handle.flush()
        except OSError:
            pass
    try:
        with open(mnt / "filler2", "wb") as handle:  # the last partial block
            while True:
                handle.write(b"\0" * 512)
                handle.flush()
    except OSError:
        pass


def main(root: Path) -> dict[str, Any]:
    from fieldapp.demo import demo_visits
    from fieldapp.domain import Role
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault
    from fieldapp.vault.keyfile import FAST_FOR_TESTS
    from tests.support.sample_visit import sample_visit

    mnt = root / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], check=True)
    folder = mnt / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(20, seed=1))
    _fill(mnt)
    report: dict[str, Any] = {"free": os.statvfs(mnt).f_bavail}

    vault = Vault.unlock(folder, PASSPHRASE)
    store = Store(vault)
    report["read"] = store.count_visits()
    report["notices"] = [notice.key for notice in vault.notices]
    report["notice_nl"] = [notice.message("nl") for notice in vault.notices]
    report["check"] = vault.check().ok
    report["worker"] = _outcome(lambda: _worker_count(vault))
    visit = next(demo_visits(1, seed=2))
    report["write"] = _outcome(lambda: store.record_visit(visit))
    report["after_write"] = store.count_visits()
    report["passwd"] = _outcome(lambda: vault.change_passphrase(PASSPHRASE, PASSPHRASE + "!"))
    before = sorted(p.name for p in mnt.iterdir())
    report["backup_same_disk"] = _outcome(lambda: vault.backup(mnt / "b.fieldapp"))
    report["left_behind"] = sorted(set(p.name for p in mnt.iterdir()) - set(before))
    report["backup_missing"] = _outcome(lambda: vault.backup(root / "missing" / "b.fieldapp"))
    report["backup_elsewhere"] = _outcome(lambda: vault.backup(root / "ok.fieldapp"))
    report["lock"] = _outcome(vault.lock)
    report["cli_list"] = _cli("visit", "list", "--vault", str(folder))
    report["cli_check"] = _cli("vault", "check", "--vault", str(folder))
    report["cli_add"] = _cli(
        "visit", "add", "--json", "-", "--vault", str(folder), stdin=json.dumps(sample_visit())
    )
    report["restore_full"] = _outcome(
        lambda: Vault.restore(root / "ok.fieldapp", mnt / "restored", PASSPHRASE)
    )
    restored = mnt / "restored"
    report["restore_left"] = sorted(p.name for p in restored.iterdir()) if restored.exists() else []

    (mnt / "filler").unlink()
    with Vault.unlock(folder, PASSPHRASE) as vault:
        store = Store(vault)
        store.record_visit(visit)
        report["freed"] = {
            "count": store.count_visits(),
            "check": vault.check().ok,
            "notices": [n.key for n in vault.notices],
        }

    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
    report["read_only_unlock"] = _outcome(lambda: Vault.unlock(folder, PASSPHRASE).lock())
    report["read_only_cli"] = _cli("visit", "list", "--vault", str(folder))
    report["read_only_backup_target"] = _outcome(lambda: _backup_to(root, mnt / "ro.fieldapp"))
    return report


def _worker_count(vault: Any) -> int:
    from fieldapp.store.store import Store
    from fieldapp.vault.worker import WorkerVaultKey

    with WorkerVaultKey(vault).open() as worker:
        return Store(worker).count_visits()  # type: ignore[arg-type]


def _backup_to(root: Path, out: Path) -> None:
    from fieldapp.vault import Vault

    with Vault.restore(root / "ok.fieldapp", root / "second", PASSPHRASE) as vault:
        vault.backup(out)


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
