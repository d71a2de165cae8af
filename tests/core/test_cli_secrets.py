"""Secrets on the command line: no option is taken by a prefix of its name, no message echoes a
value that could be a secret, and every new secret passes the one strength rule."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fieldapp.cli import build_parser
from fieldapp.domain import Role
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, run_cli

SECRET = "hunter2-Qz7"  # what a user typed where a file name was expected


@pytest.fixture
def closed_vault(vault_dir: Path) -> Path:
    Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS).lock()
    return vault_dir


def _every_parser(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _every_parser(child)
    return found


def test_no_parser_accepts_an_abbreviated_option() -> None:
    parsers = _every_parser(build_parser())
    assert len(parsers) > 30
    assert all(parser.allow_abbrev is False for parser in parsers)


def _no_echo(result, *, code: int = 2) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output
    assert SECRET not in output
    assert "hunter2" not in output and "Qz7" not in output  # not even a part of it
    return result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("visit", "list", "--passphrase", SECRET),
        ("--passphrase", SECRET, "visit", "list"),
        ("visit", "list", f"--passphrase={SECRET}"),
        ("visit", "list", "--pass", SECRET),
        ("vault", "passwd", "--new-passphrase", SECRET),
        ("vault", "passwd", f"--new-passphrase={SECRET}"),
        ("referral", "export", "FA-X", "--out", "x.pdf", "--password", SECRET),
        ("referral", "make", "--visit", "x", "--to", "police", "--password", SECRET),
        ("vault", "init", "--role", SECRET),  # an invalid choice
        ("--lang", SECRET, "visit", "list"),
        ("visit", "list", "--limit", SECRET),  # an invalid number
        ("vault", SECRET),  # an unknown subcommand
        (SECRET,),
        ("visit", "list", f"--json={SECRET}"),  # an explicit value for a flag
        ("visit", "list", f"-h{SECRET}"),
        ("visit", "list", SECRET),  # an extra positional
    ],
)
def test_a_secret_in_the_wrong_place_is_a_usage_error_that_never_echoes_it(
    closed_vault: Path, args: tuple[str, ...]
) -> None:
    stderr = _no_echo(run_cli(*args, "--vault", str(closed_vault)))
    assert "Onjuist gebruik" in stderr


def test_the_refusal_still_names_the_option_that_was_wrong(closed_vault: Path) -> None:
    stderr = _no_echo(run_cli("visit", "list", "--passphrase", SECRET, lang="en"))
    assert "--passphrase" in stderr and "Usage error" in stderr
    stderr = _no_echo(run_cli("vault", "init", "--role", SECRET, lang="en"))
    assert "field" in stderr and "coordinator" in stderr  # the choices, never the value


def test_a_missing_passphrase_file_is_refused_without_its_name(closed_vault: Path) -> None:
    for option in ("--passphrase-file",):
        result = run_cli("visit", "list", "--vault", str(closed_vault), option, SECRET)
        stderr = _no_echo(result, code=1)
        assert "--passphrase-file" in stderr
    new = run_cli(
        "vault",
        "passwd",
        "--new-passphrase-file",
        SECRET,
        "--vault",
        str(closed_vault),
        env={"FIELDAPP_PASSPHRASE": PASSPHRASE},
    )
    assert "--new-passphrase-file" in _no_echo(new, code=1)


def test_an_empty_passphrase_file_is_refused_without_its_name(
    closed_vault: Path, tmp_path: Path
) -> None:
    empty = tmp_path / SECRET
    empty.write_text("\n")
    stderr = _no_echo(
        run_cli("visit", "list", "--vault", str(closed_vault), "--passphrase-file", str(empty)),
        code=1,
    )
    assert "leeg" in stderr


@pytest.mark.parametrize(
    "weak", ["aaaaaaaaaaaaaaaa", "123456789012", "P@ssw0rd1234", "Zomer2026!", "wachtwoord2026"]
)
def test_init_refuses_a_weak_passphrase_and_says_why(tmp_path: Path, weak: str) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text(weak + "\n")
    folder = tmp_path / "v"
    result = run_cli(
        "vault", "init", "--role", "field", "--vault", str(folder), "--passphrase-file", str(secret)
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "te makkelijk te raden" in result.stderr
    assert weak not in result.stderr
    assert not (folder / "vault.key").exists()
    from_env = run_cli(
        "vault",
        "init",
        "--role",
        "field",
        "--vault",
        str(folder),
        env={"FIELDAPP_PASSPHRASE": weak},
    )
    assert from_env.returncode == 1 and "te makkelijk te raden" in from_env.stderr
    assert not (folder / "vault.key").exists()


def test_passwd_refuses_a_weak_new_passphrase_in_english_too(
    closed_vault: Path, tmp_path: Path, passphrase_file: Path
) -> None:
    weak = tmp_path / "new.txt"
    weak.write_text("P@ssw0rd1234\n")
    opts = ["--vault", str(closed_vault), "--passphrase-file", str(passphrase_file)]
    result = run_cli("vault", "passwd", "--new-passphrase-file", str(weak), *opts, lang="en")
    assert result.returncode == 1
    assert "too easy to guess" in result.stderr
    assert "P@ssw0rd" not in result.stderr
    from_env = run_cli(
        "vault", "passwd", *opts, env={"FIELDAPP_NEW_PASSPHRASE": "Zomer2026!"}, lang="en"
    )
    assert from_env.returncode == 1 and "too easy to guess" in from_env.stderr
    # Nothing changed: the old passphrase still opens the vault.
    with Vault.unlock(closed_vault, PASSPHRASE):
        pass


def test_passwd_counts_the_inspectors_own_details_as_guessable(
    closed_vault: Path, tmp_path: Path, passphrase_file: Path
) -> None:
    from fieldapp.store.store import Store

    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        Store(vault).set_setting("profile", {"name": "Korvath Tilmanse", "region": "Zuid"})
    new = tmp_path / "new.txt"
    new.write_text("korvathtilmanse\n")  # strong, but not for Korvath Tilmanse
    result = run_cli(
        "vault",
        "passwd",
        "--new-passphrase-file",
        str(new),
        "--vault",
        str(closed_vault),
        "--passphrase-file",
        str(passphrase_file),
    )
    assert result.returncode == 1 and "te makkelijk te raden" in result.stderr


def test_a_strong_passphrase_is_accepted(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("lantaarn molen zeilboot ochtend\n")
    folder = tmp_path / "v"
    result = run_cli(
        "vault", "init", "--role", "field", "--vault", str(folder), "--passphrase-file", str(secret)
    )
    assert result.returncode == 0, result.stderr
    assert (
        json.loads(
            run_cli(
                "visit", "list", "--json", "--vault", str(folder), "--passphrase-file", str(secret)
            ).stdout
        )
        == []
    )
