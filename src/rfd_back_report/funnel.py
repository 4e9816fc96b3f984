"""Funnel-plot control limits for a rate: exact Poisson limits around a target rate, with
interpolation between whole counts (Spiegelhalter, "Funnel plots for comparing institutional
performance", Statistics in Medicine 2005), at 95% and 99.8% as NHS and public-health funnel
plots draw them. They depend only on the target rate and the population, never on an
organisation's own count, so drawing them discloses nothing (decision register D18).
"""

from __future__ import annotations

import math

PER = 100_000
# Two-sided control limits: 95% (about 2 standard deviations) and 99.8% (about 3).
LIMITS = {"95%": 0.025, "99.8%": 0.001}


def poisson_quantile_interpolated(mean: float, probability: float) -> float:
    """The `probability` quantile of a Poisson(`mean`) count, interpolated between whole
    counts: r - (F(r) - p) / P(X = r), r being the smallest count with F(r) >= p."""
    if mean <= 0:
        return 0.0
    # Start 12 standard deviations below the mean: the tail below is under 1e-30, and the
    # probability of the first count is still far above the smallest float.
    start = max(0, math.floor(mean - 12 * math.sqrt(mean)))
    count = start
    mass = math.exp(count * math.log(mean) - mean - math.lgamma(count + 1))
    cumulative = mass
    while cumulative < probability:
        count += 1
        mass *= mean / count
        cumulative += mass
    return max(count - (cumulative - probability) / mass, 0.0)


def control_limits(target_rate: float, population: float) -> dict[str, tuple[float, float]]:
    """Lower and upper control limits, per `PER`, for an organisation of `population` when
    the target (England) rate is `target_rate` per `PER`: {"95%": (low, high), ...}."""
    expected = target_rate * population / PER
    limits = {}
    for name, tail in LIMITS.items():
        low = poisson_quantile_interpolated(expected, tail)
        high = poisson_quantile_interpolated(expected, 1 - tail)
        limits[name] = (PER * low / population, PER * high / population)
    return limits


def population_grid(smallest: float, largest: float, points: int = 120) -> list[float]:
    """Populations spread evenly on a log scale from below the smallest to above the
    largest, for drawing the limits as smooth curves."""
    low, high = math.log(max(smallest * 0.8, 1.0)), math.log(largest * 1.2)
    return [math.exp(low + (high - low) * step / (points - 1)) for step in range(points)]
