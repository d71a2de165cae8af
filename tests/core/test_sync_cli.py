"""The sync commands as a user runs them: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, run_cli

FINGERPRINT = re.compile(r"\d{5}(?: \d{5}){11}")


def _ok(result) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def test_vault_init_writes_the_recovery_key(tmp_path: Path, passphrase_file: Path) -> None:
    key = tmp_path / "herstel.key"
    out = _ok(
        run_cli(
            "vault",
            "init",
            "--role",
            "coordinator",
            "--recovery-key-out",
            str(key),
            "--vault",
            str(tmp_path / "c"),
            "--passphrase-file",
            str(passphrase_file),
        )
    )
    assert "herstelsleutel" in out.lower()
    text = key.read_text()
    assert re.search(r"^AGE-SECRET-KEY-1[0-9A-Z]+$", text, re.MULTILINE)
    assert key.stat().st_mode & 0o077 == 0
    with Vault.unlock(tmp_path / "c", PASSPHRASE) as vault:
        stored = " ".join(v for (v,) in vault.conn.execute("SELECT value FROM sync_keys"))
    secret = next(line for line in text.splitlines() if line.startswith("AGE-SECRET-KEY"))
    assert secret not in stored
    field = run_cli(
        "vault",
        "init",
        "--role",
        "field",
        "--recovery-key-out",
        str(tmp_path / "x.key"),
        "--vault",
        str(tmp_path / "f"),
        "--passphrase-file",
        str(passphrase_file),
    )
    assert field.returncode == 2 and not (tmp_path / "f" / "vault.key").exists()
    again = run_cli(
        "vault",
        "init",
        "--role",
        "coordinator",
        "--recovery-key-out",
        str(key),
        "--vault",
        str(tmp_path / "c2"),
        "--passphrase-file",
        str(passphrase_file),
    )
    assert again.returncode == 1 and not (tmp_path / "c2" / "vault.key").exists()


def test_the_whole_flow_on_the_command_line(tmp_path: Path, passphrase_file: Path) -> None:
    Vault.create(tmp_path / "c", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS).lock()
    with Vault.create(tmp_path / "f", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as field:
        Store(field).record_visits(demo_visits(4))
    c = ["--vault", str(tmp_path / "c"), "--passphrase-file", str(passphrase_file)]
    f = ["--vault", str(tmp_path / "f"), "--passphrase-file", str(passphrase_file)]

    # A coordinator vault made without one first needs its recovery key.
    refused = run_cli("enrol", "card", "--out", str(tmp_path / "card.json"), *c)
    assert refused.returncode == 1 and "herstelsleutel" in refused.stderr
    _ok(run_cli("enrol", "recovery-key", "--out", str(tmp_path / "rec.key"), *c))
    card_out = _ok(run_cli("enrol", "card", "--out", str(tmp_path / "card.json"), *c))
    coordinator_fp = FINGERPRINT.search(card_out).group(0)

    wrong = run_cli(
        "enrol",
        "trust-coordinator",
        str(tmp_path / "card.json"),
        "--fingerprint",
        "1" * 60,
        *f,
        lang="en",
    )
    assert wrong.returncode == 1 and "does not match" in wrong.stderr
    _ok(
        run_cli(
            "enrol",
            "trust-coordinator",
            str(tmp_path / "card.json"),
            "--fingerprint",
            coordinator_fp,
            *f,
        )
    )
    request_out = _ok(
        run_cli(
            "enrol",
            "request",
            "--out",
            str(tmp_path / "req.json"),
            "--inspector",
            "Inspecteur 07",
            "--agency",
            "nla",
            *f,
        )
    )
    device_fp = FINGERPRINT.search(request_out).group(0)
    _ok(
        run_cli(
            "enrol",
            "approve",
            str(tmp_path / "req.json"),
            "--fingerprint",
            device_fp,
            "--out",
            str(tmp_path / "ack.json"),
            *c,
        )
    )
    _ok(run_cli("enrol", "accept", str(tmp_path / "ack.json"), *f))

    stick = tmp_path / "stick"
    stick.mkdir()
    exported = run_cli("sync", "export", "--out", str(stick), *f)
    bundle_path = Path(_ok(exported).strip())
    assert bundle_path.parent == stick and bundle_path.is_file()
    assert _ok(run_cli("sync", "export", "--out", str(stick), *f)) == ""  # nothing new

    report = json.loads(_ok(run_cli("sync", "import", str(stick), "--json", *c)))
    assert [r["status"] for r in report] == ["imported"]
    assert report[0]["imported"]["visit"] == 4
    assert report[0]["inspector"] == "Inspecteur 07"
    again = _ok(run_cli("sync", "import", str(bundle_path), *c, lang="en"))
    assert "already imported" in again

    junk = tmp_path / "junk.fab"
    junk.write_bytes(b"not a bundle")
    bad = run_cli("sync", "import", str(junk), "--json", *c, lang="en")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert json.loads(bad.stdout)[0]["rejection"]["code"] == "not_age"

    status = json.loads(_ok(run_cli("sync", "status", "--json", *c)))
    assert status["devices"][0]["bundles"] == 1 and status["devices"][0]["missing"] == []
    field_status = json.loads(_ok(run_cli("sync", "status", "--json", *f)))
    assert field_status["enrolled"] and field_status["last_seq"] == 1
    assert field_status["coordinator"] == coordinator_fp

    device_id = status["devices"][0]["device_id"]
    _ok(run_cli("enrol", "revoke", device_id[-8:], *c))
    Vault.unlock(tmp_path / "f", PASSPHRASE).lock()  # an unlock/lock: something to send
    with Vault.unlock(tmp_path / "f", PASSPHRASE) as field:
        Store(field).record_visits(demo_visits(1, seed=9))
    second = Path(_ok(run_cli("sync", "export", "--out", str(stick), *f)).strip())
    revoked = run_cli("sync", "import", str(second), *c, lang="en")
    assert revoked.returncode == 1 and "revoked" in revoked.stdout
    usage = run_cli("sync", "export", "--out", str(stick), "--resend", "x-y", *f)
    assert usage.returncode == 2
