"""Benchmark: the dbt build on generated national-scale extracts, beside the floor.

For each size it generates a Parquet extract (national mix: about 0.07% of spells flagged),
runs `dbt build --full-refresh` in a fresh process (seeds, staging, fact, unit and data
tests) and reports its wall time, the fact model's own time from run_results.json, the peak
memory of the dbt process, spells per second and, on the same files in the same run, the
floor: one hand-written DuckDB statement (benchmarks/floor.sql) producing the same columns.

It then measures the monthly refresh: a second database is built on the extract without its
latest month, then refreshed with `dbt build` on the whole extract, so one new month arrives
and the lookback months are re-processed. It reports the refresh's wall time and fact time
and both as shares of the full build's.

It prints the ratios and writes every figure, with the machine's facts, to RESULTS (Markdown)
and a JSON file beside it.

Usage: python benchmarks/benchmark.py [--sizes 1000000 6000000 18000000] [--out DIR]
No figure here is a test: the machine is shared and timings vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from apcs_extract import ExtractSpec, generate_chunks, write_extract_chunks
from apcs_extract.population import POPULATION_TABLE

PROJECT_DIR = Path(__file__).resolve().parents[1]
FLOOR_SQL = Path(__file__).with_name("floor.sql")
NATIONAL_CANDIDATE_SHARE = 0.0014  # half of the candidates are flagged: about 0.07% of spells
NATIONAL_SPELLS_PER_YEAR = 18_000_000
MEMORY_LIMIT = os.environ.get("DUCKDB_MEMORY_LIMIT", "8GB")
THREADS = int(os.environ.get("DBT_THREADS", "2"))


def run_measured(command: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run `command` in a fresh child process: wall seconds and that process's peak RSS (GB)."""
    probe = (
        "import resource, subprocess, sys\n"
        "result = subprocess.run(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(result.returncode)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024 / 1024, done


def time_floor(data_dir: Path, work_dir: Path) -> tuple[float, int]:
    """Seconds for the floor statement to materialise its table, and the number of spells it
    flags. DuckDB is set up as the dbt profile sets it up: the same memory limit and its
    default number of threads (every core)."""
    sql = FLOOR_SQL.read_text().format(
        apcs=f"'{data_dir / 'apcs.parquet'}'", apcs_der=f"'{data_dir / 'apcs_der.parquet'}'"
    )
    database = work_dir / "floor.duckdb"
    database.unlink(missing_ok=True)
    config = {
        "memory_limit": MEMORY_LIMIT,
        "preserve_insertion_order": False,
        "temp_directory": str(work_dir / "floor_spill"),
    }
    with duckdb.connect(str(database), config=config) as con:
        started = time.perf_counter()
        con.execute(f"create table floor as {sql}")
        seconds = time.perf_counter() - started
        flagged = con.execute("select count(*) filter (where is_rfd_back) from floor").fetchone()
        return seconds, flagged[0]


def run_dbt(arguments: list[str], data_dir: Path, database: Path, work_dir: Path) -> dict:
    """Run dbt in a fresh process on `data_dir` into `database`: wall seconds, peak memory
    and the fact model's own seconds."""
    env = {
        **os.environ,
        "APCS_DATA_DIR": str(data_dir),
        "DBT_DUCKDB_PATH": str(database),
        "DUCKDB_TEMP_DIRECTORY": str(work_dir / "spill"),
        "DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT,
        "DBT_THREADS": str(THREADS),
        "DO_NOT_TRACK": "1",
    }
    target = work_dir / "target"
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, *arguments, "--project-dir", str(PROJECT_DIR), "--profiles-dir",
               str(PROJECT_DIR), "--target-path", str(target), "--log-path",
               str(work_dir / "logs")]  # fmt: skip
    wall, peak_gb, done = run_measured(command, env)
    if done.returncode != 0:
        raise SystemExit(f"dbt {' '.join(arguments)} failed on {data_dir}:\n{done.stdout[-4000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    fact = next(r for r in results if r["unique_id"] == "model.rfd_back.fct_rfd_back_spells")
    return {"wall": wall, "peak_gb": peak_gb, "fact": fact["execution_time"]}


def flagged_spells(database: Path) -> int:
    """The number of spells the fact in `database` flags."""
    with duckdb.connect(str(database), read_only=True) as con:
        query = "select count(*) filter (where is_rfd_back) from main.fct_rfd_back_spells"
        return con.execute(query).fetchone()[0]


def write_extract_without_latest_month(data_dir: Path, out_dir: Path) -> str:
    """Last month's extract: every spell but those of the latest activity month (and their
    derived rows), with the same population. Returns the month left out."""
    out_dir.mkdir(parents=True, exist_ok=True)
    population = f"{POPULATION_TABLE}.parquet"
    shutil.copyfile(data_dir / population, out_dir / population)
    spells, derived = data_dir / "apcs.parquet", data_dir / "apcs_der.parquet"
    with duckdb.connect(config={"memory_limit": MEMORY_LIMIT}) as con:
        (latest,) = con.execute(f"select max(Der_Activity_Month) from '{spells}'").fetchone()
        con.execute(
            f"copy (select * from '{spells}' where Der_Activity_Month < '{latest}') "
            f"to '{out_dir / 'apcs.parquet'}' (format parquet)"
        )
        con.execute(
            f"copy (select * from '{derived}' where APCS_Ident in (select APCS_Ident "
            f"from '{out_dir / 'apcs.parquet'}')) to '{out_dir / 'apcs_der.parquet'}' "
            "(format parquet)"
        )
    return latest


def benchmark_size(spells: int, work_root: Path) -> dict:
    work_dir = work_root / f"spells_{spells}"
    data_dir = work_dir / "extract"
    started = time.perf_counter()
    # A national year is about 18M spells: larger extracts span more years (54M, three).
    years = max(1, round(spells / NATIONAL_SPELLS_PER_YEAR))
    spec = ExtractSpec(
        spells=spells,
        seed=2024,
        candidate_share=NATIONAL_CANDIDATE_SHARE,
        financial_years=years,
    )
    write_extract_chunks(generate_chunks(spec), data_dir, "parquet")
    generation = time.perf_counter() - started

    database = work_dir / "rfd_back.duckdb"
    database.unlink(missing_ok=True)
    full = run_dbt(["build", "--full-refresh"], data_dir, database, work_dir)
    flagged = flagged_spells(database)
    floor, floor_flagged = time_floor(data_dir, work_dir)
    if floor_flagged != flagged:
        raise SystemExit(f"the floor flags {floor_flagged} spells, the fact {flagged}")

    # The monthly refresh, in its own database: last month's build, then this month's refresh.
    last_month_dir = work_dir / "extract_last_month"
    new_month = write_extract_without_latest_month(data_dir, last_month_dir)
    refreshed = work_dir / "refreshed.duckdb"
    refreshed.unlink(missing_ok=True)
    run_dbt(["build", "--full-refresh"], last_month_dir, refreshed, work_dir)
    refresh = run_dbt(["build"], data_dir, refreshed, work_dir)
    refreshed_flagged = flagged_spells(refreshed)
    if refreshed_flagged != flagged:
        raise SystemExit(f"the refreshed fact flags {refreshed_flagged} spells, the full {flagged}")

    return {
        "spells": spells,
        "flagged": flagged,
        "generation_seconds": round(generation, 2),
        "build_wall_seconds": round(full["wall"], 2),
        "fact_model_seconds": round(full["fact"], 2),
        "floor_seconds": round(floor, 2),
        "fact_to_floor_ratio": round(full["fact"] / floor, 2),
        "peak_memory_gb": round(full["peak_gb"], 2),
        "spells_per_second": round(spells / full["wall"]),
        "refresh_new_month": new_month,
        "refresh_wall_seconds": round(refresh["wall"], 2),
        "refresh_fact_seconds": round(refresh["fact"], 2),
        "refresh_to_full_fact": round(refresh["fact"] / full["fact"], 2),
        "refresh_to_full_build": round(refresh["wall"] / full["wall"], 2),
    }


def machine_facts() -> dict:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "duckdb_threads": duckdb.execute("select current_setting('threads')").fetchone()[0],
        "dbt_threads": THREADS,
        "duckdb_memory_limit": MEMORY_LIMIT,
    }


