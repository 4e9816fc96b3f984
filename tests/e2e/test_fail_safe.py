"""A run that cannot start right does not start: a failure before the models stops it with
nothing written, and no name or path the analyst supplies is ever run as SQL.

- a table where registration keeps a view of the extract (left by hand or by another tool)
  stops the run with what to do, and every table of the last good build stays as it was;
- a var naming a relation with a quote in it stops the run, and the SQL after the quote is
  never run;
- an extract directory whose name holds a quote, or SQL, is read as the path it is;
- with no extract directory set, tables already loaded into the database are read as they
  stand, and the run says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from apcs_extract import ExtractSpec, generate, write_extract
from support.extracts import write_test_extract
from support.project import PROJECT_DIR, DbtProject

SPELLS = 1_000


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("extract")
    write_test_extract(directory, "csv", noisy=False, spells=SPELLS)
    return directory


@pytest.fixture(scope="module")
def other_extract(tmp_path_factory) -> Path:
    """Another month's extract: a run that read it would change every table."""
    directory = tmp_path_factory.mktemp("other_extract")
    write_extract(
        *generate(ExtractSpec(spells=SPELLS // 2, seed=99, candidate_share=0.25)), directory, "csv"
    )
    return directory


def built_tables(project: DbtProject) -> dict[str, list[tuple]]:
    """Every table the build wrote, with its rows in order."""
    names = [
        name
        for (name,) in project.query(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
        )
    ]
    return {name: sorted(project.query(f'select * from main."{name}"'), key=repr) for name in names}


def test_table_in_place_of_the_extract_view_stops_the_run_and_writes_nothing(
    extract: Path, other_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = DbtProject(work_dir=tmp_path, data_dir=extract)
    assert project.invoke("build", "--full-refresh", monkeypatch=monkeypatch).success
    before = built_tables(project)
    assert "fct_rfd_back_spells" in before and "rpt_rfd_back_activity" in before
    with duckdb.connect(str(project.database_path)) as con:
        con.execute("drop view apcs_extract.apcs")
        con.execute("create table apcs_extract.apcs as select 1 as loaded_by_hand")

    project.data_dir = other_extract
    result = project.invoke("build", "--full-refresh", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert "apcs_extract.apcs in the database file" in log
    assert "is a table, where this project keeps a view" in log
    assert "execute('drop table apcs_extract.apcs')" in log, "the message says how to remove it"
    assert built_tables(project) == before, "a seed or model ran after registration failed"
    assert project.query("select * from apcs_extract.apcs") == [(1,)], "the table was replaced"


@pytest.mark.parametrize(
    "var",
    ["apcs_spells_table", "apcs_source_schema", "apcs_derived_table", "population_table"],
)
def test_var_naming_a_relation_runs_no_sql(
    var: str, extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = DbtProject(work_dir=tmp_path, data_dir=extract)
    assert project.invoke("build", "--select", "stg_apcs__spells", monkeypatch=monkeypatch).success
    hostile = 'apcs"; create table main.injected as select 1; --'
    result = project.invoke("build", "--vars", f"{{{var}: '{hostile}'}}", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert f"A var naming a source relation is not a plain name: {var} is" in log
    tables = [name for (name,) in project.query("select table_name from information_schema.tables")]
    assert "injected" not in tables, "the SQL after the quote ran"
    assert "fct_rfd_back_spells" not in tables, "a model ran"


@pytest.mark.parametrize(
    "directory",
    ["o'neil extract", "x'); copy (select 1) to 'injected.csv'; --"],
    ids=["apostrophe", "sql"],
)
def test_extract_directory_with_a_quote_is_read_as_its_path(
    directory: str, extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data_dir = tmp_path / directory
    shutil.copytree(extract, data_dir)
    monkeypatch.chdir(tmp_path)
    project = DbtProject(work_dir=tmp_path / "work", data_dir=data_dir)
    result = project.invoke(
        "build",
        "--select",
        "+fct_rfd_back_spells",
        "--exclude-resource-type",
        "test",
        "unit_test",
        monkeypatch=monkeypatch,
    )
    assert result.success, "an extract directory with a quote in its name was not read"
    assert project.query("select count(*) from main.fct_rfd_back_spells") == [(SPELLS,)]
    for place in (tmp_path, PROJECT_DIR, project.work_dir):
        assert not (place / "injected.csv").exists(), "the directory's name ran as SQL"


def test_tables_already_in_the_database_are_read_when_no_extract_directory_is_set(
    extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The extract loaded into the database file by the analyst's own tool, and APCS_DATA_DIR
    unset: the tables are read where they stand (nothing is registered over them), and the
    fact is the one a build from the files gives."""
    fact = "select * exclude (flagged_in_invocation) from main.fct_rfd_back_spells order by 1"
    from_files = DbtProject(work_dir=tmp_path / "files", data_dir=extract)
    assert from_files.invoke("build", monkeypatch=monkeypatch).success
    loaded = DbtProject(work_dir=tmp_path / "loaded", data_dir=None)
    loaded.work_dir.mkdir()
    with duckdb.connect(str(loaded.database_path)) as con:
        con.execute("create schema apcs_extract")
        for table in ("apcs", "apcs_der", "commissioner_population"):
            con.execute(
                f"create table apcs_extract.{table} as select * from "
                f"read_csv('{extract / table}.csv', all_varchar = true)"
            )
    assert loaded.invoke("build", monkeypatch=monkeypatch).success
    assert "reading them as they stand" in (loaded.work_dir / "logs" / "dbt.log").read_text()
    assert loaded.query(fact) == from_files.query(fact)
    kinds = loaded.query(
        "select distinct table_type from information_schema.tables"
        " where table_schema = 'apcs_extract'"
    )
    assert kinds == [("BASE TABLE",)], "a view was registered over the loaded tables"
    [(location,)] = loaded.query("select extract_location from main.rpt_rfd_back_build_information")
    assert "apcs_extract" in location and "extract directory" not in location, location
