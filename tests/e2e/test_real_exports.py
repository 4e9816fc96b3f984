"""Extracts as analysts really export them: each is either read right, every spell flagged as
the plain-Python rule flags the same data, or stops before any model with one message saying
what is wrong, where, and how to export again (README: Exporting your extract).

One small extract is written the way each tool writes it: SQL Server Management Studio's
"Save Results As" CSV (`NULL` for a missing value, datetimes, CRLF, a byte-order mark), a
Spark CSV (ISO timestamps), pandas' Parquet and CSV (floats for whole numbers with gaps,
timestamps), a gzipped CSV, a Windows-1252 file, a tab-delimited file saved as .csv, and an
Excel re-save. Some spells of the extract have a missing diagnosis list, admission method or
administrative category, so reading `NULL` as text would flag them.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from apcs_extract import ExtractSpec, generate
from apcs_extract.population import POPULATION_TABLE, synthetic_population
from support.project import DbtProject
from support.sql_server_rule import expected_outcome

SPELLS = 600
DATE_COLUMNS = ("Admission_Date", "Discharge_Date")
NUMBER_COLUMNS = ("APCS_Ident", "Age_At_Start_of_Spell_SUS", "Der_Age_at_CDS_Activity_Date")
# Spells met by every criterion whose value is then removed: each would be flagged if the
# missing value were read as the text `NULL`.
MISSING = ("Der_Diagnosis_All", "Admission_Method", "Administrative_Category")


@pytest.fixture(scope="module")
def extract() -> dict[str, list[dict]]:
    """The extract's rows, as Python values (None for a missing value): the spells, with a
    few flagged spells' diagnoses, admission method or category removed, and the derived
    rows."""
    spells_table, derived_table = generate(ExtractSpec(spells=SPELLS, seed=29, candidate_share=0.3))
    spells, derived = spells_table.to_pylist(), derived_table.to_pylist()
    by_ident = {row["APCS_Ident"]: row for row in derived}
    flagged = [
        spell
        for spell in spells
        if spell["APCS_Ident"] in by_ident
        and expected_outcome(text_row(spell), [text_row(by_ident[spell["APCS_Ident"]])])[0]
    ]
    assert len(flagged) >= 3 * len(MISSING) + 20
    for position, column in enumerate(MISSING):
        for spell in flagged[3 * position : 3 * position + 3]:
            spell[column] = None
    return {"apcs": spells, "apcs_der": derived}


def text_row(row: dict) -> dict:
    """A row as the plain-Python rule reads it: every value as text, None for missing."""
    return {key: None if value is None else str(value) for key, value in row.items()}


def expected_flags(extract: dict[str, list[dict]]) -> dict[int, tuple]:
    derived: dict[int, list[dict]] = {}
    for row in extract["apcs_der"]:
        derived.setdefault(row["APCS_Ident"], []).append(text_row(row))
    return {
        spell["APCS_Ident"]: expected_outcome(text_row(spell), derived.get(spell["APCS_Ident"], []))
        for spell in extract["apcs"]
    }


def population(extract: dict[str, list[dict]]) -> pa.Table:
    return synthetic_population(sorted({spell["Der_Financial_Year"] for spell in extract["apcs"]}))


# -- Writers: each writes the extract as one tool does -------------------------------------


def write_delimited(
    path: Path,
    rows: list[dict],
    cell,
    delimiter: str = ",",
    quote_when_needed: bool = True,
    line_end: str = "\n",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> None:
    """A delimited text file: `cell` turns each value (None included) into its text."""
    columns = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=line_end,
        quoting=csv.QUOTE_MINIMAL if quote_when_needed else csv.QUOTE_NONE,
        escapechar=None if quote_when_needed else "\\",
    )
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(column, row.get(column)) for column in columns])
    text = buffer.getvalue()
    if not quote_when_needed:
        text = text.replace("\\", "")  # SSMS writes the delimiter bare, escaping nothing
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding=encoding, newline="") as handle:
            handle.write(text)
    else:
        path.write_bytes(text.encode(encoding))


def ssms_cell(column: str, value) -> str:
    """SSMS "Save Results As": `NULL` for a missing value, a datetime with milliseconds."""
    if value is None:
        return "NULL"
    if column in DATE_COLUMNS:
        return f"{value.isoformat()} 00:00:00.000"
    return str(value)


def plain_cell(column: str, value) -> str:
    return "" if value is None else str(value)


def write_ssms_csv(extract, directory: Path, quote_lists: bool = True) -> None:
    """SSMS's CSV, with the option "Quote strings containing list separators" on (or off),
    CRLF line ends and a UTF-8 byte-order mark."""
    for table, rows in extract.items():
        write_delimited(
            directory / f"{table}.csv",
            rows,
            ssms_cell,
            quote_when_needed=quote_lists,
            line_end="\r\n",
            encoding="utf-8-sig",
        )


def write_spark_csv(extract, directory: Path) -> None:
    """Spark's `df.write.csv(header=True)`: empty for a missing value, timestamps in ISO 8601
    with a `T`, milliseconds and the zone."""

    def cell(column: str, value) -> str:
        if value is not None and column in DATE_COLUMNS:
            return f"{value.isoformat()}T00:00:00.000Z"
        return plain_cell(column, value)

    for table, rows in extract.items():
        write_delimited(directory / f"{table}.csv", rows, cell)


def pandas_frames(extract):
    """The tables as pandas holds them after `read_sql` of NCDR's tables: whole numbers with
    gaps as float64, dates as datetime64."""
    import pandas as pd

    frames = {}
    for table, rows in extract.items():
        frame = pd.DataFrame(rows)
        for column in frame.columns:
            if column in NUMBER_COLUMNS:
                frame[column] = frame[column].astype("float64")
            elif column in DATE_COLUMNS:
                frame[column] = pd.to_datetime(frame[column])
        frames[table] = frame
    return frames


def write_pandas_parquet(extract, directory: Path) -> None:
    for table, frame in pandas_frames(extract).items():
        frame.to_parquet(directory / f"{table}.parquet", index=False)


def write_pandas_csv(extract, directory: Path) -> None:
    for table, frame in pandas_frames(extract).items():
        frame.to_csv(directory / f"{table}.csv", index=False)


def write_spark_parquet(extract, directory: Path) -> None:
    """Spark's Parquet: whole numbers as int64, dates as DATE, text as text."""
    for table, rows in extract.items():
        columns = {column: [row[column] for row in rows] for column in rows[0]}
        arrays = {
            column: pa.array(values, pa.int64())
            if column in NUMBER_COLUMNS
            else pa.array(values, pa.date32())
            if column in DATE_COLUMNS
            else pa.array(values, pa.string())
            for column, values in columns.items()
        }
        pq.write_table(pa.table(arrays), directory / f"{table}.parquet")


