"""The published 2K_RFD_back statement as SQL Server evaluates it, written in plain Python.

This is the tests' independent expectation: it reads the raw extract rows (not the project's
seeds, macros or models), applies the documented normalisation (decision register D5) and then
the published T-SQL literally: LIKE with character classes as substring searches, ISNULL,
BETWEEN, and three-valued logic (a NULL comparison is unknown, so the CASE does not fire).
"""

from __future__ import annotations

import re

DOMINANT_PROCEDURES = {"V485", "V487"}
PRIMARY_DIAGNOSES = {"M512", "M518", "M519", "M545", "M549"}
SITE_PATTERNS = [re.compile("Z67[567]"), re.compile("Z993")]
CANCER_PATTERNS = [
    re.compile("C[0-9][0-9]"),
    re.compile("D0"),
    re.compile("D3[789]"),
    re.compile("D4[012345678]"),
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


def normalise_administrative_category(value) -> str | None:
    text = normalise_category(value)
    if text is not None and len(text) == 1 and text.isdigit():
        return "0" + text
    return text


def to_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def criteria(spell: dict, derived: dict | None, null_diagnoses_pass: bool = False) -> list[bool]:
    """The seven criteria in the published order; unknown (NULL) counts as not met."""
    dominant = normalise_code(derived["Spell_Dominant_Procedure"]) if derived else None
    primary = normalise_code(derived["Spell_Primary_Diagnosis"]) if derived else None
    procedures = normalise_code(spell["Der_Procedure_All"])
    diagnoses = normalise_code(spell["Der_Diagnosis_All"])
    age_sus = to_int(spell["Age_At_Start_of_Spell_SUS"])
    age = age_sus if age_sus is not None else to_int(spell["Der_Age_at_CDS_Activity_Date"])
    method = normalise_category(spell["Admission_Method"])
    category = normalise_administrative_category(spell["Administrative_Category"])

    if diagnoses is None:
        no_cancer = null_diagnoses_pass
    else:
        no_cancer = not any(pattern.search(diagnoses) for pattern in CANCER_PATTERNS)
    return [
        dominant is not None and dominant[:4] in DOMINANT_PROCEDURES,
        procedures is not None and any(p.search(procedures) for p in SITE_PATTERNS),
        primary is not None and primary[:4] in PRIMARY_DIAGNOSES,
        age is not None and 19 <= age <= 120,
        method is not None and not method.startswith("2"),
        no_cancer,
        category is not None and category != "02",
    ]


def expected_outcome(spell: dict, derived: dict | None, null_diagnoses_pass: bool = False):
    """(is_rfd_back, exclusion_reason) for one spell."""
    met = criteria(spell, derived, null_diagnoses_pass)
    for is_met, reason in zip(met, REASONS, strict=True):
        if not is_met:
            return False, reason
    return True, None
