"""What the published marts carry as labels: an organisation code of an ODS code's shape, a
financial year written `2023/24`, a month `YYYYMM`, a sex code of the Data Dictionary, or
`invalid`; never a value of the extract as recorded (an NHS number in the commissioner
column, markup in the financial year). The values are reported to the analytics team, the
fact keeps them as recorded, and the report draws no markup.

The project is built on a small generated extract, hand-edited with hostile labels, and a
population table holding the hostile commissioner and a `population_source` with a link.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from support.extracts import read_extract, write_test_extract
from support.project import DbtProject
from support.report import figures, render

HOSTILE_COMMISSIONER = "9434765919"  # shaped like an NHS number
HOSTILE_YEAR = '<a href="https://example.org/year">2023/24</a>'
HOSTILE_MONTH = "<b>202305</b>"
HOSTILE_PROVIDER = "<i>RXH</i>"
HOSTILE_SEX = '<a href="https://example.org/sex">1</a>'
HOSTILE_SOURCE = '<a href="https://example.org/source">ONS mid-2023</a>'
# Nothing of these may reach a published mart, nor any markup.
FORBIDDEN = [HOSTILE_COMMISSIONER, "example.org", "href", "<", ">"]

ODS_CODE = re.compile(r"(?=[0-9]*[A-Z])[A-Z0-9]{3,6}")
FINANCIAL_YEAR = re.compile(r"[0-9]{4}/[0-9]{2}")
MONTH = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")
SEX_CODES = {"0", "1", "2", "9", "X", "unknown"}


def hostile(row: dict, position: int) -> dict:
    """A spell with some of its labels replaced by hostile ones, by position in the file."""
    if position % 3 == 0:
        row["Der_Commissioner_Code"] = HOSTILE_COMMISSIONER
    if position % 5 == 1:
        row["Der_Financial_Year"] = HOSTILE_YEAR
    if position % 7 == 2:
        row["Der_Activity_Month"] = HOSTILE_MONTH
    if position % 11 == 3:
        row["Der_Provider_Code"] = HOSTILE_PROVIDER
    if position % 13 == 4:
        row["Sex"] = HOSTILE_SEX
    return row


def rewrite_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(
            {key: "" if value is None else value for key, value in row.items()} for row in rows
        )


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> DbtProject:
    work_dir = tmp_path_factory.mktemp("published_labels")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    write_test_extract(project.data_dir, "csv", noisy=False, spells=4_000)
    spells, _ = read_extract(project.data_dir)
    rewrite_csv(
        project.data_dir / "apcs.csv",
        [hostile(row, position) for position, row in enumerate(spells)],
    )
    with open(project.data_dir / "commissioner_population.csv", newline="") as handle:
        population = list(csv.DictReader(handle))
    first_commissioner = population[0]["commissioner_code"]
    population += [
        {**row, "commissioner_code": HOSTILE_COMMISSIONER}
        for row in population
        if row["commissioner_code"] == first_commissioner
    ]
    rewrite_csv(
        project.data_dir / "commissioner_population.csv",
        [{**row, "population_source": HOSTILE_SOURCE} for row in population],
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = project.invoke(
            "build", "--exclude-resource-type", "unit_test", monkeypatch=monkeypatch
        )
    assert built.success, f"dbt build failed: {built.exception}"
    return project


def published_tables(project: DbtProject) -> dict[str, tuple[list[str], list[tuple]]]:
    names = [
        name
        for (name,) in project.query(
            "select table_name from information_schema.tables"
            " where table_schema = 'main' and table_name like 'rpt_%'"
        )
    ]
    tables = {}
    for name in names:
        columns = [
            column for (column,) in project.query(f"select column_name from (describe main.{name})")
        ]
        tables[name] = (columns, project.query(f"select * from main.{name}"))
    return tables


def test_the_fact_keeps_the_hostile_labels_as_recorded(hostile_project: DbtProject):
    """The test proves something: flagged spells carry each hostile label in the fact."""
    [(commissioners, years, months)] = hostile_project.query(
        "select"
        f" count(case when commissioner_code = '{HOSTILE_COMMISSIONER}' then 1 end),"
        f" count(case when financial_year = '{HOSTILE_YEAR}' then 1 end),"
        f" count(case when activity_month = '{HOSTILE_MONTH}' then 1 end)"
        " from main.fct_rfd_back_spells where is_rfd_back"
    )
    assert commissioners > 8 and years > 8 and months > 8


def test_published_marts_carry_only_well_shaped_labels(hostile_project: DbtProject):
    tables = published_tables(hostile_project)
    assert {"rpt_rfd_back_activity", "rpt_rfd_back_rates", "rpt_apcs_data_quality"} <= set(tables)
    leaked = [
        (name, column, value)
        for name, (columns, rows) in tables.items()
        for row in rows
        for column, value in zip(columns, row, strict=True)
        # population_source is the analytics team's own text, not the extract's: the report
        # strips its markup (test_the_report_draws_no_markup).
        if isinstance(value, str)
        and column != "population_source"
        and any(text in value for text in FORBIDDEN)
    ]
    assert not leaked, f"published as recorded: {leaked[:5]}"
    wrong_shape = []
    for name, (columns, rows) in tables.items():
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            code = values.get("organisation_code")
            if (
                code is not None
                and code not in ("ENGLAND", "invalid")
                and not ODS_CODE.fullmatch(code)
            ):
                wrong_shape.append((name, "organisation_code", code))
            year = values.get("financial_year")
            if year is not None and year != "invalid" and not FINANCIAL_YEAR.fullmatch(year):
                wrong_shape.append((name, "financial_year", year))
            month = values["period"] if values.get("period_type") == "month" else None
            if month not in (None, "invalid") and not MONTH.fullmatch(month):
                wrong_shape.append((name, "period", month))
            if values.get("breakdown") == "sex" and values["breakdown_value"] not in SEX_CODES | {
                "invalid"
            }:
                wrong_shape.append((name, "breakdown_value", values["breakdown_value"]))
    assert not wrong_shape, f"labels of the wrong shape: {wrong_shape[:5]}"
    # The hostile values are grouped under `invalid`, not dropped.
    invalid = hostile_project.query(
        "select distinct organisation_type from main.rpt_rfd_back_activity"
        " where organisation_code = 'invalid'"
    )
    assert sorted(invalid) == [("commissioner",), ("provider",)]
    for column in ("financial_year", "period"):
        assert hostile_project.query(
            f"select count(*) from main.rpt_rfd_back_activity where {column} = 'invalid'"
        )[0][0]


def test_labels_of_the_wrong_shape_are_reported(hostile_project: DbtProject):
    reported = set(
        hostile_project.query(
            "select distinct field, value_as_recorded, issue"
            " from main.int_apcs__data_quality_issues"
            " where field in ('commissioner_code', 'provider_code', 'financial_year', 'sex')"
        )
    )
    assert ("commissioner_code", HOSTILE_COMMISSIONER, "wrong_shape") in reported
    assert ("provider_code", HOSTILE_PROVIDER.upper(), "wrong_shape") in reported
    assert ("financial_year", HOSTILE_YEAR, "not_a_financial_year") in reported
    published = set(hostile_project.query("select field, issue from main.rpt_apcs_data_quality"))
    assert {
        ("commissioner_code", "wrong_shape"),
        ("provider_code", "wrong_shape"),
        ("financial_year", "not_a_financial_year"),
    } <= published


def test_the_report_draws_no_markup(hostile_project: DbtProject):
    with pytest.MonkeyPatch.context() as monkeypatch:
        html = render(hostile_project, hostile_project.work_dir / "report.html", monkeypatch)
    page = re.sub(r'<script id="plotly-js">.*?</script>', "", html, flags=re.S)
    for text in (HOSTILE_COMMISSIONER, "example.org", "href="):
        assert text not in page, f"the report holds {text!r}"
    drawn = figures(html)
    assert drawn
