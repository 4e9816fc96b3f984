"""The report's charts (the trend, the attrition, the funnel plot, the coding variation and
the two of the repeat procedures), drawn with plotly from the published marts only. Each chart
keeps the published rows it drew, shown as a table under it, so every number on the page
can be traced to a published cell."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import plotly.graph_objects as go

from rfd_back_report.coverage import Coverage
from rfd_back_report.funnel import control_limits, population_grid
from rfd_back_report.published import Rows

# NHS identity colours.
NHS_BLUE, NHS_DARK_BLUE, NHS_AQUA_GREEN = "#005EB8", "#003087", "#00A499"
NHS_WARM_YELLOW, NHS_RED, NHS_DARK_GREY, NHS_MID_GREY = "#FFB81C", "#DA291C", "#425563", "#768692"
SERIES_COLOURS = [NHS_BLUE, NHS_AQUA_GREEN, NHS_WARM_YELLOW, NHS_DARK_BLUE, NHS_MID_GREY]
SUPPRESSED = "suppressed"
NO_FLAGGED_SPELLS = "No flagged spells in this period"

# The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008), designed to stay
# distinguishable with each kind of colour-vision deficiency.
OKABE_ITO_VERMILLION, OKABE_ITO_YELLOW, OKABE_ITO_GREY = "#D55E00", "#F0E442", "#999999"
OKABE_ITO_SKY_BLUE, OKABE_ITO_BLUE = "#56B4E9", "#0072B2"

CRITERION_LABELS = {
    "all_spells": "All spells",
    "has_rfd_dominant_procedure": "1. RFD dominant procedure",
    "has_lumbar_site_code": "2. Lumbar site code",
    "has_back_pain_primary_diagnosis": "3. Back pain primary diagnosis",
    "is_age_in_range": "4. Age in range",
    "is_non_emergency_admission": "5. Not an emergency admission",
    "has_no_cancer_diagnosis": "6. No cancer diagnosis",
    "is_not_private_patient": "7. Not a private patient",
}
CODING_LABELS = {
    "ebi_rule": "EBI rule 2K_RFD_back",
    "v486_with_y114": "Coding variation: V48.6 with Y11.4",
    "rhizotomy": "Coding variation: rhizotomy (A57.2, A57.3)",
}
MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass
class Chart:
    """One chart: its figure, and the published rows it drew as a table. Charts of one
    `group` stand together in the report, under the group's heading."""

    chart_id: str
    title: str
    caption: str
    figure: go.Figure
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    group: str | None = None


def counted(number: int, noun: str) -> str:
    """`number` and `noun`, plural unless the number is 1: "1 commissioner", "3 months"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def shown(value) -> object:
    """A published value as the tables show it: a suppressed cell says so."""
    return SUPPRESSED if value is None else value


@dataclass(frozen=True)
class Rate:
    """A rate per 100,000 as the tables show it: one decimal place, whatever the number the
    mart hands over (a standardised rate rounded to a step of 3.0 arrives as `6`)."""

    value: float

    def __str__(self) -> str:
        return f"{self.value:,.1f}"


def rate(value) -> Rate | str:
    """A published rate as the tables show it: a suppressed one says so."""
    return SUPPRESSED if value is None else Rate(float(value))


def nothing_to_draw(figure: go.Figure, message: str) -> go.Figure:
    """A chart with nothing to draw says so, in its middle, with no axes: an empty plotly
    chart would draw an axis from -1 to 1. Any annotation or line the chart had is removed
    (`update_layout` would merge the message into the first annotation and keep the rest)."""
    figure.layout.annotations = ()
    figure.layout.shapes = ()
    figure.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        showlegend=False,
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 18, "color": NHS_DARK_GREY},
            }
        ],
    )
    return figure


def is_month(value) -> bool:
    """A month written `YYYYMM` (01 to 12)."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", value) is not None


def month_label(month: str) -> str:
    return f"{MONTH_NAMES[int(month[4:]) - 1]} {month[:4]}"


def financial_year_of(month: str) -> str:
    year = int(month[:4]) - (1 if int(month[4:]) < 4 else 0)
    return f"{year}/{(year + 1) % 100:02d}"


