"""The project's directory, and dbt runs of it through dbtRunner, each isolated in its own
DuckDB file and target path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class DbtProject:
    """One isolated copy of the project's outputs: its own DuckDB file and target path."""

    work_dir: Path
    # The extract directory (APCS_DATA_DIR); None leaves APCS_DATA_DIR unset.
    data_dir: Path | None

    @property
    def database_path(self) -> Path:
        return self.work_dir / "rfd_back.duckdb"

    def invoke(self, *args: str, monkeypatch: pytest.MonkeyPatch) -> dbtRunnerResult:
        if self.data_dir is None:
            monkeypatch.delenv("APCS_DATA_DIR", raising=False)
        else:
            monkeypatch.setenv("APCS_DATA_DIR", str(self.data_dir))
        monkeypatch.setenv("DBT_DUCKDB_PATH", str(self.database_path))
        monkeypatch.setenv("DUCKDB_TEMP_DIRECTORY", str(self.work_dir / "spill"))
        monkeypatch.setenv("DO_NOT_TRACK", "1")
        monkeypatch.setenv("DBT_TARGET", "duckdb")  # others are named with --target
        try:
            return dbtRunner().invoke(
                [
                    *args,
                    "--project-dir",
                    str(PROJECT_DIR),
                    "--profiles-dir",
                    str(PROJECT_DIR),
                    "--target-path",
                    str(self.work_dir / "target"),
                    "--log-path",
                    str(self.work_dir / "logs"),
                ]
            )
        finally:
            release_duckdb_database()

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database_path), read_only=True) as con:
            return con.execute(sql).fetchall()


def release_duckdb_database() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an invocation,
    so the tests can open the file themselves (DuckDB refuses a second, differently
    configured connection to an open file)."""
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
