"""Disclosure control against differencing (decision register D13, D14): an attacker who
holds every published mart, the population table and the European Standard Population
weights must not pin any count to fewer values than the rounding base.

The extract is small and crafted so that the attack is strong: every flagged spell falls in
one of four standardised strata (two age bands, both sexes), commissioners' populations are
small, and the attacker is told that no flagged spell lies outside those strata.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import highspy
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from apcs_extract import ExtractSpec, generate, write_extract
from apcs_extract.generate import COMMISSIONERS
from support.project import DbtProject

BASE = 5  # var disclosure_rounding_base
THRESHOLD = 7  # var disclosure_suppression_threshold
PER = 100_000
inf = highspy.kHighsInf
# Every adult age is moved to one of two ages, so flagged spells fall in four strata.
AGES = {"30-34": 30, "60-64": 60}
SEXES = ("1", "2")
SPELLS = 700
SEED = 5


def crafted_extract(directory: Path) -> None:
    """A small canonical extract whose adults are 30 or 60 and whose sex is 1 or 2, with a
    population table of small, unevenly sized strata for those two bands only."""
    spells, derived = generate(
        ExtractSpec(spells=SPELLS, seed=SEED, candidate_share=0.25, formatting_noise_share=0.0)
    )
    for column in ("Age_At_Start_of_Spell_SUS", "Der_Age_at_CDS_Activity_Date"):
        age = spells.column(column)
        adult = pc.and_(pc.greater_equal(age, 19), pc.less_equal(age, 120))
        moved = pc.if_else(adult, pc.if_else(pc.less(age, 50), 30, 60), age)
        spells = spells.set_column(
            spells.schema.get_field_index(column), column, pc.cast(moved, pa.int32())
        )
    sex = pc.if_else(pc.equal(spells.column("Sex"), "1"), "1", "2")
    spells = spells.set_column(spells.schema.get_field_index("Sex"), "Sex", sex)
    write_extract(spells, derived, directory, "csv")
    years = sorted(set(spells.column("Der_Financial_Year").to_pylist()))
    rng = random.Random(SEED)
    with open(directory / "commissioner_population.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["commissioner_code", "financial_year", "age_band", "sex", "population",
             "population_source"]
        )  # fmt: skip
        for commissioner in COMMISSIONERS:
            for year in years:
                for band in AGES:
                    for sex in SEXES:
                        population = rng.randint(1_500, 9_000)
                        writer.writerow([commissioner, year, band, sex, population, "test"])


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> DbtProject:
    work_dir = tmp_path_factory.mktemp("differencing")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    crafted_extract(project.data_dir)
    return built(project, "+rpt_rfd_back_rates", "+rpt_rfd_back_attrition")


def built(project: DbtProject, *selected: str) -> DbtProject:
    """The project built up to `selected`, with their data tests but no unit test."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke(
            "build",
            "--select",
            *selected,
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            monkeypatch=monkeypatch,
        )
    assert result.success, f"dbt build failed: {result.exception}"
    return project


def count_window(published: int | None, largest_suppressed: float = highspy.kHighsInf):
    """What a published count says of the exact one: 0 is 0; a rounded R is R-2 to R+2; a
    suppressed count is from 1 to `largest_suppressed` (7 where only small counts are
    suppressed; any size where a count may be suppressed secondarily)."""
    if published is None:
        return 1, largest_suppressed
    if published == 0:
        return 0, 0
    return published - BASE // 2, published + BASE // 2


def rate_precision(project: DbtProject) -> dict[tuple[str, str], float]:
    """The width of the interval each published standardised rate stands for: its step."""
    return {
        (year, code): float(step)
        for year, code, step in project.query(
            "select financial_year, organisation_code, standardised_rate_step"
            " from main.rpt_rfd_back_rates"
        )
    }


def solve_bounds(
    variables: dict, rows: list[tuple[dict, float, float]], objectives: dict[str, dict]
) -> dict[str, tuple[float, float]]:
    """Min and max of each objective (a linear form over `variables`, name: (lb, ub)) subject
    to `rows` (form, lower, upper), every variable a whole number, solved by HiGHS."""
    bounds = {}
    for name, form in objectives.items():
        ends = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs = highspy.Highs()
            highs.silent()
            index = {}
            for position, (var, (lower, upper)) in enumerate(variables.items()):
                highs.addVar(lower, upper)
                highs.changeColIntegrality(position, highspy.HighsVarType.kInteger)
                index[var] = position
            for form_row, lower, upper in rows:
                columns = [index[var] for var in form_row]
                highs.addRow(lower, upper, len(columns), columns, list(form_row.values()))
            for var, coefficient in form.items():
                highs.changeColCost(index[var], coefficient)
            highs.changeObjectiveSense(sense)
            highs.run()
            status = highs.getModelStatus()
            assert status == highspy.HighsModelStatus.kOptimal, (
                f"the attack on {name} did not solve ({highs.modelStatusToString(status)}):"
                " its constraints must admit the exact counts"
            )
            ends.append(round(highs.getInfo().objective_function_value))
        bounds[name] = tuple(ends)
    return bounds