def layout(figure: go.Figure, **extra) -> go.Figure:
    """The report's common layout, with `extra` settings of the chart's own."""
    settings = {
        "template": "plotly_white",
        "font": {"family": "Arial, Helvetica, sans-serif", "size": 13, "color": NHS_DARK_GREY},
        "margin": {"l": 60, "r": 30, "t": 30, "b": 60},
        "legend": {"orientation": "h", "y": -0.18},
        "height": 420,
    }
    figure.update_layout(**(settings | extra))
    return figure


def trend(activity: Rows, screened_years: set[str], coverage: Coverage) -> Chart:
    """Flagged spells in the extract's coverage by activity month, a bar series per
    financial year. A month with no flagged spell is absent from the mart: it is drawn as 0
    when its financial year has spells screened (a published, non-zero count in the
    attrition), and not at all otherwise, so a stray old spell does not draw years of zeros.
    With no month above 0 to draw, the chart says so instead of drawing empty axes."""
    published = {
        row["period"]: row["spells_flagged"]
        for row in activity
        if row["period_type"] == "month"
        and row["organisation_type"] == "england"
        and row["breakdown"] == "all"
        and is_month(row["period"])
    }
    filled = {
        f"{int(year[:4]) + (month < 4)}{month:02d}"
        for year in screened_years
        if re.fullmatch(r"[0-9]{4}/[0-9]{2}", year)
        for month in range(1, 13)
    }
    months = sorted(set(published) | filled)
    figure = go.Figure()
    rows = []
    for index, year in enumerate(sorted({financial_year_of(month) for month in months})):
        in_year = [month for month in months if financial_year_of(month) == year]
        counts = [published.get(month, 0) for month in in_year]
        figure.add_trace(
            go.Bar(
                name=year,
                x=[month_label(month) for month in in_year],
                y=counts,
                marker_color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                hovertemplate="%{x}: %{y} spells<extra>" + year + "</extra>",
            )
        )
        rows += [
            [year, month_label(month), shown(count)]
            for month, count in zip(in_year, counts, strict=True)
        ]
    layout(figure, yaxis_title="Flagged spells", xaxis_title="Activity month")
    suppressed = sum(row[2] == SUPPRESSED for row in rows)
    if not any(row[2] != SUPPRESSED and row[2] > 0 for row in rows):
        # Nothing above 0 to draw: the bars (zeros) would draw an axis from -1 to 1.
        figure.data = ()
        if not suppressed:
            message = NO_FLAGGED_SPELLS
        elif suppressed == len(rows):
            message = "Every month's count is suppressed: nothing to draw"
        else:
            message = (
                f"No flagged spells to draw: {counted(suppressed, 'month')} suppressed,"
                " the others 0"
            )
        nothing_to_draw(figure, message)
    return Chart(
        "chart-trend",
        f"Flagged spells by month, {coverage.name}",
        f"Spells flagged 2K_RFD_back in each activity month, for {coverage.name}, by "
        "financial year."
        + (f" {counted(suppressed, 'month')} suppressed, not drawn." if suppressed else ""),
        figure,
        ["Financial year", "Month", "Flagged spells"],
        rows,
    )


def attrition(steps: Rows) -> Chart:
    """The spells left after each criterion, in the published order, from the spells with an
    RFD dominant procedure (step 1) to the flagged ones, a funnel per financial year. Step 0,
    every spell in the extract, is in the table and the narrative: it would dwarf the rest."""
    figure = go.Figure()
    rows = []
    years = sorted({row["financial_year"] for row in steps})
    for index, year in enumerate(years):
        in_year = sorted(
            (row for row in steps if row["financial_year"] == year),
            key=lambda row: row["step_number"],
        )
        shown_steps = [row for row in in_year if row["step_number"] >= 1]
        figure.add_trace(
            go.Funnel(
                name=year,
                y=[CRITERION_LABELS.get(row["criterion"], row["criterion"]) for row in shown_steps],
                x=[row["spells_remaining"] for row in shown_steps],
                textinfo="value+percent initial",
                marker={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)]},
            )
        )
        rows += [
            [
                year,
                CRITERION_LABELS.get(row["criterion"], row["criterion"]),
                shown(row["spells_remaining"]),
                shown(row["spells_removed"]),
            ]
            for row in in_year
        ]
    layout(figure, height=460, margin={"l": 230, "r": 30, "t": 30, "b": 60})
    return Chart(
        "chart-attrition",
        "Attrition: spells left after each criterion",
        "From the spells whose dominant procedure is radiofrequency denervation (criterion 1) "
        "to those meeting every criterion (flagged), with the share of criterion 1 left.",
        figure,
        ["Financial year", "Criterion", "Spells remaining", "Spells removed"],
        rows,
    )


