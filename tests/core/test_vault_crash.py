"""SIGKILL at random points loses no committed transaction, and the vault stays intact.

A writer child commits visits and observation changes in a loop and prints each one only after
its COMMIT returned. The parent reads a random number of those lines, kills the child with SIGKILL
(most likely in the middle of its next transaction), and then checks that everything printed is
in the vault and that every integrity check passes. Set FIELDAPP_CRASH_SEED to replay a run.
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
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, ROOT
from tests.support.children.vault import LineReader

ROUNDS = 5

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def _run_writer_and_kill(
    vault_dir: Path, child_seed: int, lines_wanted: int, stderr_path: Path
) -> list[str]:
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.children.vault",
                "write",
                str(vault_dir),
                f"{child_seed}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=os.environ.copy(),
            bufsize=0,
        )
    try:
        assert proc.stdin is not None
        proc.stdin.write(PASSPHRASE.encode() + b"\n")
        proc.stdin.flush()
        reader = LineReader(proc)
        lines: list[str] = []
        while len(lines) < lines_wanted:
            line = reader.readline()
            if line is None:
                break
            lines.append(line)
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
    assert len(lines) == lines_wanted, (
        f"writer stopped after {len(lines)} commits: {stderr_path.read_text(errors='replace')}"
    )
    # SIGKILL (negative status), not an exit of its own: the kill hit a running writer.
    assert proc.returncode == -signal.SIGKILL, stderr_path.read_text(errors="replace")
    return lines


def test_sigkill_at_random_points_loses_no_committed_transaction(tmp_path: Path) -> None:
    seed = int(os.environ.get("FIELDAPP_CRASH_SEED", secrets.randbits(32)))
    print(f"FIELDAPP_CRASH_SEED={seed}")
    rng = random.Random(seed)

    vault_dir = tmp_path / "vault"
    with Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(5, seed=seed))

    committed_visits: set[str] = set()
    committed_ticks: dict[str, int] = {}  # observation uuid -> last committed "tick N"
    for round_number in range(ROUNDS):
        lines_wanted = rng.randint(5, 60)
        context = f"seed {seed}, round {round_number}, killed after {lines_wanted} commits"
        lines = _run_writer_and_kill(
            vault_dir, rng.randrange(2**31), lines_wanted, tmp_path / f"writer-{round_number}.err"
        )
        for line in lines:
            kind, *values = line.split()
            if kind in ("visit", "visits"):
                committed_visits.update(values)
            elif kind == "obs":
                committed_ticks[values[0]] = int(values[1])
            else:
                raise AssertionError(f"unexpected line {line!r} ({context})")

        with Vault.unlock(vault_dir, PASSPHRASE) as vault:
            report = vault.check()
            assert report.ok, f"{report.results} ({context})"
            assert report.results["cipher_integrity_check"] is None
            assert report.results["integrity_check"] is None
            present = {
                row[0] for row in vault.conn.execute("SELECT uuid FROM visits WHERE deleted = 0")
            }
            missing = committed_visits - present
            assert not missing, f"{len(missing)} committed visits lost ({context})"
            for obs_uuid, tick in committed_ticks.items():
                row = vault.conn.execute(
                    "SELECT note FROM observations WHERE uuid = ? AND deleted = 0", (obs_uuid,)
                ).fetchone()
                assert row is not None, f"committed observation {obs_uuid} lost ({context})"
                # The child may have committed later changes after the last line we read, but
                # never an earlier state than one it reported as committed.
                stored_tick = int(row[0].removeprefix("tick "))
                assert stored_tick >= tick, f"observation {obs_uuid} rolled back ({context})"
            # Every visit in the index is findable: the search index followed the commits.
            indexed = vault.conn.execute(
                "SELECT count(*) FROM search_index WHERE record_kind = 'visit'"
            ).fetchone()[0]
            assert indexed >= len(committed_visits)
        assert not (vault_dir / "vault.key.pending").exists()
