"""The same answer on every engine that runs here: DuckDB, a real PostgreSQL server and a
local Spark session.

All three build the project from the same extract (the noisy CSV one, so normalisation is
compared too) and every spell's flag and exclusion reason must be identical, and so must the
data-quality report's count of each issue (each engine splits and checks code lists its own
way), and the published repeat procedures (dates and window functions). PostgreSQL and
Spark run the portable `default__` SQL of the macros, reading tables loaded by `apcs-load`'s
functions; each then refreshes on the same extract, which must change nothing and leave no
spell twice. The refresh's handling of new, revised, removed and moved spells is proven on
DuckDB (test_monthly_refresh.py); on PostgreSQL the same SQL runs, on Spark partitions are
replaced instead (decision D11)."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import psycopg2
import pytest

from apcs_extract.load import load_postgres, load_spark, spark_session
from apcs_extract.population import POPULATION_TABLE
from support.extracts import write_test_extract
from support.postgres_server import postgres_server
from support.project import DbtProject

OUTCOMES = "select apcs_ident, is_rfd_back, exclusion_reason from {schema}.fct_rfd_back_spells"
# The data-quality report, counted: each engine splits and checks code lists its own way.
ISSUES = (
    "select source_table, field, issue, count(*) from {schema}.int_apcs__data_quality_issues"
    " group by source_table, field, issue"
)
# Rows of the published rates.
RATES = "select count(*) from {schema}.rpt_rfd_back_rates"
# The published repeat procedures: episodes, follow-up windows, medians and disclosure control
# each engine computes with its own dates and window functions.
REPEATS = (
    "select financial_year, organisation_type, organisation_code, measure, interval_month,"
    " measure_count, median_interval_days from {schema}.rpt_rfd_back_repeat_procedures"
)
SPELLS = 20_000
SCHEMA = os.environ.get("DBT_SCHEMA", "rfd_back")  # the postgres and spark targets' schema


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("parity_extract")
    write_test_extract(data_dir, "csv", noisy=True, spells=SPELLS)
    return data_dir


@pytest.fixture(scope="module")
def duckdb_project(extract_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    monkeypatch = pytest.MonkeyPatch()
    project = DbtProject(work_dir=tmp_path_factory.mktemp("parity_duckdb"), data_dir=extract_dir)
    try:
        result = project.invoke("build", "--target", "duckdb", monkeypatch=monkeypatch)
    finally:
        monkeypatch.undo()
    assert result.success, result.exception
    return project


@pytest.fixture(scope="module")
def duckdb_outcomes(duckdb_project: DbtProject) -> dict:
    return {row[0]: row[1:] for row in duckdb_project.query(OUTCOMES.format(schema="main"))}


@pytest.fixture(scope="module")
def duckdb_issues(duckdb_project: DbtProject) -> dict:
    return issue_counts(duckdb_project.query(ISSUES.format(schema="main")))


@pytest.fixture(scope="module")
def duckdb_repeats(duckdb_project: DbtProject) -> list[tuple]:
    return repeat_rows(duckdb_project.query(REPEATS.format(schema="main")))


def repeat_rows(rows) -> list[tuple]:
    """The published repeat procedures, sorted, every number as a float; there must be
    repeats to compare."""
    rows = sorted(
        (tuple(value if value is None or isinstance(value, str) else float(value)
               for value in row) for row in rows),
        key=lambda row: tuple("" if value is None else str(value) for value in row),
    )  # fmt: skip
    assert any(row[3] == "patients_repeat_within_6_months" and row[5] for row in rows)
    return rows


def issue_counts(rows) -> dict:
    counts = {tuple(row[:3]): int(row[3]) for row in rows}
    assert counts.get(("apcs", "diagnosis_codes_all", "list_code_wrong_shape"), 0) > 0
    return counts


def summary(outcomes: dict) -> dict:
    return dict(sorted(Counter(reason or "flagged" for _, reason in outcomes.values()).items()))


def assert_same_outcomes(engine: str, outcomes: dict, duckdb_outcomes: dict, capsys) -> None:
    with capsys.disabled():
        print(f"\nDuckDB     {summary(duckdb_outcomes)}\n{engine:<10} {summary(outcomes)}")
    assert outcomes.keys() == duckdb_outcomes.keys()
    differing = [ident for ident in outcomes if outcomes[ident] != duckdb_outcomes[ident]]
    assert not differing, f"{engine}: {len(differing)} spells differ, e.g. {differing[:5]}"
    assert summary(outcomes)["flagged"] >= 100


def logged(work_dir: Path) -> str:
    """Everything dbt logged in `work_dir`, its rotated log files included."""
    return "".join(path.read_text() for path in (work_dir / "logs").glob("dbt.log*"))


def build_and_refresh(project: DbtProject, target: str, outcomes, monkeypatch) -> dict:
    """`dbt build`, then a refresh (`dbt build` again: every data test runs on the refreshed
    fact) that must leave every outcome as it was. `outcomes` returns the fact's rows."""
    result = project.invoke("build", "--target", target, monkeypatch=monkeypatch)
    assert result.success, result.exception
    built = outcomes()
    refresh = project.invoke("build", "--target", target, monkeypatch=monkeypatch)
    assert refresh.success, refresh.exception
    assert sorted(outcomes()) == sorted(built)
    identifiers = [row[0] for row in built]
    assert len(identifiers) == len(set(identifiers)), f"{target}: a spell is in the fact twice"
    return {row[0]: row[1:] for row in built}


