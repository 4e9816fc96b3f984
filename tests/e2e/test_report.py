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

import math
import re
from pathlib import Path

import pytest

from apcs_extract.cli import main as write_demo_extract
from rfd_back_report.charts import CRITERION_LABELS, month_label
from rfd_back_report.funnel import control_limits, poisson_quantile_interpolated
from rfd_back_report.published import load_published_marts
from rfd_back_report.render import render as render_html
from support.browser import SCREENSHOT_DIR, headless_chromium_page
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
    [(rule_version, built_at, location)] = demo_project.query(
        "select rule_version, built_at, extract_location from main.rpt_rfd_back_build_information"
    )
    for text in (
        f"Rule version {rule_version}",
        built_at,
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
