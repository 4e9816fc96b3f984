"""A build killed part-way leaves no partly written table, and the next build gives the same
fact as a clean one; a build whose results cannot be saved into the database file fails.

dbt runs in its own process, killed (SIGKILL, as an out-of-memory kill or a lost session
would) while the fact is being written, or limited in the size of the files it may write (as
a full disk would limit it); then the database is opened as the next run would open it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from support.extracts import write_test_extract
from support.project import PROJECT_DIR

DBT = Path(sys.executable).with_name("dbt")
FACT_STARTED = "START sql incremental model main.fct_rfd_back_spells"
SPELLS = 300_000


def dbt_build(
    work_dir: Path, data_dir: Path, *args: str, max_file_size: int | None = None
) -> subprocess.Popen:
    """`dbt build` in its own process; `max_file_size` caps the size of every file it writes
    (RLIMIT_FSIZE: a write beyond it fails as on a full disk; Python ignores SIGXFSZ)."""

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))

    environment = {
        **os.environ,
        "APCS_DATA_DIR": str(data_dir),
        "DBT_DUCKDB_PATH": str(work_dir / "rfd_back.duckdb"),
        "DUCKDB_TEMP_DIRECTORY": str(work_dir / "spill"),
        "DO_NOT_TRACK": "1",
        "DBT_TARGET": "duckdb",
    }
    return subprocess.Popen(
        [
            str(DBT),
            "build",
            "--exclude-resource-type",
            "test",
            "unit_test",
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=limit_file_size if max_file_size else None,
    )


def fact_rows(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select * exclude (rule_version, flagged_in_invocation)"
            " from main.fct_rfd_back_spells order by apcs_ident"
        ).fetchall()


def tables(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            name: con.execute(f'select count(*) from main."{name}"').fetchone()[0] for name in names
        }


def test_killed_build_leaves_no_partial_table_and_rebuilds_the_same(tmp_path: Path):
    data_dir = tmp_path / "extract"
    write_test_extract(data_dir, "parquet", noisy=False, spells=SPELLS)

    clean_dir = tmp_path / "clean"
    clean = dbt_build(clean_dir, data_dir)
    output, _ = clean.communicate(timeout=600)
    assert clean.returncode == 0, output[-3000:]
    expected = fact_rows(clean_dir / "rfd_back.duckdb")
    assert len(expected) == SPELLS

    killed_dir = tmp_path / "killed"
    process = dbt_build(killed_dir, data_dir)
    for line in process.stdout:
        if FACT_STARTED in line:
            time.sleep(0.5)  # into the statement that writes the fact
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the build ended before it could be killed"

    # Whatever the killed run left is whole: no fact, or all of it; no scratch table.
    left = tables(killed_dir / "rfd_back.duckdb")
    assert not [name for name in left if "__dbt_tmp" in name], left
    assert left.get("fct_rfd_back_spells", SPELLS) == SPELLS, left

    rerun = dbt_build(killed_dir, data_dir)
    output, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, output[-3000:]
    assert fact_rows(killed_dir / "rfd_back.duckdb") == expected


def test_build_that_cannot_save_the_database_file_fails(tmp_path: Path):
    """DuckDB keeps a run's changes in its write-ahead log and moves them into the database
    file at a checkpoint. A fresh file holds no free space, so the refresh's checkpoint must
    grow it; capped at its present size (a full disk), the checkpoint fails. Left to the
    connection's close, that failure went unreported: the build ended as a success with its
    results only in the .wal file."""
    data_dir = tmp_path / "extract"
    write_test_extract(data_dir, "csv", noisy=False, spells=2_000)
    first = dbt_build(tmp_path, data_dir)
    output, _ = first.communicate(timeout=600)
    assert first.returncode == 0, output[-3000:]
    database = tmp_path / "rfd_back.duckdb"
    assert not database.with_suffix(".duckdb.wal").exists()

    refresh = dbt_build(tmp_path, data_dir, max_file_size=database.stat().st_size)
    output, _ = refresh.communicate(timeout=600)
    assert refresh.returncode != 0, "a refresh that could not be saved ended as a success"
    assert "Failed to create checkpoint" in output, output[-3000:]
