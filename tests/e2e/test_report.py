"""The HTML report (`make report`): built on the demo extract, one self-contained file, every
chart present, and nothing on it that disclosure control withholds.

The project is built on the demo extract as `make build` writes it (the Makefile's size, seed
and financial years), and the report is rendered through `python -m rfd_back_report`. To prove
that no suppressed cell reaches the page, the published marts are then rebuilt with a
suppression threshold of 20, so that many cells the report draws are suppressed, and the
report rendered again: every number it embeds is checked against the marts, cell by cell. A
headless Chromium (Debian's, through Playwright) opens the report with the network refused
and saves screenshots under target/test-output: the whole page, and the repeat procedures at
1400 and 800 pixels wide.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from pathlib import Path

import pytest

from apcs_extract.cli import main as write_demo_extract
from rfd_back_report.charts import (
    CRITERION_LABELS,
    CRUDE_RATE,
    POSITION_STYLES,
    STANDARDISED_RATE,
    counted,
    measure_counts,
    month_label,
)
from rfd_back_report.funnel import control_limits, poisson_quantile_interpolated
from rfd_back_report.published import load_published_marts
from rfd_back_report.render import render as render_html
from support.browser import SCREENSHOT_DIR, headless_chromium_page
from support.colour_vision import closest_pair, delta_e_2000, lab
from support.project import PROJECT_DIR, DbtProject, release_duckdb_database
from support.report import figures, render, use_project

CHARTS = [
    "chart-trend",
    "chart-attrition",
    "chart-funnel",
    "chart-coding-variation",
    "chart-repeat-share",
    "chart-repeat-interval",
]
REPEAT_CHARTS = ["chart-repeat-share", "chart-repeat-interval"]
# Two financial years share the demo's spells: at 20, about two months in three, half the
# commissioners and every interval month of the repeat procedures are suppressed, and the rest
# drawn (at 40 every month and every commissioner would be, leaving nothing drawn to check).
HIGH_THRESHOLD = "{disclosure_suppression_threshold: 20}"
PUBLISHED_MARTS = (
    "rpt_rfd_back_activity rpt_rfd_back_attrition rpt_rfd_back_rates "
    "rpt_rfd_back_coding_variation rpt_rfd_back_repeat_procedures rpt_apcs_data_quality"
)


def demo_make_variable(name: str) -> str:
    """The demo extract's size, seed or financial years, as the Makefile sets them."""
    makefile = (PROJECT_DIR / "Makefile").read_text()
    return re.search(rf"^{name} \?= (\S+)$", makefile, re.M).group(1)


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory) -> DbtProject:
    work_dir = tmp_path_factory.mktemp("report")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "demo")
    write_demo_extract(
        ["--spells", demo_make_variable("DEMO_SPELLS"), "--seed", demo_make_variable("DEMO_SEED"),
         "--financial-years", demo_make_variable("DEMO_FINANCIAL_YEARS"),
         "--format", "csv", "--out", str(project.data_dir)]
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = project.invoke(
            "build", "--exclude-resource-type", "test", "unit_test", monkeypatch=monkeypatch
        )
    assert built.success, f"dbt build failed: {built.exception}"
    return project


@pytest.fixture(scope="module")
def demo_report(demo_project: DbtProject) -> str:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return render(demo_project, demo_project.work_dir / "report.html", monkeypatch)


REPEATS_SQL = (
    "select financial_year, organisation_type, organisation_code, measure, interval_month,"
    " measure_count, median_interval_days from main.rpt_rfd_back_repeat_procedures"
)


def repeat_procedures(project: DbtProject) -> list[dict]:
    """The published repeat procedures, read from the database, not through the report."""
    columns = ["financial_year", "organisation_type", "organisation_code", "measure",
               "interval_month", "measure_count", "median_interval_days"]  # fmt: skip
    return [dict(zip(columns, row, strict=True)) for row in project.query(REPEATS_SQL)]


@pytest.fixture(scope="module")
def demo_repeats(demo_project: DbtProject, demo_report: str) -> list[dict]:
    """The repeat procedures the demo report was drawn from, read before `suppressed_report`
    rebuilds the marts."""
    return repeat_procedures(demo_project)


@pytest.fixture(scope="module")
def suppressed_report(
    demo_project: DbtProject, demo_report: str, demo_repeats: list[dict]
) -> tuple[str, DbtProject]:
    """The report on marts rebuilt with a threshold of 20 (the demo report is rendered
    first, on the default marts, and its repeat procedures read)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        rebuilt = demo_project.invoke(
            "run", "--select", PUBLISHED_MARTS, "--vars", HIGH_THRESHOLD, monkeypatch=monkeypatch
        )
        assert rebuilt.success, f"dbt run failed: {rebuilt.exception}"
        html = render(demo_project, demo_project.work_dir / "suppressed.html", monkeypatch)
    return html, demo_project


def test_report_is_one_self_contained_file(demo_report: str):
    """No external script, stylesheet, image or font in the page; plotly.js is inlined (its
    own text names web pages for map attributions, which the report never draws: the
    browser test proves nothing is fetched)."""
    plotly_js = re.search(r'<script id="plotly-js">(.*?)</script>', demo_report, re.S)
    assert plotly_js and re.search(r"plotly\.js v\d+\.\d+\.\d+", plotly_js.group(1))
    page = demo_report.replace(plotly_js.group(1), "")
    external = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//[^"\'\s>]+', page)
    assert not external, f"the report fetches {external[:3]}"
    assert "<link" not in page and "@import" not in page and "<script src" not in page


def test_every_chart_and_the_narrative_are_present(demo_report: str, demo_project: DbtProject):
    drawn = figures(demo_report)
    assert sorted(drawn) == sorted(CHARTS)
    for chart, figure in drawn.items():
        values = [value for trace in figure["data"] for value in trace.get("x") or []]
        assert figure["data"] and values, f"{chart} draws nothing"
    [(rule_version, built_at, location, coverage_label)] = demo_project.query(
        "select rule_version, built_at, extract_location, coverage_label"
        " from main.rpt_rfd_back_build_information"
    )
    assert coverage_label is None
    # The coverage, named from the commissioners of the published activity and rates.
    [(commissioners,)] = demo_project.query(
        "select count(distinct organisation_code) from (select organisation_code from"
        " main.rpt_rfd_back_activity where organisation_type = 'commissioner' union all select"
        " organisation_code from main.rpt_rfd_back_rates where organisation_type ="
        " 'commissioner') where organisation_code <> 'invalid'"
    )
    assert commissioners > 1
    [(latest_year,)] = demo_project.query(
        "select max(financial_year) from main.rpt_rfd_back_rates"
        " where organisation_type = 'england'"
    )
    month, year = built_at[5:7], built_at[:4]
    revised = f"{calendar.month_name[int(rule_version[5:7])]} {rule_version[:4]}"
    for text in (
        f"The spells were flagged under rule version {rule_version}: the code lists of the "
        f"guidance as revised in {revised}, applied as published.",
        f"The published tables were built from extract directory {demo_project.data_dir.name}, "
        f"on {int(built_at[8:10])} {calendar.month_name[int(month)]} {year} at {built_at[11:16]} "
        "UTC, by dbt",
        built_at,
        f"Flagged spells by month, all {commissioners} commissioners in the extract</h2>",
        f"In {latest_year}, the rate for all {commissioners} commissioners in the extract, "
        "age- and sex-standardised",
        f"extract directory {demo_project.data_dir.name}",
        "The extract covers activity from Apr 2023 to Mar 2025",
        "spells were screened",
        "SYNTHETIC demo population",
        "Data quality: the issues found in the extract",
        "Report rendered",
    ):
        assert text in demo_report, f"the report does not say {text!r}"
    # The directory's name, never its path (a path may name a person).
    assert location == f"extract directory {demo_project.data_dir.name}"
    assert str(demo_project.data_dir.parent) not in demo_report
    # The extract's coverage, never "England", in any title, legend, table or sentence.
    assert not says_england(every_text_drawn(demo_report)), says_england(
        every_text_drawn(demo_report)
    )
    assert "any option that changes the rule" not in demo_report


def test_the_demo_reports_rates_have_one_decimal_place(demo_report: str):
    headers, rows = chart_table(demo_report, "chart-funnel")
    crude, standardised = headers.index(CRUDE_RATE), headers.index(STANDARDISED_RATE)
    assert rows and rows[0][0].endswith("(the reference)")
    rates = [row[column] for row in rows for column in (crude, standardised)]
    assert all(re.fullmatch(r"[0-9,]+\.[0-9]", rate) for rate in rates), rates


def published(project: DbtProject, sql: str) -> dict:
    return {tuple(row[:-1]): row[-1] for row in project.query(sql)}


def plotted(figure: dict, label_axis: str, value_axis: str) -> list[tuple[dict, object, object]]:
    """(trace, label, value) for every point the figure draws."""
    return [
        (trace, label, value)
        for trace in figure["data"]
        for label, value in zip(trace[label_axis], trace[value_axis], strict=True)
    ]


def counts_are_published(values: list) -> bool:
    """Every count as disclosure control publishes it: none from 1 to 7, all multiples of 5."""
    return all(value is None or (value % 5 == 0 and not 1 <= value <= 7) for value in values)


FOLLOWED_UP_12, REPEAT_12 = "patients_followed_up_12_months", "patients_repeat_within_12_months"


def repeat_year(repeats: list[dict]) -> str:
    """The year the repeat charts draw, worked out from the mart: the latest in which the
    coverage has a patient followed up for 12 months (a count not 0)."""
    years = [
        row["financial_year"]
        for row in repeats
        if row["organisation_type"] == "england"
        and row["measure"] == FOLLOWED_UP_12
        and row["measure_count"] != 0
    ]
    assert years, "no patient is followed up for 12 months: the test proves nothing"
    return max(years)


def percent(repeats: int, followed_up: int) -> str:
    return f"{100 * repeats / followed_up:.1f}%"


def days(median: float) -> str:
    return f"{median:,.0f}" if float(median).is_integer() else f"{median:,.1f}"


def said(value: int | None) -> str:
    """A count as a sentence says it."""
    return "a suppressed number" if value is None else f"{value:,}"


def check_repeat_charts(html: str, repeats: list[dict]) -> int:
    """Every number the repeat charts and their paragraph draw is a published one: each
    provider's bar is its published repeats over its published followed-up, labelled with
    both; a provider with either suppressed has no bar; the reference line is the coverage's
    share; each month's bar is its published count, a suppressed month none. Returns how many
    suppressed cells the charts leave out."""
    drawn = figures(html)
    year = repeat_year(repeats)
    providers = {
        code: (rows[REPEAT_12]["measure_count"], rows[FOLLOWED_UP_12]["measure_count"])
        for code, rows in measure_counts(repeats, year, "provider").items()
    }
    shares = {
        code: (repeats_, followed)
        for code, (repeats_, followed) in providers.items()
        if repeats_ is not None and followed  # published, and someone followed up
    }
    suppressed = [code for code, pair in providers.items() if None in pair]
    share_chart = drawn["chart-repeat-share"]
    bars = {
        code: (value, text)
        for trace in share_chart["data"]
        for code, value, text in zip(trace["y"], trace["x"], trace["text"], strict=True)
    }
    assert bars == {
        code: (pytest.approx(100 * r / f), f"{r:,} of {f:,}, {percent(r, f)}")
        for code, (r, f) in shares.items()
    }
    assert counts_are_published([count for pair in shares.values() for count in pair])
    england = measure_counts(repeats, year, "england")["ENGLAND"]
    reference = (england[REPEAT_12]["measure_count"], england[FOLLOWED_UP_12]["measure_count"])
    if shares:
        labels = {a["y"]: a["text"] for a in share_chart["layout"].get("annotations", [])}
        assert {code for code, text in labels.items() if text == "suppressed"} == set(suppressed)
        if None in reference:
            assert not shapes(share_chart)
        else:
            [line] = shapes(share_chart)
            assert line["x0"] == pytest.approx(100 * reference[0] / reference[1])
            assert line["name"].endswith(
                f": {reference[0]:,} of {reference[1]:,}, {percent(*reference)}"
            )
    else:
        assert annotation_texts(share_chart) == [
            f"Every provider's share is suppressed in {year}: nothing to draw"
        ]
        assert not shapes(share_chart)

    months = {
        row["interval_month"]: row["measure_count"]
        for row in repeats
        if row["financial_year"] == year
        and row["organisation_type"] == "england"
        and row["measure"] == "patients_repeat_in_interval_month"
    }
    published_months = {month: n for month, n in months.items() if n is not None}
    histogram = drawn["chart-repeat-interval"]
    heights = {month: n for _, month, n in plotted(histogram, "x", "y")}
    if any(published_months.values()):
        assert heights == published_months
        assert annotation_texts(histogram).count("suppressed") == len(months) - len(heights)
    else:
        assert not heights
        suppressed = counted(len(months) - len(published_months), "month")
        assert annotation_texts(histogram) in (
            ["Every month's count is suppressed: nothing to draw"],
            [f"No repeat to draw: {suppressed} suppressed, the others 0"],
        )
    assert counts_are_published(list(heights.values()))
    median = england[REPEAT_12]["median_interval_days"]
    if median is not None:
        assert f"The median interval was {days(median)} days." in html

    # The summary's paragraph: the coverage's counts that year, and nothing unpublished.
    [paragraph] = re.findall(r"<p>(Repeat procedures, for .*?)</p>", html, re.S)

    assert (
        f"{said(reference[1])} were followed up for 12 months, of whom {said(reference[0])}"
        in paragraph
    )
    published_numbers = (
        {
            f"{row['measure_count']:,}"
            for row in repeats
            if row["organisation_type"] == "england" and row["measure_count"] is not None
        }
        | {days(median) for median in [median] if median is not None}
        | {"6", "12"}
    )
    england_by_year = {
        (row["financial_year"], row["measure"]): row["measure_count"]
        for row in repeats
        if row["organisation_type"] == "england" and row["interval_month"] is None
    }
    for (year_, measure), value in england_by_year.items():
        followed = england_by_year.get((year_, measure.replace("repeat_within", "followed_up")))
        if "repeat_within" in measure and value is not None and followed:
            published_numbers.add(percent(value, followed))
    said_numbers = re.findall(
        r"[0-9][0-9,.]*[0-9]%?|[0-9]%?", re.sub(r"[0-9]{4}/[0-9]{2}", "", paragraph)
    )
    assert set(said_numbers) <= published_numbers, set(said_numbers) - published_numbers
    return len(suppressed) + len(months) - len(published_months)


def test_the_demo_reports_repeat_charts_draw_published_numbers(
    demo_report: str, demo_repeats: list[dict]
):
    """On the demo's own marts (threshold 7): a provider's share drawn, with the others
    suppressed, the reference line and the published months."""
    drawn = figures(demo_report)
    assert check_repeat_charts(demo_report, demo_repeats) > 0
    assert drawn["chart-repeat-share"]["data"], "the demo draws no provider's share"
    assert shapes(drawn["chart-repeat-share"]), "the demo draws no reference line"
    assert drawn["chart-repeat-interval"]["data"], "the demo draws no month"
    # The year drawn is the demo's first: its second has no patient followed up for 12 months.
    year = repeat_year(demo_repeats)
    later = sorted({row["financial_year"] for row in demo_repeats if row["financial_year"] > year})
    assert later, "the demo has no year after the one drawn"
    assert f"Patients with a repeat within 12 months, by provider, {year}</h3>" in demo_report
    for later_year in later:
        assert f"In {later_year}, " in demo_report
        assert "none yet followed up for 12 months" in demo_report


def test_no_suppressed_cell_reaches_the_report(suppressed_report: tuple[str, DbtProject]):
    html, project = suppressed_report
    drawn = figures(html)
    suppressed_total = 0

    # Trend: England by month; a month absent from the mart is 0.
    monthly = published(
        project,
        "select period, spells_flagged from main.rpt_rfd_back_activity where period_type ="
        " 'month' and organisation_type = 'england' and breakdown = 'all'",
    )
    suppressed_total += sum(value is None for value in monthly.values())
    trend = {label: count for _, label, count in plotted(drawn["chart-trend"], "x", "y")}
    assert trend == {month_label(month): count for (month,), count in monthly.items()} | {
        label: 0 for label in trend if label not in {month_label(m) for (m,) in monthly}
    }
    assert counts_are_published(list(trend.values()))

    # Attrition: steps 1 to 7 of each year.
    steps = published(
        project,
        "select financial_year, criterion, spells_remaining from main.rpt_rfd_back_attrition"
        " where step_number >= 1",
    )
    suppressed_total += sum(value is None for value in steps.values())
    attrition = {
        (trace["name"], label): count
        for trace, label, count in plotted(drawn["chart-attrition"], "y", "x")
    }
    assert attrition == {
        (year, CRITERION_LABELS[criterion]): count for (year, criterion), count in steps.items()
    }
    assert counts_are_published(list(attrition.values()))

    # Funnel plot: only commissioners with a published count and rate, at that rate, in the
    # latest financial year (the demo has two).
    rates = {
        code: (count, float(rate) if rate is not None else None)
        for code, count, rate in project.query(
            "select organisation_code, spells_flagged, standardised_rate_per_100000"
            " from main.rpt_rfd_back_rates where organisation_type = 'commissioner'"
            " and financial_year = (select max(financial_year) from main.rpt_rfd_back_rates"
            " where organisation_type = 'england')"
        )
    }
    hidden = [code for code, (count, _) in rates.items() if count is None]
    suppressed_total += len(hidden)
    markers = {"data": [t for t in drawn["chart-funnel"]["data"] if t.get("mode") == "markers"]}
    points = {code: rate for _, code, rate in plotted(markers, "text", "y")}
    assert points == {code: rate for code, (count, rate) in rates.items() if count is not None}
    assert f"{counted(len(hidden), 'commissioner')} not shown" in html

    # Coding variation: England, the EBI count and each variation.
    variation = published(
        project,
        "select financial_year, coalesce(coding_variation, coding), spells"
        " from main.rpt_rfd_back_coding_variation where organisation_type = 'england'"
        " and coalesce(coding_variation, '') <> 'all'",
    )
    suppressed_total += sum(value is None for value in variation.values())
    bars = [value for _, _, value in plotted(drawn["chart-coding-variation"], "x", "y")]
    assert sorted(bars, key=lambda value: (value is None, value or 0)) == sorted(
        variation.values(), key=lambda value: (value is None, value or 0)
    )
    assert counts_are_published(bars)
    # Each bar's label is its published count, or "suppressed" (drawn where the bar would be).
    labels = plotted(drawn["chart-coding-variation"], "text", "y")
    assert all(
        label == ("suppressed" if count is None else f"{count:,}") for _, label, count in labels
    )
    assert annotation_texts(drawn["chart-coding-variation"]) == ["suppressed"] * bars.count(None)

    # Repeat procedures: the providers' shares, the reference line, the interval months and
    # the summary's paragraph, each from published counts only.
    suppressed_total += check_repeat_charts(html, repeat_procedures(project))

    # The threshold really suppressed cells the report draws, and the tables say so.
    assert suppressed_total > 0, "nothing was suppressed: the test proves nothing"
    assert html.count("<td>suppressed</td>") >= suppressed_total - len(hidden)


def with_link(text: str) -> str:
    return f'<a href="https://example.org/{len(text)}">{text}</a><br>'


# The text columns of the marts the report draws as labels, hover text or sentences.
LABEL_COLUMNS = {"financial_year", "organisation_code", "population_source", "extract_location",
                 "field", "rule_version", "engine"}  # fmt: skip


def test_report_strips_markup_from_every_label(demo_project: DbtProject):
    """Whatever a mart holds, no tag reaches a chart, a table or a sentence: plotly would
    render `<a href>` in a category or legend as a link. The marts are read as the report
    reads them, every label wrapped in a link, and the report drawn from them."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_project(demo_project, monkeypatch)
        try:
            marts = load_published_marts(["--project-dir", str(PROJECT_DIR),
                                          "--profiles-dir", str(PROJECT_DIR)])  # fmt: skip
        finally:
            release_duckdb_database()
    hostile = {
        mart: [
            {
                column: with_link(value) if column in LABEL_COLUMNS and value else value
                for column, value in row.items()
            }  # fmt: skip
            for row in rows
        ]
        for mart, rows in marts.items()
    }
    hostile["rpt_rfd_back_build_information"][0]["coverage_label"] = with_link("North East")
    html = render_html(hostile)
    drawn = figures(html)
    assert sorted(drawn) == sorted(CHARTS)
    page = re.sub(r'<script id="plotly-js">.*?</script>', "", html, flags=re.S)
    assert "example.org" not in page, "a link from a mart reached the report"
    assert "&lt;br&gt;" not in page and "<br>" not in page
    # The labels themselves are still drawn, as text.
    years = {row["financial_year"] for row in marts["rpt_rfd_back_attrition"]}
    legend = {trace.get("name") for trace in drawn["chart-attrition"]["data"]}
    assert years <= legend
    assert f"extract directory {demo_project.data_dir.name}" in page
    assert "Flagged spells by month, North East</h2>" in page


def build_information(project: DbtProject, monkeypatch: pytest.MonkeyPatch, *vars_: str):
    return project.invoke(
        "run", "--select", "rpt_rfd_back_build_information", *vars_, monkeypatch=monkeypatch
    )


def test_the_coverage_label_var_names_the_coverage(demo_project: DbtProject, tmp_path: Path):
    """The var rfd_back_coverage_label is published in the build information and names the
    coverage throughout the report; a label that is not plain text stops the run, naming the
    var, and leaves the table as it was. The table is rebuilt without the var afterwards."""
    label = "North East and Yorkshire"
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            built = build_information(
                demo_project, monkeypatch, "--vars", f"{{rfd_back_coverage_label: '{label}'}}"
            )
            assert built.success, f"dbt run failed: {built.exception}"
            assert demo_project.query(
                "select coverage_label from main.rpt_rfd_back_build_information"
            ) == [(label,)]
            html = render(demo_project, tmp_path / "labelled.html", monkeypatch)
            for hostile in ("<b>North</b>", "North\nEast", " North", 42, "x" * 61, "'; drop"):
                refused = build_information(
                    demo_project,
                    monkeypatch,
                    "--vars",
                    json.dumps({"rfd_back_coverage_label": hostile}),
                )
                assert not refused.success, f"{hostile!r} was published"
                assert "The var rfd_back_coverage_label must be null" in str(refused.exception)
            assert demo_project.query(
                "select coverage_label from main.rpt_rfd_back_build_information"
            ) == [(label,)]
        finally:
            restored = build_information(demo_project, monkeypatch)
    assert restored.success, f"dbt run failed: {restored.exception}"
    assert f"Flagged spells by month, {label}</h2>" in html
    assert f"EBI count beside the coding variations, {label}</h2>" in html
    assert f"the rate for {label}, age- and sex-standardised" in html
    assert f"{label} (the reference)" in html
    assert "commissioners in the extract" not in every_text_drawn(html)
    assert not says_england(every_text_drawn(html))
    funnel = figures(html)["chart-funnel"]
    assert any(trace["name"].startswith(f"{label}: ") for trace in funnel["data"])


@pytest.mark.browser
def test_report_renders_in_a_browser_without_the_network(demo_report: str, tmp_path: Path):
    page_file = tmp_path / "report.html"
    page_file.write_text(demo_report, encoding="utf-8")
    screenshot = SCREENSHOT_DIR / "report.png"
    fetched: list[str] = []
    with headless_chromium_page(1280, 900) as (page, errors):
        page.route(
            re.compile(r"^(?!file:|data:|blob:)"),
            lambda route: (fetched.append(route.request.url), route.abort()),
        )
        page.goto(page_file.as_uri())
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot').length === {len(CHARTS)}",
            timeout=60_000,
        )
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".map(element => [element.id, element.data.length])"
        )
        page.screenshot(path=str(screenshot), full_page=True)
    assert not errors, f"the report raised: {errors}"
    assert not fetched, f"the report tried to fetch {fetched}"
    assert sorted(chart for chart, _ in drawn) == sorted(CHARTS)
    assert all(traces > 0 for _, traces in drawn), drawn
    assert screenshot.stat().st_size > 50_000


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 800])
def test_the_repeat_procedures_render_in_a_browser(demo_report: str, tmp_path: Path, width: int):
    """At 1400 and at 800 pixels wide, the repeat procedures section renders: both charts
    drawn, with their bars and the reference line, of non-zero size and within their section;
    the page, every table opened, no wider than the window; no script error. The section and
    the whole page are saved under target/test-output to look at."""
    page_file = tmp_path / "report.html"
    page_file.write_text(demo_report, encoding="utf-8")
    section = SCREENSHOT_DIR / f"repeat-procedures-{width}.png"
    whole = SCREENSHOT_DIR / f"report-{width}.png"
    with headless_chromium_page(width, 900) as (page, errors):
        page.route(re.compile(r"^(?!file:|data:|blob:)"), lambda route: route.abort())
        page.goto(page_file.as_uri())
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot').length === {len(CHARTS)}",
            timeout=60_000,
        )
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        measured = page.evaluate(
            """ids => ids.map(id => {
                const chart = document.getElementById(id);
                const box = chart.getBoundingClientRect();
                const card = chart.closest('section').getBoundingClientRect();
                return {id, plotted: chart.classList.contains('js-plotly-plot'),
                        width: box.width, height: box.height,
                        inside: box.left >= card.left && box.right <= card.right,
                        bars: chart.querySelectorAll('.barlayer .point path').length,
                        lines: chart.querySelectorAll('.shapelayer path').length};
            })""",
            REPEAT_CHARTS,
        )
        page_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        page.locator("#repeat-procedures").screenshot(path=str(section))
        page.screenshot(path=str(whole), full_page=True)
    assert not errors, f"the report raised: {errors}"
    assert page_width[0] <= page_width[1], f"the page overflows its {width} px window: {page_width}"
    by_id = {chart["id"]: chart for chart in measured}
    for chart in by_id.values():
        assert chart["plotted"] and chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["inside"], f"{chart['id']} is wider than its section at {width} px"
        assert chart["bars"] > 0, f"{chart['id']} draws no bar at {width} px"
    assert by_id["chart-repeat-share"]["lines"] > 0, "no reference line"
    assert section.stat().st_size > 20_000 and whole.stat().st_size > 50_000


