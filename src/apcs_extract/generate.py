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
import pyarrow.compute as pc

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


@dataclass(frozen=True)
class ExtractSpec:
    """What to generate."""

    spells: int = 50_000
    seed: int = 20231201
    # Share of spells built as RFD candidates (a true positive or one near miss).
    candidate_share: float = 0.02
    # Share of candidate spells whose values carry formatting noise: lower case, dots, spaces,
    # tabs and line breaks, other separators in code lists, codes holding a wanted code inside
    # them, ages that are not whole numbers or are signed, zero-padded, negative or blank
    # (written as text), and second derived rows. NCDR extracts have none; the tests use it
    # to prove the normalisation, the list reading and the safe casts.
    formatting_noise_share: float = 0.0
    # Rows of the derived table with no spell in the spell table (they must not be added).
    derived_only_rows: int = 0
    first_financial_year: int = 2023
    financial_years: int = 1
    first_ident: int = 100_000_000
    # How the background spells' code lists are drawn. "pooled": from a few thousand lists
    # built once (cheap, and the bundled demo's mix). "realistic": as in SUS, where a spell's
    # Der_Diagnosis_All and Der_Procedure_All concatenate every episode's codes, so nearly
    # every spell's list is its own: 1 to 3 episodes, 1 to 12 codes each, drawn from thousands
    # of codes, the rule's own codes among them.
    code_lists: str = "pooled"


# Candidate spells' patients (Der_Pseudo_NHS_Number), so that repeat procedures occur as in
# SUS: each candidate's patient is drawn from a pool of PATIENTS_PER_CANDIDATE patients for
# every candidate expected in the whole extract (about a third of candidates are flagged, so
# about 1 in 7 patients with a flagged spell has another, at any interval).
# REPEATED_PATIENT_SHARE take the patient of the candidate before them (the same or the next
# day: bilateral or staged levels), and UNKNOWN_PATIENT_SHARE have no pseudonymised number.
# Background spells' numbers are drawn at random and almost never repeat. The numbers have a
# generator of their own, so every other column is as it was.
PATIENTS_PER_CANDIDATE = 0.5
REPEATED_PATIENT_SHARE = 0.04
UNKNOWN_PATIENT_SHARE = 0.01
POOLED_PATIENT_BASE = 9_000_000_000


def _candidate_patients(spec: ExtractSpec, first_ident: int, m: int) -> list[str | None]:
    """The pseudonymised NHS numbers of a chunk's `m` candidate spells, in spell order."""
    rng = np.random.default_rng([spec.seed, first_ident, 2])
    pool = max(1, round(spec.spells * spec.candidate_share * PATIENTS_PER_CANDIDATE))
    numbers = (POOLED_PATIENT_BASE + rng.integers(0, pool, m)).astype(object)
    repeated = np.flatnonzero(rng.random(m) < REPEATED_PATIENT_SHARE)
    repeated = repeated[repeated > 0]
    numbers[repeated] = numbers[repeated - 1]
    unknown = rng.random(m) < UNKNOWN_PATIENT_SHARE
    return [
        None if missing else str(number) for number, missing in zip(numbers, unknown, strict=True)
    ]


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


# Separators an export may put between the codes of a list instead of NCDR's `,` and `||`:
# every character that is not a letter or a digit separates codes (decision register D3).
OTHER_SEPARATORS = [" ", ";", "\t", "\n", "/", "\u00a0", "\u2003", ", \u00a0"]
# Codes holding a site code or an excluded category inside them, as the published LIKE finds
# them, and codes split so that they hold none.
SITE_CODES_INSIDE = ["Z6751", "XZ675", "V485Z676", "Z99 3", "Z67 5"]
CANCER_CODES_INSIDE = ["M54D0", "XC12", "D0X", "D0", "M545C509", "C 509", "C5", "D3 7"]