def write_powershell_utf16(extract, directory: Path) -> None:
    """PowerShell 5's `Out-File` (and `>`): UTF-16 with a byte-order mark, CRLF."""
    for table, rows in extract.items():
        write_delimited(
            directory / f"{table}.csv", rows, plain_cell, line_end="\r\n", encoding="utf-16"
        )


def write_gzipped_csv(extract, directory: Path) -> None:
    for table, rows in extract.items():
        write_delimited(directory / f"{table}.csv.gz", rows, plain_cell)


def write_tab_delimited(extract, directory: Path) -> None:
    for table, rows in extract.items():
        write_delimited(directory / f"{table}.csv", rows, plain_cell, delimiter="\t")


# The Windows-1252 file holds a £ in a provider site name on a line far down the file.
POUND_ROW = SPELLS - 10


def write_windows_1252(extract, directory: Path) -> None:
    spells = [dict(row) for row in extract["apcs"]]
    spells[POUND_ROW]["Der_Provider_Site_Code"] += "£"
    write_delimited(directory / "apcs.csv", spells, plain_cell, encoding="cp1252")
    write_delimited(directory / "apcs_der.csv", extract["apcs_der"], plain_cell, encoding="cp1252")


def write_excel_resave(extract, directory: Path, dates: bool = True, codes: bool = True) -> None:
    """A CSV opened and saved again in Excel: `01`/`02` become `1`/`2`, dates `dd/mm/yyyy`."""

    def cell(column: str, value) -> str:
        if value is not None and dates and column in DATE_COLUMNS:
            return value.strftime("%d/%m/%Y")
        if value is not None and codes and column == "Administrative_Category":
            return str(int(value))
        return plain_cell(column, value)

    for table, rows in extract.items():
        write_delimited(directory / f"{table}.csv", rows, cell, line_end="\r\n")


