"""The monthly refresh: the fact is incremental by activity month.

A first build reads an extract without its latest month; the refresh reads next month's
extract, in which SUS has added that month, revised a spell of the month before and removed
another, moved a spell of the first month into the month before, and (wrongly, to prove it is
left alone) changed another spell of the first month."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from apcs_extract import ExtractSpec, generate, write_extract
from support.project import DbtProject

FACT = "select * from main.fct_rfd_back_spells order by apcs_ident"


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
