"""A child process for the rollback tests: ``python -m tests.support.children.rollback FOLDER MODE``
(passphrase on the first line of stdin). It unlocks the vault, commits visits, prints
``ready`` and then waits to be killed (the parent SIGKILLs it: a crash with the -wal in place).

MODE ``plain``: five visits. MODE ``checkpoint``: five visits, then a full checkpoint (the
database file now holds everything, including the unlock entry), then five more visits, which
start a new -wal generation: only those are lost when the -wal is deleted.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from fieldapp.demo import demo_visits
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault

    passphrase = sys.stdin.readline().rstrip("\n")
    folder, mode = Path(argv[0]), argv[1]
    vault = Vault.unlock(folder, passphrase)
    store = Store(vault)
    visits = demo_visits(100, seed=11)
    for _ in range(5):
        store.record_visit(next(visits))
    if mode == "checkpoint":
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        for _ in range(5):
            store.record_visit(next(visits))
    sys.stdout.write(f"ready {store.count_visits()}\n")
    sys.stdout.flush()
    sys.stdin.read()  # until killed
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
