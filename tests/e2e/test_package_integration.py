"""The rule installed as a package in a host project (integration_tests/).

The host project installs this repository (`local: ../`), loads its own small APCS extract
as seeds under its own table names, sets the package's vars and runs `dbt deps`, `dbt seed`
and `dbt build`: on DuckDB and on a PostgreSQL server with the pinned dbt, and on DuckDB
with the oldest dbt-core the package supports (.venv-dbt-oldest, a process of its own). Each
time the package's fact must equal, spell for spell and column for column, the fact this
project builds on its own from the same rows (the files registered from APCS_DATA_DIR); the
code lists must be upstream of the fact in the host's manifest; the published tables must be
there, in the package's own schema; and no extract file was registered."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import psycopg2
import pytest
import yaml
from dbt.cli.main import dbtRunner, dbtRunnerResult

from support.postgres_server import postgres_server
from support.project import PROJECT_DIR, DbtProject, release_duckdb_database

HOST_DIR = PROJECT_DIR / "integration_tests"
HOST_SEEDS = HOST_DIR / "seeds" / "sus"
OLDEST_DBT = PROJECT_DIR / ".venv-dbt-oldest" / "bin" / "dbt"

# Where the host's build puts things: its seeds in `analytics_sus`, the package's models and
# seeds in `analytics_rfd_back` (the target schema `analytics`, then the package's schema).
HOST_SCHEMA = "analytics_rfd_back"
# Every column of the fact but the run that wrote it, in one order on every engine.
FACT_COLUMNS = (
    "apcs_ident, pseudo_nhs_number, admission_date, discharge_date, financial_year,"
    " activity_month, provider_code, provider_site_code, commissioner_code, rule_age, sex,"
    " admission_method, administrative_category, patient_classification, has_derived_record,"
    " has_rfd_dominant_procedure, has_lumbar_site_code, has_back_pain_primary_diagnosis,"
    " is_age_in_range, is_non_emergency_admission, has_no_cancer_diagnosis,"
    " is_not_private_patient, is_rfd_back, ebi_intervention_id, exclusion_reason, rule_version"
)
FACT = "select " + FACT_COLUMNS + " from {schema}.fct_rfd_back_spells order by apcs_ident"
PUBLISHED = [
    "rpt_rfd_back_attrition",
    "rpt_rfd_back_activity",
    "rpt_rfd_back_rates",
    "rpt_rfd_back_coding_variation",
    "rpt_rfd_back_repeat_procedures",
    "rpt_apcs_data_quality",
    "rpt_rfd_back_build_information",
]
CODE_LISTS = [
    "seed.rfd_back.rfd_back_code_list",
    "seed.rfd_back.rfd_back_diagnosis_exclusion_ranges",
]


def host_arguments(work_dir: Path) -> list[str]:
    return [
        "--project-dir", str(HOST_DIR),
        "--profiles-dir", str(HOST_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip


def invoke_host(
    arguments: list[str], database: Path, monkeypatch: pytest.MonkeyPatch, target: str = "duckdb"
) -> dbtRunnerResult:
    """One dbt command of a host project, in this process with the pinned dbt, on `target`
    (on DuckDB the database file `database`), with no extract directory set."""
    monkeypatch.setenv("DBT_TARGET", target)
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    monkeypatch.delenv("APCS_DATA_DIR", raising=False)
    try:
        return dbtRunner().invoke(arguments)
    finally:
        release_duckdb_database()


def build_host(
    work_dir: Path, monkeypatch: pytest.MonkeyPatch, target: str, refresh: bool = False
) -> None:
    """`dbt deps`, `dbt seed` (the host's tables, which the package checks before anything
    runs) and `dbt build` of the host project, in this process with the pinned dbt; with
    `refresh`, `dbt build` again: the monthly refresh, from a host."""
    for command in [["deps"], ["seed"], ["build"]] + [["build"]] * refresh:
        arguments = (
            ["--project-dir", str(HOST_DIR)] if command == ["deps"] else host_arguments(work_dir)
        )
        result = invoke_host([*command, *arguments], work_dir / "host.duckdb", monkeypatch, target)
        assert result.success, f"host `dbt {command[0]}` on {target}: {result.exception}"


@pytest.fixture(scope="module")
def standalone_fact(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """The fact this project builds on its own from the host's rows, written as its extract
    files."""
    data_dir = tmp_path_factory.mktemp("host_rows_as_extract")
    for seed, table in [
        ("sus_apcs_spells", "apcs"),
        ("sus_apcs_spells_derived", "apcs_der"),
        ("ref_commissioner_population", "commissioner_population"),
    ]:
        shutil.copy(HOST_SEEDS / f"{seed}.csv", data_dir / f"{table}.csv")
    project = DbtProject(work_dir=tmp_path_factory.mktemp("standalone"), data_dir=data_dir)
    monkeypatch = pytest.MonkeyPatch()
    try:
        result = project.invoke("build", monkeypatch=monkeypatch)
    finally:
        monkeypatch.undo()
    assert result.success, result.exception
    fact = project.query(FACT.format(schema="main"))
    assert sum(1 for row in fact if row[21]) >= 100, "the host's rows flag too few spells"
    return fact


@pytest.fixture(scope="module")
def duckdb_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work_dir = tmp_path_factory.mktemp("host_duckdb")
    monkeypatch = pytest.MonkeyPatch()
    try:
        build_host(work_dir, monkeypatch, "duckdb", refresh=True)
    finally:
        monkeypatch.undo()
    return work_dir


def query_duckdb(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def assert_same_fact(host_fact: list[tuple], standalone_fact: list[tuple], where: str) -> None:
    assert len(host_fact) == len(standalone_fact), where
    differing = [
        mine[0] for mine, theirs in zip(host_fact, standalone_fact, strict=True) if mine != theirs
    ]
    assert not differing, f"{where}: {len(differing)} spells differ, e.g. {differing[:5]}"


def assert_code_lists_upstream_of_the_fact(manifest_path: Path) -> None:
    manifest = json.loads(manifest_path.read_text())
    parents = manifest["parent_map"]
    upstream, frontier = set(), ["model.rfd_back.fct_rfd_back_spells"]
    while frontier:
        for parent in parents.get(frontier.pop(), []):
            if parent not in upstream:
                upstream.add(parent)
                frontier.append(parent)
    assert set(CODE_LISTS) <= upstream
    # The host's own model reads the package's fact.
    host_model = "model.rfd_back_integration_tests.host_flagged_spells_by_provider"
    assert "model.rfd_back.fct_rfd_back_spells" in parents[host_model]


def test_duckdb_host_builds_the_package_spell_for_spell(duckdb_host: Path, standalone_fact):
    database = duckdb_host / "host.duckdb"
    assert_same_fact(
        query_duckdb(database, FACT.format(schema=HOST_SCHEMA)), standalone_fact, "DuckDB host"
    )
    assert_code_lists_upstream_of_the_fact(duckdb_host / "target" / "manifest.json")
    for table in PUBLISHED:
        assert query_duckdb(database, f"select count(*) from {HOST_SCHEMA}.{table}")[0][0] > 0, (
            table
        )
    # The published build information names the host's tables, which were read as they
    # stand (a registration of files would have stopped at them), not an extract directory.
    [(location,)] = query_duckdb(
        database, f"select extract_location from {HOST_SCHEMA}.rpt_rfd_back_build_information"
    )
    assert "analytics_sus" in location and "sus_apcs_spells_derived" in location, location


def failed_host_build(work_dir: Path, monkeypatch: pytest.MonkeyPatch, variables: str) -> str:
    """`dbt build` of the host on the copy of its built database in `work_dir`, with
    `variables`, which must fail: its message."""
    result = invoke_host(
        ["build", *host_arguments(work_dir), "--vars", variables],
        work_dir / "host.duckdb",
        monkeypatch,
    )
    assert not result.success
    return str(result.exception)


def copy_of_host_database(duckdb_host: Path, work_dir: Path) -> Path:
    database = work_dir / "host.duckdb"
    shutil.copy(duckdb_host / "host.duckdb", database)
    return database


def test_host_sees_a_code_stored_as_a_number_named_in_its_own_terms(
    duckdb_host: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A host table whose code column is a number stops the run before any model, naming the
    host's table and column and pointing at the package's README."""
    with duckdb.connect(str(copy_of_host_database(duckdb_host, tmp_path))) as con:
        con.execute(
            "create table analytics_sus.sus_apcs_typed as select * replace"
            " (cast(Administrative_Category as integer) as Administrative_Category)"
            " from analytics_sus.sus_apcs_spells"
        )
    message = failed_host_build(tmp_path, monkeypatch, "{apcs_spells_table: sus_apcs_typed}")
    assert (
        "table analytics_sus.sus_apcs_typed: column Administrative_Category is stored as integer"
        in message
    )
    assert "the rfd_back package's README" in message


