"""Benchmark: the dbt build on generated national-scale extracts, beside the floor.

For each size and each code-list mode it generates a Parquet extract (national mix: about
0.07% of spells flagged) in a work directory of its own. The mode says how the spells' code
lists are drawn: `realistic`, nearly every spell's Der_Diagnosis_All and Der_Procedure_All
distinct, as in SUS; `pooled`, drawn from a few thousand lists. It counts the distinct lists
in the extract, then times, in fresh processes:

- the full build, `dbt build --full-refresh` (seeds, staging, fact, unit and data tests): its
  wall time, its peak memory, the fact model's own time and the five slowest nodes, all from
  the process and its run_results.json;
- the floor, one hand-written DuckDB statement (benchmarks/floor.sql) producing the fact's
  columns on the same files; floor and fact must flag the same number of spells;
- the monthly refresh: a second database is built on the extract without its latest month,
  then refreshed with `dbt build` on the whole extract, so one new month arrives and the
  lookback months are re-processed. Its wall time, peak memory, fact time, slowest nodes and
  the number of data tests it ran.

Each run's figures are divided by figures of the same run: the full build and the fact over
the floor, the refresh over the full build. It prints every run and writes them, with the
machine's facts and the targets (--targets), to RESULTS (Markdown) and a JSON file beside it.

Usage: python benchmarks/benchmark.py [--sizes 1000000 6000000 18000000]
       [--lists realistic pooled] [--out RESULTS] [--work-dir DIR] [--no-targets]
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
# What `make build` and `make refresh` run (the Makefile): a refresh leaves out the unit tests,
# which test the code, not the extract.
FULL_BUILD = ["build", "--full-refresh"]
REFRESH = ["build", "--exclude-resource-type", "unit_test"]
FACT = "model.rfd_back.fct_rfd_back_spells"
CODE_LIST_MODES = ("realistic", "pooled")
SLOWEST_NODES = 5

# The targets, checked against the realistic run of the size they name:
# (size, figure, label, limit, strictly below the limit).
TARGETS = [
    (18_000_000, "build_to_floor", "full build / floor", 3, False),
    (18_000_000, "fact_to_floor", "fact / floor", 1.3, False),
    (18_000_000, "refresh_to_full_build", "refresh / full build", 0.30, False),
    (18_000_000, "peak_memory_gb", "peak memory, GB (full build or refresh)", 4, False),
    (54_000_000, "build_to_floor", "full build / floor", 3.5, False),
    (54_000_000, "peak_memory_gb", "peak memory, GB (full build or refresh)", 6, True),
]


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


def node_name(unique_id: str) -> str:
    """A node's name from its unique_id: `model.rfd_back.fct_rfd_back_spells` gives
    `fct_rfd_back_spells`; a data test loses its hash, a unit test its model's name."""
    parts = unique_id.split(".")
    return parts[3] if parts[0] == "unit_test" else parts[2]


def run_dbt(arguments: list[str], data_dir: Path, database: Path, work_dir: Path) -> dict:
    """Run dbt in a fresh process on `data_dir` into `database`: wall seconds, peak memory,
    the fact model's own seconds, the slowest nodes and the number of data tests run."""
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
    fact = next(r for r in results if r["unique_id"] == FACT)
    slowest = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:SLOWEST_NODES]
    return {
        "wall": wall,
        "peak_gb": peak_gb,
        "fact": fact["execution_time"],
        "top_nodes": [
            {"name": node_name(r["unique_id"]), "seconds": round(r["execution_time"], 3)}
            for r in slowest
        ],
        "tests_run": sum(
            r["unique_id"].startswith("test.") and r["status"] != "skipped" for r in results
        ),
    }


def flagged_spells(database: Path) -> int:
    """The number of spells the fact in `database` flags."""
    with duckdb.connect(str(database), read_only=True) as con:
        query = "select count(*) filter (where is_rfd_back) from main.fct_rfd_back_spells"
        return con.execute(query).fetchone()[0]


def count_lists(data_dir: Path) -> tuple[int, int, int]:
    """Spells, distinct diagnosis lists and distinct procedure lists in the extract."""
    with duckdb.connect(config={"memory_limit": MEMORY_LIMIT}) as con:
        return con.execute(
            "select count(*), count(distinct Der_Diagnosis_All), count(distinct Der_Procedure_All)"
            f" from '{data_dir / 'apcs.parquet'}'"
        ).fetchone()


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