def _other_separators(rng: np.random.Generator, lists: np.ndarray, share: float) -> np.ndarray:
    """Code lists with some of their separators written another way."""
    out = lists.copy()
    for row in np.flatnonzero(_picked(rng, lists, share)):
        separator = OTHER_SEPARATORS[int(rng.integers(0, len(OTHER_SEPARATORS)))]
        out[row] = str(out[row]).replace(",", separator)
    return out


def _codes_inside(rng, lists: np.ndarray, codes: list[str], share: float) -> np.ndarray:
    """Code lists with one more code, which holds a wanted code inside it or is split."""
    out = lists.copy()
    pick = _picked(rng, lists, share)
    out[pick] = (out[pick].astype(str) + "," + _choice(rng, codes, int(pick.sum()))).astype(object)
    return out


def _ages_as_written(rng, age: np.ndarray, age_cds: np.ndarray, share: float):
    """SUS ages written with a sign or leading zeros (still that number), negative (no fall
    back to the CDS age) or blank (missing: the CDS age is used), with an adult CDS age."""
    age, age_cds = age.copy(), age_cds.copy()
    whole = np.array([isinstance(value, int | np.integer) for value in age], dtype=bool)
    for row in np.flatnonzero(_picked(rng, age, share) & whole):
        form = int(rng.integers(0, 4))
        if form < 2:
            age[row] = ("+{}", "{:010d}")[form].format(int(age[row]))
        else:
            age[row] = ("-1", " ")[form - 2]
            age_cds[row] = 45
    return age, age_cds


# Spells are generated in chunks of this many, each from its own random stream, so memory stays
# flat at any size and an extract depends only on its seed and size.
CHUNK_SPELLS = 1_000_000
ADMISSION_METHODS = {
    "11": 35, "12": 5, "13": 4, "21": 25, "22": 6, "23": 1, "24": 3, "25": 1, "2A": 2, "2B": 2,
    "2D": 4, "28": 0.2, "31": 4, "32": 3, "81": 2, "82": 0.8, "83": 0.2, "98": 0.2, "99": 0.6,
}  # fmt: skip


class _PooledText:
    """A text column as indices into a pool of values (a list, or an Arrow array holding one
    value per row): cheap to build for millions of rows, turned into an Arrow column in one
    vectorised `take`."""

    def __init__(self, pool, index: np.ndarray):
        self.pool = [pool if isinstance(pool, pa.Array) else pa.array(list(pool), pa.string())]
        self.size = len(self.pool[0])
        self.index = index.astype(np.int64)

    def overwrite(self, rows: np.ndarray, values) -> None:
        """Give `rows` their own `values` (appended to the pool)."""
        self.index[rows] = self.size + np.arange(len(rows))
        self.pool.append(pa.array(list(values), pa.string()))
        self.size += len(rows)

    def to_arrow(self, rows=None) -> pa.Array:
        index = self.index if rows is None else self.index[rows]
        return pa.concat_arrays(self.pool).take(pa.array(index))


class _Pools:
    """Background code lists and organisations, drawn once per extract."""

    def __init__(self, seed: int):
        rng = np.random.default_rng([seed, 0])
        # About one background spell in ten has a neoplasm coded somewhere.
        general = _list_pool(rng, BACKGROUND_DIAGNOSES, 4500, 5)
        neoplasm = _list_pool(rng, BACKGROUND_CANCER_DIAGNOSES + BACKGROUND_DIAGNOSES[:10], 500, 4)
        self.diagnoses = list(general[0]) + list(neoplasm[0])
        self.primary = list(general[1]) + list(neoplasm[1])
        procedures, dominant = _list_pool(rng, BACKGROUND_PROCEDURES, 3000, 4)
        # The last entry is a spell with no procedure.
        self.procedures = list(procedures) + [None]
        self.dominant = list(dominant) + [None]
        # The codes realistic lists are drawn from, most frequent first.
        self.diagnosis_codes = _code_vocabulary(
            rng, "ABDEFGHIJKLMNOPQRSTUVWXYZ", 2, BACKGROUND_DIAGNOSES, 4000, True
        )
        self.neoplasm_codes = BACKGROUND_CANCER_DIAGNOSES + [
            f"{letter}{number:02d}{unit}"
            for letter, number, unit in zip(
                rng.choice(["C", "C", "C", "D"], 200),
                rng.integers(0, 49, 200),
                rng.integers(0, 10, 200),
                strict=True,
            )
        ]
        self.procedure_codes = _code_vocabulary(
            rng, "ABCDEFGHJKLMNOPQRSTUVWXYZ", 3, BACKGROUND_PROCEDURES + RFD_SITE_CODES, 3000, False
        )