def test_rates_give_no_count_back(published: DbtProject):
    """Unknowns: each commissioner's flagged spells in each stratum. Constraints: every
    published count of rpt_rfd_back_activity (year, `all`) and every published standardised
    rate, for each commissioner and for England (the sum of the commissioners). Each count,
    suppressed or published, must keep at least `BASE` possible values."""
    project = published
    population = {
        (year, code, band, sex): population
        for code, year, band, sex, population in project.query(
            "select commissioner_code, financial_year, age_band, sex, population"
            " from main.stg_population__commissioner_population where population > 0"
        )
    }
    weights = dict(
        project.query(
            "select age_band, standard_population from main.european_standard_population_2013"
        )
    )
    counts = {
        (year, code): count
        for year, kind, code, count in project.query(
            "select financial_year, organisation_type, organisation_code, spells_flagged"
            " from main.rpt_rfd_back_activity where period_type = 'financial_year'"
            " and breakdown = 'all' and organisation_type in ('england', 'commissioner')"
        )
    }
    rates = {
        (year, code): rate
        for year, code, rate in project.query(
            "select financial_year, organisation_code, standardised_rate_per_100000"
            " from main.rpt_rfd_back_rates"
        )
    }
    precision = rate_precision(project)
    exact = {
        (year, code): (flagged, standardised)
        for year, code, flagged, standardised in project.query(
            "select financial_year, organisation_code, spells_flagged,"
            " spells_flagged_standardised from main.int_rfd_back__rates"
        )
    }
    # What the attacker is told: every flagged spell lies in a standardised stratum.
    assert all(flagged == standardised for flagged, standardised in exact.values())
    recovered, suppressed = [], 0
    for year in sorted({year for year, *_ in population}):
        strata = sorted({(band, sex) for y, _, band, sex in population if y == year})
        codes = sorted({code for y, code, *_ in population if y == year})
        variables = {
            (code, band, sex): (0, 10_000)
            for code in codes
            for band, sex in strata
            if (year, code, band, sex) in population
        }
        rows = []

        def standardised_rate(code: str, variables=variables, year=year, strata=strata) -> dict:
            """The rate as a linear form of the stratum counts (England: summed)."""
            cells = [key for key in variables if code in ("ENGLAND", key[0])]
            stratum_population = {
                (band, sex): sum(population[(year, key[0], band, sex)] for key in cells
                                 if key[1:] == (band, sex))
                for band, sex in strata
            }  # fmt: skip
            total_weight = sum(
                weights[band] for band, sex in strata if stratum_population[(band, sex)]
            )
            return {
                key: PER * weights[key[1]] / (total_weight * stratum_population[key[1:]])
                for key in cells
            }

        objectives = {}
        for code in [*codes, "ENGLAND"]:
            total = {key: 1.0 for key in variables if code in ("ENGLAND", key[0])}
            lower, upper = count_window(counts.get((year, code), 0))
            rows.append((total, lower, upper))
            published_count = counts.get((year, code), 0)
            if rates.get((year, code)) is not None and published_count:
                # The published rate is the exact one carried to the published count R,
                # R × (Σ weight·n) ÷ Σ n, within half a step: linear once multiplied by Σ n.
                half = precision[(year, code)] / 2 + 1e-6
                rate = float(rates[(year, code)])
                form = standardised_rate(code)
                for bound, lower, upper in ((rate - half, 0, inf), (rate + half, -inf, 0)):
                    rows.append(
                        (
                            {key: published_count * a - bound for key, a in form.items()},
                            lower,
                            upper,
                        )
                    )
            if code != "ENGLAND":
                objectives[code] = total
                suppressed += counts.get((year, code), 0) is None
        for code, (low, high) in solve_bounds(variables, rows, objectives).items():
            flagged = exact[(year, code)][0]
            assert low <= flagged <= high, f"{code}: the attack's model is wrong"
            if high - low + 1 < BASE:
                recovered.append((year, code, counts.get((year, code)), flagged, low, high))
    assert suppressed, "the extract has no suppressed commissioner: the attack tests nothing"
    assert not recovered, (
        "published rates and counts pin counts to fewer than "
        f"{BASE} values (year, code, published, exact, min, max): {recovered}"
    )