def write_results(rows: list[dict], machine: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"machine": machine, "runs": rows}, indent=2))
    columns = list(rows[0])
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (benchmarks/benchmark.py); one run, one machine: "
        + ", ".join(f"{key} {value}" for key, value in machine.items())
        + ".",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows),
        "",
        "`fact_to_floor_ratio` is the fact model's own time over the floor's (one hand-written",
        "DuckDB statement with the same output, benchmarks/floor.sql), measured on the same",
        "files in the same run. The fact is the only model that does work (staging and the",
        "join are views it reads), so its time is the whole pipeline's. `build_wall_seconds`",
        "is the whole `dbt build --full-refresh`: seeds, staging, fact, unit and data tests.",
        "`peak_memory_gb` is the dbt process's peak resident memory.",
        "",
        "The refresh columns time `dbt build` on the whole extract over a fact built without",
        "its latest month (`refresh_new_month`): that month is added and the lookback's months",
        "(var rfd_back_refresh_lookback_months, default 1) are re-processed; every test runs",
        "again. `refresh_to_full_fact` and `refresh_to_full_build` are its fact time and wall",
        "time as shares of the full build's.",
        "",
    ]
    out.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 6_000_000, 18_000_000])
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "target" / "benchmark")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "results.md")
    args = parser.parse_args(argv)
    rows = []
    for spells in args.sizes:
        row = benchmark_size(spells, args.work_dir)
        rows.append(row)
        print(json.dumps(row), flush=True)
    write_results(rows, machine_facts(), args.out)
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
