"""Shared fixtures: generated extracts and dbt runs through dbtRunner."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult

from apcs_extract import ExtractSpec, generate, write_extract

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_DIR / "target" / "test-output"


@dataclass
class DbtProject:
    """One isolated copy of the project's outputs: its own DuckDB file and target path."""

    work_dir: Path
    data_dir: Path

    @property
    def database_path(self) -> Path:
        return self.work_dir / "rfd_back.duckdb"

    def invoke(self, *args: str, monkeypatch: pytest.MonkeyPatch) -> dbtRunnerResult:
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


def write_test_extract(out_dir: Path, fmt: str, noisy: bool, spells: int = 20_000) -> None:
    """An extract rich in RFD candidates and near misses. A noisy one also has formatting
    noise, ages that are not whole numbers and derived rows with no spell; a canonical one is
    in NCDR's own format."""
    spec = ExtractSpec(
        spells=spells,
        seed=7 if noisy else 11,
        candidate_share=0.25,
        formatting_noise_share=0.2 if noisy else 0.0,
        derived_only_rows=25 if noisy else 0,
    )
    write_extract(*generate(spec), out_dir, fmt)


def read_extract(data_dir: Path) -> tuple[list[dict], dict[str, list[dict]]]:
    """The raw rows of an extract as text, read without the project's code: the spells, and
    each identifier's derived rows (an extract may hold several for one spell)."""
    tables = {}
    for name in ("apcs", "apcs_der"):
        parquet = data_dir / f"{name}.parquet"
        if parquet.exists():
            rows = pq.read_table(parquet).to_pylist()
        else:
            with open(data_dir / f"{name}.csv", newline="") as handle:
                rows = [
                    {key: (value if value != "" else None) for key, value in row.items()}
                    for row in csv.DictReader(handle)
                ]
        tables[name] = rows
    derived: dict[str, list[dict]] = {}
    for row in tables["apcs_der"]:
        derived.setdefault(str(row["APCS_Ident"]).strip(), []).append(row)
    return tables["apcs"], derived


@pytest.fixture(scope="session", autouse=True)
def _no_tracking():
    os.environ["DO_NOT_TRACK"] = "1"


@contextmanager
def headless_chromium_page(width: int, height: int) -> Iterator[tuple[object, list[str]]]:
    """A page in Debian's Chromium, headless, driven through Playwright (no browser is
    downloaded), and the list its uncaught errors are collected in."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (make test installs it)"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            browser.close()