def test_control_limits_are_the_interpolated_poisson_ones():
    """Checked by hand: Poisson(1) has F(0) = e^-1 and F(1) = 2e^-1, so its interpolated
    median is 1 - (2e^-1 - 0.5) / e^-1. Far from zero the limits approach the normal ones,
    they widen as the population shrinks, and they never depend on an observed count."""
    assert poisson_quantile_interpolated(1.0, 0.5) == pytest.approx(
        1 - (2 * math.exp(-1) - 0.5) / math.exp(-1)
    )
    mean = 40_000.0
    assert poisson_quantile_interpolated(mean, 0.975) == pytest.approx(
        mean + 1.959964 * math.sqrt(mean), rel=1e-4
    )
    small, large = control_limits(7.6, 100_000), control_limits(7.6, 1_000_000)
    for limits in (small, large):
        assert limits["99.8%"][0] <= limits["95%"][0] < 7.6 < limits["95%"][1] <= limits["99.8%"][1]
    assert small["99.8%"][1] - small["99.8%"][0] > large["99.8%"][1] - large["99.8%"][0]
    assert control_limits(7.6, 50)["99.8%"][0] == 0.0


# The report drawn from hand-made marts, with no dbt: each chart, table and sentence as the
# marts make it.

SCREENED_YEAR = "2023/24"
HAND_MADE_CODES = ["02Q", "15N", "92A"]