def classify(rate: float, limits: dict[str, tuple[float, float]]) -> str:
    low_998, high_998 = limits["99.8%"]
    low_95, high_95 = limits["95%"]
    if rate > high_998:
        return "Above the 99.8% limit"
    if rate > high_95:
        return "Above the 95% limit"
    if rate < low_998:
        return "Below the 99.8% limit"
    if rate < low_95:
        return "Below the 95% limit"
    return "Within the 95% limits"


@dataclass(frozen=True)
class MarkerStyle:
    colour: str
    symbol: str


# Each position its own colour and its own shape, so that neither alone carries the meaning:
# a diverging Okabe-Ito scheme (warm above, grey within, blue below), darker the further out,
# and triangles pointing the way a point lies outside the 99.8% limits. Every marker has a dark
# outline, so that the light fills (yellow, grey) stand out from the white background.
# tests/e2e/test_report.py checks that the colours stay apart with each simulated dichromacy.
POSITION_STYLES = {
    "Above the 99.8% limit": MarkerStyle(OKABE_ITO_VERMILLION, "triangle-up"),
    "Above the 95% limit": MarkerStyle(OKABE_ITO_YELLOW, "diamond"),
    "Within the 95% limits": MarkerStyle(OKABE_ITO_GREY, "circle"),
    "Below the 95% limit": MarkerStyle(OKABE_ITO_SKY_BLUE, "square"),
    "Below the 99.8% limit": MarkerStyle(OKABE_ITO_BLUE, "triangle-down"),
}
MARKER_OUTLINE = NHS_DARK_GREY
CRUDE_RATE = "Crude rate per 100,000"
STANDARDISED_RATE = "Age- and sex-standardised rate per 100,000 (ESP 2013)"


def latest_year(rates: Rows) -> str | None:
    years = [row["financial_year"] for row in rates if row["organisation_type"] == "england"]
    return max(years) if years else None


