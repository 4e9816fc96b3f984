"""Load an extract directory (the files APCS_DATA_DIR names) into warehouse tables.

For demos and tests on engines that read tables, not files: the spell table `apcs` and the
derived table `apcs_der` (and, when its file is there, the population table
`commissioner_population`) are created in one schema (`apcs_extract`, the dbt var
`apcs_source_schema`) and filled from `apcs.parquet`/`apcs_der.parquet` or, when those are
absent, `apcs.csv`/`apcs_der.csv`. Parquet columns keep their types (bigint, integer, date,
text), as NCDR's tables have them; CSV columns are loaded as text, as DuckDB reads them.
Column names are lower case, which every engine reads the same way unquoted.

PostgreSQL: the connection comes from the standard libpq environment variables (PGHOST,
PGPORT, PGUSER, PGPASSWORD, PGDATABASE); no credential is ever passed on the command line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from apcs_extract.population import POPULATION_TABLE

TABLES = ("apcs", "apcs_der")

POSTGRES_TYPES = {
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.date32(): "date",
    pa.string(): "text",
    pa.large_string(): "text",
}


def extract_file(data_dir: Path, table: str) -> Path:
    """The file holding `table`: Parquet when both of the extract's Parquet files exist, as
    the DuckDB target reads it, else CSV."""
    if all((data_dir / f"{name}.parquet").exists() for name in TABLES):
        return data_dir / f"{table}.parquet"
    path = data_dir / f"{table}.csv"
    if not path.exists():
        raise SystemExit(
            f"APCS extract not found: neither {data_dir / (table + '.parquet')} nor {path} exists"
        )
    return path


def extract_tables(data_dir: Path) -> list[tuple[str, Path]]:
    """(table, file) for the extract's two tables and, when its file is there, the population
    table the rates are per."""
    tables = [(table, extract_file(data_dir, table)) for table in TABLES]
    for suffix in (".parquet", ".csv"):
        population = data_dir / f"{POPULATION_TABLE}{suffix}"
        if population.exists():
            tables.append((POPULATION_TABLE, population))
            break
    return tables


def postgres_columns(path: Path) -> list[tuple[str, str]]:
    """(lower-case name, PostgreSQL type) of each column of the file."""
    if path.suffix == ".parquet":
        columns = []
        for field in pq.read_schema(path):
            if field.type not in POSTGRES_TYPES:
                raise SystemExit(f"{path}: column {field.name} has unsupported type {field.type}")
            columns.append((field.name.lower(), POSTGRES_TYPES[field.type]))
        return columns
    with open(path, newline="") as handle:
        header = next(csv.reader(handle))
    return [(name.lower(), "text") for name in header]


def csv_stream(path: Path) -> io.BufferedReader | io.BytesIO:
    """The file's rows as CSV with a header: the CSV itself, or Parquet rewritten in memory
    with NULL as an empty unquoted field (COPY's NULL) and every string quoted."""
    if path.suffix != ".parquet":
        return open(path, "rb")
    buffer = io.BytesIO()
    pa_csv.write_csv(pq.read_table(path), buffer)
    buffer.seek(0)
    return buffer


def load_postgres(data_dir: Path, schema: str) -> dict[str, int]:
    """Replace `schema`.apcs, `schema`.apcs_der (and the population table, when there) with the
    extract's rows; rows per table."""
    import psycopg2
    from psycopg2 import sql

    counts = {}
    with psycopg2.connect() as connection, connection.cursor() as cursor:
        cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for table, path in extract_tables(data_dir):
            columns = postgres_columns(path)
            name = sql.Identifier(schema, table)
            cursor.execute(sql.SQL("drop table if exists {}").format(name))
            cursor.execute(
                sql.SQL("create table {} ({})").format(
                    name,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(data_type))
                        for column, data_type in columns
                    ),
                )
            )
            copy = sql.SQL("copy {} from stdin with (format csv, header true)").format(name)
            with csv_stream(path) as stream:
                cursor.copy_expert(copy.as_string(connection), stream)
            cursor.execute(sql.SQL("select count(*) from {}").format(name))
            counts[table] = cursor.fetchone()[0]
    return counts


def spark_session(warehouse_dir: Path):
    """A local Spark session with the settings of the `spark` target in profiles.yml, so the
    tables it writes are the ones dbt reads (same warehouse, same Derby metastore)."""
    from pyspark.sql import SparkSession

    warehouse_dir = warehouse_dir.resolve()
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", str(warehouse_dir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={warehouse_dir / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse_dir}")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .enableHiveSupport()
        .getOrCreate()
    )


def load_spark(data_dir: Path, schema: str, session) -> dict[str, int]:
    """Replace `schema`.apcs and `schema`.apcs_der in the session's catalog with the extract's
    rows (Parquet tables); rows per table."""
    counts = {}
    session.sql(f"create schema if not exists {schema}")
    for table, path in extract_tables(data_dir):
        if path.suffix == ".parquet":
            frame = session.read.parquet(str(path))
        else:
            # Every column as text and an empty unquoted field as NULL, as DuckDB reads it.
            frame = session.read.csv(
                str(path), header=True, inferSchema=False, multiLine=True, escape='"'
            )
        frame = frame.toDF(*[column.lower() for column in frame.columns])
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{table}")
        counts[table] = session.table(f"{schema}.{table}").count()
    return counts
