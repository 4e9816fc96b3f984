"""Property-based: extracts full of adversarial values still build, keep every spell once, and
flag each spell exactly as a plain-Python implementation of the project's rule does.

Identifiers are adversarial too: a spell may come again as a later or earlier version, as
an exact copy, or with an identifier that is no whole number; a derived row may come twice.
Months may be malformed too. The fact must hold each identifier once, resolved as decision
D17 says (the latest well-formed activity month, then discharge date; the derived row whose
codes sort first, NULLs and blanks last), and the reconciliation must account for every row
left out.

The implementation below is the rule as the project documents it, not the T-SQL literal
(`sql_server_rule.py` is that): single codes compared without case, spaces, tabs, line breaks
or dots (D5); code lists upper-cased and without dots, split into codes at every character
that is not a letter or a digit, a list holding a site code or an excluded category (`D0`
for D00-D09) when one of its codes contains it (D3); an age an optional sign and 1 to 18
digits within the integer range, the CDS age used only when the SUS age is missing (NULL or
blank), never when it is recorded but malformed (D6). Of several derived rows, one with which
the spell meets the rule is kept (D17). Values come from the code lists, their near
neighbours, codes holding them inside, every kind of separator, and text no extract should
hold: quotes, line breaks, unicode, very long strings, NULLs; and every run also builds the
cases the decision register names (NAMED_CASES).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from support.project import DbtProject
from support.sql_server_rule import (
    DOMINANT_PROCEDURES,
    PRIMARY_DIAGNOSES,
    REASONS,
    WHITE_SPACE,
    rule_age,
)

SITE_CODES = {"Z675", "Z676", "Z677", "Z993"}
# What the published LIKE patterns search for: C[0-9][0-9], D0, D3[789], D4[012345678].
EXCLUDED_CATEGORIES = (
    {f"C{number:02d}" for number in range(100)}
    | {"D0"}
    | {f"D{number}" for number in range(37, 49)}
)

# Codes of the rule, near misses, codes holding a wanted code inside them, codes split so
# that they hold none, and codes that are no codes at all.
CODES = sorted(DOMINANT_PROCEDURES | SITE_CODES | PRIMARY_DIAGNOSES) + [
    "V486", "Z674", "Z994", "M544", "C509", "D099", "D100", "D370", "D489", "D499", "C97X",
    "B999", "Y114", "A573", "M5", "Z67", "XZ675", "Z6751", "V485Z676", "Z67 5", "Z99.3",
    "M54D0", "XC12", "D0", "D0X", "M545C509", "C 509", "C", "509", "C5", "C0X", "D3 7",
]  # fmt: skip
# Every kind of separator: NCDR's, white space of every kind (the no-break space and the em
# space included), and other punctuation.
SEPARATOR = st.sampled_from(
    [",", "||", " , ", " ", "\t", "\n", "\r\n", ";", "/", "-", "\u00a0", "\u2003", ",\u00a0"]
)
ODD_TEXT = st.text(
    alphabet=st.sampled_from(list("\"',|;.- \t\n\r|éΩ中４🙂\\\u00a0") + list("aZ09")),
    max_size=12,
)


def formatted(code: str) -> st.SearchStrategy[str]:
    """A code as a careless export might write it."""
    return st.sampled_from(
        [code, code.lower(), f"{code[:3]}.{code[3:]}", f" {code} ", f"{code}\t", f"\n{code}"]
    )


def joined(codes: list[str], separators: list[str]) -> str:
    """Codes with one of `separators` (one fewer) between each two."""
    return "".join(code + after for code, after in zip(codes, [*separators, ""], strict=True))


CODE = st.one_of(st.sampled_from(CODES).flatmap(formatted), ODD_TEXT)
CODE_LIST = (
    st.lists(CODE, min_size=1, max_size=10)
    .flatmap(
        lambda codes: st.tuples(
            st.just(codes), st.lists(SEPARATOR, min_size=len(codes) - 1, max_size=len(codes) - 1)
        )
    )
    .map(lambda pair: "||" + joined(*pair))
)
AGE = st.one_of(
    st.sampled_from(["18", "121", "7001", "999"]),
    st.sampled_from(["18", "121", "19", "120", " 50 ", "18.5", "1e2"]),
    st.sampled_from(["19.0", "45.00", "18.0", "120.0", "121.0", "19.", ".5", "19.01", "-0.0"]),
    st.sampled_from(["forty", "٤٥", "１９", "-1", "0045", "1234567890"]),
    st.sampled_from(["+19", "0000000019", "-0", "-19", "+", "--1", "+-1", " ", "\t"]),
    st.sampled_from(["2147483647", "2147483648", "-2147483648", "000000000000000000019"]),
    ODD_TEXT,
)
CATEGORY = st.one_of(
    st.sampled_from(["11", "12", "21", "2A", " 28", "31", "01", "02", " 02\t", "2", "99"]),
    ODD_TEXT,
)
LONG_TEXT = st.integers(5_000, 20_000).map(lambda length: "Z675," * (length // 5))


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, odds: int = 4) -> st.SearchStrategy:
    """A value that meets its criterion but once in `odds` times, so that many spells reach
    the later criteria (or are flagged) and every criterion is tested, not only the first."""
    return st.integers(1, odds).flatmap(lambda draw: maybe(bad) if draw == odds else good)


def code_list_holding(wanted: list[str]) -> st.SearchStrategy[str]:
    """A code list with one of `wanted` somewhere among other codes."""
    return st.tuples(CODE_LIST, SEPARATOR, st.sampled_from(wanted).flatmap(formatted)).map("".join)


SPELL = st.fixed_dictionaries(
    {
        "Der_Diagnosis_All": mostly(
            st.sampled_from(["||M545", "||M545,I10X", "||m54.5 , e119"]),
            st.one_of(CODE_LIST, LONG_TEXT),
        ),
        "Der_Procedure_All": mostly(
            code_list_holding(sorted(SITE_CODES)), st.one_of(CODE_LIST, LONG_TEXT)
        ),
        "Age_At_Start_of_Spell_SUS": mostly(st.sampled_from(["45", " 19", "120"]), AGE, 2),
        "Der_Age_at_CDS_Activity_Date": maybe(AGE),
        "Admission_Method": mostly(st.sampled_from(["11", "12 ", "31"]), CATEGORY),
        "Administrative_Category": mostly(st.sampled_from(["01", " 03"]), CATEGORY),
        "Sex": maybe(st.sampled_from(["1", "2", "9", "x", "'"])),
    }
)
DERIVED = st.fixed_dictionaries(
    {
        "Spell_Dominant_Procedure": mostly(
            st.sampled_from(sorted(DOMINANT_PROCEDURES)).flatmap(formatted), CODE
        ),
        "Spell_Primary_Diagnosis": mostly(
            st.sampled_from(sorted(PRIMARY_DIAGNOSES)).flatmap(formatted), CODE
        ),
    }
)
# How a row's identifier relates to the rows before it: a new spell, another version of the
# last spell (its own month and discharge date), an exact copy of the last row, or an
# identifier that is not a whole number.
IDENTIFIER = st.sampled_from(["new"] * 6 + ["version", "copy", "no_identifier"])
NOT_AN_IDENTIFIER = st.sampled_from(["", "A1", "12a", "１２", "1.5", "-3", "9" * 19, " "])
# A second derived row for the same identifier: none, an exact copy, another one, or one whose
# dominant procedure sorts before the rule's but does not qualify.
SECOND_DERIVED = st.one_of(
    st.none(),
    st.just("copy"),
    DERIVED,
    st.just({"Spell_Dominant_Procedure": "A011", "Spell_Primary_Diagnosis": "M545"}),
)
EXTRACT = st.lists(
    st.tuples(
        SPELL,
        mostly(DERIVED, st.none()),
        IDENTIFIER,
        NOT_AN_IDENTIFIER,
        st.one_of(st.integers(0, 35), st.sampled_from(["UNKNOWN", "202313", "2023-4", ""])),
        SECOND_DERIVED,
    ),
    min_size=20,
    max_size=60,
)


def code(value: str | None) -> str | None:
    """A single code: upper case, no white space or dots."""
    return None if value is None else re.sub(r"[ \t\n\r.]", "", value).upper()


def whole_number(value: str | None, digits: int) -> int | None:
    """A whole number as staging reads an identifier: 1 to `digits` digits, maybe with a zero
    fraction (`12.0`), between white space; anything else NULL."""
    text = None if value is None else value.strip(WHITE_SPACE)
    match = None if text is None else re.fullmatch(f"([0-9]{{1,{digits}}})(\\.0+)?", text)
    return None if match is None else int(match.group(1))


def category(value: str | None) -> str | None:
    return None if value is None else value.strip(WHITE_SPACE).upper()


def listed(codes: str | None) -> list[str]:
    """A code list's codes: upper case, no dots, split at every character that is not a
    letter or a digit."""
    return [] if codes is None else re.split("[^A-Z0-9]+", codes.replace(".", "").upper())


def holds(codes: str | None, wanted: set[str]) -> bool:
    """One of the list's codes contains a wanted code."""
    return any(item in listed_code for listed_code in listed(codes) for item in wanted)


