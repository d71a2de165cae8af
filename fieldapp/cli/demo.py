"""``fieldapp demo`` (invented visits in a vault) and ``fieldapp self-check`` (the whole chain
in a throwaway vault)."""

from __future__ import annotations

import argparse

from fieldapp.cli.shared import EXIT_OK, Commands, open_vault
from fieldapp.demo import demo_visits
from fieldapp.errors import FieldAppError
from fieldapp.i18n import tn
from fieldapp.selfcheck import run_self_check
from fieldapp.store.store import Store
from fieldapp.terminal import emit


def cmd_demo(args: argparse.Namespace) -> int:
    if not 1 <= args.visits <= 1_000_000:
        raise FieldAppError("cli.demo_range")
    with open_vault(args) as vault:
        store = Store(vault)
        remaining, batch = args.visits, 1000
        seed = args.seed
        while remaining > 0:
            size = min(batch, remaining)
            store.record_visits(demo_visits(size, seed=seed))
            remaining -= size
            seed += 1
    emit(tn("cli.demo_done", args.visits))
    return EXIT_OK


def cmd_self_check(args: argparse.Namespace) -> int:
    """Headless end-to-end check of this installation in a throwaway vault (fieldapp.selfcheck);
    ``--vault`` and ``--passphrase-file`` are accepted like everywhere but never used."""
    return run_self_check()


COMMANDS: Commands = {"demo": cmd_demo, "self-check": cmd_self_check}