def hand_made_marts(
    monthly: dict[str, int | None] | None = None,
    rates: list[dict] | None = None,
    variation: dict[str, int | None] | None = None,
    coverage_label: str | None = None,
    rule_version: str = "2023-12",
    repeats: list[dict] | None = None,
) -> dict[str, list[dict]]:
    """Published marts as `rfd_back_report_data` hands them over: one financial year
    (2023/24, 12,000 spells screened), England's monthly counts (`monthly`, by `YYYYMM`; a
    month left out has no flagged spell), a yearly row for each of three commissioners, the
    rates (`rates`, England's first), the coding variation (`variation`, by coding), the
    repeat procedures (`repeats`, rows of `repeat_rows`; by default `REPEATS`)."""
    monthly = {"202304": 35, "202305": 50} if monthly is None else monthly
    variation = (
        {"ebi_rule": 85, "v486_with_y114": 30, "rhizotomy": None}
        if variation is None
        else variation
    )
    remaining = [12_000, 400, 300, 250, 200, 150, 120, 85]
    return {
        "rpt_rfd_back_build_information": [
            {
                "rule_version": rule_version,
                "built_at": "2024-05-01T09:30:00Z",
                "dbt_version": "1.11.16",
                "engine": "postgres",
                "extract_location": "extract directory north",
                "first_activity_month": "202304",
                "last_activity_month": "202403",
                "coverage_label": coverage_label,
            }
        ],
        "rpt_rfd_back_attrition": [
            {
                "financial_year": SCREENED_YEAR,
                "step_number": step,
                "criterion": list(CRITERION_LABELS)[step],
                "spells_remaining": spells,
                "spells_removed": remaining[step - 1] - spells if step else 0,
            }
            for step, spells in enumerate(remaining)
        ],
        "rpt_rfd_back_activity": [
            {
                "financial_year": SCREENED_YEAR,
                "period_type": "month",
                "period": month,
                "organisation_type": "england",
                "organisation_code": "ENGLAND",
                "breakdown": "all",
                "breakdown_value": "all",
                "spells_flagged": count,
            }
            for month, count in monthly.items()
        ]
        + [
            {
                "financial_year": SCREENED_YEAR,
                "period_type": "financial_year",
                "period": SCREENED_YEAR,
                "organisation_type": "commissioner",
                "organisation_code": code,
                "breakdown": "all",
                "breakdown_value": "all",
                "spells_flagged": 25,
            }
            for code in HAND_MADE_CODES
        ],  # fmt: skip
        "rpt_rfd_back_rates": rates or [],
        "rpt_rfd_back_coding_variation": [
            {
                "financial_year": SCREENED_YEAR,
                "organisation_type": "england",
                "organisation_code": "ENGLAND",
                "coding": coding if coding == "ebi_rule" else "coding_variation",
                "coding_variation": None if coding == "ebi_rule" else coding,
                "spells": spells,
            }
            for coding, spells in variation.items()
        ],  # fmt: skip
        "rpt_rfd_back_repeat_procedures": REPEATS if repeats is None else repeats,
        "rpt_apcs_data_quality": [],
    }


