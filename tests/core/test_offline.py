"""A whole command-line session opens no socket at all (audit hooks see every attempt)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT
from tests.support.sample_visit import sample_visit

SESSION = r"""
import io, json, sys
events = []
def hook(event, args):
    if event.startswith("socket.") or event in ("urllib.Request", "http.client.connect"):
        events.append(event)
sys.addaudithook(hook)
from fieldapp.cli import main
folder, pw, visit_file, backup, restored = sys.argv[1:6]
base = ["--vault", folder, "--passphrase-file", pw]
codes = [
    main(["vault", "init", "--role", "field", *base]),
    main(["visit", "add", "--json", visit_file, *base]),
    main(["visit", "list", "--search", "kas", *base]),
    main(["demo", "--visits", "5", *base]),
    main(["vault", "check", *base]),
    main(["vault", "backup", "--out", backup, *base]),
    main(["vault", "restore", backup, "--vault", restored, "--passphrase-file", pw]),
]
print(json.dumps({"codes": codes, "events": events}))
"""


def test_cli_session_opens_no_socket(tmp_path: Path) -> None:
    passphrase = tmp_path / "pw.txt"
    passphrase.write_text("correct horse battery staple\n")
    visit = tmp_path / "visit.json"
    visit.write_text(json.dumps(sample_visit()))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SESSION,
            str(tmp_path / "vault"),
            str(passphrase),
            str(visit),
            str(tmp_path / "backup.fabk"),
            str(tmp_path / "restored"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0] * 7
    assert report["events"] == []


def test_the_hook_would_see_a_socket() -> None:
    """Proof the check above can fail: the same hook records a socket being made."""
    probe = (
        "import sys, socket, json\nevents=[]\n"
        "sys.addaudithook(lambda e, a: events.append(e) if e.startswith('socket.') else None)\n"
        "socket.socket().close()\nprint(json.dumps(events))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "socket.__new__" in json.loads(result.stdout)
