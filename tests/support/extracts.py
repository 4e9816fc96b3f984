"""The tests' generated extracts, and an extract's raw rows read without the project's code."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from apcs_extract import ExtractSpec, generate, write_extract


def write_test_extract(out_dir: Path, fmt: str, noisy: bool, spells: int = 20_000) -> None:
    """An extract rich in RFD candidates and near misses. A noisy one also has formatting
    noise, ages that are not whole numbers and derived rows with no spell; a canonical one is
    in NCDR's own format."""
    spec = ExtractSpec(
        spells=spells,
        seed=7 if noisy else 11,
        candidate_share=0.25,
        formatting_noise_share=0.2 if noisy else 0.0,
        derived_only_rows=25 if noisy else 0,
    )
    write_extract(*generate(spec), out_dir, fmt)


def read_extract(data_dir: Path) -> tuple[list[dict], dict[str, list[dict]]]:
    """The raw rows of an extract as text, read without the project's code: the spells, and
    each identifier's derived rows (an extract may hold several for one spell)."""
    tables = {}
    for name in ("apcs", "apcs_der"):
        parquet = data_dir / f"{name}.parquet"
        if parquet.exists():
            rows = pq.read_table(parquet).to_pylist()
        else:
            with open(data_dir / f"{name}.csv", newline="") as handle:
                rows = [
                    {key: (value if value != "" else None) for key, value in row.items()}
                    for row in csv.DictReader(handle)
                ]
        tables[name] = rows
    derived: dict[str, list[dict]] = {}
    for row in tables["apcs_der"]:
        derived.setdefault(str(row["APCS_Ident"]).strip(), []).append(row)
    return tables["apcs"], derived