def test_host_missing_table_is_named_with_the_var_that_names_it(
    duckdb_host: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    copy_of_host_database(duckdb_host, tmp_path)
    message = failed_host_build(tmp_path, monkeypatch, "{apcs_derived_table: sus_apcs_der_2526}")
    assert "analytics_sus.sus_apcs_der_2526 does not exist" in message
    assert "apcs_source_schema, apcs_derived_table" in message


def test_host_run_of_its_own_models_neither_checks_nor_reads_the_apcs_tables(
    duckdb_host: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A host run that selects none of the package's nodes runs with the APCS vars pointing
    nowhere: the package's checks are for runs of its own nodes."""
    result = invoke_host(
        ["run", *host_arguments(tmp_path), "--select", "host_flagged_spells_by_provider",
         "--vars", "{apcs_source_schema: nowhere}"],
        copy_of_host_database(duckdb_host, tmp_path),
        monkeypatch,
    )  # fmt: skip
    assert result.success, result.exception


def host_with_a_model_named_as_the_packages(tmp_path: Path, flags: str = "") -> Path:
    """A copy of the host project (the package by its absolute path) with a model of its own
    named `stg_apcs__spells`, as the package's staging model is, and `flags` appended to its
    dbt_project.yml."""
    host = tmp_path / "host_project"
    shutil.copytree(HOST_DIR, host, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (host / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_DIR}\n")
    (host / "models" / "stg_apcs__spells.sql").write_text(
        "select * from {{ ref('sus_apcs_spells') }} where Der_Provider_Code = 'RJE'\n"
    )
    with (host / "dbt_project.yml").open("a") as project:
        project.write(flags)
    return host


@pytest.mark.parametrize("flag_set", [False, True], ids=["clash", "flag_set"])
def test_host_node_of_a_package_nodes_name_stops_the_run_unless_dbt_looks_in_the_package(
    flag_set: bool, duckdb_host: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """dbt gives a package the root project's node of a name first: the package's models would
    read the host's `stg_apcs__spells` (one provider's spells) and flag those alone, green. The
    run stops, saying what to do; with the flag that makes dbt look in the package first, the
    package reads its own and the fact is whole."""
    flags = "\nflags:\n  require_ref_searches_node_package_before_root: true\n"
    host = host_with_a_model_named_as_the_packages(tmp_path, flags if flag_set else "")
    database = copy_of_host_database(duckdb_host, tmp_path)
    assert invoke_host(["deps", "--project-dir", str(host)], database, monkeypatch).success
    result = invoke_host(
        ["build", "--project-dir", str(host), "--profiles-dir", str(host), "--full-refresh",
         "--select", "+fct_rfd_back_spells", "--exclude-resource-type", "unit_test"],
        database,
        monkeypatch,
    )  # fmt: skip
    if flag_set:
        assert result.success, result.exception
        spells = query_duckdb(database, f"select count(*) from {HOST_SCHEMA}.fct_rfd_back_spells")
        assert spells == query_duckdb(
            database, "select count(*) from analytics_sus.sus_apcs_spells"
        )
    else:
        assert not result.success
        message = str(result.exception)
        assert "would read model.rfd_back_integration_tests.stg_apcs__spells" in message
        assert "require_ref_searches_node_package_before_root: true" in message


def test_host_leaves_out_the_marts_it_does_not_want(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The vars rfd_back_published_marts and rfd_back_reporting_models leave out the marts,
    and every reporting model, with what reads them; the fact and data quality remain."""
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(tmp_path / "host.duckdb"))
    assert dbtRunner().invoke(["deps", "--project-dir", str(HOST_DIR)]).success

    def models(variables: str) -> set[str]:
        result = dbtRunner().invoke(
            ["ls", *host_arguments(tmp_path), "--resource-type", "model", "--resource-type",
             "exposure", "--resource-type", "analysis", "--output", "name", "--quiet",
             "--vars", variables]
        )  # fmt: skip
        assert result.success, result.exception
        return set(result.result)

    everything = models("{}")
    assert set(PUBLISHED) <= everything and "rfd_back_published_tables" in everything
    without_marts = models("{rfd_back_published_marts: false}")
    assert not [name for name in without_marts if name.startswith("rpt_")]
    assert "rfd_back_published_tables" not in without_marts
    assert "int_rfd_back__activity" in without_marts
    without_reporting = models("{rfd_back_reporting_models: false}")
    assert not [name for name in without_reporting if name.startswith(("rpt_", "int_rfd_back__"))]
    assert {"fct_rfd_back_spells", "int_apcs__data_quality_issues"} <= without_reporting
    # A var written as text would be true, and build what the host left out: it stops.
    quoted = dbtRunner().invoke(
        ["parse", *host_arguments(tmp_path), "--vars", '{rfd_back_published_marts: "false"}']
    )
    assert not quoted.success
    assert "rfd_back_published_marts must be true or false" in str(quoted.exception)


@pytest.mark.postgres
def test_postgres_host_builds_the_package_spell_for_spell(standalone_fact, tmp_path: Path):
    monkeypatch = pytest.MonkeyPatch()
    try:
        with postgres_server() as environment:
            for name, value in environment.items():
                monkeypatch.setenv(name, value)
            build_host(tmp_path, monkeypatch, "postgres")
            with psycopg2.connect() as connection, connection.cursor() as cursor:
                cursor.execute(FACT.format(schema=HOST_SCHEMA))
                host_fact = cursor.fetchall()
                for table in PUBLISHED:
                    cursor.execute(f"select count(*) from {HOST_SCHEMA}.{table}")
                    assert cursor.fetchone()[0] > 0, table
    finally:
        monkeypatch.undo()
    assert_same_fact(host_fact, standalone_fact, "PostgreSQL host")
    assert_code_lists_upstream_of_the_fact(tmp_path / "target" / "manifest.json")


def oldest_supported_dbt() -> str:
    """The lowest dbt-core version dbt_project.yml's require-dbt-version accepts."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    floors = [spec for spec in project["require-dbt-version"] if spec.startswith(">=")]
    return floors[0].removeprefix(">=")


def test_oldest_supported_dbt_builds_the_package_spell_for_spell(standalone_fact, tmp_path: Path):
    """The host project on DuckDB with the oldest dbt-core the package declares, in its own
    environment: the floor of require-dbt-version is what is tested."""
    version = subprocess.run([str(OLDEST_DBT), "--version"], capture_output=True, text=True)
    installed = re.search(r"installed:\s+(\S+)", version.stdout)
    assert installed and installed.group(1) == oldest_supported_dbt(), version.stdout
    environment = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_TARGET": "duckdb",
        "DBT_DUCKDB_PATH": str(tmp_path / "host.duckdb"),
    }
    environment.pop("APCS_DATA_DIR", None)
    for command in (["deps", "--project-dir", str(HOST_DIR)], ["seed", *host_arguments(tmp_path)],
                    ["build", *host_arguments(tmp_path)]):  # fmt: skip
        run = subprocess.run(
            [str(OLDEST_DBT), *command], capture_output=True, text=True, env=environment
        )
        assert run.returncode == 0, f"dbt {command[0]}:\n{run.stdout[-4000:]}"
        assert "Deprecat" not in run.stdout, run.stdout[-4000:]
    assert_same_fact(
        query_duckdb(tmp_path / "host.duckdb", FACT.format(schema=HOST_SCHEMA)),
        standalone_fact,
        f"DuckDB host on dbt-core {installed.group(1)}",
    )
    assert_code_lists_upstream_of_the_fact(tmp_path / "target" / "manifest.json")
