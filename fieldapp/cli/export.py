"""``fieldapp export ctdc --out F [--mode public|full] [--k 11] [--recipient AGE1...]
[--no-encrypt] [--json]``: the CTDC case export from the command line, in its two modes (the
public k-anonymous file, or the full file for a data-sharing partner, age-encrypted by
default); what was kept, per form of exploitation too, as text or as JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from fieldapp.cli.shared import EXIT_OK, Commands, open_vault
from fieldapp.errors import FieldAppError
from fieldapp.exports.ctdc import (
    check_k,
    check_protection,
    export_ctdc,
    output_path,
    summary,
    summary_data,
)
from fieldapp.terminal import emit, emit_json


def cmd_ctdc(args: argparse.Namespace) -> int:
    # getattr: the options as the parser declares them; a parser without --mode, --recipient
    # or --no-encrypt gets the public, plain file that was the only export before, and one
    # without --json the text.
    mode = str(getattr(args, "mode", None) or "public")
    recipients = tuple(getattr(args, "recipient", None) or ())
    confirm_plain = bool(getattr(args, "no_encrypt", False))
    check_k(args.k)  # everything refused before the vault is even opened
    check_protection(mode, recipients, confirm_plain)
    out = output_path(Path(args.out), bool(recipients))
    if out.exists():
        raise FieldAppError("cli.file_exists", path=str(out))
    with open_vault(args) as vault:
        result = export_ctdc(
            vault,
            Path(args.out),
            args.k,
            mode=mode,
            recipients=recipients,
            confirm_unencrypted=confirm_plain,
        )
    if getattr(args, "json", False):
        emit_json(summary_data(result, str(out), encrypted=bool(recipients)))
    else:
        for line in summary(result, str(out), encrypted=bool(recipients)):
            emit(line)
    return EXIT_OK


COMMANDS: Commands = {"ctdc": cmd_ctdc}