def funnel_plot(rates: Rows, coverage: Coverage) -> Chart:
    """Each commissioner's directly age- and sex-standardised rate against its population,
    in the latest financial year, around the rate for the whole coverage with 95% and 99.8%
    control limits. Commissioners whose count is suppressed have no published rate and are
    not drawn. The table gives both rates, crude and standardised, the coverage's first."""
    year = latest_year(rates)
    in_year = [row for row in rates if row["financial_year"] == year]
    england = next((row for row in in_year if row["organisation_type"] == "england"), None)
    commissioners = [row for row in in_year if row["organisation_type"] == "commissioner"]
    drawn = [row for row in commissioners if row["standardised_rate_per_100000"] is not None]
    figure = go.Figure()
    rows = []
    target = england["standardised_rate_per_100000"] if england else None
    if england:
        rows.append(
            [
                f"{coverage.title} (the reference)",
                england["population"],
                shown(england["spells_flagged"]),
                rate(england["crude_rate_per_100000"]),
                rate(target),
                "Reference rate",
            ]
        )
    if target is not None and drawn:
        grid = population_grid(
            min(row["population"] for row in drawn), max(row["population"] for row in drawn)
        )
        curves = [control_limits(target, population) for population in grid]
        for name, dash in (("99.8%", "dot"), ("95%", "dash")):
            for side, label in ((1, "upper"), (0, "lower")):
                figure.add_trace(
                    go.Scatter(
                        x=grid,
                        y=[curve[name][side] for curve in curves],
                        mode="lines",
                        line={"color": NHS_MID_GREY, "dash": dash, "width": 1.5},
                        name=f"{name} control limits",
                        legendgroup=name,
                        showlegend=side == 1,
                        hovertemplate=f"{name} {label} limit: %{{y:.1f}}<extra></extra>",
                    )
                )
        figure.add_trace(
            go.Scatter(
                x=[grid[0], grid[-1]],
                y=[target, target],
                mode="lines",
                line={"color": NHS_DARK_GREY, "width": 2},
                name=f"{coverage.title}: {target:.1f} per 100,000",
                hoverinfo="skip",
            )
        )
        positions: dict[str, list[dict]] = {}
        for row in sorted(drawn, key=lambda row: row["organisation_code"]):
            limits = control_limits(target, row["population"])
            position = classify(row["standardised_rate_per_100000"], limits)
            positions.setdefault(position, []).append(row)
            rows.append(
                [
                    row["organisation_code"],
                    row["population"],
                    shown(row["spells_flagged"]),
                    rate(row["crude_rate_per_100000"]),
                    rate(row["standardised_rate_per_100000"]),
                    position,
                ]
            )
        for position, style in POSITION_STYLES.items():
            if position in positions:
                points = positions[position]
                figure.add_trace(
                    go.Scatter(
                        x=[row["population"] for row in points],
                        y=[row["standardised_rate_per_100000"] for row in points],
                        text=[row["organisation_code"] for row in points],
                        mode="markers",
                        marker={
                            "color": style.colour,
                            "symbol": style.symbol,
                            "size": 12,
                            "line": {"color": MARKER_OUTLINE, "width": 1},
                        },
                        name=position,
                        hovertemplate="%{text}: %{y:.1f} per 100,000, population %{x:,.0f}"
                        "<extra></extra>",
                    )
                )
    layout(
        figure,
        height=480,
        xaxis={"title": {"text": "Population (log scale)"}, "type": "log"},
        yaxis={"title": {"text": "Age-sex standardised rate per 100,000"}, "rangemode": "tozero"},
    )
    if target is None:
        nothing_to_draw(
            figure,
            f"No published rate for {coverage.name} in {year}: nothing to compare with"
            if year
            else "No rates published",
        )
    elif not drawn:
        nothing_to_draw(figure, f"No commissioner has a published rate in {year}")
    hidden = len(commissioners) - len(drawn)
    return Chart(
        "chart-funnel",
        f"Variation between commissioners, {year or 'no rates'}",
        "Each commissioner's rate of flagged spells per 100,000 population, directly age- and "
        "sex-standardised to the European Standard Population 2013 and rounded to a multiple "
        "of its step (decision D14), against its population. Lines: the standardised rate for "
        f"{coverage.name} and its 95% and 99.8% control limits (exact Poisson, interpolated). "
        "A point outside the 99.8% limits is unlikely to be chance alone. The table gives both "
        "rates, to one decimal place: the crude rate (flagged spells per 100,000 population, "
        "from the published count) and the standardised rate the chart draws."
        + (
            f" {counted(hidden, 'commissioner')} not shown: their count is suppressed, so no"
            " rate is published."
            if hidden
            else ""
        ),
        figure,
        ["Commissioner", "Population", "Flagged spells", CRUDE_RATE, STANDARDISED_RATE, "Position"],
        rows,
    )


# Grouped bars: the share of each category's width the group takes (plotly's default), set
# here because the "suppressed" labels are placed by it.
BAR_GROUP_WIDTH = 0.8


def suppressed_bar_label(x: float) -> dict:
    """The word "suppressed" standing up from the axis where a vertical bar's published
    count is suppressed (no bar is drawn), at `x` on the category axis."""
    return {
        "text": SUPPRESSED,
        "x": x,
        "xref": "x",
        "y": 0,
        "yref": "y",
        "yanchor": "bottom",
        "textangle": -90,
        "showarrow": False,
        "font": {"size": 12, "color": NHS_DARK_GREY},
    }


def bar_label(count) -> str:
    """The text on a bar: the published count, or "suppressed"."""
    return SUPPRESSED if count is None else f"{count:,}"


