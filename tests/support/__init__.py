"""What many tests share, imported by name (fixtures stay in the conftest files): the test
passphrase, the repository root, and the command line run as a user runs it (`run_cli`) with
its two outcomes (`ok`, `refused`: never a traceback).

The rest of this package: ``sample_visit`` (one realistic visit as JSON), ``sync`` (field and
coordinator vaults, enrolment, forged bundles), ``replies`` (a device paired with its
coordinator for the reply tests, a corrected catalogue), ``workspace`` (a coordinator's
merged picture), ``vault`` (a vault seen from outside: files, decrypted pages, every row),
``referral`` (referral documents built by hand), ``qt`` (the desktop's fakes and gestures),
``children/`` (processes the crash tests kill)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PASSPHRASE = "correct horse battery staple"
ROOT = Path(__file__).resolve().parent.parent.parent


def run_cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, lang: str = "nl"
) -> subprocess.CompletedProcess[str]:
    """Run ``fieldapp`` in a fresh process, as a user would. Vaults made this way use the real
    KDF cost unless the test created them through the fixtures."""
    full_env = {**os.environ, "FIELDAPP_LANG": lang, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "fieldapp.cli", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result, *fragments: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr
    return result.stderr