def _code_vocabulary(rng, letters: str, digits: int, common, size: int, icd10: bool) -> list[str]:
    """`size` distinct codes, `common` first: a letter and digits (an ICD-10 code then a digit
    or X; an OPCS-4 code three digits). ICD-10 codes are drawn without the categories the
    rule excludes as cancer (C00-D48), which realistic lists take from their own share."""
    codes = dict.fromkeys(common)
    while len(codes) < size:
        letter = letters[int(rng.integers(0, len(letters)))]
        number = f"{int(rng.integers(0, 10**digits)):0{digits}d}"
        if icd10:
            if letter == "C" or (letter == "D" and number < "49"):
                continue
            number += "X" if rng.random() < 0.1 else str(rng.integers(0, 10))
        code = letter + number
        codes.setdefault(code)
    return list(codes)


# Realistic lists: the share of spells with a neoplasm coded somewhere (the rule's cancer
# exclusion), and the weights of one, two and three episodes.
REALISTIC_NEOPLASM_SHARE = 0.1
REALISTIC_EPISODE_WEIGHTS = [0.8, 0.15, 0.05]


def _realistic_lists(rng, codes: list[str], n: int, mean_codes: float, empty=0.0, neoplasms=()):
    """`n` code lists in NCDR format (`||A,B||C`), nearly all distinct: 1 to 3 episodes of 1
    to 12 codes each (about `mean_codes` on average), drawn from `codes` with the first ones
    far more frequent; a share `empty` of spells have no list. Given `neoplasms`, one code of
    REALISTIC_NEOPLASM_SHARE of the lists is one of them. Returns the lists and their first
    codes (the dominant procedure or primary diagnosis) as pooled columns."""
    episodes = rng.choice(3, n, p=REALISTIC_EPISODE_WEIGHTS) + 1
    per_episode = np.minimum(rng.geometric(1 / mean_codes, int(episodes.sum())), 12)
    codes_per_spell = np.bincount(np.repeat(np.arange(n), episodes), per_episode, n).astype(
        np.int64
    )
    offsets = np.concatenate([[0], np.cumsum(codes_per_spell)])
    total = int(offsets[-1])
    # A power law over the codes: a few are common, most are rare.
    pick = np.minimum((len(codes) * rng.random(total) ** 2).astype(np.int64), len(codes) - 1)
    vocabulary = list(codes) + list(neoplasms)
    if neoplasms:
        spells = np.flatnonzero(rng.random(n) < REALISTIC_NEOPLASM_SHARE)
        position = offsets[spells] + rng.integers(0, codes_per_spell[spells])
        pick[position] = len(codes) + rng.integers(0, len(neoplasms), len(spells))
    # Each code with the separator before it: `||` opening an episode, `,` within one.
    opens_episode = np.zeros(total, dtype=bool)
    opens_episode[np.cumsum(per_episode) - per_episode] = True
    token = np.where(opens_episode, pick, pick + len(vocabulary))
    tokens = pa.array(["||" + code for code in vocabulary] + ["," + code for code in vocabulary])
    listed = pa.ListArray.from_arrays(pa.array(offsets, pa.int64()), tokens.take(pa.array(token)))
    lists = pc.binary_join(listed, "")
    first = pa.array(vocabulary, pa.string()).take(pa.array(pick[offsets[:-1]]))
    missing = pa.array(rng.random(n) < empty)
    lists = pc.if_else(missing, pa.scalar(None, pa.string()), lists)
    first = pc.if_else(missing, pa.scalar(None, pa.string()), first)
    return _PooledText(lists, np.arange(n)), _PooledText(first, np.arange(n))