def write_canonical_csv(extract, directory: Path) -> None:
    for table, rows in extract.items():
        write_delimited(directory / f"{table}.csv", rows, plain_cell)


def build(directory: Path, tmp_path: Path, monkeypatch, **environment: str):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    project = DbtProject(work_dir=tmp_path / "work", data_dir=directory)
    result = project.invoke("build", monkeypatch=monkeypatch)
    log = (project.work_dir / "logs" / "dbt.log").read_text()
    return project, result, log


# -- Read right ----------------------------------------------------------------------------

READ_RIGHT = {
    "ssms_csv": (write_ssms_csv, {}),
    "spark_csv": (write_spark_csv, {}),
    "pandas_parquet": (write_pandas_parquet, {}),
    "pandas_csv": (write_pandas_csv, {}),
    "spark_parquet": (write_spark_parquet, {}),
    "gzipped_csv": (write_gzipped_csv, {}),
    "windows_1252_with_setting": (write_windows_1252, {"APCS_CSV_ENCODING": "cp1252"}),
    "tab_delimited_with_setting": (write_tab_delimited, {"APCS_CSV_DELIMITER": "tab"}),
    "powershell_utf16_with_setting": (write_powershell_utf16, {"APCS_CSV_ENCODING": "utf-16"}),
}


@pytest.mark.parametrize("export", list(READ_RIGHT))
def test_export_is_read_right(export, extract, tmp_path: Path, monkeypatch):
    writer, environment = READ_RIGHT[export]
    directory = tmp_path / "extract"
    directory.mkdir()
    writer(extract, directory)
    project, result, log = build(directory, tmp_path, monkeypatch, **environment)
    assert result.success, f"{export}: {result.exception}"
    actual = {
        ident: (flagged, reason)
        for ident, flagged, reason in project.query(
            "select apcs_ident, is_rfd_back, exclusion_reason from main.fct_rfd_back_spells"
        )
    }
    expected = expected_flags(extract)
    assert actual.keys() == expected.keys()
    differing = [ident for ident in expected if actual[ident] != expected[ident]]
    assert not differing, f"{export}: {len(differing)} spells differ, e.g. {differing[:5]}"
    assert sum(flagged for flagged, _ in expected.values()) >= 20
    # Every date, age and identifier was read: none is reported as malformed.
    assert project.query(
        "select count(*) from main.int_apcs__data_quality_issues"
        " where issue in ('not_a_date', 'not_a_whole_number')"
    ) == [(0,)]
    assert project.query(
        "select count(*) from main.stg_apcs__spells where admission_date is null"
    ) == [(0,)]


# -- Stop, with a recipe -------------------------------------------------------------------


def stop_ssms_unquoted(extract, directory: Path) -> list[str]:
    write_ssms_csv(extract, directory, quote_lists=False)
    # The first spell with a list of more than one code: the header is line 1.
    first = next(
        position
        for position, spell in enumerate(extract["apcs"])
        if "," in (spell["Der_Diagnosis_All"] or "") + (spell["Der_Procedure_All"] or "")
    )
    return [
        "apcs.csv",
        f"line {first + 2} has more fields than its header",
        "Quote strings containing list separators when saving .csv results",
        "Invoke-Sqlcmd and Export-Csv",
    ]


def stop_ssms_without_headers(extract, directory: Path) -> list[str]:
    """SSMS's default leaves the header out: the first line is a patient's row."""
    write_ssms_csv(extract, directory)
    path = directory / "apcs.csv"
    path.write_bytes(path.read_bytes().split(b"\r\n", 1)[1])
    return [
        "apcs.csv",
        "has no header",
        "Include column headers when copying or saving the results",
    ]


