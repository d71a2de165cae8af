"""SIGKILL during an import leaves all of a bundle or none of it, and a re-import works.

A child imports a large bundle and prints a line from SQLite's progress handler every few
thousand steps; the parent kills it with SIGKILL after a random number of lines (most often
inside the import transaction) and checks the vault: the bundle's records and its ledger row
are either all there or all absent, every integrity check passes, and importing again ends
with everything there exactly once. Set FIELDAPP_CRASH_SEED to replay a run.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support import PASSPHRASE, ROOT
from tests.support.children.vault import LineReader
from tests.support.sync import all_records, enrol, make_coordinator, make_field

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
ROUNDS = 4


def _kill_after(folder: Path, bundle_path: Path, ticks: int, stderr_path: Path) -> str:
    """Run the importing child, kill it after ``ticks`` progress lines; the last line read."""
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.children.sync", str(folder), str(bundle_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=os.environ.copy(),
            bufsize=0,
        )
    last = ""
    try:
        assert proc.stdin is not None
        proc.stdin.write(PASSPHRASE.encode() + b"\n")
        proc.stdin.flush()
        reader = LineReader(proc)
        assert reader.readline() == "ready", stderr_path.read_text(errors="replace")
        seen = 0
        while seen < ticks:
            line = reader.readline()
            if line is None:
                break
            last = line
            if line != "tick":
                break  # the import finished before the chosen point
            seen += 1
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
    return last


def test_sigkill_during_import_is_all_or_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("FIELDAPP_CRASH_SEED", secrets.randbits(32)))
    print(f"FIELDAPP_CRASH_SEED={seed}")
    rng = random.Random(seed)
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    Store(field).record_visits(demo_visits(800, seed=seed % 1000))
    (tmp_path / "stick").mkdir()
    result = export_bundle(field, tmp_path / "stick")
    assert result is not None
    expected = all_records(field)
    field.lock()
    folder = coordinator.vault.folder
    coordinator.vault.lock()

    for round_number in range(ROUNDS):
        ticks = rng.randint(1, 280)  # about 300 ticks in this import
        context = f"seed {seed}, round {round_number}, killed after {ticks} ticks"
        last = _kill_after(folder, result.path, ticks, tmp_path / f"child-{round_number}.err")
        with Vault.unlock(folder, PASSPHRASE) as vault:
            report = vault.check()
            assert report.ok, f"{report.results} ({context})"
            ledger = vault.conn.execute("SELECT count(*) FROM sync_incoming").fetchone()[0]
            records = all_records(vault)
            if ledger:
                assert records == expected, context
            else:
                assert all(rows == [] for rows in records.values()), context
                assert last in ("tick", ""), context
            if round_number == ROUNDS - 1 or rng.random() < 0.5:
                # Importing again completes it (or finds it already there), exactly once.
                again = import_file(vault, result.path)
                assert again.status == ("duplicate" if ledger else "imported"), context
                assert all_records(vault) == expected
                vault.conn.execute("DELETE FROM sync_field_audit")  # start the next round anew
                for table in ("observations", "referrals", "attachments", "persons"):
                    vault.conn.execute(f"DELETE FROM {table}")
                vault.conn.execute("DELETE FROM visits")
                vault.conn.execute("DELETE FROM sites")
                vault.conn.execute("DELETE FROM search_index")
                vault.conn.execute("DELETE FROM search_rows")
                vault.conn.execute("DELETE FROM sync_incoming")