def benchmark_run(spells: int, code_lists: str, work_root: Path) -> dict:
    work_dir = work_root / f"spells_{spells}_{code_lists}"
    data_dir = work_dir / "extract"
    started = time.perf_counter()
    # A national year is about 18M spells: larger extracts span more years (54M, three).
    years = max(1, round(spells / NATIONAL_SPELLS_PER_YEAR))
    spec = ExtractSpec(
        spells=spells,
        seed=2024,
        candidate_share=NATIONAL_CANDIDATE_SHARE,
        financial_years=years,
        code_lists=code_lists,
    )
    write_extract_chunks(generate_chunks(spec), data_dir, "parquet")
    generation = time.perf_counter() - started
    _, diagnosis_lists, procedure_lists = count_lists(data_dir)

    database = work_dir / "rfd_back.duckdb"
    database.unlink(missing_ok=True)
    full = run_dbt(FULL_BUILD, data_dir, database, work_dir)
    flagged = flagged_spells(database)
    floor, floor_flagged = time_floor(data_dir, work_dir)
    if floor_flagged != flagged:
        raise SystemExit(f"the floor flags {floor_flagged} spells, the fact {flagged}")

    # The monthly refresh, in its own database: last month's build, then this month's refresh.
    last_month_dir = work_dir / "extract_last_month"
    new_month = write_extract_without_latest_month(data_dir, last_month_dir)
    refreshed = work_dir / "refreshed.duckdb"
    refreshed.unlink(missing_ok=True)
    run_dbt(FULL_BUILD, last_month_dir, refreshed, work_dir)
    refresh = run_dbt(REFRESH, data_dir, refreshed, work_dir)
    refreshed_flagged = flagged_spells(refreshed)
    if refreshed_flagged != flagged:
        raise SystemExit(f"the refreshed fact flags {refreshed_flagged} spells, the full {flagged}")

    # The ratios are quotients of the seconds as reported, so a reader can redo them.
    build_s, fact_s, floor_s = round(full["wall"], 3), round(full["fact"], 3), round(floor, 3)
    refresh_s, refresh_fact_s = round(refresh["wall"], 3), round(refresh["fact"], 3)
    return {
        "spells": spells,
        "code_lists": code_lists,
        "build_to_floor": round(build_s / floor_s, 2),
        "fact_to_floor": round(fact_s / floor_s, 2),
        "refresh_to_full_build": round(refresh_s / build_s, 2),
        "refresh_to_full_fact": round(refresh_fact_s / fact_s, 2),
        "peak_memory_gb": round(full["peak_gb"], 2),
        "refresh_peak_memory_gb": round(refresh["peak_gb"], 2),
        "distinct_list_share": round(diagnosis_lists / spells, 4),
        "flagged": flagged,
        "build_wall_seconds": build_s,
        "fact_model_seconds": fact_s,
        "floor_seconds": floor_s,
        "refresh_wall_seconds": refresh_s,
        "refresh_fact_seconds": refresh_fact_s,
        "spells_per_second": round(spells / full["wall"]),
        "generation_seconds": round(generation, 2),
        "distinct_diagnosis_lists": diagnosis_lists,
        "distinct_procedure_lists": procedure_lists,
        "refresh_new_month": new_month,
        "full_tests_run": full["tests_run"],
        "refresh_tests_run": refresh["tests_run"],
        "top_nodes": full["top_nodes"],
        "refresh_top_nodes": refresh["top_nodes"],
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


def check_targets(rows: list[dict]) -> list[dict]:
    """Each target beside the realistic run of its size, where that run is among `rows`."""
    realistic = {row["spells"]: row for row in rows if row["code_lists"] == "realistic"}
    checked = []
    for spells, figure, label, limit, strict in TARGETS:
        if spells not in realistic:
            continue
        row = realistic[spells]
        measured = row[figure]
        if figure == "peak_memory_gb":
            measured = max(measured, row["refresh_peak_memory_gb"])
        met = measured < limit if strict else measured <= limit
        bound = f"< {limit}" if strict else f"≤ {limit}"
        checked.append(
            {"spells": spells, "target": label, "limit": bound, "measured": measured, "met": met}
        )
    return checked


def table(rows: list[dict], columns: list[str]) -> list[str]:
    return [
        "| " + " | ".join(map(str, columns)) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows),
        "",
    ]


