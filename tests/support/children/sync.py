"""A child process for the import crash test.

``python -m tests.support.children.sync FOLDER BUNDLE`` unlocks the coordinator vault (passphrase on
the first line of stdin), prints ``ready``, imports the bundle and prints ``tick`` from
SQLite's progress handler every few thousand virtual-machine steps (so the parent can kill it
at a random point inside the import transaction), then ``imported`` once the import returned.
Nothing here sleeps.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from fieldapp.sync.import_ import import_file
    from fieldapp.vault import Vault

    passphrase = sys.stdin.readline().rstrip("\n")
    vault = Vault.unlock(Path(argv[0]), passphrase)
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    def tick() -> int:
        sys.stdout.write("tick\n")
        sys.stdout.flush()
        return 0

    vault.conn.set_progress_handler(tick, 5_000)
    report = import_file(vault, Path(argv[1]))
    vault.conn.set_progress_handler(None, 0)
    sys.stdout.write(f"{report.status}\n")
    sys.stdout.flush()
    vault.lock()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
