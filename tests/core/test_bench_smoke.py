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


def test_the_visit_flow_counts_every_run_at_both_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14's visit through the real window: every run finishes with the visit in the
    vault, and the counts add up. The counts and the estimate are reported, not bounded."""
    out = tmp_path / "flow.json"
    code = run.main(
        ["--size", "tiny", "--only", "flow", "--work-dir", str(tmp_path), "--json", str(out)]
    )
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    results = {result["key"]: result for result in document["results"]}
    assert list(results) == [key for key in ORDER if key.startswith("flow_")]
    assert len(results) == 6
    scales = set()
    for key, result in results.items():
        figures = result["details"]
        assert figures["error"] is None, (key, figures["error"])
        assert figures["outcome"]["complete"], key
        scales.add(figures["screen"]["scale"])
        assert figures["total_events"] == (
            figures["typed_characters"] + figures["on_screen_characters"] + figures["other_events"]
        )
        if key.endswith("_touch"):
            assert figures["typed_characters"] == 0 and figures["keys"] == 0
            assert figures["taps"] == figures["total_events"]
        else:
            assert figures["clicks_or_taps"] == 0 and figures["on_screen_characters"] == 0
        if not key.endswith("_revisit"):
            assert figures["outcome"]["written"] and figures["outcome"]["referrals"] == 1
        else:
            assert figures["outcome"]["site_linked"]
        assert result["ours"]["median_s"] > result["raw"]["median_s"] > 0
    assert scales == {None, "1.5"}
    assert "visit (new site, keyboard only, 1366×768)" in capsys.readouterr().out
