"""``fieldapp export ctdc --out F [--k 11]``: the anonymised case export, from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from fieldapp.cli.shared import EXIT_OK, Commands, open_vault
from fieldapp.errors import FieldAppError
from fieldapp.exports.ctdc import check_k, export_ctdc
from fieldapp.i18n import t, tn
from fieldapp.terminal import emit


def cmd_ctdc(args: argparse.Namespace) -> int:
    check_k(args.k)  # refused before the vault is even opened
    out = Path(args.out)
    if out.exists():
        raise FieldAppError("cli.file_exists", path=str(out))
    with open_vault(args) as vault:
        result = export_ctdc(vault, out, args.k, generalise=args.generalise)
    emit(
        tn(
            "exports.ctdc.done",
            result.total,
            path=str(out),
            exported=result.exported,
            suppressed=result.suppressed,
            k=result.k,
        )
    )
    if result.generalised:
        steps = ", ".join(t(f"ui.exports.step.{step}") for step in result.generalised)
        emit(t("ui.exports.generalised", steps=steps))
    if result.total and not result.exported:
        emit(t("exports.ctdc.all_suppressed", k=result.k))
    return EXIT_OK


COMMANDS: Commands = {"ctdc": cmd_ctdc}
