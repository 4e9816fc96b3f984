"""The same answer on every engine that runs here: DuckDB and a real PostgreSQL server.

Both build the project from the same extract (the noisy CSV one, so normalisation is
compared too); every spell's flag and exclusion reason must be identical. PostgreSQL runs
the portable `default__` SQL of every macro, reading tables loaded with `apcs-load`."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import psycopg2
import pytest
from conftest import DbtProject, write_test_extract
from postgres_server import postgres_server

from apcs_extract.load import load_postgres

OUTCOMES = "select apcs_ident, is_rfd_back, exclusion_reason from {schema}.fct_rfd_back_spells"


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("parity_extract")
    write_test_extract(data_dir, "csv", noisy=True)
    return data_dir


@pytest.fixture(scope="module")
def duckdb_outcomes(extract_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    monkeypatch = pytest.MonkeyPatch()
    project = DbtProject(work_dir=tmp_path_factory.mktemp("parity_duckdb"), data_dir=extract_dir)
    result = project.invoke("build", "--target", "duckdb", monkeypatch=monkeypatch)
    monkeypatch.undo()
    assert result.success, result.exception
    return {row[0]: row[1:] for row in project.query(OUTCOMES.format(schema="main"))}


@pytest.fixture(scope="module")
def postgres(extract_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A PostgreSQL server holding the extract, and a project that builds into it."""
    monkeypatch = pytest.MonkeyPatch()
    with postgres_server() as environment:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        counts = load_postgres(extract_dir, "apcs_extract")
        assert counts["apcs"] == 20_000
        project = DbtProject(work_dir=tmp_path_factory.mktemp("parity_pg"), data_dir=extract_dir)
        yield project, monkeypatch
    monkeypatch.undo()


def postgres_outcomes() -> dict:
    with psycopg2.connect() as connection, connection.cursor() as cursor:
        cursor.execute(OUTCOMES.format(schema=os.environ.get("DBT_SCHEMA", "rfd_back")))
        return {row[0]: row[1:] for row in cursor.fetchall()}


def summary(outcomes: dict) -> Counter:
    return Counter(reason or "flagged" for _, reason in outcomes.values())


def test_postgres_builds_and_matches_duckdb_on_every_spell(postgres, duckdb_outcomes, capsys):
    project, monkeypatch = postgres
    result = project.invoke("build", "--target", "postgres", monkeypatch=monkeypatch)
    assert result.success, result.exception
    on_postgres = postgres_outcomes()
    with capsys.disabled():
        print(f"\nDuckDB:     {dict(sorted(summary(duckdb_outcomes).items()))}")
        print(f"PostgreSQL: {dict(sorted(summary(on_postgres).items()))}")
    assert on_postgres.keys() == duckdb_outcomes.keys()
    differing = [ident for ident in on_postgres if on_postgres[ident] != duckdb_outcomes[ident]]
    assert not differing, f"{len(differing)} spells differ, e.g. {differing[:5]}"
    assert summary(on_postgres)["flagged"] >= 100

    # A refresh on PostgreSQL (the incremental strategy's delete and insert) changes nothing.
    refresh = project.invoke("run", "--target", "postgres", monkeypatch=monkeypatch)
    assert refresh.success, refresh.exception
    assert postgres_outcomes() == on_postgres
