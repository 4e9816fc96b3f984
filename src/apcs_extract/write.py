"""Write an extract directory: apcs and apcs_der as CSV or Parquet, as NCDR exports them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

FORMATS = ("csv", "parquet")


def write_extract(spells: pa.Table, derived: pa.Table, out_dir: Path | str, fmt: str) -> None:
    """Write both tables to `out_dir` in `fmt`, replacing any extract already there."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("apcs", "apcs_der"):
        for stale in FORMATS:
            (out / f"{name}.{stale}").unlink(missing_ok=True)
    options = "format csv, header true" if fmt == "csv" else "format parquet, compression zstd"
    with duckdb.connect() as con:
        for name, table in (("apcs", spells), ("apcs_der", derived)):
            con.register("extract_table", table)
            con.execute(f"copy extract_table to '{out / f'{name}.{fmt}'}' ({options})")
            con.unregister("extract_table")
