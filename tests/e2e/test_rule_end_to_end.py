"""End to end: generated extract -> `dbt build` -> every spell's flag checked independently."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from support.extracts import read_extract, write_test_extract
from support.project import DbtProject
from support.sql_server_rule import REASONS, expected_outcome

OPTION = "rfd_back_null_diagnoses_pass_cancer_exclusion"
# (file format, noisy): a noisy CSV extract and a canonical Parquet one.
EXTRACTS = {"noisy_csv": ("csv", True), "canonical_parquet": ("parquet", False)}


def build(tmp_path_factory, name: str) -> DbtProject:
    """The whole project built (seeds, models, unit and data tests) on a generated extract."""
    fmt, noisy = EXTRACTS[name]
    work_dir = tmp_path_factory.mktemp(name)
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    write_test_extract(project.data_dir, fmt, noisy)
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke("build", monkeypatch=monkeypatch)
    assert result.success, f"dbt build failed: {result.exception}"
    return project


@pytest.fixture(scope="module")
def noisy_csv_project(tmp_path_factory) -> DbtProject:
    return build(tmp_path_factory, "noisy_csv")


@pytest.fixture(scope="module")
def canonical_parquet_project(tmp_path_factory) -> DbtProject:
    return build(tmp_path_factory, "canonical_parquet")


# The fast tier (make test-fast) builds the noisy CSV extract alone: its values go through
# every normalisation and the data-quality report. The canonical one runs in the full suite.
@pytest.fixture(params=[pytest.param("noisy_csv", marks=pytest.mark.fast), "canonical_parquet"])
def built_project(request) -> DbtProject:
    return request.getfixturevalue(f"{request.param}_project")


def compare_with_sql_server(
    project: DbtProject, null_diagnoses_pass: bool = False, normalise: bool = True
) -> Counter:
    """Assert every spell's flag and exclusion reason equal the independent reading."""
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
        ident = str(spell["APCS_Ident"]).strip()
        expected = expected_outcome(spell, derived.get(ident, []), null_diagnoses_pass, normalise)
        outcomes[expected[1] or "flagged"] += 1
        if actual[ident] != expected:
            mismatches.append((ident, actual[ident], expected))
    assert not mismatches, f"{len(mismatches)} spells differ, e.g. {mismatches[:5]}"
    return outcomes


def test_every_spell_matches_the_published_rule(built_project: DbtProject):
    outcomes = compare_with_sql_server(built_project)
    # The extract must exercise the rule: flagged spells and every exclusion reason.
    assert outcomes["flagged"] >= 100
    assert set(REASONS) <= set(outcomes), f"reasons not exercised: {set(REASONS) - set(outcomes)}"


def test_canonical_extract_needs_no_normalisation(canonical_parquet_project: DbtProject):
    """On NCDR-format data the flag equals the published T-SQL read with no normalisation at
    all, only SQL Server's own collation."""
    compare_with_sql_server(canonical_parquet_project, normalise=False)


@pytest.mark.fast
def test_noisy_extract_is_reported_and_reconciled(noisy_csv_project: DbtProject):
    """The noisy extract's malformed values are each reported (the generator writes ages that
    are not whole numbers or negative, codes of the wrong shape in the derived table and in
    the lists, derived rows with no spell and second derived rows), and the reconciliation
    accounts for every row: all spells reach the fact."""
    issues = dict(
        noisy_csv_project.query(
            "select issue, count(*) from main.int_apcs__data_quality_issues group by issue"
        )
    )
    for issue in (
        "not_a_whole_number", "out_of_range", "wrong_shape", "list_code_wrong_shape",
        "no_spell", "no_derived_record", "duplicate_identifier",
    ):  # fmt: skip
        assert issues.get(issue, 0) > 0, f"no {issue} reported: {issues}"
    spells, derived_by_ident = read_extract(noisy_csv_project.data_dir)
    derived_rows = sum(len(rows) for rows in derived_by_ident.values())
    second_rows = derived_rows - len(derived_by_ident)
    assert second_rows > 0, "the noisy extract holds no second derived row"
    reconciliation = {
        row[0]: row[1:]
        for row in noisy_csv_project.query(
            "select source_table, rows_in, rows_out, spells_flagged, issues_found "
            "from main.int_apcs__reconciliation"
        )
    }
    [(flagged,)] = noisy_csv_project.query(
        "select count(*) from main.fct_rfd_back_spells where is_rfd_back"
    )
    assert reconciliation["apcs"][:3] == (len(spells), len(spells), flagged)
    # The noisy extract's 25 derived rows with no spell are read but join no spell; of a
    # spell's two derived rows, one is kept.
    assert reconciliation["apcs_der"][:2] == (derived_rows, len(derived_by_ident) - 25)
    assert sum(row[3] for row in reconciliation.values()) == sum(issues.values())
    # Every row is accounted for: rows in = left out (by reason) + rows out.
    accounts = noisy_csv_project.query(
        "select source_table, rows_in, rows_without_identifier, duplicate_rows_set_aside,"
        " rows_without_spell, rows_out from main.int_apcs__reconciliation order by 1"
    )
    assert accounts == [
        ("apcs", len(spells), 0, 0, 0, len(spells)),
        ("apcs_der", derived_rows, 0, second_rows, 25, len(derived_by_ident) - 25),
    ]


