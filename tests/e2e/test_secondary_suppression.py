"""Secondary suppression's data test, `leaves_no_single_suppressed_cell`
(tests/generic/leaves_no_single_suppressed_cell.sql), proven able to fail: a dbt unit test
cannot run a generic data test, so the marts are built on a test extract and tampered with.

With the default rounds of secondary suppression the test passes on both marts. Without any
round (primary suppression alone) some groups are left with a single suppressed cell, which
is checked here from the published rows themselves, and the test must fail on both marts. A
published row removed, or renamed so that it names no cell, must fail it too: it cannot pass
by matching nothing.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest

from support.extracts import write_test_extract
from support.project import DbtProject

MARTS = ("rpt_rfd_back_activity", "rpt_rfd_back_coding_variation")
TESTS = {f"{mart}_leaves_no_single_suppressed_cell": mart for mart in MARTS}
NO_ROUNDS = "{disclosure_secondary_suppression_rounds: 0}"
SPLITS = ("admission_type", "age_band", "sex")
LONE_CELL = "a group with exactly one suppressed cell"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> DbtProject:
    """The noisy test extract (20,000 spells), built up to both marts with their tests."""
    work_dir = tmp_path_factory.mktemp("secondary_suppression")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    write_test_extract(project.data_dir, "csv", noisy=True)
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = project.invoke(
            "build",
            "--select",
            "+rpt_rfd_back_coding_variation",
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            monkeypatch=monkeypatch,
        )
    assert built.success, f"dbt build failed: {built.exception}"
    ran = {result.node.name for result in built.result}
    assert set(TESTS) <= ran, "the build did not run the test on both marts"
    return project


def run_marts(project: DbtProject, *arguments: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke("run", "--select", *MARTS, *arguments, monkeypatch=monkeypatch)
    assert result.success, f"dbt run failed: {result.exception}"


def run_tests(project: DbtProject, *arguments: str) -> dict[str, tuple[str, set[str]]]:
    """Each mart's status of the test and the kinds of failure its query returns."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke(
            "test",
            "--select",
            "test_name:leaves_no_single_suppressed_cell",
            *arguments,
            monkeypatch=monkeypatch,
        )
    assert result.result is not None, f"dbt test did not run: {result.exception}"
    outcomes = {}
    for test in result.result:
        if test.node.name not in TESTS:  # the project's hooks
            continue
        query = f"select distinct failure from ({test.node.compiled_code}) as failures"
        failures = {failure for (failure,) in project.query(query)}
        outcomes[TESTS[test.node.name]] = (str(test.status), failures)
    assert set(outcomes) == set(MARTS)
    return outcomes


def lone_suppressed_cells(project: DbtProject) -> dict[str, int]:
    """Groups with exactly one suppressed cell, found in the published rows without the cell
    groups models: a split's values with the organisation's `all` (activity), and a year and
    organisation's variations with their `all` (coding variation)."""
    splits = defaultdict(list)
    for period, kind, code, breakdown, count in project.query(
        "select period, organisation_type, organisation_code, breakdown, spells_flagged"
        " from main.rpt_rfd_back_activity"
    ):
        for split in SPLITS if breakdown == "all" else (breakdown,):
            splits[(period, kind, code, split)].append(count)
    variations = defaultdict(list)
    for year, kind, code, count in project.query(
        "select financial_year, organisation_type, organisation_code, spells"
        " from main.rpt_rfd_back_coding_variation where coding = 'coding_variation'"
    ):
        variations[(year, kind, code)].append(count)
    return {
        mart: sum(counts.count(None) == 1 for counts in groups.values())
        for mart, groups in zip(MARTS, (splits, variations), strict=True)
    }


def test_the_test_passes_after_secondary_suppression(project: DbtProject):
    assert lone_suppressed_cells(project) == dict.fromkeys(MARTS, 0)
    assert run_tests(project) == dict.fromkeys(MARTS, ("pass", set()))


def test_the_test_fails_without_secondary_suppression(project: DbtProject):
    try:
        run_marts(project, "--vars", NO_ROUNDS)
        lone = lone_suppressed_cells(project)
        assert all(lone.values()), f"primary suppression alone leaves no lone cell: {lone}"
        assert run_tests(project, "--vars", NO_ROUNDS) == dict.fromkeys(
            MARTS, ("fail", {LONE_CELL})
        )
    finally:
        run_marts(project)


def test_the_test_fails_where_a_cell_has_no_published_row(project: DbtProject):
    """One published count removed from each mart, and another renamed to an organisation no
    cell has."""
    try:
        with duckdb.connect(str(project.database_path)) as connection:
            for mart, count, kind in (
                ("rpt_rfd_back_activity", "spells_flagged", "1 = 1"),
                ("rpt_rfd_back_coding_variation", "spells", "coding = 'coding_variation'"),
            ):
                rows = connection.execute(
                    f"select organisation_code from main.{mart} where {kind}"
                    f" and organisation_type = 'provider' and {count} > 0"
                    " group by organisation_code order by organisation_code limit 2"
                ).fetchall()
                assert len(rows) == 2, f"{mart} has too few providers to tamper with"
                (removed,), (renamed,) = rows
                connection.execute(
                    f"delete from main.{mart} where {kind} and organisation_code = ?", [removed]
                )
                connection.execute(
                    f"update main.{mart} set organisation_code = 'NOCELL'"
                    f" where {kind} and organisation_code = ?",
                    [renamed],
                )
        outcomes = run_tests(project)
        for mart in MARTS:
            status, failures = outcomes[mart]
            assert status == "fail", f"{mart}: {outcomes[mart]}"
            assert {
                "a cell without exactly one published row",
                "a published row with no cell",
            } <= failures, f"{mart}: {failures}"
    finally:
        run_marts(project)