def qualifying_derived_fields(derived: dict) -> bool:
    """The spell meets the rule's dominant procedure and primary diagnosis with this row."""
    dominant = code(derived["Spell_Dominant_Procedure"] or None)
    primary = code(derived["Spell_Primary_Diagnosis"] or None)
    return (
        dominant is not None
        and dominant[:4] in DOMINANT_PROCEDURES
        and primary is not None
        and primary[:4] in PRIMARY_DIAGNOSES
    )


def expected(spell: dict, derived: dict | None) -> tuple[bool, str | None]:
    """(is_rfd_back, exclusion_reason), as the project's rule defines them. In a CSV extract
    an empty field is NULL."""
    spell = {key: None if value == "" else value for key, value in spell.items()}
    if derived is not None:
        derived = {key: None if value == "" else value for key, value in derived.items()}
    dominant = code(derived["Spell_Dominant_Procedure"]) if derived else None
    primary = code(derived["Spell_Primary_Diagnosis"]) if derived else None
    diagnoses = spell["Der_Diagnosis_All"]
    spell_age = rule_age(spell)
    method = category(spell["Admission_Method"])
    administrative = category(spell["Administrative_Category"])
    met = [
        dominant is not None and dominant[:4] in DOMINANT_PROCEDURES,
        holds(spell["Der_Procedure_All"], SITE_CODES),
        primary is not None and primary[:4] in PRIMARY_DIAGNOSES,
        spell_age is not None and 19 <= spell_age <= 120,
        method is not None and not method.startswith("2"),
        diagnoses is not None and not holds(diagnoses, EXCLUDED_CATEGORIES),
        administrative is not None and administrative != "02",
    ]
    for is_met, reason in zip(met, REASONS, strict=True):
        if not is_met:
            return False, reason
    return True, None


