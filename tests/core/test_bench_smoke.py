"""The benchmark harness runs end to end in its smallest size. Timings are never asserted:
only that every row is there with figures a reader can use."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.bench import run
from tests.bench.cases import ORDER
from tests.bench.results import HEADERS


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _number(cell: str) -> float:
    return float(cell.rstrip("×"))


def test_smallest_run_prints_one_table_with_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    code = run.main(
        ["--size", "tiny", "--no-cache", "--work-dir", str(tmp_path), "--json", str(out)]
    )
    assert code == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert _cells(lines[0]) == list(HEADERS)
    rows = [_cells(line) for line in lines[2:]]
    assert len(rows) == len(ORDER)
    for row in rows:
        assert len(row) == len(HEADERS)
        ratio = _number(row[HEADERS.index("ratio ours/raw")])
        assert math.isfinite(ratio) and ratio > 0
        assert row[HEADERS.index("met")].split()[0] in {"yes", "NO", "-"}

    document = json.loads(out.read_text(encoding="utf-8"))
    assert [result["key"] for result in document["results"]] == list(ORDER)
    for result in document["results"]:
        assert math.isfinite(result["ratio"]) and result["ratio"] > 0
        assert result["ours"]["samples_s"] and result["raw"]["samples_s"]
        assert all(value > 0 for value in result["ours"]["samples_s"] + result["raw"]["samples_s"])
    # The work folder is removed after the run.
    assert not list(tmp_path.glob("work-*"))