def generate_chunks(spec: ExtractSpec):
    """Yield the extract as (spells, derived) Arrow tables of up to CHUNK_SPELLS spells each."""
    pools = _Pools(spec.seed)
    for chunk, start in enumerate(range(0, spec.spells, CHUNK_SPELLS), start=1):
        size = min(CHUNK_SPELLS, spec.spells - start)
        rng = np.random.default_rng([spec.seed, chunk])
        yield _generate_chunk(rng, spec, pools, spec.first_ident + start, size)
    if spec.derived_only_rows:
        # Derived rows whose spell is not in the spell table (a derived table from another
        # month): they must not be added to the fact.
        first = spec.first_ident + spec.spells
        orphans = spec.derived_only_rows
        yield (
            None,
            pa.table(
                {
                    "APCS_Ident": pa.array(np.arange(first, first + orphans), pa.int64()),
                    "Spell_Dominant_Procedure": pa.array(["V485"] * orphans, pa.string()),
                    "Spell_Primary_Diagnosis": pa.array(["M545"] * orphans, pa.string()),
                }
            ),
        )


def generate(spec: ExtractSpec) -> tuple[pa.Table, pa.Table]:
    """The whole extract in memory (for small extracts; large ones are written chunk by chunk)."""
    spells, derived = [], []
    for spell_chunk, derived_chunk in generate_chunks(spec):
        if spell_chunk is not None:
            spells.append(spell_chunk)
        derived.append(derived_chunk)
    return pa.concat_tables(spells), pa.concat_tables(derived)