def repeat_rows(
    code: str | None,
    followed_up_12: int | None,
    repeat_12: int | None,
    *,
    year: str = SCREENED_YEAR,
    treated: int | None = 200,
    followed_up_6: int | None = 200,
    repeat_6: int | None = 35,
    median: float | None = None,
    months: dict[int, int | None] | None = None,
) -> list[dict]:
    """The rows of rpt_rfd_back_repeat_procedures for the coverage (`code` None) or a
    provider, in one year: each measure's count, and the interval months (`months`, 0 where
    left out)."""
    counts = {
        "patients_treated": treated,
        "patients_followed_up_6_months": followed_up_6,
        "patients_repeat_within_6_months": repeat_6,
        "patients_followed_up_12_months": followed_up_12,
        "patients_repeat_within_12_months": repeat_12,
    }
    rows = [
        {"measure": measure, "interval_month": None, "measure_count": value,
         "median_interval_days": median if measure == "patients_repeat_within_12_months" else None}
        for measure, value in counts.items()
    ] + [
        {"measure": "patients_repeat_in_interval_month", "interval_month": month,
         "measure_count": (months or {}).get(month, 0), "median_interval_days": None}
        for month in range(1, 13)
    ]  # fmt: skip
    return [
        {
            "financial_year": year,
            "organisation_type": "england" if code is None else "provider",
            "organisation_code": code or "ENGLAND",
            **row,
        }
        for row in rows
    ]