def test_attrition_differences_give_no_small_count_back(published: DbtProject):
    """A removed count is the difference of its neighbouring remaining counts (only small
    remaining counts are suppressed). Where it is small (1 to 7) or suppressed, differencing
    the published remaining counts must leave it at least `BASE` possible values."""
    steps = published.query(
        "select financial_year, step_number, spells_remaining, spells_removed"
        " from main.rpt_rfd_back_attrition order by financial_year, step_number"
    )
    exact = {
        (year, step): removed
        for year, step, removed in published.query(
            "select financial_year, step_number, sum(spells_removed)"
            " from main.int_rfd_back__attrition group by all"
        )
    }
    remaining = {(year, step): value for year, step, value, _ in steps}
    recovered, protected = [], 0
    for year, step, _, removed in steps:
        if step == 0 or not (removed is None or 1 <= exact[(year, step)] <= THRESHOLD):
            continue
        protected += 1
        before = count_window(remaining[(year, step - 1)], THRESHOLD)
        after = count_window(remaining[(year, step)], THRESHOLD)
        # A suppressed removed count is at least 1; a published one adds nothing here.
        low = max(1 if removed is None else 0, before[0] - after[1])
        high = before[1] - after[0]
        assert low <= exact[(year, step)] <= high, "the differencing's model is wrong"
        if high - low + 1 < BASE:
            recovered.append((year, step, removed, exact[(year, step)], low, high))
    assert protected, "no removed count is small or suppressed: the test tests nothing"
    assert not recovered, (
        "differencing neighbouring remaining counts pins small removed counts "
        f"(year, step, published, exact, min, max): {recovered}"
    )


# Repeat procedures (decision D21): an extract over two financial years, so that the first
# year's patients have their 12 months of follow-up, rich in candidates and so in patients
# who return.
REPEAT_SPELLS = 3_000
REPEAT_MEASURES = (
    "patients_treated", "patients_followed_up_6_months", "patients_repeat_within_6_months",
    "patients_followed_up_12_months", "patients_repeat_within_12_months",
)  # fmt: skip


@pytest.fixture(scope="module")
def published_repeats(tmp_path_factory) -> DbtProject:
    work_dir = tmp_path_factory.mktemp("repeat_differencing")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "extract")
    spells, derived = generate(
        ExtractSpec(spells=REPEAT_SPELLS, seed=SEED, candidate_share=0.2, financial_years=2)
    )
    write_extract(spells, derived, project.data_dir, "csv")
    return built(project, "+rpt_rfd_back_repeat_procedures")


def interval_month(days: float) -> int:
    """The month of the interval a number of days falls in (1 is days 1 to 30, 12 is 335 to
    365): the days times 12 over 365, rounded up."""
    return math.ceil(days * 12 / 365)


def repeat_attack(
    published: dict, exact: dict, window=count_window, medians: dict | None = None
) -> tuple[int, list[tuple]]:
    """The attack on the repeat procedures: for every cell that is suppressed or exactly 1 to
    7, the range the published counts (`window` says what each tells of the exact one) and
    their relations leave it. Returns how many such cells there are and those left fewer
    than `BASE` possible values."""
    recovered, protected = [], 0
    for year in sorted({key[0] for key in published}):
        cells = {key: count for key, count in published.items() if key[0] == year}
        # A suppressed count has no upper bound but the relations (and a large cap).
        variables = {key: window(count, 10**6) for key, count in cells.items()}
        organisations = sorted({key[1:3] for key in cells})
        rows = []
        for organisation in organisations:

            def cell(measure, month=None, organisation=organisation, year=year):
                return (year, *organisation, measure, month)

            months = {
                cell("patients_repeat_in_interval_month", month): 1.0 for month in range(1, 13)
            }
            total = cell("patients_repeat_within_12_months")
            rows.append(({total: -1.0, **months}, 0, 0))
            # A median M says at least half the repeats lie at or below it, and at least half
            # at or above it: in the months up to M's, and from M's on.
            median = (medians or {}).get(total)
            if median is not None:
                below = range(1, interval_month(math.floor(median)) + 1)
                above = range(interval_month(math.ceil(median)), 13)
                for span in (below, above):
                    form = {cell("patients_repeat_in_interval_month", month): 2.0 for month in span}
                    rows.append(({**form, total: -1.0}, 0, inf))
            for smaller, larger in (
                ("patients_repeat_within_12_months", "patients_followed_up_12_months"),
                ("patients_repeat_within_6_months", "patients_followed_up_6_months"),
                ("patients_followed_up_12_months", "patients_followed_up_6_months"),
                ("patients_followed_up_6_months", "patients_treated"),
            ):
                rows.append(({cell(larger): 1.0, cell(smaller): -1.0}, 0, inf))
        for kind in ("provider", "commissioner"):
            members = [
                code for organisation_type, code in organisations if organisation_type == kind
            ]
            for measure in REPEAT_MEASURES:
                england = (year, "england", "ENGLAND", measure, None)
                form = {(year, kind, code, measure, None): 1.0 for code in members}
                form[england] = -1.0
                rows.append((form, 0, inf))
                for code in members:
                    rows.append(({england: 1.0, (year, kind, code, measure, None): -1.0}, 0, inf))
        targets = {
            key: {key: 1.0}
            for key, count in cells.items()
            if count is None or 1 <= exact[key] <= THRESHOLD
        }
        protected += len(targets)
        for key, (low, high) in solve_bounds(variables, rows, targets).items():
            assert low <= exact[key] <= high, f"{key}: the attack's model is wrong"
            if high - low + 1 < BASE:
                recovered.append((key, cells[key], exact[key], low, high))
    return protected, recovered


