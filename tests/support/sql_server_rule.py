"""The published 2K_RFD_back statement as SQL Server evaluates it, written in plain Python.

This is the tests' independent expectation: it reads the raw extract rows (not the project's
seeds, macros or models) and applies the published T-SQL literally: LIKE with character
classes as substring searches, ISNULL, BETWEEN, three-valued logic (a NULL comparison is
unknown, so the CASE does not fire) and the Latin1_General_CI_AS collation (case-insensitive;
`=` and `IN` ignore trailing spaces).

With `normalise=True` the values are first read as the project documents (decision register
D3, D5, D6): single codes without case, white space or dots; code lists without case or dots
but otherwise as recorded (the substring search then finds a code only within one code of the
list, every other character separating codes); categories without surrounding white space;
an age that is an optional sign and digits as that number, and one recorded but not a whole
number as NULL, with no fall back to the CDS age. On canonical NCDR data both readings agree.

A spell with several derived rows is flagged when one of them qualifies, as the published
statement's join flags it; its exclusion reason is read from the row the project keeps
(decision register D17).
"""

from __future__ import annotations

import re

DOMINANT_PROCEDURES = {"V485", "V487"}
PRIMARY_DIAGNOSES = {"M512", "M518", "M519", "M545", "M549"}
# LIKE under a case-insensitive collation: a case-insensitive substring search.
SITE_PATTERNS = [re.compile("Z67[567]", re.I), re.compile("Z993", re.I)]
CANCER_PATTERNS = [
    re.compile("C[0-9][0-9]", re.I),
    re.compile("D0", re.I),
    re.compile("D3[789]", re.I),
    re.compile("D4[012345678]", re.I),
]
REASONS = [
    "dominant_procedure",
    "site_code",
    "primary_diagnosis",
    "age",
    "emergency_admission",
    "cancer_diagnosis",
    "private_patient",
]


def _text(value) -> str | None:
    return None if value is None else str(value)


def normalise_code(value) -> str | None:
    """A single code: upper case, no white space, no dots."""
    text = _text(value)
    return None if text is None else re.sub(r"[\s.]", "", text).upper()


def normalise_code_list(value) -> str | None:
    """A code list: upper case, no dots; every other character kept."""
    text = _text(value)
    return None if text is None else text.replace(".", "").upper()


def normalise_category(value) -> str | None:
    text = _text(value)
    return None if text is None else text.strip().upper()


WHITE_SPACE = " \t\n\r"
INTEGER_RANGE = range(-(2**31), 2**31)


def is_missing(value) -> bool:
    """NULL, or nothing but white space: what `ISNULL` falls back from."""
    text = _text(value)
    return text is None or text.strip(WHITE_SPACE) == ""


def to_int(value) -> int | None:
    """An optional sign and 1 to 18 digits, maybe with a zero fraction, within the integer
    range, else NULL (`18.5`, `1e2` and `forty` are not ages; `+19`, `0000000019` and `19.0`
    are 19)."""
    text = _text(value)
    text = None if text is None else text.strip(WHITE_SPACE)
    match = None if text is None else re.fullmatch(r"([+-]?[0-9]{1,18})(\.0+)?", text)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number in INTEGER_RANGE else None


def rule_age(spell: dict) -> int | None:
    """ISNULL(SUS age, CDS age): the CDS age only when the SUS age is missing."""
    if is_missing(spell["Age_At_Start_of_Spell_SUS"]):
        return to_int(spell["Der_Age_at_CDS_Activity_Date"])
    return to_int(spell["Age_At_Start_of_Spell_SUS"])


def collation_key(value) -> str | None:
    """How Latin1_General_CI_AS compares with `=` and `IN`: no case, no trailing spaces."""
    text = _text(value)
    return None if text is None else text.rstrip(" ").upper()


def criteria(
    spell: dict, derived: dict | None, null_diagnoses_pass: bool = False, normalise: bool = True
) -> list[bool]:
    """The seven criteria in the published order; unknown (NULL) counts as not met."""
    code = normalise_code if normalise else _text
    code_list = normalise_code_list if normalise else _text
    category_text = normalise_category if normalise else _text
    dominant = code(derived["Spell_Dominant_Procedure"]) if derived else None
    primary = code(derived["Spell_Primary_Diagnosis"]) if derived else None
    procedures = code_list(spell["Der_Procedure_All"])
    diagnoses = code_list(spell["Der_Diagnosis_All"])
    age = rule_age(spell)
    method = category_text(spell["Admission_Method"])
    category = category_text(spell["Administrative_Category"])

    if diagnoses is None:
        no_cancer = null_diagnoses_pass
    else:
        no_cancer = not any(pattern.search(diagnoses) for pattern in CANCER_PATTERNS)
    return [
        dominant is not None and collation_key(dominant[:4]) in DOMINANT_PROCEDURES,
        procedures is not None and any(p.search(procedures) for p in SITE_PATTERNS),
        primary is not None and collation_key(primary[:4]) in PRIMARY_DIAGNOSES,
        age is not None and 19 <= age <= 120,
        method is not None and not method.startswith("2"),
        no_cancer,
        category is not None and collation_key(category) != "02",
    ]


def kept_derived_row(spell: dict, derived_rows: list[dict], normalise: bool = True) -> dict | None:
    """The derived row the project keeps of several (decision register D17): one with which
    the spell meets the rule (dominant procedure and primary diagnosis), then the first by
    dominant procedure and primary diagnosis, normalised, NULLs and blanks last."""

    def order(row: dict) -> tuple:
        met = criteria(spell, row, normalise=normalise)
        key: tuple = (not (met[0] and met[2]),)
        for column in ("Spell_Dominant_Procedure", "Spell_Primary_Diagnosis"):
            value = (normalise_code if normalise else _text)(row[column]) or None
            key += (value is None, value or "")
        return key

    return min(derived_rows, key=order, default=None)


def expected_outcome(
    spell: dict,
    derived_rows: list[dict],
    null_diagnoses_pass: bool = False,
    normalise: bool = True,
):
    """(is_rfd_back, exclusion_reason) for one spell and its derived rows (none, one or
    several). Flagged when every criterion holds with one of the rows."""
    flagged = any(all(criteria(spell, row, null_diagnoses_pass, normalise)) for row in derived_rows)
    if flagged:
        return True, None
    met = criteria(
        spell, kept_derived_row(spell, derived_rows, normalise), null_diagnoses_pass, normalise
    )
    return False, next(reason for is_met, reason in zip(met, REASONS, strict=True) if not is_met)
