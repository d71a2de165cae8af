"""The command line as a user or a script meets it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.layout import DB_FILE, KEY_FILE
from tests.support import PASSPHRASE, ok, refused, run_cli
from tests.support.sample_visit import sample_visit


@pytest.fixture
def closed_vault(vault_dir: Path) -> Path:
    """A vault made with the cheap test KDF and closed again, for CLI processes to open."""
    Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS).lock()
    return vault_dir


@pytest.fixture
def opts(closed_vault: Path, passphrase_file: Path) -> list[str]:
    return ["--vault", str(closed_vault), "--passphrase-file", str(passphrase_file)]


def test_init_creates_a_vault_once(tmp_path: Path, passphrase_file: Path) -> None:
    folder = tmp_path / "new"
    args = [
        "vault",
        "init",
        "--role",
        "coordinator",
        "--vault",
        str(folder),
        "--passphrase-file",
        str(passphrase_file),
    ]
    out = ok(run_cli(*args))
    assert "Kluis gemaakt" in out
    assert "kan niet worden hersteld" in out
    assert (folder / "vault.key").is_file()
    refused(run_cli(*args), "staat al een kluis")
    with Vault.unlock(folder, PASSPHRASE) as vault:
        assert vault.info.role is Role.COORDINATOR


def test_init_refuses_a_short_passphrase(tmp_path: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("kort\n")
    refused(
        run_cli(
            "vault",
            "init",
            "--role",
            "field",
            "--vault",
            str(tmp_path / "v"),
            "--passphrase-file",
            str(short),
        ),
        "te kort",
    )
    assert not (tmp_path / "v" / "vault.key").exists()


def test_visit_add_list_show_round_trip(opts: list[str], tmp_path: Path) -> None:
    source = tmp_path / "visit.json"
    source.write_text(json.dumps(sample_visit()), encoding="utf-8")
    visit_id = ok(run_cli("visit", "add", "--json", str(source), *opts)).strip()
    assert len(visit_id) == 36
    from_stdin = ok(
        run_cli("visit", "add", "--json", "-", *opts, stdin=json.dumps(sample_visit()).encode())
    ).strip()
    assert from_stdin != visit_id
    listing = json.loads(ok(run_cli("visit", "list", "--json", *opts)))
    assert {row["uuid"] for row in listing} == {visit_id, from_stdin}
    table = ok(run_cli("visit", "list", *opts))
    assert "Kwekerij De Hoek" in table
    assert "locatie" in table
    shown = json.loads(ok(run_cli("visit", "show", visit_id[-8:], "--json", *opts)))
    assert shown["visit"]["meta"]["uuid"] == visit_id
    assert shown["persons"][0]["nationality"] == "BG"
    text = ok(run_cli("visit", "show", visit_id, *opts, lang="en"))
    assert "Person Werknemer A: possible victim" in text
    found = json.loads(ok(run_cli("visit", "list", "--search", "paspoort", "--json", *opts)))
    assert len(found) == 2


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["site"].update(kvk="123"), "site.kvk"),
        (lambda d: d["visit"].update(started_at="2026-13-01T10:00:00"), "visit.started_at"),
        (lambda d: d["persons"][0].update(colour="blue"), "persons[0].colour"),
    ],
)
def test_bad_visit_input_is_refused_and_changes_nothing(opts, mutate, field: str) -> None:
    data = sample_visit()
    mutate(data)
    stderr = refused(
        run_cli("visit", "add", "--json", "-", *opts, stdin=json.dumps(data).encode()), field
    )
    assert "Er is niets opgeslagen" in stderr
    assert json.loads(ok(run_cli("visit", "list", "--json", *opts))) == []


def test_malformed_json_and_missing_file(opts) -> None:
    refused(run_cli("visit", "add", "--json", "-", *opts, stdin=b"{not json"), "geen geldige JSON")
    refused(
        run_cli("visit", "add", "--json", "/nonexistent/visit.json", *opts),
        "kan niet worden gelezen",
    )


def test_wrong_passphrase_and_missing_vault_have_their_own_messages(
    closed_vault: Path, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    refused(
        run_cli("visit", "list", "--vault", str(closed_vault), "--passphrase-file", str(wrong)),
        "wachtwoord is onjuist",
    )
    refused(
        run_cli(
            "visit", "list", "--vault", str(tmp_path / "nothing"), "--passphrase-file", str(wrong)
        ),
        "geen kluis",
    )
    english = refused(
        run_cli(
            "visit",
            "list",
            "--vault",
            str(closed_vault),
            "--passphrase-file",
            str(wrong),
            lang="en",
        ),
        "passphrase is wrong",
    )
    assert "wachtwoord" not in english
    assert not (tmp_path / "nothing").exists()


def test_no_passphrase_without_a_terminal_is_a_clear_refusal(closed_vault: Path) -> None:
    refused(run_cli("visit", "list", "--vault", str(closed_vault)), "FIELDAPP_PASSPHRASE")


def test_environment_variables_select_vault_and_passphrase(closed_vault: Path) -> None:
    env = {"FIELDAPP_VAULT": str(closed_vault), "FIELDAPP_PASSPHRASE": PASSPHRASE}
    assert json.loads(ok(run_cli("visit", "list", "--json", env=env))) == []


def test_usage_errors_exit_2_in_dutch_and_english() -> None:
    result = run_cli("visit", "frobnicate")
    assert result.returncode == 2
    assert "Onjuist gebruik" in result.stderr
    result = run_cli("--lang", "en", "vault", "init")
    assert result.returncode == 2
    assert "Usage error" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_backup_restore_passwd(opts, closed_vault: Path, tmp_path: Path) -> None:
    ok(run_cli("demo", "--visits", "12", *opts))
    report = json.loads(ok(run_cli("vault", "check", "--json", *opts)))
    assert report["ok"] is True
    assert set(report["checks"]) >= {"cipher_integrity_check", "integrity_check", "audit_chain"}
    backup = tmp_path / "backup.fabk"
    ok(run_cli("vault", "backup", "--out", str(backup), *opts))
    refused(run_cli("vault", "backup", "--out", str(backup), *opts), "bestaat al")
    new_passphrase = tmp_path / "new.txt"
    new_passphrase.write_text("een heel ander wachtwoord\n")
    ok(run_cli("vault", "passwd", "--new-passphrase-file", str(new_passphrase), *opts))
    refused(run_cli("visit", "list", *opts), "wachtwoord is onjuist")
    restored = tmp_path / "restored"
    ok(
        run_cli(
            "vault", "restore", str(backup), "--vault", str(restored), "--passphrase-file", opts[3]
        )
    )
    listing = json.loads(
        ok(
            run_cli(
                "visit",
                "list",
                "--json",
                "--limit",
                "100",
                "--vault",
                str(restored),
                "--passphrase-file",
                opts[3],
            )
        )
    )
    assert len(listing) == 12
    refused(run_cli("vault", "restore", str(backup), *opts), "staat al een kluis")


def test_rekey_keeps_the_data(opts) -> None:
    ok(run_cli("demo", "--visits", "3", *opts))
    ok(run_cli("vault", "rekey", *opts))
    assert len(json.loads(ok(run_cli("visit", "list", "--json", *opts)))) == 3


def test_the_core_command_line_never_starts_the_desktop_itself() -> None:
    """`python -m fieldapp.cli` is the core alone: without a subcommand it says what to do
    (the `fieldapp` command, ui.launch, passes the desktop in)."""
    result = run_cli()
    assert result.returncode == 2
    assert "bureaubladprogramma" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_older_vault_is_refused_until_the_restore_is_confirmed(
    tmp_path: Path, passphrase_file: Path
) -> None:
    folder, old = tmp_path / "vault", tmp_path / "older-copy"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(2, seed=1))
    old.mkdir()
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(folder / name, old / name)
    with Vault.unlock(folder, PASSPHRASE) as vault:
        Store(vault).record_visits(demo_visits(2, seed=2))
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(old / name, folder / name)
    opts = ["--vault", str(folder), "--passphrase-file", str(passphrase_file)]
    result = run_cli("visit", "list", *opts)
    assert result.returncode == 1
    assert "ouder" in result.stderr and "--accept-older" in result.stderr
    assert "beschadigd" not in result.stderr
    listed = ok(run_cli("visit", "list", "--accept-older", *opts))
    assert len(listed.strip().splitlines()) == 3  # header and the two visits of the copy
    ok(run_cli("visit", "list", *opts))  # confirmed once: the new baseline
