"""Write an extract directory: apcs and apcs_der as CSV or Parquet, as NCDR exports them, and
the synthetic population the demo's rates are per (commissioner_population)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from apcs_extract.population import POPULATION_TABLE, synthetic_population

FORMATS = ("csv", "parquet")
TABLES = ("apcs", "apcs_der")


class _TableWriter:
    """Appends chunks of one table to one CSV or Parquet file."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt, self.writer = path, fmt, None

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            if self.fmt == "csv":
                options = pa_csv.WriteOptions(quoting_style="needed")
                self.writer = pa_csv.CSVWriter(self.path, table.schema, write_options=options)
            else:
                self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def write_extract_chunks(chunks: Iterable[tuple], out_dir: Path | str, fmt: str) -> tuple[int, int]:
    """Write (spells, derived) chunks to `out_dir` in `fmt`, replacing any extract there, and
    beside them the synthetic population of the financial years the spells fall in (the rates'
    denominator). Returns the number of spell rows and derived rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in (*TABLES, POPULATION_TABLE):
        for stale in FORMATS:
            (out / f"{name}.{stale}").unlink(missing_ok=True)
    writers = [_TableWriter(out / f"{name}.{fmt}", fmt) for name in TABLES]
    counts = [0, 0]
    financial_years: set[str] = set()
    try:
        for chunk in chunks:
            for position, table in enumerate(chunk):
                if table is not None:
                    writers[position].write(table)
                    counts[position] += table.num_rows
            if chunk[0] is not None:
                years = pc.unique(chunk[0].column("Der_Financial_Year")).to_pylist()
                financial_years.update(year for year in years if year)
    finally:
        for writer in writers:
            writer.close()
    population = _TableWriter(out / f"{POPULATION_TABLE}.{fmt}", fmt)
    population.write(synthetic_population(sorted(financial_years)))
    population.close()
    return counts[0], counts[1]


def write_extract(spells: pa.Table, derived: pa.Table, out_dir: Path | str, fmt: str) -> None:
    """Write both tables of an extract held in memory."""
    write_extract_chunks([(spells, derived)], out_dir, fmt)