def exact_window(published: int | None, largest_suppressed: float) -> tuple[float, float]:
    """What a count published exactly, small ones suppressed, says of it."""
    return (1, THRESHOLD) if published is None else (published, published)


def repeat_cells(project: DbtProject, table: str, column: str) -> dict[tuple, object]:
    """{cell key (year, organisation type and code, measure, month): value} of one column of
    a repeat-procedures cell table, NULLs included."""
    key_columns = "financial_year, organisation_type, organisation_code, measure, interval_month"
    rows = project.query(f"select {key_columns}, {column} from main.{table}")
    return {tuple(row[:5]): row[5] for row in rows}


def medians_of(project: DbtProject, table: str) -> dict[tuple, float]:
    """The medians a repeat-procedures cell table holds, by cell key."""
    medians = repeat_cells(project, table, "median_interval_days")
    return {key: float(median) for key, median in medians.items() if median is not None}


def test_repeat_procedures_give_no_count_back(published_repeats: DbtProject):
    """Unknowns: every cell of rpt_rfd_back_repeat_procedures in a year. Constraints: every
    published count, and all the attacker knows of how they relate: the interval months add
    up to the repeats within 12 months; the repeats are among the followed-up, the followed-up
    for 12 months among those for 6, and they among the treated; patients, who may be treated
    by more than one provider, add up to at least England's, none more than England's; and
    each published median splits its repeats in half around its month. Each count that is
    suppressed, or exactly 1 to 7, must keep at least `BASE` possible values. The attack has
    teeth: it recovers counts from the exact counts with only the small ones suppressed, and
    from the published counts with a median beside every published count, not only beside
    20 or more (var disclosure_median_minimum_count)."""
    project = published_repeats
    published = repeat_cells(project, "rpt_rfd_back_repeat_procedures", "measure_count")
    medians = medians_of(project, "rpt_rfd_back_repeat_procedures")
    exact = repeat_cells(project, "int_rfd_back__repeat_procedure_cells", "measure_count")
    every_median = {
        key: median
        for key, median in medians_of(project, "int_rfd_back__repeat_procedure_cells").items()
        if published[key]
    }
    assert published.keys() == exact.keys()
    assert medians and len(every_median) > len(medians)
    assert any(
        key[3] == "patients_repeat_within_12_months" and count for key, count in published.items()
    ), "no published repeat within 12 months: the attack tests nothing"
    protected, recovered = repeat_attack(published, exact, medians=medians)
    assert protected, "no count is suppressed or small: the attack tests nothing"
    assert not recovered, (
        "published repeat procedures pin counts to fewer than "
        f"{BASE} values (cell, published, exact, min, max): {recovered}"
    )
    weakly_published = {
        key: None if 1 <= count <= THRESHOLD else count for key, count in exact.items()
    }
    _, recovered_from_weak = repeat_attack(weakly_published, exact, exact_window)
    assert recovered_from_weak, "the attack recovers nothing even from exact counts"
    _, recovered_with_every_median = repeat_attack(published, exact, medians=every_median)
    assert recovered_with_every_median, "every median published would give nothing away"
