"""The monthly refresh: the fact is incremental by activity month.

A first build reads an extract without its latest month; the refresh reads next month's
extract, in which SUS has added that month, revised a spell of the month before and removed
another, moved a spell of the first month into the month before, and (wrongly, to prove it is
left alone) changed another spell of the first month.

A refresh's data tests check the months it refreshed; `dbt test` checks every month; the build
says which it did (the tests at the end, on a project of their own)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from dbt.cli.main import dbtRunnerResult

from apcs_extract import ExtractSpec, generate, write_extract
from support.project import DbtProject

# The fact's rows, without the run that wrote each (which differs from run to run) and the
# patient's number (the tests read the columns by position).
FACT = (
    "select * exclude (flagged_in_invocation, pseudo_nhs_number)"
    " from main.fct_rfd_back_spells order by apcs_ident"
)


def write_rows(spells: pa.Table, derived: pa.Table, out_dir: Path, where: str, edits: str) -> None:
    """Write the extract keeping the spells that satisfy `where`, with the UPDATE-like `edits`
    (a select list over the spell table's columns) applied, and their derived rows."""
    con = duckdb.connect()
    con.register("source_spells", spells)
    con.register("source_derived", derived)
    kept = con.sql(f"select {edits} from source_spells where {where}").to_arrow_table()
    con.register("kept", kept)
    kept_derived = con.sql(
        'select * from source_derived where "APCS_Ident" in (select "APCS_Ident" from kept)'
    ).to_arrow_table()
    write_extract(kept, kept_derived, out_dir, "parquet")


@pytest.fixture(scope="module")
def refresh(tmp_path_factory: pytest.TempPathFactory):
    """Build on last month's extract, refresh on this month's; return the facts and the
    spells the test changed."""
    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("refresh")
    spells, derived = generate(ExtractSpec(spells=6_000, seed=13, candidate_share=0.25))
    months = sorted(set(spells.column("Der_Activity_Month").to_pylist()))
    first, previous, latest = months[0], months[-2], months[-1]

    last_month = DbtProject(work_dir=root / "work", data_dir=root / "last_month")
    write_rows(spells, derived, last_month.data_dir, f"\"Der_Activity_Month\" < '{latest}'", "*")
    assert last_month.invoke("build", monkeypatch=monkeypatch).success
    before = last_month.query(FACT)

    def flagged_in(month: str, count: int) -> list[int]:
        rows = last_month.query(
            "select apcs_ident from main.fct_rfd_back_spells "
            f"where is_rfd_back and activity_month = '{month}' order by apcs_ident limit {count}"
        )
        assert len(rows) == count, f"the extract has too few flagged spells in {month}"
        return [row[0] for row in rows]

    revised, removed = flagged_in(previous, 2)
    (untouched,) = flagged_in(first, 1)

    def unflagged_in(month: str) -> int:
        return last_month.query(
            "select min(apcs_ident) from main.fct_rfd_back_spells "
            f"where not is_rfd_back and activity_month = '{month}'"
        )[0][0]

    moved_in = unflagged_in(first)
    this_month = replace(last_month, data_dir=root / "this_month")
    made_private = (
        f"case when \"APCS_Ident\" in ({revised}, {untouched}) then '02' "
        'else "Administrative_Category" end'
    )
    moved = f'case when "APCS_Ident" = {moved_in} then \'{previous}\' else "Der_Activity_Month" end'
    write_rows(
        spells,
        derived,
        this_month.data_dir,
        f'"APCS_Ident" <> {removed}',
        f'* replace ({made_private} as "Administrative_Category", {moved} as "Der_Activity_Month")',
    )
    assert this_month.invoke("build", monkeypatch=monkeypatch).success
    refreshed = this_month.query(FACT)
    assert this_month.invoke("build", monkeypatch=monkeypatch).success
    refreshed_again = this_month.query(FACT)
    yield {
        "project": this_month,
        "monkeypatch": monkeypatch,
        "months": (first, previous, latest),
        "spells": {
            "revised": revised,
            "removed": removed,
            "untouched": untouched,
            "moved_in": moved_in,
        },
        "before": before,
        "refreshed": refreshed,
        "refreshed_again": refreshed_again,
        "source_spells": spells.num_rows,
    }
    monkeypatch.undo()


def by_ident(rows: list[tuple]) -> dict[int, tuple]:
    return {row[0]: row for row in rows}


def test_refresh_adds_the_new_month(refresh):
    _, _, latest = refresh["months"]
    months_before = {row[4] for row in refresh["before"]}
    months_after = {row[4] for row in refresh["refreshed"]}
    assert latest not in months_before
    assert months_after == months_before | {latest}
    assert len(refresh["refreshed"]) == refresh["source_spells"] - 1


def test_refresh_revises_and_removes_spells_within_the_lookback(refresh):
    after = by_ident(refresh["refreshed"])
    spells = refresh["spells"]
    assert refresh["spells"]["removed"] not in after
    revised = after[spells["revised"]]
    assert revised[-4:-1] == (False, None, "private_patient")  # is_rfd_back, label, reason


def test_refresh_moves_a_spell_into_the_window(refresh):
    """A spell SUS moved from an older month into the window is in the fact once, in its new
    month: its old row is deleted by identifier."""
    _, previous, _ = refresh["months"]
    idents = [row[0] for row in refresh["refreshed"]]
    assert len(idents) == len(set(idents))
    assert by_ident(refresh["refreshed"])[refresh["spells"]["moved_in"]][4] == previous


def test_refresh_leaves_older_months_untouched(refresh):
    _, previous, _ = refresh["months"]
    moved = {refresh["spells"]["moved_in"]}
    older_before = [row for row in refresh["before"] if row[4] < previous and row[0] not in moved]
    older_after = [row for row in refresh["refreshed"] if row[4] < previous and row[0] not in moved]
    assert older_after == older_before
    # The spell changed in the first month keeps the flag it had: that month was not read.
    assert by_ident(refresh["refreshed"])[refresh["spells"]["untouched"]][-4] is True


def test_refresh_is_idempotent(refresh):
    assert refresh["refreshed_again"] == refresh["refreshed"]


def test_full_refresh_and_rule_changes_reprocess_every_month(refresh):
    """--full-refresh rebuilds every month from the extract, and so does a refresh after the
    rule changed (here the null-diagnoses option), without being asked."""
    project, monkeypatch = refresh["project"], refresh["monkeypatch"]
    untouched = refresh["spells"]["untouched"]
    option = "{rfd_back_null_diagnoses_pass_cancer_exclusion: true}"
    assert project.invoke("run", "--vars", option, monkeypatch=monkeypatch).success
    rows = project.query(FACT)
    assert {row[-1] for row in rows} == {"2023-12+null_diagnoses_pass_cancer_exclusion"}
    assert by_ident(rows)[untouched][-2] == "private_patient"

    assert project.invoke("build", "--full-refresh", monkeypatch=monkeypatch).success
    rebuilt = by_ident(project.query(FACT))
    refreshed = by_ident(refresh["refreshed"])
    assert rebuilt.keys() == refreshed.keys()
    differing = [ident for ident in rebuilt if rebuilt[ident] != refreshed[ident]]
    assert differing == [untouched]


# What a refresh build says after its data tests checked only the refreshed months, and after
# they checked every row.
CHECKED_REFRESHED_MONTHS = (
    "Data tests checked the refreshed months (from {month}) of fct_rfd_back_spells, "
    "int_apcs__spells_joined and stg_apcs__spells; run `dbt test` (or make check) for every month."
)
CHECKED_EVERY_MONTH = "Data tests checked every month."
JOINED_PRIMARY_KEY = "primary_key_int_apcs__spells_joined_apcs_ident"
DUPLICATES = "int_apcs__duplicated_identifiers"


def invoke_logged(project: DbtProject, *args: str, monkeypatch) -> tuple[dbtRunnerResult, str]:
    """Run dbt; return its result and what it wrote to the log file."""
    log = project.work_dir / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    result = project.invoke(*args, monkeypatch=monkeypatch)
    with open(log, "rb") as handle:
        handle.seek(start)
        return result, handle.read().decode("utf-8", errors="replace")


def failed_tests(result: dbtRunnerResult) -> set[str]:
    return {
        outcome.node.name
        for outcome in result.result.results
        if outcome.node.resource_type == "test" and outcome.status in ("fail", "error")
    }


def data_tests(result: dbtRunnerResult) -> list:
    return [
        outcome.node
        for outcome in result.result.results
        if outcome.node.resource_type == "test" and outcome.node.compiled_code
    ]


def read_from(test, month: str) -> bool:
    """Whether a data test read only the rows from `month` on."""
    return f"activity_month >= '{month}'" in test.compiled_code


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory):
    """A full build, then refreshes on the same extract, with a defect planted between them.

    No extract can break the fact's or the joined view's tests (the models resolve every
    repeated identifier), so the defect is planted: the extract repeats a spell of the first
    month and one of the latest, and the table of repeated identifiers forgets one, so the
    joined view holds that spell twice and its primary-key test (an error) fails. The
    refreshes leave that table as it is (`--exclude`)."""
    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("checks")
    spells, derived = generate(ExtractSpec(spells=1_000, seed=17, candidate_share=0.25))
    months = sorted(set(spells.column("Der_Activity_Month").to_pylist()))
    first, latest = months[0], months[-1]

    def ident_in(month: str) -> int:
        in_month = spells.filter(pc.equal(spells.column("Der_Activity_Month"), month))
        return in_month.column("APCS_Ident")[0].as_py()

    old, new = ident_in(first), ident_in(latest)
    repeated = spells.filter(pc.is_in(spells.column("APCS_Ident"), pa.array([old, new])))
    project = DbtProject(work_dir=root / "work", data_dir=root / "extract")
    write_extract(pa.concat_tables([spells, repeated]), derived, project.data_dir, "parquet")

    def forget_repeated(ident: int) -> None:
        with duckdb.connect(str(project.database_path)) as con:
            con.execute(
                f"delete from main.{DUPLICATES} where source_table = 'apcs' and apcs_ident = ?",
                [ident],
            )

    def run(*args: str) -> tuple[dbtRunnerResult, str]:
        # Unit tests read no extract: left out, to keep this quick.
        return invoke_logged(
            project, *args, "--exclude-resource-type", "unit_test", monkeypatch=monkeypatch
        )

    runs = {"full_build": run("build", "--full-refresh")}
    assert runs["full_build"][0].success, runs["full_build"][0].exception
    forget_repeated(old)
    runs["refresh"] = run("build", "--exclude", DUPLICATES)
    runs["full_check"] = run("test")
    runs["refresh_checking_every_month"] = run(
        "build", "--select", "int_apcs__spells_joined", "--vars", "rfd_back_check_every_month: true"
    )
    forget_repeated(new)
    runs["refresh_of_a_broken_month"] = run("build", "--exclude", DUPLICATES)
    yield {"latest": latest, "runs": runs}
    monkeypatch.undo()


