"""The HTML report rendered from a built project, through `python -m rfd_back_report` as an
analyst runs it, and the chart figures it embeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rfd_back_report.__main__ import main as render_report
from support.project import PROJECT_DIR, DbtProject, release_duckdb_database

FIGURE = re.compile(
    r'<script type="application/json" class="chart-figure" data-chart="([^"]+)">(.*?)</script>',
    re.S,
)


def use_project(project: DbtProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point dbt, as the report runs it, at the project's database and target path."""
    monkeypatch.setenv("APCS_DATA_DIR", str(project.data_dir))
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(project.database_path))
    monkeypatch.setenv("DBT_TARGET_PATH", str(project.work_dir / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(project.work_dir / "logs"))
    monkeypatch.setenv("DBT_TARGET", "duckdb")


def render(project: DbtProject, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    use_project(project, monkeypatch)
    arguments = ["--out", str(out), "--project-dir", str(PROJECT_DIR)]
    try:
        assert render_report(arguments) == 0
    finally:
        release_duckdb_database()
    return out.read_text(encoding="utf-8")


def figures(html: str) -> dict[str, dict]:
    return {chart: json.loads(text.replace("<\\/", "</")) for chart, text in FIGURE.findall(html)}
