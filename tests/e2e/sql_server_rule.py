"""The published 2K_RFD_back statement as SQL Server evaluates it, written in plain Python.

This is the tests' independent expectation: it reads the raw extract rows (not the project's
seeds, macros or models) and applies the published T-SQL literally: LIKE with character
classes as substring searches, ISNULL, BETWEEN, three-valued logic (a NULL comparison is
unknown, so the CASE does not fire) and the Latin1_General_CI_AS collation (case-insensitive;
`=` and `IN` ignore trailing spaces).

With `normalise=True` the values are first read as the project documents (decision register
D5): codes without case, white space or dots, categories without surrounding white space, and
a number that is not a whole number as NULL. On canonical NCDR data both readings agree.
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
    """Upper case, no white space, no dots."""
    text = _text(value)
    return None if text is None else re.sub(r"[\s.]", "", text).upper()


def normalise_category(value) -> str | None:
    text = _text(value)
    return None if text is None else text.strip().upper()


def to_int(value) -> int | None:
    """A whole number of digits, else NULL (`18.5`, `1e2` and `forty` are not ages)."""
    text = _text(value)
    if text is None or not text.strip().isascii() or not text.strip().isdigit():
        return None
    return int(text.strip())


def collation_key(value) -> str | None:
    """How Latin1_General_CI_AS compares with `=` and `IN`: no case, no trailing spaces."""
    text = _text(value)
    return None if text is None else text.rstrip(" ").upper()


def criteria(
    spell: dict, derived: dict | None, null_diagnoses_pass: bool = False, normalise: bool = True
) -> list[bool]:
    """The seven criteria in the published order; unknown (NULL) counts as not met."""
    code = normalise_code if normalise else _text
    category_text = normalise_category if normalise else _text
    dominant = code(derived["Spell_Dominant_Procedure"]) if derived else None
    primary = code(derived["Spell_Primary_Diagnosis"]) if derived else None
    procedures = code(spell["Der_Procedure_All"])
    diagnoses = code(spell["Der_Diagnosis_All"])
    age_sus = to_int(spell["Age_At_Start_of_Spell_SUS"])
    age = age_sus if age_sus is not None else to_int(spell["Der_Age_at_CDS_Activity_Date"])
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


def expected_outcome(
    spell: dict, derived: dict | None, null_diagnoses_pass: bool = False, normalise: bool = True
):
    """(is_rfd_back, exclusion_reason) for one spell."""
    met = criteria(spell, derived, null_diagnoses_pass, normalise)
    for is_met, reason in zip(met, REASONS, strict=True):
        if not is_met:
            return False, reason
    return True, None