# The coverage's 60 repeats of 200 followed up (30.0%), in months 1, 3 and 5 (10, 15 and
# 10), two months suppressed, a median of 143 days; a provider at 25.0% and one at 50.0%, one
# whose repeats are suppressed and one with no patient followed up for 12 months.
REPEAT_MONTHS = {1: 10, 2: None, 3: 15, 4: None, 5: 10}
REPEATS = [
    *repeat_rows(None, 200, 60, median=143, months=REPEAT_MONTHS),
    *repeat_rows("RX1", 60, 15, median=120),
    *repeat_rows("RX2", 40, 20, median=200.5),
    *repeat_rows("RX3", 20, None),
    *repeat_rows("RX4", 0, 0, treated=10),
]


def rates_row(code: str | None, population: int, spells: int | None, crude, standardised) -> dict:
    return {
        "financial_year": SCREENED_YEAR,
        "organisation_type": "england" if code is None else "commissioner",
        "organisation_code": code or "ENGLAND",
        "population": population,
        "spells_flagged": spells,
        "crude_rate_per_100000": crude,
        "standardised_rate_per_100000": standardised,
        "standardised_rate_step": 0.5,
        "population_source": "ONS mid-2023 estimates",
    }


# A reference rate of 10 per 100,000 and commissioners of 500,000 (50 spells expected: 95%
# limits about 7.2 to 12.9, 99.8% about 5.6 to 14.7): one commissioner in each position.
FIVE_POSITIONS = [
    rates_row(None, 2_500_000, 250, 10.0, 10),
    rates_row("02Q", 500_000, 100, 20.0, 20.0),
    rates_row("15N", 500_000, 70, 14.0, 13.5),
    rates_row("92A", 500_000, 50, 10.0, 10),
    rates_row("07K", 500_000, 35, 7.0, 6.5),
    rates_row("11A", 500_000, 15, 3.0, 3),
]


def page_text(html: str) -> str:
    """The page without plotly.js (whose own text names many things)."""
    return re.sub(r'<script id="plotly-js">.*?</script>', "", html, flags=re.S)


def chart_table(html: str, chart_id: str) -> tuple[list[str], list[list[str]]]:
    """The headers and cells of the table under a chart, as the page shows them."""
    section = re.search(
        rf'<section class="chart-section" id="{chart_id}-section">(.*?)</section>', html, re.S
    ).group(1)
    headers = re.findall(r"<th>(.*?)</th>", section)
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>")[1])
    ]
    return headers, rows


def annotation_texts(figure: dict) -> list[str]:
    return [annotation["text"] for annotation in figure["layout"].get("annotations", [])]


@pytest.mark.parametrize(
    "monthly",
    [{}, {"202304": 0, "202305": 0}],
    ids=["no month in the activity", "every month 0"],
)
def test_an_empty_trend_says_so_and_draws_no_axes(monthly: dict):
    """With no flagged spell in the period, the trend says so where an empty plotly chart
    would draw an axis from -1 to 1; the table still lists the months, at 0."""
    html = render_html(hand_made_marts(monthly=monthly))
    trend = figures(html)["chart-trend"]
    assert annotation_texts(trend) == ["No flagged spells in this period"]
    assert trend["layout"]["xaxis"]["visible"] is False
    assert trend["layout"]["yaxis"]["visible"] is False
    assert not trend["data"], "an empty trend still draws bars"
    _, rows = chart_table(html, "chart-trend")
    assert len(rows) == 12 and {row[2] for row in rows} == {"0"}


def test_a_trend_of_suppressed_months_says_so():
    html = render_html(hand_made_marts(monthly={"202304": None, "202305": 0}))
    trend = figures(html)["chart-trend"]
    [message] = annotation_texts(trend)
    assert "1 month suppressed" in message and message != "No flagged spells in this period"
    assert trend["layout"]["yaxis"]["visible"] is False


def test_a_funnel_plot_or_coding_variation_with_nothing_to_draw_says_so():
    """No commissioner with a published rate, or no coding-variation count: each says so,
    with no axes, rather than drawing empty ones."""
    suppressed = [
        rates_row(None, 1_000_000, 100, 10.0, 10),
        rates_row("02Q", 5_000, None, None, None),
    ]
    marts = hand_made_marts(rates=suppressed)
    marts["rpt_rfd_back_coding_variation"] = []
    html = render_html(marts)
    drawn = figures(html)
    assert annotation_texts(drawn["chart-funnel"]) == [
        "No commissioner has a published rate in 2023/24"
    ]
    assert annotation_texts(drawn["chart-coding-variation"]) == [
        "No coding-variation counts in this period"
    ]
    for chart in ("chart-funnel", "chart-coding-variation"):
        assert drawn[chart]["layout"]["yaxis"]["visible"] is False, chart
    assert "1 commissioner not shown" in html


def test_a_trend_with_flagged_spells_draws_its_axes():
    """The contrast: a month above 0 draws the bars, with axes and no message."""
    trend = figures(render_html(hand_made_marts()))["chart-trend"]
    assert not annotation_texts(trend)
    assert trend["layout"]["xaxis"].get("visible", True) and trend["layout"]["yaxis"].get(
        "visible", True
    )
    assert [value for trace in trend["data"] for value in trace["y"] if value] == [35, 50]


