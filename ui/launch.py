"""The ``fieldapp`` command: the core's command line, with the desktop as what it starts when
no subcommand is given. Qt loads only then, so subcommands stay fast and Qt-free."""

from __future__ import annotations

import sys

from fieldapp.cli import main as cli_main


def start_desktop(vault_path: str | None) -> int:
    from ui.app import run_desktop  # noqa: PLC0415 - Qt only when the desktop starts

    return run_desktop(vault_path)


def main(argv: list[str] | None = None) -> int:
    return cli_main(argv, start_desktop=start_desktop)


if __name__ == "__main__":
    sys.exit(main())
