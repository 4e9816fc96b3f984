"""Deterministic synthetic SUS/NCDR admitted patient care extracts in NCDR format.

Every value is synthetic. The extract holds the two tables the rule reads, `apcs` (one row per
spell) and `apcs_der` (the derived table), with the NCDR column names. Most spells are
background activity; a share are lumbar radiofrequency denervation candidates, built as a true
positive and then, for most of them, changed by one near miss (a code just outside a list, an
age at a boundary, an emergency admission, a cancer diagnosis at a range edge, a NULL...).

Generation is vectorised: code lists for background spells are drawn from pools built once,
and each near miss is applied to all the spells it touches at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

# Background activity: common OPCS-4 procedures and ICD-10 diagnoses (synthetic mix).
BACKGROUND_PROCEDURES = (
    "C751 C712 H229 H251 W401 W371 W381 X292 Y532 Z942 Z943 E851 T124 X403 Z921 "
    "A521 A522 A577 V544 V252 W903 Q073 M451 K634 G451 H201 U051 U212 X998 Y981 "
    "S062 T202 L853 W828 A651 V331 V384 W191 Z676 Y534"
).split()
BACKGROUND_DIAGNOSES = (
    "I10X E119 J449 K210 M545 R074 N390 Z864 D649 I489 J189 M179 R104 K802 Z966 "
    "E785 F329 G473 H251 I251 J459 K573 L031 M169 M511 M542 M543 M544 M546 M479 "
    "N183 R060 R296 S7200 T814 U071 Z380 Z501 Z515 Z880 Z921 G560 M1990 R51X"
).split()
BACKGROUND_CANCER_DIAGNOSES = "C509 C61X C189 C349 D059 D075 D381 D471 C787 D45X".split()

PROVIDERS = "RXH RTH R0A RRK RJ1 RWE RHQ RA7 RTD RYJ RM1 RBD RGT RDE RJE".split()
COMMISSIONERS = "15N 02Q 07K 36L 15F 09D 03Q 14L 92A 16C 11A 18C".split()

# The lumbar radiofrequency denervation candidates.
RFD_DOMINANT_PROCEDURES = ["V485", "V487"]
RFD_SITE_CODES = ["Z675", "Z676", "Z677", "Z993"]
RFD_PRIMARY_DIAGNOSES = ["M545", "M512", "M518", "M519", "M549"]
RFD_OTHER_PROCEDURES = ["Y534", "Z943", "Z942", "Y981"]
RFD_OTHER_DIAGNOSES = ["M511", "M479", "G473", "I10X", "E119", "Z864", "M1990"]

# Near misses: name -> weight among candidates. Each changes one part of a true positive.
NEAR_MISSES: dict[str, float] = {
    "none": 30,
    "dominant_procedure_other_v48": 3,
    "dominant_procedure_v486_with_y114": 3,
    "dominant_procedure_rhizotomy": 3,
    "dominant_procedure_null": 1,
    "no_derived_record": 1,
    "rfd_first_in_procedures_not_dominant": 2,
    "site_code_missing": 3,
    "site_code_near_miss": 3,
    "site_code_only_in_diagnoses": 2,
    "site_code_in_later_episode": 3,
    "procedures_null": 1,
    "primary_diagnosis_near_miss": 4,
    "back_pain_only_secondary": 2,
    "primary_diagnosis_null": 1,
    "age_boundary": 6,
    "age_sus_null_falls_back": 3,
    "age_infant_does_not_fall_back": 1,
    "age_both_null": 1,
    "admission_method_emergency": 5,
    "admission_method_other_groups": 4,
    "admission_method_null": 1,
    "cancer_range_edge": 6,
    "diagnoses_null": 1,
    "administrative_category": 5,
    "administrative_category_null": 1,
}
AGE_BOUNDARIES = [17, 18, 19, 20, 119, 120, 121]
EMERGENCY_METHODS = ["21", "22", "23", "24", "25", "2A", "2B", "2C", "2D", "28"]
OTHER_GROUP_METHODS = ["31", "32", "81", "82", "83", "98", "99", "12", "13"]
CANCER_EDGES = [
    "C000",
    "D000",
    "C97X",
    "C99X",
    "D099",
    "D100",
    "D369",
    "D370",
    "D489",
    "D499",
    "B999",
]
ADMINISTRATIVE_CATEGORIES = ["02", "03", "04", "99"]

SPELL_COLUMNS = [
    "APCS_Ident",
    "Der_Pseudo_NHS_Number",
    "Admission_Date",
    "Discharge_Date",
    "Der_Financial_Year",
    "Der_Activity_Month",
    "Der_Provider_Code",
    "Der_Provider_Site_Code",
    "Der_Commissioner_Code",
    "Age_At_Start_of_Spell_SUS",
    "Der_Age_at_CDS_Activity_Date",
    "Sex",
    "Admission_Method",
    "Administrative_Category",
    "Patient_Classification",
    "Der_Diagnosis_All",
    "Der_Procedure_All",
]
DERIVED_COLUMNS = ["APCS_Ident", "Spell_Dominant_Procedure", "Spell_Primary_Diagnosis"]


@dataclass(frozen=True)
class ExtractSpec:
    """What to generate."""

    spells: int = 50_000
    seed: int = 20231201
    # Share of spells built as RFD candidates (a true positive or one near miss).
    candidate_share: float = 0.02
    # Share of candidate spells whose values carry formatting noise: lower case, dots, spaces,
    # tabs and line breaks, and ages that are not whole numbers (written as text). NCDR
    # extracts have none; the tests use it to prove the normalisation and the safe casts.
    formatting_noise_share: float = 0.0
    # Rows of the derived table with no spell in the spell table (they must not be added).
    derived_only_rows: int = 0
    first_financial_year: int = 2023
    financial_years: int = 1
    first_ident: int = 100_000_000


def _choice(rng: np.random.Generator, options, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]


def _list_pool(rng: np.random.Generator, codes: list[str], size: int, max_codes: int):
    """`size` code lists in NCDR format (`||A,B||C`, NCDR's spacing varying), each with its
    first code (the dominant procedure or primary diagnosis of a background spell)."""
    lists, firsts = [], []
    for _ in range(size):
        episodes = [
            [str(code) for code in rng.choice(codes, int(rng.integers(1, max_codes + 1)))]
            for _ in range(int(rng.integers(1, 4)))
        ]
        lists.append(_format_list(episodes, spaced=bool(rng.random() < 0.3)))
        firsts.append(episodes[0][0])
    return np.array(lists, dtype=object), np.array(firsts, dtype=object)


def _format_list(episodes: list[list[str]], spaced: bool) -> str:
    separator = " ," if spaced else ","
    tail = " " if spaced else ""
    return "".join("||" + separator.join(codes) + tail for codes in episodes)


def _picked(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """A random `share` of the non-NULL values."""
    return np.not_equal(values, None) & (rng.random(values.shape) < share)


def _noisy_code(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """Formatting noise on single codes: lower case or a dot after the category, and a
    trailing space."""
    out = values.copy()
    pick = _picked(rng, values, share)
    text = out[pick].astype(str)
    dotted = np.array([code[:3] + "." + code[3:] for code in text.tolist()], dtype=str)
    noisy = np.where(rng.random(text.shape) < 0.5, np.char.lower(text), dotted)
    out[pick] = np.char.add(noisy, " ").astype(object)
    return out


def _noisy_list(rng: np.random.Generator, lists: np.ndarray, share: float) -> np.ndarray:
    """Formatting noise on code lists: lower case and spaces around the separators."""
    out = lists.copy()
    pick = _picked(rng, lists, share)
    text = np.char.lower(out[pick].astype(str))
    out[pick] = np.char.replace(np.char.replace(text, ",", " , "), "||", " || ").astype(object)
    return out


def _noisy_category(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """Formatting noise on category codes: lower case and surrounding white space."""
    out = values.copy()
    pick = _picked(rng, values, share)
    before = _choice(rng, [" ", "\t", ""], int(pick.sum())).astype(str)
    after = _choice(rng, [" ", "\r", "\t "], int(pick.sum())).astype(str)
    lower = np.char.lower(out[pick].astype(str))
    out[pick] = np.char.add(np.char.add(before, lower), after).astype(object)
    return out


def _not_whole_numbers(rng: np.random.Generator, ages: np.ndarray, share: float) -> np.ndarray:
    """Ages written as something other than a whole number; a safe cast makes them NULL."""
    out = ages.copy()
    pick = _picked(rng, ages, share / 2)
    out[pick] = _choice(rng, ["18.5", "45.0", "1e2", "forty", "4 5"], int(pick.sum()))
    return out


def _age_array(ages: np.ndarray, as_text: bool) -> pa.Array:
    """Ages as whole numbers, or as text when some are not whole numbers."""
    if not as_text:
        return pa.array(ages, pa.int32())
    missing = np.equal(ages, None)
    return pa.array(np.where(missing, None, ages.astype(str)), pa.string())


def generate(spec: ExtractSpec) -> tuple[pa.Table, pa.Table]:
    """Build the two tables of one extract."""
    rng = np.random.default_rng(spec.seed)
    n = spec.spells
    ident = np.arange(spec.first_ident, spec.first_ident + n, dtype=np.int64)

    # Dates: discharge within the financial years; length of stay by patient classification.
    first_day = date(spec.first_financial_year, 4, 1).toordinal()
    last_day = date(spec.first_financial_year + spec.financial_years, 3, 31).toordinal()
    discharge_ordinal = rng.integers(first_day, last_day + 1, n)
    patient_classification = rng.choice(
        ["1", "2", "3", "4", "5"], n, p=[0.55, 0.4, 0.03, 0.01, 0.01]
    )
    discharge = np.array(discharge_ordinal - date(1970, 1, 1).toordinal(), dtype="datetime64[D]")
    patient_classification = patient_classification.astype(object)
    nights = rng.geometric(0.25, n)

    age = rng.integers(0, 101, n).astype(object)
    infants = rng.random(n) < 0.03
    age[infants] = rng.integers(7001, 7008, infants.sum())
    age_cds = np.where(infants, 0, age).astype(object)
    sus_missing = rng.random(n) < 0.005
    age[sus_missing] = None

    methods = {
        "11": 35,
        "12": 5,
        "13": 4,
        "21": 25,
        "22": 6,
        "23": 1,
        "24": 3,
        "25": 1,
        "2A": 2,
        "2B": 2,
        "2D": 4,
        "28": 0.2,
        "31": 4,
        "32": 3,
        "81": 2,
        "82": 0.8,
        "83": 0.2,
        "98": 0.2,
        "99": 0.6,
    }
    weights = np.array(list(methods.values()))
    admission_method = rng.choice(list(methods), n, p=weights / weights.sum()).astype(object)
    administrative_category = rng.choice(
        ["01", "02", "03", "04", "99"], n, p=[0.975, 0.012, 0.005, 0.003, 0.005]
    ).astype(object)

    # About one background spell in ten has a neoplasm coded somewhere.
    diagnosis_pool, primary_pool = (
        np.concatenate(pools)
        for pools in zip(
            _list_pool(rng, BACKGROUND_DIAGNOSES, 4500, 5),
            _list_pool(rng, BACKGROUND_CANCER_DIAGNOSES + BACKGROUND_DIAGNOSES[:10], 500, 4),
            strict=True,
        )
    )
    procedure_pool, dominant_pool = _list_pool(rng, BACKGROUND_PROCEDURES, 3000, 4)
    pick = rng.integers(0, len(diagnosis_pool), n)
    diagnoses, primary = diagnosis_pool[pick], primary_pool[pick]
    pick = rng.integers(0, len(procedure_pool), n)
    procedures, dominant = procedure_pool[pick], dominant_pool[pick]
    no_procedure = rng.random(n) < 0.35
    procedures[no_procedure] = None
    dominant[no_procedure] = None

    messy = spec.formatting_noise_share > 0
    candidates = np.flatnonzero(rng.random(n) < spec.candidate_share)
    has_derived = np.ones(n, dtype=bool)
    _build_candidates(
        rng,
        candidates,
        spec,
        columns={
            "dominant": dominant,
            "primary": primary,
            "procedures": procedures,
            "diagnoses": diagnoses,
            "age": age,
            "age_cds": age_cds,
            "admission_method": admission_method,
            "administrative_category": administrative_category,
            "patient_classification": patient_classification,
        },
        has_derived=has_derived,
    )

    # Only ordinary admissions (classification 1) stay overnight.
    stay = np.where(patient_classification == "1", nights, 0)
    admission = discharge - stay.astype("timedelta64[D]")

    provider_index = rng.integers(0, len(PROVIDERS), n)
    provider = np.asarray(PROVIDERS, dtype=object)[provider_index]
    site = np.char.add(provider.astype(str), rng.choice(["01", "02", "03"], n)).astype(object)
    month_index = discharge.astype("datetime64[M]").astype(np.int64)
    fy_start = 1970 + month_index // 12 - (month_index % 12 < 3)
    financial_year = np.char.add(
        np.char.add(fy_start.astype(str), "/"), np.char.zfill((fy_start + 1 - 2000).astype(str), 2)
    )
    activity_month = np.char.replace(discharge.astype("datetime64[M]").astype(str), "-", "")

    spells = pa.table(
        {
            "APCS_Ident": pa.array(ident, pa.int64()),
            "Der_Pseudo_NHS_Number": pa.array(
                rng.integers(10**9, 10**10, n).astype(str).astype(object), pa.string()
            ),
            "Admission_Date": pa.array(admission, pa.date32()),
            "Discharge_Date": pa.array(discharge, pa.date32()),
            "Der_Financial_Year": pa.array(financial_year.astype(object), pa.string()),
            "Der_Activity_Month": pa.array(activity_month.astype(object), pa.string()),
            "Der_Provider_Code": pa.array(provider, pa.string()),
            "Der_Provider_Site_Code": pa.array(site, pa.string()),
            "Der_Commissioner_Code": pa.array(_choice(rng, COMMISSIONERS, n), pa.string()),
            "Age_At_Start_of_Spell_SUS": _age_array(age, as_text=messy),
            "Der_Age_at_CDS_Activity_Date": _age_array(age_cds, as_text=messy),
            "Sex": pa.array(rng.choice(["1", "2", "9"], n, p=[0.46, 0.53, 0.01]), pa.string()),
            "Admission_Method": pa.array(admission_method, pa.string()),
            "Administrative_Category": pa.array(administrative_category, pa.string()),
            "Patient_Classification": pa.array(patient_classification, pa.string()),
            "Der_Diagnosis_All": pa.array(diagnoses, pa.string()),
            "Der_Procedure_All": pa.array(procedures, pa.string()),
        }
    )
    # Derived rows whose spell is not in the spell table (a derived table from another month).
    orphans = spec.derived_only_rows
    orphan_ident = np.arange(spec.first_ident + n, spec.first_ident + n + orphans, dtype=np.int64)
    derived = pa.table(
        {
            "APCS_Ident": pa.array(np.concatenate([ident[has_derived], orphan_ident]), pa.int64()),
            "Spell_Dominant_Procedure": pa.array(
                np.concatenate([dominant[has_derived], np.full(orphans, "V485", dtype=object)]),
                pa.string(),
            ),
            "Spell_Primary_Diagnosis": pa.array(
                np.concatenate([primary[has_derived], np.full(orphans, "M545", dtype=object)]),
                pa.string(),
            ),
        }
    )
    return spells, derived


def _build_candidates(rng, rows, spec: ExtractSpec, columns: dict, has_derived) -> None:
    """Overwrite `rows` with RFD true positives, then apply one near miss to most of them."""
    m = len(rows)
    if m == 0:
        return
    dominant = _choice(rng, RFD_DOMINANT_PROCEDURES, m)
    site = _choice(rng, RFD_SITE_CODES, m)
    other_procedure = _choice(rng, RFD_OTHER_PROCEDURES, m)
    primary = _choice(rng, RFD_PRIMARY_DIAGNOSES, m)
    other_diagnosis = _choice(rng, RFD_OTHER_DIAGNOSES, m)

    first_episode_procedures = dominant + "," + site + "," + other_procedure
    later_procedures = np.full(m, "", dtype=object)
    diagnoses = "||" + primary + "," + other_diagnosis
    age = rng.integers(25, 86, m).astype(object)
    age_cds = age.copy()
    admission_method = _choice(rng, ["11", "12", "13"], m)
    administrative_category = np.full(m, "01", dtype=object)
    derived = np.ones(m, dtype=bool)

    names = list(NEAR_MISSES)
    weights = np.array([NEAR_MISSES[name] for name in names], dtype=float)
    scenario = rng.choice(len(names), m, p=weights / weights.sum())

    def rows_for(name: str) -> np.ndarray:
        return scenario == names.index(name)

    s = rows_for("dominant_procedure_other_v48")
    dominant[s] = _choice(rng, ["V484", "V488", "V489", "V481"], s.sum())
    first_episode_procedures[s] = dominant[s] + "," + site[s]
    s = rows_for("dominant_procedure_v486_with_y114")
    dominant[s] = "V486"
    first_episode_procedures[s] = "V486,Y114," + site[s]
    s = rows_for("dominant_procedure_rhizotomy")
    dominant[s] = _choice(rng, ["A572", "A573"], s.sum())
    first_episode_procedures[s] = dominant[s] + "," + site[s]
    dominant[rows_for("dominant_procedure_null")] = None
    derived[rows_for("no_derived_record")] = False
    s = rows_for("rfd_first_in_procedures_not_dominant")
    dominant[s] = _choice(rng, ["A577", "W903", "Y981"], s.sum())
    s = rows_for("site_code_missing")
    first_episode_procedures[s] = dominant[s] + "," + other_procedure[s]
    s = rows_for("site_code_near_miss")
    first_episode_procedures[s] = (
        dominant[s] + "," + _choice(rng, ["Z674", "Z678", "Z992", "Z994"], s.sum())
    )
    s = rows_for("site_code_only_in_diagnoses")
    first_episode_procedures[s] = dominant[s] + "," + other_procedure[s]
    diagnoses[s] = diagnoses[s] + "," + site[s]
    s = rows_for("site_code_in_later_episode")
    first_episode_procedures[s] = dominant[s] + "," + other_procedure[s]
    later_procedures[s] = "||Y532," + site[s]
    s = rows_for("primary_diagnosis_near_miss")
    primary[s] = _choice(
        rng, ["M544", "M546", "M513", "M511", "M540", "M548", "M47", "M5"], s.sum()
    )
    diagnoses[s] = "||" + primary[s] + "," + other_diagnosis[s]
    s = rows_for("back_pain_only_secondary")
    primary[s] = _choice(rng, ["M479", "G473"], s.sum())
    diagnoses[s] = "||" + primary[s] + ",M545"
    primary[rows_for("primary_diagnosis_null")] = None
    s = rows_for("age_boundary")
    age[s] = _choice(rng, AGE_BOUNDARIES, s.sum())
    age_cds[s] = age[s]
    s = rows_for("age_sus_null_falls_back")
    age[s] = None
    age_cds[s] = _choice(rng, [18, 19, 45, 120, 121, 999], s.sum())
    s = rows_for("age_infant_does_not_fall_back")
    age[s] = 7001
    age_cds[s] = 45
    s = rows_for("age_both_null")
    age[s] = None
    age_cds[s] = None
    s = rows_for("admission_method_emergency")
    admission_method[s] = _choice(rng, EMERGENCY_METHODS, s.sum())
    s = rows_for("admission_method_other_groups")
    admission_method[s] = _choice(rng, OTHER_GROUP_METHODS, s.sum())
    admission_method[rows_for("admission_method_null")] = None
    s = rows_for("cancer_range_edge")
    edge = _choice(rng, CANCER_EDGES, s.sum())
    diagnoses[s] = diagnoses[s] + "||Z864," + edge
    s = rows_for("administrative_category")
    administrative_category[s] = _choice(rng, ADMINISTRATIVE_CATEGORIES, s.sum())
    administrative_category[rows_for("administrative_category_null")] = None

    procedures = ("||" + first_episode_procedures + later_procedures).astype(object)
    procedures[rows_for("procedures_null")] = None
    diagnoses = diagnoses.astype(object)
    diagnoses[rows_for("diagnoses_null")] = None

    if spec.formatting_noise_share > 0:
        share = spec.formatting_noise_share
        dominant = _noisy_code(rng, dominant, share)
        primary = _noisy_code(rng, primary, share)
        procedures = _noisy_list(rng, procedures, share)
        diagnoses = _noisy_list(rng, diagnoses, share)
        admission_method = _noisy_category(rng, admission_method, share)
        administrative_category = _noisy_category(rng, administrative_category, share)
        age = _not_whole_numbers(rng, age, share)

    columns["dominant"][rows] = dominant
    columns["primary"][rows] = primary
    columns["procedures"][rows] = procedures
    columns["diagnoses"][rows] = diagnoses
    columns["age"][rows] = age
    columns["age_cds"][rows] = age_cds
    columns["admission_method"][rows] = admission_method
    columns["administrative_category"][rows] = administrative_category
    columns["patient_classification"][rows] = rng.choice(["2", "1"], m, p=[0.85, 0.15])
    has_derived[rows] = derived
