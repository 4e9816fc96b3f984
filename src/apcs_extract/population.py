"""A synthetic population for the demo's rates: commissioner, financial year, age band, sex.

Every figure is invented, and every row says so in `population_source`. The sizes are of the
order of a sub-ICB location's (100,000 to 900,000 residents) with an age profile roughly like
England's, so the demo's rates look like rates; they describe no real place.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from apcs_extract.generate import COMMISSIONERS

POPULATION_TABLE = "commissioner_population"
POPULATION_SOURCE = "SYNTHETIC demo population written by apcs-extract; not ONS estimates"
# The European Standard Population 2013 bands, as the project's seed writes them.
AGE_BANDS = [f"{age}-{age + 4}" for age in range(0, 90, 5)] + ["90+"]
# An age profile roughly like England's: the share of residents in each band.
AGE_PROFILE = np.array(
    [5.4, 5.9, 6.0, 5.7, 6.0, 6.6, 6.9, 6.8, 6.4, 6.3, 6.8, 6.8, 5.9, 5.0, 5.0, 3.6, 2.6, 1.5, 0.8]
)
SEED = 2013


def synthetic_population(financial_years: list[str]) -> pa.Table:
    """One row per commissioner of the generator, financial year given, age band and sex."""
    rng = np.random.default_rng(SEED)
    sizes = rng.integers(100_000, 900_000, len(COMMISSIONERS))
    profile = AGE_PROFILE / AGE_PROFILE.sum()
    rows: dict[str, list] = {
        "commissioner_code": [],
        "financial_year": [],
        "age_band": [],
        "sex": [],
        "population": [],
        "population_source": [],
    }
    for commissioner, size in zip(COMMISSIONERS, sizes, strict=True):
        for year_index, financial_year in enumerate(sorted(financial_years)):
            grown = size * (1.005**year_index)
            for band, share in zip(AGE_BANDS, profile, strict=True):
                # Women outnumber men among older residents.
                female_share = 0.49 + 0.1 * max(0.0, (AGE_BANDS.index(band) - 12) / 6)
                for sex, sex_share in (("1", 1 - female_share), ("2", female_share)):
                    rows["commissioner_code"].append(commissioner)
                    rows["financial_year"].append(financial_year)
                    rows["age_band"].append(band)
                    rows["sex"].append(sex)
                    rows["population"].append(int(round(grown * share * sex_share)))
                    rows["population_source"].append(POPULATION_SOURCE)
    return pa.table(
        {
            name: pa.array(values, pa.int64() if name == "population" else pa.string())
            for name, values in rows.items()
        }
    )
