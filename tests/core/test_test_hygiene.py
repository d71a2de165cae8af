"""Tests that cannot be fooled: a test never imports another test module or a conftest (shared
helpers live in tests/support/, imported by name), and never skips because a module of the app
is missing (a renamed module must fail, not vanish from the run)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

TESTS = ROOT / "tests"
OWN_PACKAGES = ("fieldapp", "ui")


def _test_sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in TESTS.rglob("*.py")]


def _imported_modules(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_test_imports_another_test_module_or_a_conftest() -> None:
    sources = _test_sources()
    assert len(sources) > 50  # the scan sees the tests
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, tree in sources
        for name in _imported_modules(tree)
        if name.startswith("tests.")
        and (name.rsplit(".", 1)[-1].startswith("test_") or name.endswith("conftest"))
    ]
    assert wrong == []


def test_no_test_skips_for_a_missing_module_of_the_app() -> None:
    skips = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _test_sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "importorskip"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).split(".")[0] in OWN_PACKAGES
    ]
    assert skips == []
