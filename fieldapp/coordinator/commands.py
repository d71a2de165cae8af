"""The workspace's commands: ``links``, ``stats``, ``export ctdc``, ``retention run``.

The parsers are built here; each handler lives beside the code it drives and is imported
only when its command runs (``fieldapp --help`` stays fast)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

from fieldapp.i18n import t

Leaf = Callable[..., Any]


def _lazy(target: str) -> Callable[[argparse.Namespace], int]:
    """``module:function``, imported when the command runs."""
    module_name, function_name = target.split(":")

    def handler(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module_name), function_name)(args))

    return handler


def register(commands: Any, leaf: Leaf, parser_class: type) -> None:
    links = leaf(
        commands,
        "links",
        t("workspace.cli.help.links"),
        _lazy("fieldapp.links.cli:cmd_links"),
        json_flag=True,
    )
    links.add_argument("--refresh", action="store_true", help=t("workspace.cli.help.refresh"))

    stats = leaf(
        commands,
        "stats",
        t("workspace.cli.help.stats"),
        _lazy("fieldapp.stats.cli:cmd_stats"),
        json_flag=True,
    )
    stats.add_argument("--from", dest="date_from", metavar="D", required=True)
    stats.add_argument("--to", dest="date_to", metavar="D", required=True)
    stats.add_argument("--xlsx", metavar="F")
    stats.add_argument("--pdf", metavar="F")

    export = commands.add_parser("export", help=t("workspace.cli.help.export")).add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    ctdc = leaf(
        export, "ctdc", t("workspace.cli.help.ctdc"), _lazy("fieldapp.exports.cli:cmd_export_ctdc")
    )
    ctdc.add_argument("--out", required=True, metavar="F")
    ctdc.add_argument("--k", type=int, default=11, metavar="K")
    ctdc.add_argument("--generalise", action="store_true", help=t("workspace.cli.help.generalise"))

    retention = commands.add_parser(
        "retention", help=t("workspace.cli.help.retention")
    ).add_subparsers(dest="action", required=True, parser_class=parser_class)
    run = leaf(
        retention,
        "run",
        t("workspace.cli.help.retention_run"),
        _lazy("fieldapp.retention.cli:cmd_retention_run"),
        json_flag=True,
    )
    run.add_argument("--dry-run", action="store_true")