def stop_quote_left_open(extract, directory: Path) -> list[str]:
    """A quote opened near the top and never closed (a hand-edited file)."""
    write_canonical_csv(extract, directory)
    path = directory / "apcs.csv"
    lines = path.read_text().split("\n")
    lines[5] = lines[5].replace(",", ',"', 1)
    path.write_text("\n".join(lines))
    return ["apcs.csv", "line 6 cannot be read (unquoted value)", "A quote is left open"]


def stop_pandas_codes_as_floats(extract, directory: Path) -> list[str]:
    """pandas `read_csv` without `dtype=str`, then `to_csv`: a code column with gaps becomes a
    float column, `1` written `1.0`."""
    spells = [
        {
            **row,
            "Patient_Classification": None
            if row["Patient_Classification"] is None
            else f"{float(row['Patient_Classification'])}",
        }
        for row in extract["apcs"]
    ]
    write_canonical_csv({"apcs": spells, "apcs_der": extract["apcs_der"]}, directory)
    return [
        "column Patient_Classification",
        "are numbers with a fraction (such as `1.0`)",
        "dtype=str",
    ]


def stop_two_files_for_a_table(extract, directory: Path) -> list[str]:
    write_canonical_csv(extract, directory)
    write_spark_parquet({"apcs": extract["apcs"]}, directory)
    return [
        "holds apcs more than once",
        str(directory / "apcs.parquet"),
        str(directory / "apcs.csv"),
    ]


def stop_windows_1252(extract, directory: Path) -> list[str]:
    write_windows_1252(extract, directory)
    # The header is line 1: the £ is on the line of spell POUND_ROW.
    return [
        "apcs.csv",
        f"is not UTF-8: line {POUND_ROW + 2} holds a byte",
        "APCS_CSV_ENCODING=cp1252",
    ]


def stop_tab_delimited(extract, directory: Path) -> list[str]:
    write_tab_delimited(extract, directory)
    return [
        "apcs.csv",
        "is tab-delimited",
        "APCS_CSV_DELIMITER=tab",
        "Re-export it comma-separated",
    ]


def stop_excel_resave(extract, directory: Path) -> list[str]:
    write_excel_resave(extract, directory)
    return [
        "column Admission_Date",
        "are not dates (YYYY-MM-DD), e.g. one written `99/99/9999`",
        "Dates written dd/mm/yyyy are what a spreadsheet writes",
        "column Administrative_Category",
        "the leading zeros are lost",
        "private patients would count as NHS patients",
    ]


def stop_excel_leading_zeros_only(extract, directory: Path) -> list[str]:
    write_excel_resave(extract, directory, dates=False)
    return ["column Administrative_Category", "are a single digit (such as `2`)"]


def stop_code_stored_as_number(extract, directory: Path) -> list[str]:
    write_spark_parquet(extract, directory)
    table = pq.read_table(directory / "apcs.parquet")
    position = table.schema.get_field_index("Administrative_Category")
    numbers = pa.array(
        [
            None if value is None else int(value)
            for value in table["Administrative_Category"].to_pylist()
        ],
        pa.int64(),
    )
    pq.write_table(
        table.set_column(position, "Administrative_Category", numbers), directory / "apcs.parquet"
    )
    return [
        f"file {directory / 'apcs.parquet'}: column Administrative_Category is stored as bigint",
        "Write the column as text",
        "dtype=str",
    ]


def stop_column_mostly_malformed(extract, directory: Path) -> list[str]:
    spells = [
        {**row, "Age_At_Start_of_Spell_SUS": f"{row['Age_At_Start_of_Spell_SUS']} years"}
        for row in extract["apcs"]
    ]
    write_canonical_csv({"apcs": spells, "apcs_der": extract["apcs_der"]}, directory)
    return [
        "column Age_At_Start_of_Spell_SUS",
        "are not whole numbers, e.g. one written `9",
        "AAAAA` (digits shown as 9, letters as A)",
        "Export the column as whole numbers",
    ]