def test_full_build_checks_every_month(checks):
    result, log = checks["runs"]["full_build"]
    assert CHECKED_EVERY_MONTH in log
    assert "refreshed months" not in log
    assert not any(read_from(test, checks["latest"]) for test in data_tests(result))


def test_refresh_checks_only_the_refreshed_months(checks):
    """The spell held twice in the first month is outside the refreshed months: the refresh's
    tests pass, reading only the latest month of the fact and of the models it reads by month,
    and say so. Every other test reads every row."""
    result, log = checks["runs"]["refresh"]
    assert result.success, result.exception
    assert CHECKED_REFRESHED_MONTHS.format(month=checks["latest"]) in log
    assert CHECKED_EVERY_MONTH not in log
    tests = data_tests(result)
    windowed = {test.name for test in tests if test.config.where == "__refresh_window__"}
    assert {test.attached_node for test in tests if test.name in windowed} == {
        "model.rfd_back.fct_rfd_back_spells",
        "model.rfd_back.int_apcs__spells_joined",
        "model.rfd_back.stg_apcs__spells",
    }
    assert {test.name for test in tests if read_from(test, checks["latest"])} == windowed


def test_full_check_catches_what_the_refresh_left(checks):
    result, log = checks["runs"]["full_check"]
    assert not result.success
    assert failed_tests(result) == {JOINED_PRIMARY_KEY}
    assert f"Failure in test {JOINED_PRIMARY_KEY}" in log
    assert "Data tests checked" not in log, "only a build says which months it checked"


def test_refresh_checks_every_month_when_asked(checks):
    result, log = checks["runs"]["refresh_checking_every_month"]
    assert failed_tests(result) == {JOINED_PRIMARY_KEY}
    assert CHECKED_EVERY_MONTH in log


def test_refresh_fails_on_a_broken_row_in_its_months(checks):
    result, log = checks["runs"]["refresh_of_a_broken_month"]
    assert not result.success
    assert failed_tests(result) == {JOINED_PRIMARY_KEY}
    assert f"Failure in test {JOINED_PRIMARY_KEY}" in log
    assert CHECKED_REFRESHED_MONTHS.format(month=checks["latest"]) in log
