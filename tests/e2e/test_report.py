"""The HTML report (`make report`): built on the demo extract, one self-contained file, every
chart present, and nothing on it that disclosure control withholds.

The project is built on the demo extract (the Makefile's size and seed), and the report is
rendered through `python -m rfd_back_report`. To prove that no suppressed cell reaches the
page, the published marts are then rebuilt with a suppression threshold of 40, so that many
cells the report draws are suppressed, and the report rendered again: every number it embeds
is checked against the marts, cell by cell. A headless Chromium (Debian's, through
Playwright) opens the report with the network refused and saves a screenshot under
target/test-output.
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
    month_label,
)
from rfd_back_report.funnel import control_limits, poisson_quantile_interpolated
from rfd_back_report.published import load_published_marts
from rfd_back_report.render import render as render_html
from support.browser import SCREENSHOT_DIR, headless_chromium_page
from support.colour_vision import closest_pair, delta_e_2000, lab
from support.project import PROJECT_DIR, DbtProject, release_duckdb_database
from support.report import figures, render, use_project

CHARTS = ["chart-trend", "chart-attrition", "chart-funnel", "chart-coding-variation"]
HIGH_THRESHOLD = "{disclosure_suppression_threshold: 40}"
PUBLISHED_MARTS = (
    "rpt_rfd_back_activity rpt_rfd_back_attrition rpt_rfd_back_rates "
    "rpt_rfd_back_coding_variation rpt_apcs_data_quality"
)


def demo_make_variable(name: str) -> str:
    """The demo extract's size or seed, as the Makefile sets it."""
    makefile = (PROJECT_DIR / "Makefile").read_text()
    return re.search(rf"^{name} \?= (\S+)$", makefile, re.M).group(1)


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory) -> DbtProject:
    work_dir = tmp_path_factory.mktemp("report")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / "demo")
    write_demo_extract(
        ["--spells", demo_make_variable("DEMO_SPELLS"), "--seed", demo_make_variable("DEMO_SEED"),
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


@pytest.fixture(scope="module")
def suppressed_report(demo_project: DbtProject, demo_report: str) -> tuple[str, DbtProject]:
    """The report on marts rebuilt with a threshold of 40 (the demo report is rendered
    first, on the default marts)."""
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
        "The extract covers activity from Apr 2023 to Mar 2024",
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

    # Funnel plot: only commissioners with a published count and rate, at that rate.
    rates = {
        code: (count, float(rate) if rate is not None else None)
        for code, count, rate in project.query(
            "select organisation_code, spells_flagged, standardised_rate_per_100000"
            " from main.rpt_rfd_back_rates where organisation_type = 'commissioner'"
        )
    }
    hidden = [code for code, (count, _) in rates.items() if count is None]
    suppressed_total += len(hidden)
    markers = {"data": [t for t in drawn["chart-funnel"]["data"] if t.get("mode") == "markers"]}
    points = {code: rate for _, code, rate in plotted(markers, "text", "y")}
    assert points == {code: rate for code, (count, rate) in rates.items() if count is not None}
    assert f"{len(hidden)} commissioner(s) not shown" in html

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
) -> dict[str, list[dict]]:
    """Published marts as `rfd_back_report_data` hands them over: one financial year
    (2023/24, 12,000 spells screened), England's monthly counts (`monthly`, by `YYYYMM`; a
    month left out has no flagged spell), a yearly row for each of three commissioners, the
    rates (`rates`, England's first), the coding variation (`variation`, by coding)."""
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
        "rpt_apcs_data_quality": [],
    }


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
    assert "1 month(s) suppressed" in message and message != "No flagged spells in this period"
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
    assert "1 commissioner(s) not shown" in html


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
