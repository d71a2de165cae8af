"""An import inside a function says why (docs/ARCHITECTURE.md section 2): start-up time, an
import on a worker thread, a library that only some systems have. Never to hide a circle: the
import contracts (`lint-imports`, in `make test`) read these imports like any other."""

from __future__ import annotations

import ast
import re

from tests.support import ROOT

REASON = re.compile(r"#\s*noqa:\s*PLC0415\s+-\s+\S")


def _imports_in_functions(node: ast.AST, in_function: bool = False) -> list[ast.stmt]:
    found: list[ast.stmt] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            if in_function:
                found.append(child)
        else:
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            found += _imports_in_functions(child, inner)
    return found


def _function_level_imports() -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for path in sorted([*(ROOT / "fieldapp").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in _imports_in_functions(ast.parse(source)):
            text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            found.append((path.relative_to(ROOT).as_posix(), node.lineno, text))
    return found


def test_every_import_inside_a_function_says_why() -> None:
    imports = _function_level_imports()
    assert len(imports) > 20  # the scan sees them
    silent = [
        f"{path}:{line}: {text.strip()}" for path, line, text in imports if not REASON.search(text)
    ]
    assert silent == []
