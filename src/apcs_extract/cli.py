"""Command line: `apcs-extract --spells N --seed S --format csv|parquet --out DIR`."""

from __future__ import annotations

import argparse
import os
import time

from apcs_extract.generate import ExtractSpec, generate_chunks
from apcs_extract.write import FORMATS, write_extract_chunks


def main(argv: list[str] | None = None) -> None:
    defaults = ExtractSpec()
    parser = argparse.ArgumentParser(
        description="Write a deterministic synthetic APCS extract (apcs, apcs_der) in NCDR format."
    )
    parser.add_argument("--spells", type=int, default=defaults.spells, help="number of spells")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    parser.add_argument(
        "--financial-years",
        type=int,
        default=defaults.financial_years,
        help=f"financial years the spells are spread over, from {defaults.first_financial_year}",
    )
    parser.add_argument("--format", choices=FORMATS, default="csv", help="file format")
    parser.add_argument("--out", required=True, help="extract directory to write")
    parser.add_argument(
        "--candidate-share",
        type=float,
        default=defaults.candidate_share,
        help="share of spells built as RFD candidates (true positives and near misses)",
    )
    parser.add_argument(
        "--formatting-noise-share",
        type=float,
        default=defaults.formatting_noise_share,
        help="share of candidate codes written with lower case, dots or extra spaces",
    )
    parser.add_argument(
        "--derived-only-rows",
        type=int,
        default=defaults.derived_only_rows,
        help="rows of the derived table with no spell in the spell table",
    )
    parser.add_argument(
        "--code-lists",
        choices=["pooled", "realistic"],
        default=defaults.code_lists,
        help="background code lists drawn from a few thousand pooled lists (the demo's), or "
        "nearly every spell's lists its own, as in SUS",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    spec = ExtractSpec(
        spells=args.spells,
        seed=args.seed,
        financial_years=args.financial_years,
        candidate_share=args.candidate_share,
        formatting_noise_share=args.formatting_noise_share,
        derived_only_rows=args.derived_only_rows,
        code_lists=args.code_lists,
    )
    spells, derived = write_extract_chunks(generate_chunks(spec), args.out, args.format)
    print(
        f"wrote {spells} spells and {derived} derived rows to {args.out} "
        f"({args.format}) in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()


def load_main(argv: list[str] | None = None) -> None:
    """`apcs-load --target postgres --data-dir DIR`: put an extract into warehouse tables."""
    from pathlib import Path

    from apcs_extract.load import load_postgres, load_spark, spark_session

    parser = argparse.ArgumentParser(
        description="Load an extract directory (apcs, apcs_der) into warehouse tables, for the "
        "dbt targets that read tables. PostgreSQL connects with the PG* environment variables; "
        "Spark writes to SPARK_WAREHOUSE_DIR (default target/spark), as the spark target reads."
    )
    parser.add_argument("--target", choices=["postgres", "spark"], required=True, help="engine")
    parser.add_argument("--data-dir", required=True, help="extract directory (APCS_DATA_DIR)")
    parser.add_argument(
        "--schema",
        default="apcs_extract",
        help="schema to create the tables in (dbt var apcs_source_schema)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.target == "postgres":
        counts = load_postgres(Path(args.data_dir), args.schema)
    else:
        session = spark_session(Path(os.environ.get("SPARK_WAREHOUSE_DIR", "target/spark")))
        try:
            counts = load_spark(Path(args.data_dir), args.schema, session)
        finally:
            session.stop()
    loaded = ", ".join(f"{table} {rows} rows" for table, rows in counts.items())
    print(
        f"loaded {loaded} into {args.target} schema {args.schema} "
        f"in {time.perf_counter() - started:.1f}s"
    )
