"""One strength rule for every secret a user chooses: the vault passphrase, an export
passphrase, a PDF password given by file. zxcvbn loads only when a secret is judged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fieldapp.errors import FieldAppError
from fieldapp.exports import table
from fieldapp.vault import passphrase
from tests.support import PASSPHRASE, ROOT

WEAK = ["aaaaaaaaaaaaaaaa", "123456789012", "P@ssw0rd1234", "Zomer2026!", "password1234"]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_secrets_are_refused_with_a_reason(weak: str) -> None:
    problem = passphrase.secret_problem(weak)
    assert problem is not None and problem.key == "ui.strength.refused"
    assert problem.message().startswith("Dit wachtwoord is te makkelijk te raden: ")
    assert problem.message("en").startswith("This passphrase is too easy to guess: ")
    assert weak not in problem.message()


def test_length_first_then_the_repeat_then_strength() -> None:
    short = passphrase.secret_problem("kort")
    assert short is not None and short.key == "passphrase.too_short"
    assert str(passphrase.MIN_PASSPHRASE_LENGTH) in short.message()
    pdf = passphrase.secret_problem("lantaarn!!", minimum=passphrase.MIN_PDF_PASSWORD_LENGTH)
    assert pdf is not None and pdf.key == "passphrase.too_short"
    assert str(passphrase.MIN_PDF_PASSWORD_LENGTH) in pdf.message()
    mismatch = passphrase.secret_problem(PASSPHRASE, PASSPHRASE + "x")
    assert mismatch is not None and mismatch.key == "passphrase.mismatch"
    assert passphrase.secret_problem(PASSPHRASE, PASSPHRASE) is None


def test_dutch_and_personal_words_count_as_guessable() -> None:
    assert passphrase.secret_problem("inspectie2026") is not None  # zxcvbn alone: 4
    assert passphrase.secret_problem("korvathtilmanse") is None
    refused = passphrase.secret_problem("korvathtilmanse", user_inputs=("Korvath", "Tilmanse", ""))
    assert refused is not None and refused.key == "ui.strength.refused"
    assert (
        passphrase.passphrase_strength("x" * 500).score == 0
    )  # zxcvbn's 72-character limit is handled


def test_export_passphrases_follow_the_same_rule() -> None:
    for weak in WEAK:
        with pytest.raises(FieldAppError) as refused:
            table.check_protection(weak, confirm_unencrypted=False)
        assert refused.value.key in ("ui.strength.refused", "passphrase.too_short")
    table.check_protection("een lange wachtwoordzin", confirm_unencrypted=False)


def test_zxcvbn_loads_only_when_a_secret_is_judged() -> None:
    probe = (
        "import sys, fieldapp.cli, fieldapp.vault.passphrase, fieldapp.exports.table, "
        "fieldapp.terminal\n"
        "assert 'zxcvbn' not in sys.modules, 'loaded at import'\n"
        "fieldapp.cli.build_parser()\n"
        "assert 'zxcvbn' not in sys.modules, 'loaded by the parser'\n"
        "from fieldapp.vault.passphrase import secret_problem\n"
        "secret_problem('lantaarn molen zeilboot')\n"
        "assert 'zxcvbn' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
