"""The report's narrative, written from the published marts: the period, the rule version and
the build, the totals, where the largest share of candidate spells falls away, the variation
between commissioners, the repeat procedures and the data-quality counts. Every number is a
published one."""

from __future__ import annotations

import calendar
import re
from datetime import datetime

from rfd_back_report.charts import (
    CRITERION_LABELS,
    FOLLOWED_UP_6_MONTHS,
    FOLLOWED_UP_12_MONTHS,
    PATIENTS_TREATED,
    POSITION_STYLES,
    REPEAT_WITHIN_6_MONTHS,
    REPEAT_WITHIN_12_MONTHS,
    Chart,
    Share,
    counted,
    coverage_counts,
    days_text,
    followed_up_year,
    is_financial_year,
    is_month,
    latest_year,
    measure_count,
    month_label,
    no_follow_up_message,
    share,
)
from rfd_back_report.coverage import Coverage
from rfd_back_report.published import Rows

# The options that change the rule, as `rule_version` names them after a `+`
# (macros/rule/rfd_back_criteria.sql, rfd_back_rule_version).
RULE_OPTIONS = {
    "null_diagnoses_pass_cancer_exclusion": (
        "a spell with no diagnosis recorded passes the cancer exclusion (decision D2)"
    ),
}
ENGINE_NAMES = {
    "duckdb": "DuckDB",
    "postgres": "PostgreSQL",
    "spark": "Spark",
    "sqlserver": "SQL Server",
    "fabric": "Microsoft Fabric",
    "synapse": "Azure Synapse Analytics",
    "databricks": "Databricks",
    "snowflake": "Snowflake",
}

ISSUE_LABELS = {
    "not_a_whole_number": "not a whole number",
    "out_of_range": "out of range",
    "not_a_date": "not a date",
    "not_a_month": "not a month",
    "not_a_financial_year": "not a financial year",
    "unknown_code": "not a known code",
    "control_characters": "tabs or line breaks",
    "duplicate_identifier": "identifier repeated",
    "no_derived_record": "no derived row",
    "no_spell": "no spell",
    "wrong_shape": "not shaped like a code",
    "list_code_wrong_shape": "a listed code not shaped like a code",
}
TABLE_LABELS = {"apcs": "spell table", "apcs_der": "derived table"}


def count(value) -> str:
    """A published count in words: a suppressed one says so."""
    return "a suppressed number of" if value is None else f"{value:,}"


def period(information: dict) -> str:
    first, last = information.get("first_activity_month"), information.get("last_activity_month")
    if not is_month(first) or not is_month(last):
        return "The fact holds no well-formed activity month."
    return f"The extract covers activity from {month_label(first)} to {month_label(last)}."


def rule_version(version) -> str:
    """The rule version in words. It is the code lists' latest revision (`YYYY-MM`), with
    `+option` for each option in force that changes the published rule."""
    if not version:
        return "The rule version the spells were flagged under is not recorded."
    revision, *options = str(version).split("+")
    matched = re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", revision)
    if not matched:
        return f"The spells were flagged under rule version {version}."
    revised = f"{calendar.month_name[int(matched.group(2))]} {matched.group(1)}"
    sentence = (
        f"The spells were flagged under rule version {version}: the code lists of the "
        f"guidance as revised in {revised}"
    )
    if not options:
        return sentence + ", applied as published."
    described = [
        RULE_OPTIONS.get(option, f"option {option.replace('_', ' ')}") for option in options
    ]
    which = (
        "one option that changes" if len(options) == 1 else f"{len(options)} options that change"
    )
    return f"{sentence}, with {which} the published rule: {'; '.join(described)}."


def built_at(value) -> str | None:
    """The build's start time (`YYYY-MM-DDTHH:MM:SSZ`) as `30 November 2026 at 19:13 UTC`."""
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return str(value) if value else None
    month = calendar.month_name[moment.month]
    return f"{moment.day} {month} {moment.year} at {moment:%H:%M} UTC"


def build(information: dict) -> str:
    """What the published tables were built from, when and with what."""
    parts = []
    if information.get("extract_location"):
        parts.append(f"from {information['extract_location']}")
    when = built_at(information.get("built_at"))
    if when:
        parts.append(f"on {when}")
    engine = information.get("engine")
    if information.get("dbt_version"):
        parts.append(
            f"by dbt {information['dbt_version']}"
            + (f" on {ENGINE_NAMES.get(engine, engine)}" if engine else "")
        )
    if not parts:
        return "The build information is not available."
    return "The published tables were built " + ", ".join(parts) + "."


def totals(attrition: Rows) -> list[str]:
    sentences = []
    for year in sorted({row["financial_year"] for row in attrition}):
        steps = {row["step_number"]: row for row in attrition if row["financial_year"] == year}
        screened, candidates = steps.get(0, {}), steps.get(1, {})
        flagged = steps[max(steps)]
        sentence = (
            f"In {year}, {count(screened.get('spells_remaining'))} spells were screened, "
            f"{count(candidates.get('spells_remaining'))} had a radiofrequency denervation "
            f"dominant procedure, and {count(flagged.get('spells_remaining'))} met every "
            "criterion and were flagged 2K_RFD_back."
        )
        later = [row for number, row in steps.items() if number >= 2]
        removed = [row for row in later if row.get("spells_removed")]
        if removed:
            largest = max(removed, key=lambda row: row["spells_removed"])
            # A suppressed count could be the largest: say so rather than guess.
            among = (
                "Of the criteria whose count is published, the one"
                if any(row.get("spells_removed") is None for row in later)
                else "Among the candidates, the criterion"
            )
            sentence += (
                f" {among} that removed most spells was "
                f"“{CRITERION_LABELS.get(largest['criterion'], largest['criterion'])}” "
                f"({count(largest['spells_removed'])})."
            )
        sentences.append(sentence)
    return sentences


