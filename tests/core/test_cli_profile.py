"""The inspector's profile from the command line (issue 15): ``fieldapp profile set`` changes
the fields given and checks the whole profile as the desktop's Settings do; ``profile show``
says what a referral will carry. A refused value changes nothing and never shows a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp.domain import Role
from fieldapp.profile import (
    PROFILE_TEXT_LIMIT,
    Profile,
    load_profile,
    profile_problem_at,
    save_profile,
)
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, ok, refused, run_cli


@pytest.fixture
def opts(vault_dir: Path, passphrase_file: Path) -> list[str]:
    """A closed vault (the cheap test KDF) for command-line processes to open."""
    Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS).lock()
    return ["--vault", str(vault_dir), "--passphrase-file", str(passphrase_file)]


def stored(vault_dir: Path) -> object:
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        return Store(vault).setting("profile")


def test_set_then_show_as_text_and_as_json(opts: list[str], vault_dir: Path) -> None:
    out = ok(
        run_cli(
            "profile",
            "set",
            "--name",
            "Sanne de Boer",
            "--team",
            "Team Arbeidsuitbuiting Zuid",
            "--contact",
            "06 12345678",
            "--agency",
            "politie",
            "--employee-number",
            "NLA-20417",
            "--region",
            "Zuid-Holland",
            *opts,
        )
    )
    assert "Profiel opgeslagen" in out
    # As the desktop and the referral documents read it: a dict, the agency as it was spelt.
    assert stored(vault_dir) == {
        "name": "Sanne de Boer",
        "agency": "politie",
        "employee_number": "NLA-20417",
        "region": "Zuid-Holland",
        "contact": "06 12345678",
        "team": "Team Arbeidsuitbuiting Zuid",
    }
    shown = json.loads(ok(run_cli("profile", "show", "--json", *opts)))
    assert shown == {
        "name": "Sanne de Boer",
        "team": "Team Arbeidsuitbuiting Zuid",
        "agency": "police",
        "employee_number": "NLA-20417",
        "region": "Zuid-Holland",
        "contact": "06 12345678",
    }
    lines = ok(run_cli("profile", "show", *opts)).splitlines()
    assert any(line.startswith("Terugbelnummer") and "06 12345678" in line for line in lines)
    assert any(line.startswith("Team of afdeling") and "Zuid" in line for line in lines)
    assert any(line.startswith("Organisatie") and line.endswith("Politie") for line in lines)


def test_a_bad_callback_number_is_refused_and_changes_nothing(
    opts: list[str], vault_dir: Path
) -> None:
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        save_profile(Store(vault), Profile("Jan Jansen", "nla", contact="070 1234567"))
    before = stored(vault_dir)
    error = refused(run_cli("profile", "set", "--contact", "bel mij maar", *opts))
    assert "Profiel niet gewijzigd" in error and "Terugbelnummer" in error
    assert "telefoonnummer" in error
    assert "bel mij" not in error  # no value from the command line in a message
    english = refused(run_cli("profile", "set", "--contact", "call me", *opts, lang="en"))
    assert "Profile not changed" in english and "Call-back number" in english
    assert stored(vault_dir) == before


def test_set_changes_only_what_is_given_and_an_empty_value_clears(
    opts: list[str], vault_dir: Path
) -> None:
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        save_profile(Store(vault), Profile("Jan Jansen", "kmar", "K-1", "Noord", "06 1111 2222"))
    ok(run_cli("profile", "set", "--team", "  Team\nMensenhandel  ", "--region", "", *opts))
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        profile = load_profile(Store(vault))
    assert profile == Profile(
        "Jan Jansen", "kmar", "K-1", "", "06 1111 2222", team="Team Mensenhandel"
    )


def test_a_profile_without_a_name_or_with_an_unknown_agency_is_refused(
    opts: list[str], vault_dir: Path
) -> None:
    refused(run_cli("profile", "set", "--team", "Team Zuid", *opts), "Vul uw naam in")
    refused(
        run_cli("profile", "set", "--name", "Jan", "--agency", "FBI", *opts),
        "Organisatie",
        "politie",
    )
    assert stored(vault_dir) is None
    nothing = run_cli("profile", "set", *opts)
    assert nothing.returncode == 2 and "--team" in nothing.stderr
    assert "Traceback" not in nothing.stderr
    empty = ok(run_cli("profile", "show", *opts))
    assert "Nog geen profiel" in empty


def test_the_one_check_and_the_setting_round_trip() -> None:
    """Without a process: what the desktop and the command line share."""
    profile = Profile("Jan Jansen", "police", "12345", "Zuid", "06 12345678", "Team Zuid")
    assert Profile.from_setting(profile.as_setting()) == profile
    assert profile.as_setting()["agency"] == "politie"
    assert Profile.from_setting({"name": "X", "team": None}).team == ""
    assert profile_problem_at(profile) is None
    long_team = Profile("Jan", team="x" * (PROFILE_TEXT_LIMIT + 1))
    found = profile_problem_at(long_team)
    assert found is not None and found[0] == "team" and "Team of afdeling" in found[1]
    bad_number = profile_problem_at(Profile("Jan", contact="bel mij"))
    assert bad_number is not None and bad_number[0] == "contact"
    assert profile_problem_at(Profile(" ")) == ("name", "Vul uw naam in.")