@contextmanager
def rebuilt_with(project: DbtProject, variables: str, selection: str, monkeypatch):
    """Rebuild `selection` whole with `variables`, then put the defaults back."""
    command = ["run", "--full-refresh", "--select", selection]
    result = project.invoke(*command, "--vars", variables, monkeypatch=monkeypatch)
    assert result.success, result.exception
    try:
        yield
    finally:
        restored = project.invoke(*command, monkeypatch=monkeypatch)
        assert restored.success, restored.exception


def test_null_diagnoses_option(built_project: DbtProject, monkeypatch: pytest.MonkeyPatch):
    """The decision-register option changes exactly the spells with no diagnoses."""
    variables = f"{{{OPTION}: true}}"
    with rebuilt_with(built_project, variables, "fct_rfd_back_spells", monkeypatch):
        compare_with_sql_server(built_project, null_diagnoses_pass=True)
        versions = built_project.query("select distinct rule_version from main.fct_rfd_back_spells")
        assert versions == [("2023-12+null_diagnoses_pass_cancer_exclusion",)]


def test_missing_extract_fails_with_a_clear_message(tmp_path: Path, monkeypatch):
    project = DbtProject(work_dir=tmp_path, data_dir=tmp_path / "no_such_extract")
    result = project.invoke("build", monkeypatch=monkeypatch)
    assert not result.success
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert "APCS extract not found" in log
    assert str(project.data_dir / "apcs.csv") in log


# Fields that identify a patient or a spell: they stay in the fact and never reach a
# published mart (rpt_*). Published counts are named spells_*, or measure_count (the repeat
# procedures' patients).
PATIENT_LEVEL_FIELDS = {
    "apcs_ident", "pseudo_nhs_number", "admission_date", "discharge_date", "rule_age",
    "age_at_start_of_spell", "age_at_cds_activity_date", "diagnosis_codes_all",
    "procedure_codes_all", "dominant_procedure_code", "primary_diagnosis_code",
}  # fmt: skip
SUPPRESSION_THRESHOLD = 7


@pytest.mark.fast
def test_published_marts_hold_no_patient_level_field_or_small_number(
    noisy_csv_project: DbtProject,
):
    columns = noisy_csv_project.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'main' and table_name like 'rpt%' order by table_name"
    )
    assert columns, "no published mart was built"
    leaked = [(table, column) for table, column in columns if column in PATIENT_LEVEL_FIELDS]
    assert not leaked, f"patient-level fields in published marts: {leaked}"
    counts = [
        (table, column)
        for table, column in columns
        if column.startswith("spells") or column == "measure_count"
    ]
    assert counts, "no published count column (named spells_*) found"
    assert ("rpt_rfd_back_repeat_procedures", "measure_count") in counts
    for table, column in counts:
        [(small,)] = noisy_csv_project.query(
            f'select count(*) from main."{table}" '
            f'where "{column}" between 1 and {SUPPRESSION_THRESHOLD}'
        )
        assert small == 0, f"{table}.{column} publishes {small} counts from 1 to 7"