def variation(funnel: Chart | None, rates: Rows | None, coverage: Coverage) -> str:
    if not rates or funnel is None:
        return "No population table was supplied (README: Rates), so no rates or funnel plot."
    year = latest_year(rates)
    england = next(
        (
            row
            for row in rates
            if row["financial_year"] == year and row["organisation_type"] == "england"
        ),
        None,
    )
    standardised = england and england["standardised_rate_per_100000"]
    crude = england and england["crude_rate_per_100000"]
    positions = [row[-1] for row in funnel.rows if row[-1] in POSITION_STYLES]
    above = sum(position == "Above the 99.8% limit" for position in positions)
    below = sum(position == "Below the 99.8% limit" for position in positions)
    text = (
        f"In {year}, the rate for {coverage.name}, age- and sex-standardised to the European "
        "Standard Population 2013, was "
        + ("suppressed" if standardised is None else f"{standardised:.1f} per 100,000")
        + ("" if crude is None else f" (crude rate {crude:.1f} per 100,000)")
        + f". Of {counted(len(positions), 'commissioner')} with a published rate, {above} "
        f"{'is' if above == 1 else 'are'} above the 99.8% control limit and {below} below it."
    )
    sources = {row["population_source"] for row in rates if row.get("population_source")}
    if sources:
        text += " Population: " + "; ".join(sorted(sources)) + "."
    return text


def number(value) -> str:
    """A published count standing alone ("of whom 60 had ..."): a suppressed one says so."""
    return "a suppressed number" if value is None else f"{value:,}"


def with_share(repeats, followed_up) -> str:
    """`60 (30.0%)`: a published count of repeats, with its share of the followed-up where
    both are published."""
    value = share(repeats, followed_up)
    return number(repeats) + (f" ({value})" if isinstance(value, Share) else "")


def repeats_in_year(year: str, counts: dict, followed_up_for_12_months: bool) -> str:
    """One year's repeat procedures in words, every number a published one."""
    followed_12 = measure_count(counts, FOLLOWED_UP_12_MONTHS)
    repeats_12 = measure_count(counts, REPEAT_WITHIN_12_MONTHS)
    followed_6 = measure_count(counts, FOLLOWED_UP_6_MONTHS)
    repeats_6 = measure_count(counts, REPEAT_WITHIN_6_MONTHS)
    sentence = f"In {year}, {count(measure_count(counts, PATIENTS_TREATED))} patients were treated"
    if followed_up_for_12_months:
        median = (counts.get(REPEAT_WITHIN_12_MONTHS) or {}).get("median_interval_days")
        sentence += (
            f" and {number(followed_12)} were followed up for 12 months, of whom "
            f"{with_share(repeats_12, followed_12)} had another procedure within 12 months"
            + ("" if median is None else f", a median of {days_text(median)} days after the first")
        )
    else:
        sentence += ", none yet followed up for 12 months"
    if followed_6 == 0:
        sentence += "; none was followed up for 6 months."
    else:
        sentence += (
            f"; of {number(followed_6)} followed up for 6 months, "
            f"{with_share(repeats_6, followed_6)} had another within 6 months."
        )
    return sentence


def repeat_procedures(repeats: Rows, coverage: Coverage) -> str:
    """How often the coverage's patients had the procedure again (decision D21): the latest
    financial year in which any patient is followed up for 12 months, and each later year,
    whose patients are not yet."""
    year = followed_up_year(repeats)
    years = sorted(
        {
            row["financial_year"]
            for row in repeats
            if row["organisation_type"] == "england" and is_financial_year(row["financial_year"])
        }
    )
    if not years:
        return "Repeat procedures: no flagged spell in this period, so no repeat to count."
    text = f"Repeat procedures, for {coverage.name} (a repeat is counted only for a patient "
    text += "the extract follows up for the whole window)."
    if year is None:
        text += f" {no_follow_up_message(repeats)}, so no share with a repeat within 12 months."
    sentences = [
        repeats_in_year(later, coverage_counts(repeats, later), later == year)
        for later in years
        if year is None or later >= year
    ]
    return " ".join([text, *sentences])


def data_quality(issues: Rows) -> str:
    if not issues:
        return "No data-quality issue was found in the extract."
    parts = [
        f"{row['field']} in the {TABLE_LABELS.get(row['source_table'], row['source_table'])}, "
        f"{ISSUE_LABELS.get(row['issue'], row['issue'].replace('_', ' '))}: "
        + ("suppressed" if row["issues_found"] is None else f"{row['issues_found']:,}")
        for row in sorted(issues, key=lambda row: (row["source_table"], row["field"], row["issue"]))
    ]
    return (
        "Data quality: the issues found in the extract, each reported, none silently dropped "
        "(decisions D16 and D17), counted under the same disclosure control. "
        + "; ".join(parts)
        + "."
    )


def narrative(
    marts: dict[str, Rows], information: dict, funnel: Chart | None, coverage: Coverage
) -> list[str]:
    """The summary's paragraphs; `information` is the build information row, `funnel` the
    funnel plot (None without rates), `coverage` what the all-organisations rows cover."""
    return [
        " ".join(
            (period(information), rule_version(information.get("rule_version")), build(information))
        ),
        *totals(marts.get("rpt_rfd_back_attrition", [])),
        variation(funnel, marts.get("rpt_rfd_back_rates"), coverage),
        repeat_procedures(marts.get("rpt_rfd_back_repeat_procedures", []), coverage),
        data_quality(marts.get("rpt_apcs_data_quality", [])),
    ]
