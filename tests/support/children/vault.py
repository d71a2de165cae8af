"""Child processes for the vault tests, and a deadline-bounded line reader for their output.

``python -m tests.support.children.vault write FOLDER SEED`` unlocks the vault (passphrase on
the first line of stdin) and commits in a loop, printing one line per committed transaction
only after ``COMMIT`` returned:

    visit <uuid>                     one visit recorded with record_visit
    visits <uuid> <uuid> ...         several visits recorded in one record_visits transaction
    obs <uuid> <counter>             set_observation committed with note "tick <counter>"

``python -m tests.support.children.vault hold FOLDER`` unlocks the vault, prints ``ready`` and
keeps it open until stdin closes, then locks it and prints ``locked``.

The parent synchronises on these lines only; nothing here sleeps.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# A safety net against a hung child, never a timing assertion.
LINE_DEADLINE_SECONDS = 120.0


class LineReader:
    """Reads ``\\n``-terminated lines from a child's unbuffered binary stdout, failing instead of
    hanging forever if the child stops talking."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self._proc = proc
        self._fd = proc.stdout.fileno()
        self._buffer = b""

    def readline(self) -> str | None:
        """The next line without its newline, or None at end of output."""
        deadline = time.monotonic() + LINE_DEADLINE_SECONDS
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"child {self._proc.pid} printed nothing for a long time")
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8")


@contextlib.contextmanager
def held_by_another_process(folder: Path, passphrase: str, root: Path) -> Iterator[None]:
    """``folder`` unlocked and held open by a child process (``hold``) for the ``with`` body;
    then the child locks it and must say so and exit cleanly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.children.vault", "hold", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        env=os.environ.copy(),
        bufsize=0,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(passphrase.encode() + b"\n")
        proc.stdin.flush()
        reader = LineReader(proc)
        assert reader.readline() == "ready"
        yield
        proc.stdin.close()
        assert reader.readline() == "locked"
        assert proc.wait() == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _write(folder: Path, seed: int, passphrase: str) -> None:
    from fieldapp.catalogue import load_catalogue
    from fieldapp.demo import demo_visits
    from fieldapp.domain import Evidence, ObservationStatus
    from fieldapp.inputs import ObservationInput
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault

    indicators = tuple(load_catalogue().indicators)
    rng = random.Random(seed)
    vault = Vault.unlock(folder, passphrase)
    store = Store(vault)
    visits = demo_visits(10**9, seed=seed)
    recent: list[str] = []
    for tick in itertools.count():
        roll = rng.random()
        if roll < 0.4 or not recent:
            visit_uuid = store.record_visit(next(visits))
            recent.append(visit_uuid)
            line = f"visit {visit_uuid}"
        elif roll < 0.6:
            batch = store.record_visits([next(visits) for _ in range(rng.randrange(2, 6))])
            recent.extend(batch)
            line = "visits " + " ".join(batch)
        else:
            obs_uuid = store.set_observation(
                rng.choice(recent[-10:]),
                None,
                ObservationInput(
                    indicator_id=rng.choice(indicators),
                    status=rng.choice(tuple(ObservationStatus)),
                    evidence=Evidence.SEEN,
                    note=f"tick {tick}",
                ),
            )
            line = f"obs {obs_uuid} {tick}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _hold(folder: Path, passphrase: str) -> None:
    from fieldapp.vault import Vault

    vault = Vault.unlock(folder, passphrase)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()
    vault.lock()
    sys.stdout.write("locked\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    passphrase = sys.stdin.readline().rstrip("\n")
    command, folder = argv[0], Path(argv[1])
    if command == "write":
        _write(folder, int(argv[2]), passphrase)
    elif command == "hold":
        _hold(folder, passphrase)
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