def extract_rows(extract: list[tuple]) -> tuple[list[dict], list[dict]]:
    """The spell and derived rows of a drawn extract, identifiers assigned. A row's discharge
    date is unique to its position, and not in file order, so versions never tie."""
    spells: list[dict] = []
    derived: list[dict] = []
    last_ident = 0
    for position, (spell, row, kind, bad, month, second) in enumerate(extract):
        if kind == "copy" and spells:
            spells.append(dict(spells[-1]))
            ident = spells[-1]["APCS_Ident"]
        else:
            if kind == "no_identifier":
                ident = bad
            elif kind == "version" and last_ident:
                ident = str(last_ident)
            else:
                last_ident += 1
                ident = str(last_ident)
            discharge = date(2023, 1, 1) + timedelta(days=position * 7 % 61)
            spells.append(
                {
                    "APCS_Ident": ident,
                    "Der_Pseudo_NHS_Number": "9000000000",
                    "Admission_Date": "2023-01-01",
                    "Discharge_Date": discharge.isoformat(),
                    "Der_Financial_Year": "2023/24",
                    "Der_Activity_Month": (
                        f"{2021 + month // 12}{month % 12 + 1:02d}"
                        if isinstance(month, int)
                        else month
                    ),
                    "Der_Provider_Code": "RXX",
                    "Der_Provider_Site_Code": "RXX01",
                    "Der_Commissioner_Code": "99A",
                    "Patient_Classification": "2",
                    **spell,
                }
            )
        if row is not None:
            derived.append({"APCS_Ident": ident, **row})
            if second is not None:
                derived.append({"APCS_Ident": ident, **(row if second == "copy" else second)})
    return spells, derived


