"""The report as one self-contained HTML file: the template (templates/report.html.j2), the
charts as plotly figures, and plotly.js itself inlined, so it opens with no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from plotly.offline import get_plotlyjs

from rfd_back_report import charts
from rfd_back_report.narrative import narrative
from rfd_back_report.published import Rows

TEMPLATES = Path(__file__).with_name("templates")


def script_json(value) -> str:
    """JSON safe inside a <script> element: no `</` to end it early."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("</", "<\\/")


def build_charts(marts: dict[str, Rows]) -> list[charts.Chart]:
    screened_years = {
        row["financial_year"]
        for row in marts["rpt_rfd_back_attrition"]
        if row["step_number"] == 0 and row["spells_remaining"]
    }
    drawn = [
        charts.trend(marts["rpt_rfd_back_activity"], screened_years),
        charts.attrition(marts["rpt_rfd_back_attrition"]),
    ]
    if marts.get("rpt_rfd_back_rates"):  # none without a population table
        drawn.append(charts.funnel_plot(marts["rpt_rfd_back_rates"]))
    drawn.append(charts.coding_variation(marts["rpt_rfd_back_coding_variation"]))
    return drawn


def render(marts: dict[str, Rows], rendered_at: datetime | None = None) -> str:
    """The report's HTML."""
    drawn = build_charts(marts)
    funnel = next((chart for chart in drawn if chart.chart_id == "chart-funnel"), None)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["script_json"] = script_json
    information = (marts.get("rpt_rfd_back_build_information") or [{}])[0]
    return environment.get_template("report.html.j2").render(
        charts=drawn,
        figures={chart.chart_id: chart.figure.to_json() for chart in drawn},
        paragraphs=narrative(marts, information, funnel),
        information=information,
        rendered_at=(rendered_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        plotly_js=get_plotlyjs(),
    )
