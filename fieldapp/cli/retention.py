"""``fieldapp retention run [--dry-run] [--json]``: erase what is past its retention period, or
with ``--dry-run`` only show what that would be."""

from __future__ import annotations

import argparse
from typing import Any

from fieldapp.cli.shared import EXIT_OK, Commands, open_vault
from fieldapp.i18n import t, tn
from fieldapp.retention.purge import plan_purge, run_purge
from fieldapp.terminal import emit, emit_json


def cmd_run(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        plan = plan_purge(vault)
        result = None if args.dry_run else run_purge(vault, plan)
    rows = plan.rows() if result is None else result.rows()
    if args.json:
        document: dict[str, Any] = {
            "dry_run": result is None,
            "today": plan.today.isoformat(),
            "field_device": plan.field_device,
            "policy": dict(plan.policy.days),
            "erased" if result else "due": [
                {"rule": rule, "kind": kind, "count": count} for rule, kind, count in rows
            ],
            "held_open_followup": plan.held_open_followup,
            "held_unexported": plan.held_unexported,
        }
        emit_json(document)
        return EXIT_OK
    for rule, days in plan.policy.days.items():
        emit(t("retention.cli.rule", rule=t(f"retention.rule.{rule}"), days=days))
    emit()
    if not rows:
        emit(t("retention.cli.nothing_due"))
    for rule, kind, count in rows:
        emit(f"  {t(f'retention.rule.{rule}'):46}  {t(f'retention.kind.{kind}'):28} {count:>8}")
    if plan.held_open_followup:
        emit(tn("retention.cli.held_open", plan.held_open_followup))
    if plan.held_unexported:
        emit(tn("retention.cli.held_unexported", plan.held_unexported))
    if result is None:
        emit(t("retention.cli.dry_run_done"))
    else:
        emit(tn("retention.cli.done", result.total("visit")))
    return EXIT_OK


COMMANDS: Commands = {"run": cmd_run}