def coding_variation(variation: Rows, coverage: Coverage) -> Chart:
    """The EBI count for the coverage beside the counts coded with the alternatives the
    guidance lists, by financial year, each bar labelled with its published count. A
    suppressed count has no bar: its label stands at the foot of where the bar would be."""
    england = [
        row
        for row in variation
        if row["organisation_type"] == "england" and row["coding_variation"] != "all"
    ]
    years = sorted({row["financial_year"] for row in england})
    series = ["ebi_rule"] + sorted(
        {row["coding_variation"] for row in england if row["coding"] == "coding_variation"}
    )
    figure = go.Figure()
    rows = []
    annotations = []
    for index, name in enumerate(series):
        counts = {
            row["financial_year"]: row["spells"]
            for row in england
            if (row["coding"] == "ebi_rule" and name == "ebi_rule")
            or row["coding_variation"] == name
        }
        label = CODING_LABELS.get(name, name.replace("_", " "))
        values = [counts.get(year) for year in years]
        figure.add_trace(
            go.Bar(
                name=label,
                x=years,
                y=values,
                text=[bar_label(value) for value in values],
                textposition="outside",
                cliponaxis=False,
                marker_color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                hovertemplate="%{x}: %{y} spells<extra>" + label + "</extra>",
            )
        )
        # A bar of a group of n is centred BAR_GROUP_WIDTH * ((index + 0.5) / n - 0.5) from
        # its category, a category axis placing category k at k.
        offset = BAR_GROUP_WIDTH * ((index + 0.5) / len(series) - 0.5)
        annotations += [
            suppressed_bar_label(position + offset)
            for position, value in enumerate(values)
            if value is None
        ]
        rows += [[year, label, shown(counts.get(year))] for year in years]
    layout(
        figure,
        barmode="group",
        bargap=1 - BAR_GROUP_WIDTH,
        bargroupgap=0,
        yaxis={"title": {"text": "Spells"}, "rangemode": "tozero"},
        xaxis={
            "title": {"text": "Financial year"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": years,
        },
        annotations=annotations,
    )
    if not years:
        nothing_to_draw(figure, "No coding-variation counts in this period")
    return Chart(
        "chart-coding-variation",
        f"EBI count beside the coding variations, {coverage.name}",
        "Spells flagged by the rule, beside spells meeting every other criterion but coded "
        "with an alternative the guidance lists (decision D15), each bar labelled with its "
        "published count. The variations are never part of the EBI count.",
        figure,
        ["Financial year", "Coding", "Spells"],
        rows,
    )


# Repeat procedures (rpt_rfd_back_repeat_procedures, decision D21): one row per count, by
# `measure`; the twelve interval months by `interval_month`.
PATIENTS_TREATED = "patients_treated"
FOLLOWED_UP_6_MONTHS = "patients_followed_up_6_months"
REPEAT_WITHIN_6_MONTHS = "patients_repeat_within_6_months"
FOLLOWED_UP_12_MONTHS = "patients_followed_up_12_months"
REPEAT_WITHIN_12_MONTHS = "patients_repeat_within_12_months"
REPEAT_IN_INTERVAL_MONTH = "patients_repeat_in_interval_month"
REPEAT_PROCEDURES = "Repeat procedures"
NO_FOLLOW_UP = "No patient has 12 months of follow-up in this extract yet"
NO_PATIENT = "No flagged spell with a patient number in this period"
NOT_FOLLOWED_UP = "no patient followed up for 12 months"
# A share is drawn only over at least this many followed-up patients: both counts are rounded
# to 5, so over fewer a share could mislead (15 of 15 may be 13 of 16, 81%).
MINIMUM_FOLLOWED_UP = 20
FEW_FOLLOWED_UP = f"fewer than {MINIMUM_FOLLOWED_UP} followed up: no share"
DAYS_IN_A_YEAR = 365
REPEAT_DISCLOSURE = (
    "Counts from 1 to 7 are suppressed and every other count is rounded to the nearest 5, "
    "with secondary suppression where a suppressed count could be worked out"
)
REPEAT_FOLLOW_UP_RULE = (
    "Only patients whose 12 months (365 days) of follow-up the extract holds count: a patient "
    "whose 12 months run past the extract's end is neither a repeat nor not one. Spells of a "
    "patient on the same day, or overlapping, are one episode, not a repeat; a repeat at "
    "another provider counts for the provider of the first (decision D21)."
)


def is_financial_year(value) -> bool:
    """A financial year written `2023/24`."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]{4}/[0-9]{2}", value) is not None


def interval_days(month: int) -> tuple[int, int]:
    """The first and last day after the first episode that a month of the interval covers,
    in twelfths of a year as the mart counts them (the month is days × 12 / 365, rounded up):
    1 is days 1 to 30, 6 is 153 to 182, 12 is 335 to 365."""
    return DAYS_IN_A_YEAR * (month - 1) // 12 + 1, DAYS_IN_A_YEAR * month // 12


@dataclass(frozen=True)
class Share:
    """The share of followed-up patients with a repeat, from two published (rounded) counts;
    shown to one decimal place."""

    repeats: int
    followed_up: int

    @property
    def percent(self) -> float:
        return 100 * self.repeats / self.followed_up

    def __str__(self) -> str:
        return f"{self.percent:.1f}%"

    @property
    def label(self) -> str:
        """`15 of 60, 25.0%`: the published counts, then the share."""
        return f"{self.repeats:,} of {self.followed_up:,}, {self}"


def share(repeats, followed_up) -> Share | str:
    """The share of the followed-up with a repeat, where both counts are published and at
    least MINIMUM_FOLLOWED_UP patients are followed up; else why there is none."""
    if repeats is None or followed_up is None:
        return SUPPRESSED
    if followed_up == 0:
        return NOT_FOLLOWED_UP
    if followed_up < MINIMUM_FOLLOWED_UP:
        return FEW_FOLLOWED_UP
    return Share(repeats, followed_up)


def followed_up_year(repeats: Rows) -> str | None:
    """The latest financial year whose patients are all followed up for 12 months (the whole
    extract's count of them published, above 0 and equal to its patients treated); failing
    that, the latest in which any patient is: a count of the followed-up that is above 0, or
    suppressed (disclosure control never suppresses a 0). A year whose follow-up the extract
    only begins to hold (a stray later spell, a part-year) is not headlined over a whole one."""
    years = {row["financial_year"] for row in repeats if is_financial_year(row["financial_year"])}
    complete = [year for year in years if is_followed_up_whole(coverage_counts(repeats, year))]
    if complete:
        return max(complete)
    years = [
        row["financial_year"]
        for row in repeats
        if row["measure"] == FOLLOWED_UP_12_MONTHS
        and row["organisation_type"] in ("england", "provider")
        and row["measure_count"] != 0
        and is_financial_year(row["financial_year"])
    ]
    return max(years) if years else None


def is_followed_up_whole(counts: dict) -> bool:
    """Every patient treated is followed up for 12 months: the two counts published, equal
    and above 0."""
    followed_up = measure_count(counts, FOLLOWED_UP_12_MONTHS)
    return bool(followed_up) and followed_up == measure_count(counts, PATIENTS_TREATED)


def no_follow_up_message(repeats: Rows) -> str:
    """Why no year has a patient followed up for 12 months: no patient at all, or none yet."""
    treated = [
        row
        for row in repeats
        if row["measure"] == PATIENTS_TREATED and is_financial_year(row["financial_year"])
    ]
    if not any(row["measure_count"] != 0 for row in treated):
        return NO_PATIENT
    return NO_FOLLOW_UP


def measure_counts(repeats: Rows, year: str | None, organisation_type: str) -> dict[str, dict]:
    """{organisation code: {measure: row}} for one year and organisation type, the interval
    months left out."""
    counts: dict[str, dict] = {}
    for row in repeats:
        if (
            row["financial_year"] == year
            and row["organisation_type"] == organisation_type
            and row["interval_month"] is None
        ):
            counts.setdefault(row["organisation_code"], {})[row["measure"]] = row
    return counts


def coverage_counts(repeats: Rows, year: str | None) -> dict[str, dict]:
    """{measure: row} of the whole extract (the mart's `england` row) in one year."""
    return measure_counts(repeats, year, "england").get("ENGLAND", {})


def measure_count(rows: dict, measure: str):
    """A measure's published count (None where suppressed or not published)."""
    return (rows.get(measure) or {}).get("measure_count")


def repeat_share(repeats: Rows, coverage: Coverage) -> Chart:
    """The share of patients followed up for 12 months who had a repeat within 12 months, by
    provider, in the latest financial year in which any patient is followed up for 12 months:
    horizontal bars, highest first, each labelled with its published counts and the share
    ("15 of 60, 25.0%"), and the coverage's share as a reference line. A provider whose count
    is suppressed has no bar: "suppressed" stands where its bar would start."""
    year = followed_up_year(repeats)
    reference = coverage_counts(repeats, year)
    reference_share = share(
        measure_count(reference, REPEAT_WITHIN_12_MONTHS),
        measure_count(reference, FOLLOWED_UP_12_MONTHS),
    )
    provider_rows = measure_counts(repeats, year, "provider")
    providers = {
        code: share(
            measure_count(rows, REPEAT_WITHIN_12_MONTHS), measure_count(rows, FOLLOWED_UP_12_MONTHS)
        )
        for code, rows in provider_rows.items()
    }
    drawn = sorted(
        ((code, value) for code, value in providers.items() if isinstance(value, Share)),
        key=lambda item: (-item[1].percent, item[0]),
    )
    undrawn = sorted(
        ((code, value) for code, value in providers.items() if not isinstance(value, Share)),
        key=lambda item: (item[1] != SUPPRESSED, item[0]),
    )
    rows = []
    if year:
        rows.append(
            [
                f"{coverage.title} (the reference)",
                shown(measure_count(reference, FOLLOWED_UP_12_MONTHS)),
                shown(measure_count(reference, REPEAT_WITHIN_12_MONTHS)),
                reference_share,
            ]
        )
    rows += [
        [
            code,
            shown(measure_count(provider_rows[code], FOLLOWED_UP_12_MONTHS)),
            shown(measure_count(provider_rows[code], REPEAT_WITHIN_12_MONTHS)),
            value,
        ]
        for code, value in drawn + undrawn
    ]
    categories = [code for code, _ in drawn + undrawn]
    figure = go.Figure()
    # The axis reaches past the longest bar (or the reference) far enough for its label; a
    # bar long enough to hold its label carries it inside.
    longest = max(
        [value.percent for _, value in drawn]
        + ([reference_share.percent] if isinstance(reference_share, Share) else []),
        default=0,
    )
    axis_end = min(100.0, max(longest / 0.62, 10.0))
    shapes = []
    if drawn:
        figure.add_trace(
            go.Bar(
                orientation="h",
                y=[code for code, _ in drawn],
                x=[value.percent for _, value in drawn],
                text=[value.label for _, value in drawn],
                textposition=[
                    "inside" if value.percent > 0.6 * axis_end else "outside" for _, value in drawn
                ],
                insidetextanchor="end",
                cliponaxis=False,
                marker_color=NHS_BLUE,
                name="Provider",
                showlegend=False,
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
        if isinstance(reference_share, Share):
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "x0": reference_share.percent,
                    "x1": reference_share.percent,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": NHS_DARK_GREY, "width": 2, "dash": "dash"},
                    # Under the bars and their labels, which it would strike through.
                    "layer": "below",
                    "name": f"{coverage.title}: {reference_share.label}",
                    "showlegend": True,
                }
            )
    annotations = [
        {
            "text": value,
            "x": 0,
            "xref": "x",
            "xanchor": "left",
            "xshift": 4,
            "y": code,
            "yref": "y",
            "showarrow": False,
            "font": {"size": 12, "color": NHS_DARK_GREY},
        }
        for code, value in undrawn
    ]
    layout(
        figure,
        height=max(300, 26 * len(categories) + 150),
        margin={"l": 70, "r": 30, "t": 50, "b": 70},
        xaxis={
            "title": {"text": "Followed-up patients with a repeat within 12 months (%)"},
            "range": [0, axis_end],
            "ticksuffix": "%",
        },
        yaxis={
            "title": {"text": "Provider"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": categories,
            "autorange": "reversed",
        },
        # The reference line's legend above the bars, where it is read first.
        legend={"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"},
        annotations=annotations,
        shapes=shapes,
    )
    suppressed = sum(value == SUPPRESSED for _, value in undrawn)
    if year is None:
        nothing_to_draw(figure, no_follow_up_message(repeats))
    elif not drawn:
        nothing_to_draw(
            figure,
            f"Every provider's share is suppressed in {year}: nothing to draw"
            if suppressed
            else f"No provider has {MINIMUM_FOLLOWED_UP} or more patients followed up for 12"
            f" months in {year}"
            if any(value == FEW_FOLLOWED_UP for _, value in undrawn)
            else f"No provider has a patient followed up for 12 months in {year}",
        )
    caption = [
        "Of each provider's patients in the latest financial year whose patients are all "
        "followed up for 12 months (else the latest in which any is), the share who had another "
        "radiofrequency denervation within 12 months, each bar labelled with the published "
        f"counts and the share; a share only over {MINIMUM_FOLLOWED_UP} or more followed-up "
        "patients, since both counts are rounded.",
    ]
    if isinstance(reference_share, Share):
        caption.append(
            f"The dashed line is the share for {coverage.name} ({reference_share.label})."
        )
    elif year:
        caption.append(f"The share for {coverage.name} is not published ({reference_share}).")
    caption += [
        REPEAT_FOLLOW_UP_RULE,
        f"{REPEAT_DISCLOSURE}; the share is computed from the rounded counts.",
    ]
    if suppressed:
        caption.append(f"{counted(suppressed, 'provider')} with a suppressed count: no bar.")
    return Chart(
        "chart-repeat-share",
        "Patients with a repeat within 12 months, by provider" + (f", {year}" if year else ""),
        " ".join(caption),
        figure,
        [
            "Provider",
            "Patients followed up for 12 months",
            "Patients with a repeat within 12 months",
            "Share with a repeat",
        ],
        rows,
        group=REPEAT_PROCEDURES,
    )


def days_text(value) -> str:
    """A number of days, whole where it is (a median may be a half)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def repeat_intervals(repeats: Rows, coverage: Coverage) -> Chart:
    """For the coverage, in the year the share chart draws, the patients with a repeat within
    12 months by month of the interval (1 to 12): a bar for each published month, its count
    on it; a suppressed month has no bar, and says "suppressed" where it would stand."""
    year = followed_up_year(repeats)
    reference = coverage_counts(repeats, year)
    repeats_within = measure_count(reference, REPEAT_WITHIN_12_MONTHS)
    median = (reference.get(REPEAT_WITHIN_12_MONTHS) or {}).get("median_interval_days")
    months = {
        row["interval_month"]: row["measure_count"]
        for row in repeats
        if row["financial_year"] == year
        and row["organisation_type"] == "england"
        and row["measure"] == REPEAT_IN_INTERVAL_MONTH
        and row["interval_month"] in range(1, 13)
    }
    published = {month: value for month, value in months.items() if value is not None}
    suppressed = sorted(month for month, value in months.items() if value is None)
    figure = go.Figure()
    if published:
        figure.add_trace(
            go.Bar(
                x=sorted(published),
                y=[published[month] for month in sorted(published)],
                text=[f"{published[month]:,}" for month in sorted(published)],
                # A month's width, whichever months are published: plotly would otherwise
                # widen the bars to the smallest gap between two published months.
                width=[0.8] * len(published),
                textposition="outside",
                cliponaxis=False,
                marker_color=NHS_AQUA_GREEN,
                name="Patients with a repeat",
                showlegend=False,
                customdata=[
                    "{} to {}".format(*interval_days(month)) for month in sorted(published)
                ],
                hovertemplate="Month %{x} (days %{customdata}): %{y} patients<extra></extra>",
            )
        )
    layout(
        figure,
        height=400,
        margin={"l": 60, "r": 30, "t": 30, "b": 70},
        xaxis={
            "title": {"text": "Month of the interval (1 = days 1 to 30, 12 = days 335 to 365)"},
            "tickmode": "array",
            "tickvals": list(range(1, 13)),
            "range": [0.4, 12.6],
        },
        yaxis={"title": {"text": "Patients with a repeat"}, "rangemode": "tozero"},
        annotations=[suppressed_bar_label(month) for month in suppressed],
    )
    message = None
    if year is None:
        message = no_follow_up_message(repeats)
    elif repeats_within == 0:
        message = f"No patient followed up had a repeat within 12 months in {year}"
    elif not any(published.values()):
        if suppressed and not published:
            message = "Every month's count is suppressed: nothing to draw"
        elif suppressed:
            message = (
                f"No repeat to draw: {counted(len(suppressed), 'month')} suppressed, the others 0"
            )
        else:
            message = f"No month of the interval is published for {year}"
    if message:
        # Nothing above 0 to draw: bars of 0 would draw an axis from -1 to 1.
        figure.data = ()
        nothing_to_draw(figure, message)
    rows = [
        [str(month), "{} to {}".format(*interval_days(month)), shown(months[month])]
        for month in sorted(months)
    ]
    if year:
        rows.append(["1 to 12 (within 12 months)", "1 to 365", shown(repeats_within)])
    caption = [
        f"The patients of {coverage.name} with a repeat within 12 months, by the month of the "
        "interval from the first procedure to the next: twelfths of a year, so month 1 is days "
        "1 to 30, month 6 days 153 to 182 and month 12 days 335 to 365, and months 1 to 6 are "
        "the repeats within 6 months."
    ]
    if median is not None:
        caption.append(f"The median interval was {days_text(median)} days.")
    elif year and repeats_within != 0:
        caption.append("The median interval is not published: its count is suppressed.")
    caption.append(f"{REPEAT_DISCLOSURE}.")
    if year:
        caption.append(
            "Only a published month has a bar"
            + (f"; {counted(len(suppressed), 'month')} suppressed." if suppressed else ".")
        )
    return Chart(
        "chart-repeat-interval",
        f"Months to the repeat, {coverage.name}" + (f", {year}" if year else ""),
        " ".join(caption),
        figure,
        ["Month of the interval", "Days after the first procedure", "Patients with a repeat"],
        rows,
        group=REPEAT_PROCEDURES,
    )
