"""End to end: generated extract -> `dbt build` -> every spell's flag checked independently."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import DbtProject, read_extract, write_test_extract
from sql_server_rule import REASONS, expected_outcome

OPTION = "rfd_back_null_diagnoses_pass_cancer_exclusion"


@pytest.fixture(scope="module", params=["csv", "parquet"])
def built_project(request, tmp_path_factory) -> DbtProject:
    """The whole project built (seeds, models, unit and data tests) on a generated extract."""
    work_dir = tmp_path_factory.mktemp(f"build_{request.param}")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    write_test_extract(project.data_dir, request.param)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke("build", monkeypatch=monkeypatch)
    assert result.success, f"dbt build failed: {result.exception}"
    return project


def compare_with_sql_server_semantics(project: DbtProject, null_diagnoses_pass: bool) -> Counter:
    spells, derived = read_extract(project.data_dir)
    actual = {
        str(ident): (is_flagged, reason)
        for ident, is_flagged, reason in project.query(
            "select apcs_ident, is_rfd_back, exclusion_reason from main.fct_rfd_back_spells"
        )
    }
    assert len(actual) == len(spells), "the fact must hold exactly one row per spell"
    mismatches, outcomes = [], Counter()
    for spell in spells:
        ident = str(spell["APCS_Ident"])
        expected = expected_outcome(spell, derived.get(ident), null_diagnoses_pass)
        outcomes[expected[1] or "flagged"] += 1
        if actual[ident] != expected:
            mismatches.append((ident, actual[ident], expected))
    assert not mismatches, f"{len(mismatches)} spells differ, e.g. {mismatches[:5]}"
    return outcomes


def test_every_spell_matches_the_published_rule(built_project: DbtProject):
    outcomes = compare_with_sql_server_semantics(built_project, null_diagnoses_pass=False)
    # The extract must exercise the rule: flagged spells and every exclusion reason.
    assert outcomes["flagged"] >= 100
    assert set(REASONS) <= set(outcomes), f"reasons not exercised: {set(REASONS) - set(outcomes)}"


def test_flag_columns_agree(built_project: DbtProject):
    rows = built_project.query(
        """
        select is_rfd_back, ebi_intervention_id, count(*)
        from main.fct_rfd_back_spells group by all order by 1
        """
    )
    assert [(flag, label) for flag, label, _ in rows] == [(False, None), (True, "2K_RFD_back")]


@contextmanager
def rule_rebuilt_with(project: DbtProject, variables: str, monkeypatch: pytest.MonkeyPatch):
    """Rebuild the criteria and the fact with `variables`, then put the defaults back."""
    selection = ["run", "--select", "int_rfd_back__spell_criteria+"]
    result = project.invoke(*selection, "--vars", variables, monkeypatch=monkeypatch)
    assert result.success, result.exception
    try:
        yield
    finally:
        restored = project.invoke(*selection, monkeypatch=monkeypatch)
        assert restored.success, restored.exception


def test_null_diagnoses_option(built_project: DbtProject, monkeypatch: pytest.MonkeyPatch):
    """The decision-register option changes exactly the spells with no diagnoses."""
    with rule_rebuilt_with(built_project, f"{{{OPTION}: true}}", monkeypatch):
        compare_with_sql_server_semantics(built_project, null_diagnoses_pass=True)
        versions = built_project.query("select distinct rule_version from main.fct_rfd_back_spells")
        assert versions == [("2023-12+null_diagnoses_pass_cancer_exclusion",)]


def test_portable_sql_gives_the_same_flags(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch
):
    """The engine-neutral default__ implementation, run on DuckDB, agrees spell for spell."""
    with rule_rebuilt_with(built_project, "{rfd_back_portable_sql: true}", monkeypatch):
        compiled = next(
            (built_project.work_dir / "target" / "compiled").rglob(
                "int_rfd_back__spell_criteria.sql"
            )
        ).read_text()
        assert "string_split_regex" not in compiled, "the portable SQL was not used"
        compare_with_sql_server_semantics(built_project, null_diagnoses_pass=False)


def test_missing_extract_fails_with_a_clear_message(tmp_path: Path, monkeypatch):
    project = DbtProject(work_dir=tmp_path, data_dir=tmp_path / "no_such_extract")
    result = project.invoke("build", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert "APCS extract not found" in log
    assert str(project.data_dir / "apcs.csv") in log
