"""An extract that cannot be read stops the run before any model, with one message saying
what is wrong and where: a missing directory, a table in a format other than CSV or Parquet, a
malformed file, a required column missing, a malformed record far down a CSV file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from support.extracts import write_test_extract
from support.project import DbtProject


@pytest.fixture(scope="module")
def good_extract(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("good_extract")
    write_test_extract(directory, "csv", noisy=False, spells=1_000)
    return directory


def rename_column(path: Path, old: str, new: str) -> None:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0] = [new if name == old else name for name in rows[0]]
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def spoil_missing_directory(extract: Path) -> list[str]:
    shutil.rmtree(extract)
    return ["APCS extract not found", f"The directory {extract} does not exist"]


def spoil_spreadsheet(extract: Path) -> list[str]:
    (extract / "apcs.csv").rename(extract / "apcs.xlsx")
    return [
        f"Found {extract / 'apcs.xlsx'}",
        "only CSV (.csv, .csv.gz) and Parquet (.parquet) are read",
    ]


def spoil_malformed_parquet(extract: Path) -> list[str]:
    (extract / "apcs_der.parquet").write_bytes(b"not a parquet file")
    return [str(extract / "apcs_der.parquet")]


def spoil_renamed_column(extract: Path) -> list[str]:
    rename_column(extract / "apcs.csv", "Der_Procedure_All", "Der_Procedure_List")
    return [
        f"source apcs.apcs (file {extract / 'apcs.csv'}) lacks required column(s)"
        " Der_Procedure_All",
        "der_procedure_list",
    ]


def spoil_population_column(extract: Path) -> list[str]:
    rename_column(extract / "commissioner_population.csv", "population", "persons")
    return ["source population.commissioner_population", "lacks required column(s) population"]


SPOILERS = [
    spoil_missing_directory,
    spoil_spreadsheet,
    spoil_malformed_parquet,
    spoil_renamed_column,
    spoil_population_column,
]


@pytest.mark.parametrize("spoil", SPOILERS, ids=[spoil.__name__[6:] for spoil in SPOILERS])
def test_unreadable_extract_stops_before_any_model(
    spoil, good_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    extract = tmp_path / "extract"
    shutil.copytree(good_extract, extract)
    expected = spoil(extract)
    project = DbtProject(work_dir=tmp_path, data_dir=extract)
    result = project.invoke("build", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    for text in expected:
        assert text in log, f"{text!r} not in the error"
    assert "Traceback" not in log
    assert (
        project.query(
            "select table_name from information_schema.tables where table_schema = 'main'"
        )
        == []
    ), "a model ran"


# A record far down a file: the whole file is read before any model, not only its head.
FAR_LINE = 30_002


@pytest.fixture(scope="module")
def long_extract(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("long_extract")
    write_test_extract(directory, "csv", noisy=False, spells=FAR_LINE + 1_000)
    return directory


def spoil_far_line(extract: Path, spoil) -> tuple[str, str]:
    """Spoils line FAR_LINE of apcs.csv (the header is line 1); returns the spoiled line and its
    patient's pseudonymised NHS number, which no message may show."""
    path = extract / "apcs.csv"
    with open(path, newline="") as handle:
        lines = handle.read().split("\n")
    row = next(csv.reader([lines[FAR_LINE - 1]]))
    header = next(csv.reader([lines[0]]))
    lines[FAR_LINE - 1] = spoil(lines[FAR_LINE - 1])
    path.write_text("\n".join(lines))
    return row[header.index("Der_Pseudo_NHS_Number")]


FAR_SPOILERS = {
    "more_fields": (lambda line: line + ",1", "has more fields than its header"),
    "fewer_fields": (lambda line: line.split(",", 1)[1], "has fewer fields than its header"),
    "open_quote": (lambda line: line.replace(",", ',"', 1), "cannot be read"),
}


@pytest.mark.parametrize("spoiler", FAR_SPOILERS)
def test_malformed_record_far_down_stops_before_any_model(
    spoiler: str, long_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    extract = tmp_path / "extract"
    shutil.copytree(long_extract, extract)
    spoil, problem = FAR_SPOILERS[spoiler]
    patient = spoil_far_line(extract, spoil)
    project = DbtProject(work_dir=tmp_path, data_dir=extract)
    result = project.invoke("build", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert f"apcs.csv ({extract / 'apcs.csv'}) line {FAR_LINE} {problem}" in log
    assert patient not in log, "the message showed the patient's record"
    assert project.query(
        "select count(*) from information_schema.tables where table_schema = 'main'"
    ) == [(0,)], "a seed or model ran"