def identifier(value: str) -> int | None:
    return whole_number(value, digits=18)


def derived_order(row: dict) -> tuple:
    """The derived row kept is one with which the spell meets the rule, then the first by
    dominant procedure, then primary diagnosis, as normalised, NULLs (empty fields) and
    blanks last."""
    key: tuple = (not qualifying_derived_fields(row),)
    for column in ("Spell_Dominant_Procedure", "Spell_Primary_Diagnosis"):
        value = code(row[column] or None) or None
        key += (value is None, value or "")
    return key


def spell_version(spell: dict) -> tuple:
    """The spell kept is the latest by well-formed activity month (a malformed one is
    older than any), then discharge date (unique to a row here)."""
    month = spell["Der_Activity_Month"]
    well_formed = re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", month) is not None
    return (well_formed, month if well_formed else "", spell["Discharge_Date"])


def resolved(spells: list[dict], derived: list[dict]) -> dict[int, tuple[dict, dict | None]]:
    """Each identifier's spell and derived row, as decision D17 resolves repeats: the spell of
    the latest activity month, then discharge date; rows with no identifier left out."""
    chosen_spells: dict[int, dict] = {}
    for spell in spells:
        ident = identifier(spell["APCS_Ident"])
        kept = chosen_spells.get(ident)
        if ident is not None and (kept is None or spell_version(spell) > spell_version(kept)):
            chosen_spells[ident] = spell
    chosen_derived: dict[int, dict] = {}
    for row in derived:
        ident = identifier(row["APCS_Ident"])
        kept = chosen_derived.get(ident)
        if ident is not None and (kept is None or derived_order(row) < derived_order(kept)):
            chosen_derived[ident] = row
    return {ident: (spell, chosen_derived.get(ident)) for ident, spell in chosen_spells.items()}


def expected_reconciliation(rows: list[dict], joined: int | None) -> tuple:
    """(rows in, without identifier, duplicates set aside, rows out) for one table."""
    idents = [identifier(row["APCS_Ident"]) for row in rows]
    valid = [ident for ident in idents if ident is not None]
    return len(rows), len(idents) - len(valid), len(valid) - len(set(valid)), joined


def write_extract(directory: Path, spells: list[dict], derived: list[dict]) -> None:
    """The extract as CSV, quoted where needed, as NCDR exports are; a NULL is an empty
    unquoted field. Every other column holds a plain value."""
    directory.mkdir(parents=True, exist_ok=True)
    options = pa_csv.WriteOptions(quoting_style="needed")
    for name, rows, columns in [
        ("apcs", spells, list(spells[0])),
        (
            "apcs_der",
            derived,
            ["APCS_Ident", "Spell_Dominant_Procedure", "Spell_Primary_Diagnosis"],
        ),
    ]:
        table = pa.table(
            {column: pa.array([row[column] for row in rows], pa.string()) for column in columns}
        )
        pa_csv.write_csv(table, directory / f"{name}.csv", write_options=options)


@pytest.fixture(scope="module")
def work_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("adversarial")


def issue_example(spell: dict, derived: dict | None = None, second: dict | None = None) -> tuple:
    """One row of an extract: a spell meeting every criterion but for `spell`'s changes."""
    met = {
        "Der_Diagnosis_All": "||M545",
        "Der_Procedure_All": "||V485,Z675",
        "Age_At_Start_of_Spell_SUS": "45",
        "Der_Age_at_CDS_Activity_Date": "45",
        "Admission_Method": "11",
        "Administrative_Category": "01",
        "Sex": "1",
    }
    derived = derived or {"Spell_Dominant_Procedure": "V485", "Spell_Primary_Diagnosis": "M545"}
    return ({**met, **spell}, derived, "new", "", 12, second)


