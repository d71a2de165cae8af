"""The core never imports Qt or the desktop package: every module of ``fieldapp`` is imported
in a fresh interpreter, and afterwards neither PySide6, shiboken6 nor ``ui`` may be loaded."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import ROOT

PROBE = """
import importlib, json, pkgutil, sys
import fieldapp
names = ["fieldapp"]
for module in pkgutil.walk_packages(fieldapp.__path__, "fieldapp."):
    names.append(module.name)
    importlib.import_module(module.name)
forbidden = ("PySide6", "shiboken6", "ui")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in forbidden)
print(json.dumps({"imported": names, "forbidden": loaded}))
"""


def test_no_module_of_the_core_imports_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["forbidden"] == []
    assert {"fieldapp.cli", "fieldapp.vault.vault", "fieldapp.store.store"} <= set(
        report["imported"]
    )
