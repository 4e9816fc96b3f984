"""The report as one self-contained HTML file: the template (templates/report.html.j2), the
charts as plotly figures, and plotly.js itself inlined, so it opens with no network."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from plotly.offline import get_plotlyjs

from rfd_back_report import charts
from rfd_back_report.coverage import Coverage, coverage
from rfd_back_report.narrative import narrative
from rfd_back_report.published import Rows

TEMPLATES = Path(__file__).with_name("templates")


def script_json(value) -> str:
    """JSON safe inside a <script> element: no `</` to end it early."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("</", "<\\/")


MARKUP_TAG = re.compile(r"<[^<>]*>")


def plain_text(value):
    """A value of a mart as the report may draw it: text without markup. Plotly renders
    some HTML tags in labels, hover text and legends (`<a href>` as a link, `<b>`, `<br>`),
    so every tag is removed, then any `<` or `>` left; other values are returned as they are.
    The marts publish only labels of their own shape (decision register D19), but free text
    such as the population's source is the analytics team's, and the report does not rely
    on it."""
    if not isinstance(value, str):
        return value
    return MARKUP_TAG.sub("", value).replace("<", "").replace(">", "")


def plain_text_marts(marts: dict[str, Rows]) -> dict[str, Rows]:
    """Every text value of every mart as `plain_text`."""
    return {
        mart: [{column: plain_text(value) for column, value in row.items()} for row in rows]
        for mart, rows in marts.items()
    }


def table_cell(value) -> str:
    """A table cell's text: a count with thousands separators, a rate to one decimal place
    (`charts.Rate`), a share as a percentage to one decimal place (`charts.Share`), text as
    it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}"


def is_numeric_cell(value) -> bool:
    """Right-aligned in the tables: counts, populations, rates and shares."""
    return isinstance(value, charts.Rate | charts.Share) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def build_charts(marts: dict[str, Rows], covered: Coverage) -> list[charts.Chart]:
    screened_years = {
        row["financial_year"]
        for row in marts["rpt_rfd_back_attrition"]
        if row["step_number"] == 0 and row["spells_remaining"]
    }
    drawn = [
        charts.trend(marts["rpt_rfd_back_activity"], screened_years, covered),
        charts.attrition(marts["rpt_rfd_back_attrition"]),
    ]
    if marts.get("rpt_rfd_back_rates"):  # none without a population table
        drawn.append(charts.funnel_plot(marts["rpt_rfd_back_rates"], covered))
    drawn.append(charts.coding_variation(marts["rpt_rfd_back_coding_variation"], covered))
    repeats = marts["rpt_rfd_back_repeat_procedures"]
    drawn += [charts.repeat_share(repeats, covered), charts.repeat_intervals(repeats, covered)]
    return drawn


def render(marts: dict[str, Rows], rendered_at: datetime | None = None) -> str:
    """The report's HTML, from the marts' values as plain text (`plain_text`): every chart
    category, axis label, hover text, table cell and sentence is drawn from them."""
    marts = plain_text_marts(marts)
    information = (marts.get("rpt_rfd_back_build_information") or [{}])[0]
    covered = coverage(marts, information)
    drawn = build_charts(marts, covered)
    funnel = next((chart for chart in drawn if chart.chart_id == "chart-funnel"), None)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["script_json"] = script_json
    environment.filters["table_cell"] = table_cell
    environment.tests["numeric_cell"] = is_numeric_cell
    return environment.get_template("report.html.j2").render(
        charts=drawn,
        figures={chart.chart_id: chart.figure.to_json() for chart in drawn},
        paragraphs=narrative(marts, information, funnel, covered),
        information=information,
        coverage=covered,
        rendered_at=(rendered_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        plotly_js=get_plotlyjs(),
    )