# The cases decision register D3, D6 and D17 name, drawn every run besides the generated ones.
NAMED_CASES = [
    *(
        issue_example({"Der_Diagnosis_All": diagnoses})
        for diagnoses in [
            "||M545 C509", "||M545;C509", "||M545,\u00a0C509", "||M545,C 509", "||M545,c50.9",
            "||M545,D0", "||M545,D0X", "||M545,M54D0", "||M545,XC12", "||M545C509", "||C5,D3 7",
        ]
    ),
    *(
        issue_example({"Der_Procedure_All": procedures})
        for procedures in [
            "||V485 Z675", "||V485;Z675", "||V485,Z675\u00a0", "||V485,Z67 5", "||V485,Z67.5",
            "||V485,Z6751", "||V485,XZ675", "||V485\u2003Z993", "||V485/Z99 3",
        ]
    ),
    *(
        issue_example({"Age_At_Start_of_Spell_SUS": age, "Der_Age_at_CDS_Activity_Date": "45"})
        for age in [
            "-1", "+19", "0000000019", "18.5", "forty", " ", "", "2147483648", "-0", "45.0",
            "19.", "45.5",
        ]
    ),
    issue_example(
        {},
        {"Spell_Dominant_Procedure": "A011", "Spell_Primary_Diagnosis": "M545"},
        {"Spell_Dominant_Procedure": "V485", "Spell_Primary_Diagnosis": "M545"},
    ),
    issue_example(
        {},
        {"Spell_Dominant_Procedure": "V485", "Spell_Primary_Diagnosis": "I10X"},
        {"Spell_Dominant_Procedure": "A011", "Spell_Primary_Diagnosis": "M545"},
    ),
]  # fmt: skip


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(extract=EXTRACT)
@example(extract=NAMED_CASES)
def test_adversarial_extract_builds_and_flags_as_the_rule_says(extract, work_root: Path):
    directory = work_root / f"extract_{abs(hash(repr(extract)))}"
    spells, derived = extract_rows(extract)
    write_extract(directory / "data", spells, derived)
    project = DbtProject(work_dir=directory, data_dir=directory / "data")
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = project.invoke(
            "build",
            "--select",
            "+fct_rfd_back_spells",
            "+int_apcs__reconciliation",
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            # Values no real extract holds in bulk are the point here: the checks that stop
            # an extract whose columns are mostly unread are off (test_real_exports.py).
            "--vars",
            "{population_source_supplied: false, extract_check_malformed_share: 1,"
            " extract_check_mangled_code_share: 1}",
            monkeypatch=monkeypatch,
        )
    assert result.success, f"dbt build failed: {result.exception}"
    # The discharge date is unique to a row's position: it tells which version was kept.
    rows = project.query(
        "select apcs_ident, is_rfd_back, exclusion_reason, cast(discharge_date as varchar)"
        " from main.fct_rfd_back_spells"
    )
    spells_by_ident = resolved(spells, derived)
    idents = [ident for ident, *_ in rows]
    assert sorted(idents) == sorted(spells_by_ident), "a spell was lost or repeated"
    actual = {ident: tuple(values) for ident, *values in rows}
    wanted = {
        ident: (*expected(spell, row), spell["Discharge_Date"])
        for ident, (spell, row) in spells_by_ident.items()
    }
    mismatches = [
        (ident, actual[ident], wanted[ident], *spells_by_ident[ident])
        for ident in spells_by_ident
        if actual[ident] != wanted[ident]
    ]
    assert not mismatches, f"{len(mismatches)} spells differ, e.g. {mismatches[:2]}"
    reconciliation = dict(
        (table, counts)
        for table, *counts in project.query(
            "select source_table, rows_in, rows_without_identifier, duplicate_rows_set_aside,"
            " rows_out from main.int_apcs__reconciliation"
        )
    )
    with_derived = sum(row is not None for _, row in spells_by_ident.values())
    assert tuple(reconciliation["apcs"]) == expected_reconciliation(spells, len(spells_by_ident))
    assert tuple(reconciliation["apcs_der"]) == expected_reconciliation(derived, with_derived)