def every_text_drawn(html: str) -> str:
    """The page's text and every string in the figures (titles, legends, annotations)."""
    strings = []

    def collect(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for figure in figures(html).values():
        collect(figure["data"])
        collect({key: value for key, value in figure["layout"].items() if key != "template"})
    page = re.sub(r'<script type="application/json".*?</script>', "", page_text(html), flags=re.S)
    return page + "\n".join(strings)


def says_england(text: str) -> list[str]:
    """Where the text says England, other than the rule's owner (NHS England) and the marts'
    own code for the totals (`ENGLAND`, case-sensitive)."""
    return re.findall(r".{0,40}England.{0,40}", text.replace("NHS England", ""))


@pytest.mark.parametrize(
    ("label", "coverage"),
    [
        (None, "all 5 commissioners in the extract"),
        ("North East and Yorkshire", "North East and Yorkshire"),
    ],
    ids=["named from the data", "named by the var"],
)
def test_the_report_names_its_coverage_not_england(label: str | None, coverage: str):
    """The coverage is the build's label, else the commissioners the published activity and
    rates name (three in the activity, two more only in the rates; `invalid` is none), in
    every title, legend, caption, table and sentence that would say England."""
    rates = [*FIVE_POSITIONS, rates_row("invalid", 100_000, None, None, None)]
    html = render_html(hand_made_marts(rates=rates, coverage_label=label))
    text = every_text_drawn(html)
    assert not says_england(text), says_england(text)
    drawn = figures(html)
    title = coverage[:1].upper() + coverage[1:]
    assert f"Flagged spells by month, {coverage}</h2>" in html
    assert f"EBI count beside the coding variations, {coverage}</h2>" in html
    [reference] = [t for t in drawn["chart-funnel"]["data"] if t["name"].startswith(title)]
    assert reference["name"] == f"{title}: 10.0 per 100,000"
    assert reference["y"] == [10, 10]
    assert f"In 2023/24, the rate for {coverage}, age- and sex-standardised" in html
    _, rows = chart_table(html, "chart-funnel")
    assert rows[0][0] == f"{title} (the reference)"
    assert f"<dt>Coverage</dt><dd>{title}: " in html
    if label is None:
        assert "set the var rfd_back_coverage_label" in html
    else:
        assert "commissioners in the extract" not in text


@pytest.mark.parametrize(
    ("codes", "coverage"),
    [([], "the whole extract"), (["15N"], "commissioner 15N, the only one in the extract")],
)
def test_coverage_with_one_commissioner_or_none(codes: list[str], coverage: str):
    marts = hand_made_marts()
    marts["rpt_rfd_back_activity"] = [
        row
        for row in marts["rpt_rfd_back_activity"]
        if row["organisation_type"] == "england" or row["organisation_code"] in codes
    ]
    assert f"Flagged spells by month, {coverage}</h2>" in render_html(marts)


def test_funnel_positions_each_have_their_own_shape_and_colour():
    """Each position a commissioner can take is drawn with a symbol and a colour no other
    position has: neither colour nor shape alone carries the meaning."""
    funnel = figures(render_html(hand_made_marts(rates=FIVE_POSITIONS)))["chart-funnel"]
    markers = {
        trace["name"]: (trace["marker"]["symbol"], trace["marker"]["color"].upper())
        for trace in funnel["data"]
        if trace.get("mode") == "markers"
    }
    assert set(markers) == set(POSITION_STYLES), "the commissioners are not in every position"
    assert {name: style for name, style in markers.items()} == {
        name: (style.symbol, style.colour.upper()) for name, style in POSITION_STYLES.items()
    }
    # Distinct shapes, not one shape filled and open: the symbol's base name.
    shapes = [re.sub(r"-(open|dot)$", "", symbol) for symbol, _ in markers.values()]
    colours = [colour for _, colour in markers.values()]
    assert len(set(shapes)) == len(shapes), f"two positions share a shape: {markers}"
    assert len(set(colours)) == len(colours), f"two positions share a colour: {markers}"
    # Neither the limits' nor the reference line's grey.
    lines = {trace["line"]["color"].upper() for trace in funnel["data"] if trace["mode"] == "lines"}
    assert not lines & set(colours)


# The least CIEDE2000 difference between any two position colours, with normal vision and with
# each simulated dichromacy. About 1 is just noticeable side by side; markers are small and
# apart, where differences look smaller. The NHS blue and dark blue the funnel plot used for
# "within 95%" and "below 99.8%", 15.8 apart with normal vision (13.4 with deuteranopia), could
# not be told apart as markers.
MINIMUM_DIFFERENCE = 18
VISIONS = [None, "protanopia", "deuteranopia", "tritanopia"]


@pytest.mark.parametrize("vision", VISIONS, ids=lambda vision: vision or "normal vision")
def test_funnel_position_colours_stay_apart_with_colour_blindness(vision: str | None):
    colours = [style.colour for style in POSITION_STYLES.values()]
    difference, first, second = closest_pair(colours, vision)
    assert difference >= MINIMUM_DIFFERENCE, (
        f"{first} and {second} are {difference:.1f} apart (CIEDE2000) with "
        f"{vision or 'normal vision'}: under {MINIMUM_DIFFERENCE}"
    )


def test_the_colour_check_fails_the_colours_the_report_used_before():
    """The check can fail: the NHS colours the funnel plot used before, and NHS red beside
    NHS green, which deuteranopia nearly merges (70 apart with normal vision, 7 with it)."""
    previous = ["#DA291C", "#FFB81C", "#005EB8", "#00A499", "#003087"]
    difference, *pair = closest_pair(previous, "deuteranopia")
    assert difference < MINIMUM_DIFFERENCE and set(pair) == {"#005EB8", "#003087"}
    assert closest_pair(["#DA291C", "#009639"], None)[0] > 60
    assert closest_pair(["#DA291C", "#009639"], "deuteranopia")[0] < 10


def test_the_colour_vision_simulation_against_published_values():
    """CIEDE2000 against Sharma et al. 2005's test data (pairs 1, 7, 17 and 25); sRGB red in
    CIELAB (D65); each Machado matrix keeps white white, as its rows sum to 1; and each
    dichromacy collapses the colours it cannot tell apart (red and green for protanopia and
    deuteranopia, blue and green for tritanopia), where normal vision keeps them apart."""
    for first, second, expected in [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ]:
        assert delta_e_2000(first, second) == pytest.approx(expected, abs=5e-5)
        assert delta_e_2000(second, first) == pytest.approx(expected, abs=5e-5)
    assert lab("#FF0000") == pytest.approx((53.2408, 80.0925, 67.2032), abs=1e-3)
    for vision in VISIONS:
        assert lab("#FFFFFF", vision) == pytest.approx((100.0, 0.0, 0.0), abs=0.1)
    assert closest_pair(["#FF0000", "#00FF00"], None)[0] > 80
    for vision in ("protanopia", "deuteranopia"):
        assert (
            closest_pair(["#D55E00", "#009E73"], vision)[0]
            < closest_pair(["#D55E00", "#009E73"], None)[0] / 2
        )
    assert (
        closest_pair(["#0072B2", "#009E73"], "tritanopia")[0]
        < closest_pair(["#0072B2", "#009E73"], None)[0] / 2
    )


def test_rates_are_shown_to_one_decimal_place_and_named():
    """A standardised rate rounded to a whole step arrives as `6` beside a crude `15.3`: the
    table shows every rate to one decimal place, and its headers and caption say which rate
    is crude and which age- and sex-standardised, to what."""
    rates = [
        rates_row(None, 1_000_000, 100, 10.0, 10),
        rates_row("02Q", 200_000, 30, 15.3, 6),
        rates_row("15N", 300_000, 30, 10, 12.25),
    ]
    html = render_html(hand_made_marts(rates=rates))
    headers, rows = chart_table(html, "chart-funnel")
    assert headers == [
        "Commissioner",
        "Population",
        "Flagged spells",
        "Crude rate per 100,000",
        "Age- and sex-standardised rate per 100,000 (ESP 2013)",
        "Position",
    ]
    by_code = {row[0]: row for row in rows}
    assert by_code["02Q"][3:5] == ["15.3", "6.0"]
    assert by_code["15N"][3:5] == ["10.0", "12.2"] or by_code["15N"][3:5] == ["10.0", "12.3"]
    assert rows[0][3:5] == ["10.0", "10.0"]
    caption = re.search(
        r'id="chart-funnel-section">.*?<p class="caption">(.*?)</p>', html, re.S
    ).group(1)
    for words in ("crude rate", "age- and sex-standardised", "European Standard Population 2013"):
        assert words in caption, f"the caption does not say {words!r}"
    # Right-aligned as numbers, the rates too.
    assert re.search(r'<td class="number">6\.0</td>', html)


def test_coding_variation_bars_carry_their_published_counts():
    """Each bar is labelled with its published count; a suppressed one, which has no bar,
    says "suppressed" where its bar would stand."""
    variation = {"ebi_rule": 1_085, "v486_with_y114": 30, "rhizotomy": None}
    chart = figures(render_html(hand_made_marts(variation=variation)))["chart-coding-variation"]
    labels = {
        trace["name"]: (trace["y"], trace["text"], trace["textposition"]) for trace in chart["data"]
    }
    assert labels == {
        "EBI rule 2K_RFD_back": ([1_085], ["1,085"], "outside"),
        "Coding variation: V48.6 with Y11.4": ([30], ["30"], "outside"),
        "Coding variation: rhizotomy (A57.2, A57.3)": ([None], ["suppressed"], "outside"),
    }
    [annotation] = chart["layout"]["annotations"]
    assert annotation["text"] == "suppressed" and annotation["y"] == 0
    # Rhizotomy is the second of three bars in the year's group (category 0): its centre.
    order = [trace["name"] for trace in chart["data"]]
    index = order.index("Coding variation: rhizotomy (A57.2, A57.3)")
    assert annotation["x"] == pytest.approx(0.8 * ((index + 0.5) / 3 - 0.5))


def test_the_rule_version_is_a_sentence_from_the_build_information():
    html = render_html(hand_made_marts())
    assert (
        "The spells were flagged under rule version 2023-12: the code lists of the guidance as "
        "revised in December 2023, applied as published. The published tables were built from "
        "extract directory north, on 1 May 2024 at 09:30 UTC, by dbt 1.11.16 on PostgreSQL."
    ) in html
    assert "any option that changes the rule" not in html
    option = render_html(
        hand_made_marts(rule_version="2023-12+null_diagnoses_pass_cancer_exclusion")
    )
    assert (
        "rule version 2023-12+null_diagnoses_pass_cancer_exclusion: the code lists of the "
        "guidance as revised in December 2023, with one option that changes the published "
        "rule: a spell with no diagnosis recorded passes the cancer exclusion (decision D2)."
    ) in option


# The repeat procedures, from hand-made marts.


def caption_of(html: str, chart_id: str) -> str:
    return re.search(rf'id="{chart_id}-section">.*?<p class="caption">(.*?)</p>', html, re.S).group(
        1
    )


def shapes(figure: dict) -> list[dict]:
    return figure["layout"].get("shapes", [])


def test_the_repeat_share_is_the_published_repeats_over_the_published_followed_up():
    """Each provider's bar is its published repeats within 12 months over its published
    followed-up, highest first, labelled "15 of 60, 25.0%"; the coverage's share is the
    reference line; a provider whose count is suppressed, or with no patient followed up, has
    no bar and says why where it would start; the table gives every count beneath."""
    html = render_html(hand_made_marts(coverage_label="North East"))
    chart = figures(html)["chart-repeat-share"]
    [bars] = chart["data"]
    assert bars["orientation"] == "h"
    assert bars["y"] == ["RX2", "RX1"]
    assert bars["x"] == [pytest.approx(50.0), pytest.approx(25.0)]
    assert bars["text"] == ["20 of 40, 50.0%", "15 of 60, 25.0%"]
    # The axis reaches past the longest bar; a bar long enough holds its label inside, the
    # others carry it beyond their end.
    assert chart["layout"]["xaxis"]["range"][1] > 50
    assert bars["textposition"] == ["inside", "outside"]
    [reference] = shapes(chart)
    assert reference["x0"] == reference["x1"] == pytest.approx(30.0)
    assert (reference["yref"], reference["y0"], reference["y1"]) == ("paper", 0, 1)
    assert reference["name"] == "North East: 60 of 200, 30.0%" and reference["showlegend"]
    assert {a["y"]: a["text"] for a in chart["layout"]["annotations"]} == {
        "RX3": "suppressed",
        "RX4": "no patient followed up for 12 months",
    }
    assert chart["layout"]["yaxis"]["categoryarray"] == ["RX2", "RX1", "RX3", "RX4"]
    headers, rows = chart_table(html, "chart-repeat-share")
    assert headers == [
        "Provider",
        "Patients followed up for 12 months",
        "Patients with a repeat within 12 months",
        "Share with a repeat",
    ]
    assert rows == [
        ["North East (the reference)", "200", "60", "30.0%"],
        ["RX2", "40", "20", "50.0%"],
        ["RX1", "60", "15", "25.0%"],
        ["RX3", "20", "suppressed", "suppressed"],
        ["RX4", "0", "0", "no patient followed up for 12 months"],
    ]
    assert "Patients with a repeat within 12 months, by provider, 2023/24</h3>" in html
    caption = caption_of(html, "chart-repeat-share")
    for words in (
        "The dashed line is the share for North East (60 of 200, 30.0%)",
        "Counts from 1 to 7 are suppressed and every other count is rounded to the nearest 5",
        "secondary suppression",
        "the share is computed from the rounded counts",
        "Only patients whose 12 months (365 days) of follow-up the extract holds count",
        "on the same day, or overlapping, are one episode",
        "a repeat at another provider counts for the provider of the first",
        "1 provider with a suppressed count: no bar.",
    ):
        assert words in caption.replace("&#39;", "'"), f"the caption does not say {words!r}"
    # The section: both charts under one heading, each with its table.
    group = re.search(
        r'<div class="chart-group" id="repeat-procedures">(.*?)<section id="about">', html, re.S
    )
    assert group and '<h2 class="chart-group-title">Repeat procedures</h2>' in group.group(1)
    assert group.group(1).count('<section class="chart-section"') == 2
    assert re.search(r"</section>\s*</div>\s*$", group.group(1)), "the group is not closed"


def test_a_provider_share_is_left_out_wherever_a_count_is_suppressed():
    """A suppressed followed-up count leaves no share either, even beside a published
    repeat count; the coverage's share unpublished draws no line and the caption says so;
    with every provider suppressed, the chart says there is nothing to draw."""
    repeats = [
        *repeat_rows(None, 200, None, months={1: None, 2: None}),
        *repeat_rows("RX1", None, 15),
        *repeat_rows("RX2", 40, 20),
    ]
    html = render_html(hand_made_marts(repeats=repeats))
    chart = figures(html)["chart-repeat-share"]
    [bars] = chart["data"]
    assert bars["y"] == ["RX2"] and bars["text"] == ["20 of 40, 50.0%"]
    assert not shapes(chart)
    assert {a["y"]: a["text"] for a in chart["layout"]["annotations"]} == {"RX1": "suppressed"}
    assert "is not published (suppressed)" in caption_of(html, "chart-repeat-share")
    _, rows = chart_table(html, "chart-repeat-share")
    assert rows[0][1:] == ["200", "suppressed", "suppressed"]
    assert rows[2] == ["RX1", "suppressed", "15", "suppressed"]

    every_provider_suppressed = [
        *repeat_rows(None, 200, 60, months={1: 60}),
        *repeat_rows("RX1", 20, None),
        *repeat_rows("RX2", None, None),
    ]
    html = render_html(hand_made_marts(repeats=every_provider_suppressed))
    chart = figures(html)["chart-repeat-share"]
    assert annotation_texts(chart) == [
        "Every provider's share is suppressed in 2023/24: nothing to draw"
    ]
    assert not chart["data"] and not shapes(chart)
    assert chart["layout"]["xaxis"]["visible"] is False
    assert "2 providers with a suppressed count" in caption_of(html, "chart-repeat-share")


def test_a_provider_share_needs_20_followed_up_patients():
    """Both counts are rounded to 5, so over fewer than 20 followed-up patients a share could
    mislead (15 of 15 may be 13 of 16): no bar, and the table says why."""
    repeats = [
        *repeat_rows(None, 200, 60, months={1: 60}),
        *repeat_rows("RX1", 15, 15),
        *repeat_rows("RX2", 20, 10),
    ]
    html = render_html(hand_made_marts(repeats=repeats))
    [bars] = figures(html)["chart-repeat-share"]["data"]
    assert bars["y"] == ["RX2"] and bars["text"] == ["10 of 20, 50.0%"]
    _, rows = chart_table(html, "chart-repeat-share")
    assert rows[2] == ["RX1", "15", "15", "fewer than 20 followed up: no share"]


def test_the_repeat_charts_headline_the_latest_year_followed_up_whole():
    """A later year whose follow-up the extract only begins to hold (25 of its 190 patients,
    from a stray later spell or a part-year) is not headlined over a year whose patients are
    all followed up for 12 months."""
    repeats = [
        *repeat_rows(None, 200, 60, months={1: 60}),
        *repeat_rows(None, 25, 10, year="2024/25", treated=190, months={1: 10}),
    ]
    html = render_html(hand_made_marts(repeats=repeats))
    assert "Patients with a repeat within 12 months, by provider, 2023/24</h3>" in html
    only_part_followed = [
        *repeat_rows(None, 25, 10, year="2024/25", treated=190, months={1: 10}),
    ]
    html = render_html(hand_made_marts(repeats=only_part_followed))
    assert "Patients with a repeat within 12 months, by provider, 2024/25</h3>" in html


@pytest.mark.parametrize(
    "repeats",
    [
        repeat_rows(None, 0, 0, year="2024/25", followed_up_6=90, repeat_6=25),
        [
            *repeat_rows(None, 0, 0, year="2024/25", followed_up_6=90, repeat_6=25),
            *repeat_rows("RX1", 0, 0, year="2024/25", treated=50, followed_up_6=None),
        ],
    ],
    ids=["the coverage only", "with a provider"],
)
def test_a_year_with_no_patient_followed_up_for_12_months_has_no_share(repeats: list[dict]):
    """No patient has 12 months of follow-up: neither chart draws a share of 0%, each says
    why, and the summary says so, with the 6-month figures it has."""
    html = render_html(hand_made_marts(repeats=repeats))
    drawn = figures(html)
    for chart in ("chart-repeat-share", "chart-repeat-interval"):
        assert annotation_texts(drawn[chart]) == [
            "No patient has 12 months of follow-up in this extract yet"
        ], chart
        assert not drawn[chart]["data"] and not shapes(drawn[chart]), chart
        assert drawn[chart]["layout"]["yaxis"]["visible"] is False, chart
    assert "0.0%" not in page_text(html)
    assert (
        "No patient has 12 months of follow-up in this extract yet, so no share with a repeat "
        "within 12 months. In 2024/25, 200 patients were treated, none yet followed up for 12 "
        "months; of 90 followed up for 6 months, 25 (27.8%) had another within 6 months."
    ) in html
    # Beside a year whose patients are followed up, that year is drawn, and the later one
    # is said to be not yet followed up.
    html = render_html(hand_made_marts(repeats=[*REPEATS, *repeats]))
    assert "Patients with a repeat within 12 months, by provider, 2023/24</h3>" in html
    assert "Months to the repeat, all 3 commissioners in the extract, 2023/24</h3>" in html
    assert "In 2024/25, 200 patients were treated, none yet followed up for 12 months" in html


def test_no_patient_at_all_says_so():
    html = render_html(hand_made_marts(repeats=[]))
    drawn = figures(html)
    for chart in ("chart-repeat-share", "chart-repeat-interval"):
        assert annotation_texts(drawn[chart]) == [
            "No flagged spell with a patient number in this period"
        ]
    assert "Repeat procedures: no flagged spell in this period, so no repeat to count." in html


def test_the_interval_histogram_draws_published_months_only():
    """A bar, labelled with its count, for each published month of the coverage (0 is
    published); a suppressed month has no bar and says so where it would stand; the caption
    gives the median and what a month means; the table lists every month and the total."""
    html = render_html(hand_made_marts(coverage_label="North East"))
    chart = figures(html)["chart-repeat-interval"]
    [bars] = chart["data"]
    published = {month: count for month, count in REPEAT_MONTHS.items() if count is not None}
    expected = published | {month: 0 for month in range(6, 13)}
    assert dict(zip(bars["x"], bars["y"], strict=True)) == expected
    assert bars["text"] == [f"{expected[month]:,}" for month in bars["x"]]
    assert set(bars["width"]) == {0.8}
    suppressed = [a for a in chart["layout"]["annotations"] if a["text"] == "suppressed"]
    assert sorted(a["x"] for a in suppressed) == [2, 4]
    assert all(a["y"] == 0 for a in suppressed)
    caption = caption_of(html, "chart-repeat-interval")
    for words in (
        "The median interval was 143 days.",
        "month 1 is days 1 to 30, month 6 days 153 to 182 and month 12 days 335 to 365",
        "Only a published month has a bar; 2 months suppressed.",
        "Counts from 1 to 7 are suppressed",
    ):
        assert words in caption, f"the caption does not say {words!r}"
    assert "Months to the repeat, North East, 2023/24</h3>" in html
    _, rows = chart_table(html, "chart-repeat-interval")
    assert rows[0] == ["1", "1 to 30", "10"] and rows[1] == ["2", "31 to 60", "suppressed"]
    assert rows[5] == ["6", "153 to 182", "0"] and rows[11] == ["12", "335 to 365", "0"]
    assert rows[12] == ["1 to 12 (within 12 months)", "1 to 365", "60"]
    # The months' days are the mart's: the month is days × 12 / 365, rounded up.
    days = [tuple(map(int, row[1].split(" to "))) for row in rows[:12]]
    for month, (first, last) in enumerate(days, start=1):
        assert math.ceil(first * 12 / 365) == math.ceil(last * 12 / 365) == month
        assert math.ceil((first - 1) * 12 / 365) == month - 1
    assert days[-1][1] == 365


@pytest.mark.parametrize(
    ("months", "total", "message"),
    [
        (
            {month: None for month in range(1, 13)},
            60,
            "Every month's count is suppressed: nothing to draw",
        ),
        ({1: None, 2: None}, 10, "No repeat to draw: 2 months suppressed, the others 0"),
        ({}, 0, "No patient followed up had a repeat within 12 months in 2023/24"),
    ],
    ids=["every month suppressed", "some suppressed, the others 0", "no repeat"],
)
def test_an_interval_histogram_with_nothing_to_draw_says_so(months, total, message):
    repeats = repeat_rows(None, 200, total, months=months)
    chart = figures(render_html(hand_made_marts(repeats=repeats)))["chart-repeat-interval"]
    assert annotation_texts(chart) == [message]
    assert not chart["data"]
    assert chart["layout"]["xaxis"]["visible"] is False


def test_the_repeat_narrative_gives_published_numbers_only():
    """The summary's paragraph: the year drawn, with the coverage's published counts and
    shares from them, the median, the 6-month figures and the spells with no patient number;
    a suppressed count is "a suppressed number", never a share."""
    html = render_html(hand_made_marts(coverage_label="North East"))
    assert (
        "Repeat procedures, for North East (a repeat is counted only for a patient the extract "
        "follows up for the whole window). In 2023/24, 200 patients were treated and 200 were "
        "followed up for 12 months, of whom 60 (30.0%) had another procedure within 12 months, "
        "a median of 143 days after the first; of 200 followed up for 6 months, 35 (17.5%) had "
        "another within 6 months."
    ) in html
    suppressed = repeat_rows(None, 200, None, treated=None, repeat_6=None)
    html = render_html(hand_made_marts(repeats=suppressed))
    assert (
        "In 2023/24, a suppressed number of patients were treated and 200 were followed up for "
        "12 months, of whom a suppressed number had another procedure within 12 months; of 200 "
        "followed up for 6 months, a suppressed number had another within 6 months."
    ) in html