def _generate_chunk(rng, spec: ExtractSpec, pools: _Pools, first_ident: int, n: int):
    ident = np.arange(first_ident, first_ident + n, dtype=np.int64)

    # Discharge within the financial years; Der_Activity_Month and Der_Financial_Year follow it.
    # Spells come in discharge order, as SUS loads them: APCS_Ident rises with time and each
    # month's spells sit together in the files, which lets an engine skip the months a
    # refresh does not read.
    first_day = date(spec.first_financial_year, 4, 1).toordinal()
    last_day = date(spec.first_financial_year + spec.financial_years, 3, 31).toordinal()
    epoch = date(1970, 1, 1).toordinal()
    position = (first_ident - spec.first_ident + np.arange(n) + rng.random(n)) / spec.spells
    day = first_day + np.floor(position * (last_day + 1 - first_day)).astype(np.int64)
    discharge = (day - epoch).astype("datetime64[D]")
    classification_codes = ["1", "2", "3", "4", "5"]
    classification = _PooledText(
        classification_codes, rng.choice(5, n, p=[0.55, 0.4, 0.03, 0.01, 0.01])
    )
    nights = rng.geometric(0.25, n)

    age = rng.integers(0, 101, n).astype(np.int64)
    infants = rng.random(n) < 0.03
    age[infants] = rng.integers(7001, 7008, infants.sum())
    age_cds = np.where(infants, 0, age)
    age_missing = rng.random(n) < 0.005
    age_cds_missing = np.zeros(n, dtype=bool)

    method_weights = np.array(list(ADMISSION_METHODS.values()))
    admission_method = _PooledText(
        ADMISSION_METHODS,
        rng.choice(len(method_weights), n, p=method_weights / method_weights.sum()),
    )
    administrative_category = _PooledText(
        ["01", "02", "03", "04", "99"], rng.choice(5, n, p=[0.975, 0.012, 0.005, 0.003, 0.005])
    )
    if spec.code_lists == "realistic":
        diagnoses, primary = _realistic_lists(
            rng, pools.diagnosis_codes, n, 7, neoplasms=pools.neoplasm_codes
        )
        procedures, dominant = _realistic_lists(rng, pools.procedure_codes, n, 4, empty=0.35)
    else:
        diagnosis_pick = rng.integers(0, len(pools.diagnoses), n)
        diagnoses = _PooledText(pools.diagnoses, diagnosis_pick)
        primary = _PooledText(pools.primary, diagnosis_pick)
        procedure_pick = rng.integers(0, len(pools.procedures) - 1, n)
        procedure_pick[rng.random(n) < 0.35] = len(pools.procedures) - 1
        procedures = _PooledText(pools.procedures, procedure_pick)
        dominant = _PooledText(pools.dominant, procedure_pick)
    has_derived = np.ones(n, dtype=bool)

    rows = np.flatnonzero(rng.random(n) < spec.candidate_share)
    candidate = _build_candidates(rng, len(rows), spec)
    for column, name in (
        (dominant, "dominant"),
        (primary, "primary"),
        (procedures, "procedures"),
        (diagnoses, "diagnoses"),
        (admission_method, "admission_method"),
        (administrative_category, "administrative_category"),
        (classification, "patient_classification"),
    ):
        column.overwrite(rows, candidate[name])
    has_derived[rows] = candidate["has_derived"]
    ages_as_text = spec.formatting_noise_share > 0
    age_column = _age_column(age, age_missing, rows, candidate["age"], ages_as_text)
    age_cds_column = _age_column(age_cds, age_cds_missing, rows, candidate["age_cds"], ages_as_text)

    # Only ordinary admissions (classification 1) stay overnight.
    ordinary = classification.to_arrow().to_numpy(zero_copy_only=False) == "1"
    admission = discharge - np.where(ordinary, nights, 0).astype("timedelta64[D]")
    month_index = discharge.astype("datetime64[M]").astype(np.int64)
    month_pool = np.unique(month_index)
    month_pick = np.searchsorted(month_pool, month_index)
    activity_month = [f"{1970 + m // 12}{m % 12 + 1:02d}" for m in month_pool]
    financial_year = [
        f"{1970 + m // 12 - (m % 12 < 3)}/{(1970 + m // 12 - (m % 12 < 3) + 1) % 100:02d}"
        for m in month_pool
    ]
    provider_pick = rng.integers(0, len(PROVIDERS), n)
    sites = [f"{provider}{site:02d}" for provider in PROVIDERS for site in (1, 2, 3)]

    spells = pa.table(
        {
            "APCS_Ident": pa.array(ident, pa.int64()),
            "Der_Pseudo_NHS_Number": _pseudo_nhs_numbers(
                rng.integers(10**9, 10**10, n),
                rows,
                _candidate_patients(spec, first_ident, len(rows)),
            ),
            "Admission_Date": pa.array(admission, pa.date32()),
            "Discharge_Date": pa.array(discharge, pa.date32()),
            "Der_Financial_Year": _PooledText(financial_year, month_pick).to_arrow(),
            "Der_Activity_Month": _PooledText(activity_month, month_pick).to_arrow(),
            "Der_Provider_Code": _PooledText(PROVIDERS, provider_pick).to_arrow(),
            "Der_Provider_Site_Code": _PooledText(
                sites, provider_pick * 3 + rng.integers(0, 3, n)
            ).to_arrow(),
            "Der_Commissioner_Code": _PooledText(
                COMMISSIONERS, rng.integers(0, len(COMMISSIONERS), n)
            ).to_arrow(),
            "Age_At_Start_of_Spell_SUS": age_column,
            "Der_Age_at_CDS_Activity_Date": age_cds_column,
            "Sex": _PooledText(["1", "2", "9"], rng.choice(3, n, p=[0.46, 0.53, 0.01])).to_arrow(),
            "Admission_Method": admission_method.to_arrow(),
            "Administrative_Category": administrative_category.to_arrow(),
            "Patient_Classification": classification.to_arrow(),
            "Der_Diagnosis_All": diagnoses.to_arrow(),
            "Der_Procedure_All": procedures.to_arrow(),
        }
    )
    derived_rows = np.flatnonzero(has_derived)
    derived = pa.table(
        {
            "APCS_Ident": pa.array(ident[derived_rows], pa.int64()),
            "Spell_Dominant_Procedure": dominant.to_arrow(derived_rows),
            "Spell_Primary_Diagnosis": primary.to_arrow(derived_rows),
        }
    )
    second_rows = rows[candidate["has_second_derived"]]
    if len(second_rows):
        second = pa.table(
            {
                "APCS_Ident": pa.array(ident[second_rows], pa.int64()),
                "Spell_Dominant_Procedure": pa.array(["A011"] * len(second_rows), pa.string()),
                "Spell_Primary_Diagnosis": primary.to_arrow(second_rows),
            }
        )
        derived = pa.concat_tables([derived, second])
    return spells, derived