def slowest_nodes(rows: list[dict]) -> list[dict]:
    """One row per build of each run, its slowest nodes in columns 1, 2, ..."""
    return [
        {
            "spells": row["spells"],
            "code_lists": row["code_lists"],
            "build": build,
            **{rank: f"{n['name']} {n['seconds']} s" for rank, n in enumerate(row[key], 1)},
        }
        for row in rows
        for build, key in (("full", "top_nodes"), ("refresh", "refresh_top_nodes"))
    ]


def write_results(rows: list[dict], machine: dict, targets: list[dict] | None, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "runs": rows}
    if targets is not None:
        report["targets"] = targets
    out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    slowest = slowest_nodes(rows)
    ratios = ["spells", "code_lists", "build_to_floor", "fact_to_floor", "refresh_to_full_build",
              "refresh_to_full_fact", "peak_memory_gb", "refresh_peak_memory_gb",
              "distinct_list_share", "flagged"]  # fmt: skip
    seconds = ["spells", "code_lists", "build_wall_seconds", "fact_model_seconds",
               "floor_seconds", "refresh_wall_seconds", "refresh_fact_seconds",
               "spells_per_second", "generation_seconds", "distinct_diagnosis_lists",
               "distinct_procedure_lists", "refresh_new_month", "full_tests_run",
               "refresh_tests_run"]  # fmt: skip
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (benchmarks/benchmark.py); one run, one machine: "
        + ", ".join(f"{key} {value}" for key, value in machine.items())
        + ".",
        "",
        "## Ratios within each run",
        "",
        *table(rows, ratios),
        "`build_to_floor` is the whole `dbt build --full-refresh` (seeds, staging, fact, unit",
        "and data tests) over the floor, one hand-written DuckDB statement with the fact's",
        "output (benchmarks/floor.sql), timed on the same files in the same run;",
        "`fact_to_floor` is the fact model's own time over the floor's. `refresh_to_full_build`",
        "and `refresh_to_full_fact` are the refresh's wall time and fact time over the full",
        "build's. The peaks are the dbt process's peak resident memory. `code_lists` says how",
        "the extract's code lists were drawn: `realistic`, nearly every spell's own, as in SUS;",
        "`pooled`, from a few thousand lists. `distinct_list_share` is the distinct",
        "Der_Diagnosis_All lists over the spells. Each ratio is the quotient of the seconds",
        "below.",
        "",
    ]
    if targets is not None:
        checked = [{**t, "met": "met" if t["met"] else "not met"} for t in targets]
        lines += [
            "## Targets",
            "",
            "Against the realistic run at 18M spells and, if run, at 54M.",
            "",
            *(
                table(checked, ["spells", "target", "limit", "measured", "met"])
                if checked
                else ["No realistic run at 18M or 54M spells here.", ""]
            ),
        ]
    lines += [
        "## Seconds and counts",
        "",
        *table(rows, seconds),
        "The refresh is `dbt build` on the whole extract over a fact built without its latest",
        "month (`refresh_new_month`): that month is added and the lookback's months (var",
        "rfd_back_refresh_lookback_months) are re-processed. `full_tests_run` and",
        "`refresh_tests_run` count the data tests each build ran, from its run_results.json.",
        "",
        "## Slowest nodes",
        "",
        f"The {SLOWEST_NODES} slowest nodes of each build, by their own execution time in",
        "run_results.json (a unit test by its own name, a data test without its hash).",
        "",
        *table(slowest, ["spells", "code_lists", "build", *range(1, SLOWEST_NODES + 1)]),
    ]
    out.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 6_000_000, 18_000_000])
    parser.add_argument("--lists", nargs="+", choices=CODE_LIST_MODES, default=CODE_LIST_MODES)
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "target" / "benchmark")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "results.md")
    parser.add_argument(
        "--targets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare the realistic 18M and 54M runs with the targets (default: on)",
    )
    args = parser.parse_args(argv)
    rows = []
    for spells in args.sizes:
        for code_lists in args.lists:
            row = benchmark_run(spells, code_lists, args.work_dir)
            rows.append(row)
            print(json.dumps(row), flush=True)
    targets = check_targets(rows) if args.targets else None
    write_results(rows, machine_facts(), targets, args.out)
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