@pytest.mark.postgres
def test_postgres_matches_duckdb_on_every_spell(
    extract_dir, duckdb_outcomes, duckdb_issues, duckdb_repeats, tmp_path, capsys
):
    monkeypatch = pytest.MonkeyPatch()
    try:
        with postgres_server() as environment:
            for name, value in environment.items():
                monkeypatch.setenv(name, value)
            assert load_postgres(extract_dir, "apcs_extract")["apcs"] == SPELLS

            def outcomes() -> list[tuple]:
                with psycopg2.connect() as connection, connection.cursor() as cursor:
                    cursor.execute(OUTCOMES.format(schema=SCHEMA))
                    return cursor.fetchall()

            project = DbtProject(work_dir=tmp_path, data_dir=extract_dir)
            on_postgres = build_and_refresh(project, "postgres", outcomes, monkeypatch)
            with psycopg2.connect() as connection, connection.cursor() as cursor:
                cursor.execute(ISSUES.format(schema=SCHEMA))
                issues = issue_counts(cursor.fetchall())
                cursor.execute(REPEATS.format(schema=SCHEMA))
                repeats = repeat_rows(cursor.fetchall())
                cursor.execute(RATES.format(schema=SCHEMA))
                assert cursor.fetchone()[0] > 0
                # Without the population table the build still succeeds, with no rates.
                cursor.execute(f"drop table apcs_extract.{POPULATION_TABLE} cascade")
            rebuilt = project.invoke("build", "--target", "postgres", monkeypatch=monkeypatch)
            assert rebuilt.success, rebuilt.exception
            assert "No population table" in logged(tmp_path)
            with psycopg2.connect() as connection, connection.cursor() as cursor:
                cursor.execute(RATES.format(schema=SCHEMA))
                assert cursor.fetchone()[0] == 0
    finally:
        monkeypatch.undo()
    assert_same_outcomes("PostgreSQL", on_postgres, duckdb_outcomes, capsys)
    assert issues == duckdb_issues
    assert repeats == duckdb_repeats


@pytest.mark.spark
def test_spark_matches_duckdb_on_every_spell(
    extract_dir, duckdb_outcomes, duckdb_issues, duckdb_repeats, tmp_path, capsys
):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SPARK_WAREHOUSE_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    # The same session serves the load and dbt (method: session), in this process. Spark
    # builds with the two APCS tables alone: no population table, so no rates.
    two_tables = tmp_path / "two_tables"
    two_tables.mkdir()
    for table in ("apcs", "apcs_der"):
        shutil.copy(extract_dir / f"{table}.csv", two_tables)
    session = spark_session(tmp_path / "spark")
    try:
        loaded = load_spark(two_tables, "apcs_extract", session)
        assert loaded["apcs"] == SPELLS and POPULATION_TABLE not in loaded

        def outcomes() -> list[tuple]:
            return [tuple(row) for row in session.sql(OUTCOMES.format(schema=SCHEMA)).collect()]

        project = DbtProject(work_dir=tmp_path, data_dir=extract_dir)
        on_spark = build_and_refresh(project, "spark", outcomes, monkeypatch)
        issues = issue_counts(session.sql(ISSUES.format(schema=SCHEMA)).collect())
        repeats = repeat_rows(session.sql(REPEATS.format(schema=SCHEMA)).collect())
        assert session.sql(RATES.format(schema=SCHEMA)).collect()[0][0] == 0
        assert "No population table" in logged(tmp_path)
    finally:
        session.stop()
        monkeypatch.undo()
    assert_same_outcomes("Spark", on_spark, duckdb_outcomes, capsys)
    assert issues == duckdb_issues
    assert repeats == duckdb_repeats