def _pseudo_nhs_numbers(background: np.ndarray, rows: np.ndarray, candidates: list) -> pa.Array:
    """Every spell's Der_Pseudo_NHS_Number: the random `background` numbers, with the candidate
    spells' (`rows`) written over them."""
    mask = np.zeros(len(background), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(
        pa.array(background).cast(pa.string()), pa.array(mask), pa.array(candidates, pa.string())
    )


def _age_column(values, missing, rows, candidate_values, as_text: bool) -> pa.Array:
    """An age column: whole numbers, with the candidates' ages (which may be NULL, or, when
    `as_text`, something other than a whole number) written over theirs."""
    missing = missing.copy()
    if not as_text:
        values = values.copy()
        candidate_missing = np.equal(candidate_values, None)
        values[rows] = np.where(candidate_missing, 0, candidate_values).astype(np.int64)
        missing[rows] = candidate_missing
        return pa.array(values, pa.int32(), mask=missing)
    column = _PooledText([None], np.zeros(len(values), dtype=np.int64))
    present = np.flatnonzero(~missing)
    column.overwrite(present, values[present].astype(str))
    column.overwrite(rows, [None if value is None else str(value) for value in candidate_values])
    return column.to_arrow()


def _build_candidates(rng, m: int, spec: ExtractSpec) -> dict[str, np.ndarray]:
    """`m` RFD true positives, most of them then changed by one near miss: each column's values
    for the candidate spells."""
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

    # A second derived row for the spell, with a dominant procedure that sorts first (noisy
    # extracts only): the spell still meets the rule with its first row (decision D17).
    second_derived = np.zeros(m, dtype=bool)
    if spec.formatting_noise_share > 0:
        share = spec.formatting_noise_share
        dominant = _noisy_code(rng, dominant, share)
        primary = _noisy_code(rng, primary, share)
        procedures = _noisy_list(rng, procedures, share)
        diagnoses = _noisy_list(rng, diagnoses, share)
        procedures = _other_separators(rng, procedures, share / 2)
        diagnoses = _other_separators(rng, diagnoses, share / 2)
        procedures = _codes_inside(rng, procedures, SITE_CODES_INSIDE, share / 2)
        diagnoses = _codes_inside(rng, diagnoses, CANCER_CODES_INSIDE, share / 2)
        admission_method = _noisy_category(rng, admission_method, share)
        administrative_category = _noisy_category(rng, administrative_category, share)
        age = _not_whole_numbers(rng, age, share)
        age, age_cds = _ages_as_written(rng, age, age_cds, share / 2)
        second_derived = derived & (rng.random(m) < share / 2)

    return {
        "dominant": dominant,
        "primary": primary,
        "procedures": procedures,
        "diagnoses": diagnoses,
        "age": age,
        "age_cds": age_cds,
        "admission_method": admission_method,
        "administrative_category": administrative_category,
        "patient_classification": rng.choice(["2", "1"], m, p=[0.85, 0.15]).astype(object),
        "has_derived": derived,
        "has_second_derived": second_derived,
    }
