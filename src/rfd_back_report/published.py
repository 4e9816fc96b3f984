"""The published marts, read through dbt itself (`dbt run-operation rfd_back_report_data`), so
the report runs on whatever warehouse the profile points at, with no driver of its own. Only
`rpt_` marts are read (macros/reporting/report_data.sql)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from dbt.cli.main import dbtRunner

MARKER = "RFD_BACK_REPORT_DATA "

Rows = list[dict]


class ReportDataError(RuntimeError):
    """The marts could not be read: dbt failed, or printed no data."""


def load_published_marts(dbt_arguments: list[str]) -> dict[str, Rows]:
    """Every published mart the report draws, as rows of {column: value}. `dbt_arguments`
    are passed to dbt (`--project-dir`, `--profiles-dir`, `--target`, `--vars` ...)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = dbtRunner().invoke(
            ["run-operation", "rfd_back_report_data", "--quiet", *dbt_arguments]
        )
    if not result.success:
        raise ReportDataError(
            "dbt could not read the published marts; run `make build` (or `dbt build`) first."
            f"\n{printed.getvalue()[-2000:]}{result.exception or ''}"
        )
    for line in printed.getvalue().splitlines():
        if line.startswith(MARKER):
            return parse(line[len(MARKER) :])
    raise ReportDataError(f"dbt printed no report data:\n{printed.getvalue()[-2000:]}")


def parse(text: str) -> dict[str, Rows]:
    """The macro's JSON as rows; whole numbers (dbt hands every number over as a float) back
    to int."""
    marts = {}
    for mart, table in json.loads(text).items():
        if not mart.startswith("rpt_"):
            raise ReportDataError(f"{mart} is not a published mart; the report reads only rpt_")
        marts[mart] = [
            {column: whole(value) for column, value in zip(table["columns"], row, strict=True)}
            for row in table["rows"]
        ]
    return marts


def whole(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dbt_arguments(
    project_dir: Path, profiles_dir: Path | None, target: str | None, vars_: str | None
) -> list[str]:
    arguments = ["--project-dir", str(project_dir)]
    if profiles_dir:
        arguments += ["--profiles-dir", str(profiles_dir)]
    if target:
        arguments += ["--target", target]
    if vars_:
        arguments += ["--vars", vars_]
    return arguments
