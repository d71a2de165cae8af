"""The command line's one lazy-import mechanism (fieldapp/cli/parser.py): every leaf command
resolves through the table of loaders to a function of its module, every function a module
lists has a command, and ``fieldapp --help`` loads no command module."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from fieldapp.cli import build_parser
from fieldapp.cli.parser import LOADERS, Command
from tests.support import ROOT

COMMAND_MODULES = (
    "fieldapp.cli.vault",
    "fieldapp.cli.visit",
    "fieldapp.cli.catalogue",
    "fieldapp.cli.referral",
    "fieldapp.cli.sync",
    "fieldapp.cli.links",
    "fieldapp.cli.stats",
    "fieldapp.cli.export",
    "fieldapp.cli.retention",
    "fieldapp.cli.demo",
    "fieldapp.cli.profile",
    "fieldapp.cli.practice",
)


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[str, Command]:
    found: dict[str, Command] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found |= _leaves(child, (*path, name))
    command = parser.get_default("command_to_run")
    if command is not None:
        found[" ".join(path)] = command
    return found


LEAVES = _leaves(build_parser())


def test_every_command_has_a_leaf_with_a_loader_from_the_table() -> None:
    assert len(LEAVES) > 30
    assert "vault init" in LEAVES and "export ctdc" in LEAVES and "self-check" in LEAVES
    for path, command in LEAVES.items():
        assert command.load in LOADERS, path


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_every_leaf_resolves_to_a_function_of_its_module(path: str) -> None:
    command = LEAVES[path]
    commands = command.load()
    assert command.name in commands, f"{path}: {command.name!r} is not in COMMANDS"
    assert callable(commands[command.name])


def test_every_listed_function_has_a_command() -> None:
    reachable = {(command.load, command.name) for command in LEAVES.values()}
    for load in LOADERS:
        for name in load():
            assert (load, name) in reachable, f"{load.__name__}: {name!r} has no command"


def test_the_loaders_import_each_command_module_once() -> None:
    modules = {next(iter(load().values())).__module__ for load in LOADERS}
    assert sorted(modules) == sorted(COMMAND_MODULES)


def test_help_loads_no_command_module_and_no_heavy_library() -> None:
    """`fieldapp --help`, in a fresh process: the parser only."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from fieldapp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    heavy = {"fieldapp.vault.vault", "fieldapp.store.store", "sqlcipher3", "argon2"}
    heavy |= {"cryptography", "reportlab", "pikepdf", "pyrage", "matplotlib", "zxcvbn"}
    assert loaded & {*COMMAND_MODULES, *heavy} == set()
    assert "fieldapp.cli.parser" in loaded
