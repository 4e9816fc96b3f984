"""The benchmark runs end to end at a small size. It asserts what it reports, never a timing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))

import benchmark  # noqa: E402

# Each ratio and the seconds it is the quotient of (the ratios are rounded to 0.01).
RATIOS = {
    "build_to_floor": ("build_wall_seconds", "floor_seconds"),
    "fact_to_floor": ("fact_model_seconds", "floor_seconds"),
    "refresh_to_full_build": ("refresh_wall_seconds", "build_wall_seconds"),
    "refresh_to_full_fact": ("refresh_fact_seconds", "fact_model_seconds"),
}


@pytest.mark.slow
def test_benchmark_reports_every_figure(tmp_path: Path):
    out = tmp_path / "results.md"
    arguments = ["--sizes", "200000", "--lists", "realistic"]
    benchmark.main([*arguments, "--work-dir", str(tmp_path / "work"), "--out", str(out)])
    report = json.loads(out.with_suffix(".json").read_text())
    (run,) = report["runs"]
    assert (run["spells"], run["code_lists"]) == (200_000, "realistic")
    assert run["flagged"] > 0  # the floor flagged the same number, or the run would stop
    for ratio, (numerator, denominator) in RATIOS.items():
        assert run[numerator] > 0 and run[denominator] > 0, ratio
        assert run[ratio] == pytest.approx(run[numerator] / run[denominator], abs=0.0051), ratio
    assert run["peak_memory_gb"] > 0 and run["refresh_peak_memory_gb"] > 0
    assert run["spells_per_second"] > 0 and run["generation_seconds"] > 0
    assert run["refresh_new_month"] == "202403"  # the generator's last month
    assert run["full_tests_run"] > 0 and run["refresh_tests_run"] > 0
    for top in (run["top_nodes"], run["refresh_top_nodes"]):
        assert len(top) == 5
        assert all(node["name"] and node["seconds"] > 0 for node in top)
        assert [node["seconds"] for node in top] == sorted(
            (node["seconds"] for node in top), reverse=True
        )
    lists = run["distinct_diagnosis_lists"]
    assert 0 < lists <= run["spells"] and 0 < run["distinct_procedure_lists"] <= run["spells"]
    assert run["distinct_list_share"] == pytest.approx(lists / run["spells"], abs=0.00006)
    assert {"cpus", "memory_gb", "duckdb"} <= set(report["machine"])
    assert report["targets"] == []  # no 18M or 54M run to compare with the targets
    assert "| 200000 | realistic |" in out.read_text()