def stop_repeated_header(extract, directory: Path) -> list[str]:
    write_canonical_csv(extract, directory)
    columns = list(extract["apcs"][0])
    write_delimited(
        directory / "apcs.csv",
        [{**row, "Der_Procedure_All ": None} for row in extract["apcs"]],
        plain_cell,
        header=[*columns[:-1], "Der_Procedure_All ", columns[-1]],
    )
    return ["apcs.csv", "names Der_Procedure_All more than once in its header line"]


def stop_header_only(extract, directory: Path) -> list[str]:
    write_canonical_csv(extract, directory)
    write_delimited(directory / "apcs_der.csv", [], plain_cell, header=list(extract["apcs_der"][0]))
    return [f"file {directory / 'apcs_der.csv'} has no rows"]


STOPS = [
    stop_ssms_unquoted,
    stop_ssms_without_headers,
    stop_quote_left_open,
    stop_pandas_codes_as_floats,
    stop_two_files_for_a_table,
    stop_windows_1252,
    stop_tab_delimited,
    stop_excel_resave,
    stop_excel_leading_zeros_only,
    stop_code_stored_as_number,
    stop_column_mostly_malformed,
    stop_repeated_header,
    stop_header_only,
]


@pytest.mark.parametrize("spoil", STOPS, ids=[spoil.__name__[5:] for spoil in STOPS])
def test_export_stops_before_any_model(spoil, extract, tmp_path: Path, monkeypatch):
    directory = tmp_path / "extract"
    directory.mkdir()
    expected = spoil(extract, directory)
    project, result, log = build(directory, tmp_path, monkeypatch)
    assert not result.success
    for text in expected:
        assert text in log, f"{text!r} not in the error"
    assert "Traceback" not in log
    assert "Original Line" not in log, "DuckDB's message, quoting a patient's row, reached the log"
    # No patient-level value in the message: no pseudonymised NHS number, no list of codes.
    for spell in extract["apcs"][:50]:
        assert spell["Der_Pseudo_NHS_Number"] not in log
        assert not spell["Der_Procedure_All"] or spell["Der_Procedure_All"] not in log
    assert (
        project.query(
            "select table_name from information_schema.tables where table_schema = 'main'"
        )
        == []
    ), "a model ran"


# -- Two tables are enough -----------------------------------------------------------------


def test_two_tables_build_without_rates(extract, tmp_path: Path, monkeypatch):
    directory = tmp_path / "extract"
    directory.mkdir()
    write_canonical_csv(extract, directory)
    assert not list(directory.glob(f"{POPULATION_TABLE}.*"))
    project, result, log = build(directory, tmp_path, monkeypatch)
    assert result.success, result.exception
    assert "No population table" in log and "rpt_rfd_back_rates is empty" in log
    assert project.query("select count(*) from main.rpt_rfd_back_rates") == [(0,)]
    assert project.query("select count(*) from main.fct_rfd_back_spells") == [(SPELLS,)]
    # A population file added later is read by the next build.
    pq.write_table(population(extract), directory / f"{POPULATION_TABLE}.parquet")
    project, result, log = build(directory, tmp_path, monkeypatch)
    assert result.success, result.exception
    assert project.query("select count(*) from main.rpt_rfd_back_rates")[0][0] > 0
    # And one taken away again leaves no stale rates behind.
    (directory / f"{POPULATION_TABLE}.parquet").unlink()
    project, result, log = build(directory, tmp_path, monkeypatch)
    assert result.success, result.exception
    assert project.query("select count(*) from main.rpt_rfd_back_rates") == [(0,)]


def test_population_directory_set_but_empty_stops(extract, tmp_path: Path, monkeypatch):
    directory = tmp_path / "extract"
    directory.mkdir()
    write_canonical_csv(extract, directory)
    (tmp_path / "population").mkdir()
    (tmp_path / "population" / "readme.txt").write_text("the population goes here")
    project, result, log = build(
        directory, tmp_path, monkeypatch, POPULATION_DATA_DIR=str(tmp_path / "population")
    )
    assert not result.success
    assert "Population table not found" in log
