"""The benchmark runs end to end at a small size. It asserts what it reports, never a timing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))

import benchmark  # noqa: E402


@pytest.mark.slow
def test_benchmark_reports_every_figure(tmp_path: Path):
    out = tmp_path / "results.md"
    benchmark.main(["--sizes", "200000", "--work-dir", str(tmp_path / "work"), "--out", str(out)])
    report = json.loads(out.with_suffix(".json").read_text())
    (run,) = report["runs"]
    assert run["spells"] == 200_000
    assert run["flagged"] > 0  # the floor flagged the same number, or the run would stop
    figures = ("build_wall_seconds", "fact_model_seconds", "floor_seconds", "peak_memory_gb")
    for figure in (*figures, "refresh_wall_seconds", "refresh_fact_seconds"):
        assert run[figure] > 0, figure
    assert run["refresh_new_month"] == "202403"  # the generator's last month
    ratio = run["fact_model_seconds"] / run["floor_seconds"]
    assert run["fact_to_floor_ratio"] == pytest.approx(ratio, abs=0.05)
    share = run["refresh_fact_seconds"] / run["fact_model_seconds"]
    assert run["refresh_to_full_fact"] == pytest.approx(share, abs=0.05)
    assert {"cpus", "memory_gb", "duckdb"} <= set(report["machine"])
    assert "| 200000 |" in out.read_text()
