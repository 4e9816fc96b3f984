"""What the report covers, in words: the name it uses wherever a national report would say
"England". The marts call their all-organisations rows `england` / `ENGLAND` whatever the
extract holds, and a local extract may cover one region or a few commissioners, so the report
names its coverage from the data: the label the build was given (var
`rfd_back_coverage_label`, published as `rpt_rfd_back_build_information.coverage_label`), else
the number of commissioners the published tables name ("all 12 commissioners in the
extract")."""

from __future__ import annotations

from dataclasses import dataclass

from rfd_back_report.published import Rows

# What the marts publish in place of a commissioner code not of an ODS code's shape
# (decision D19): not a commissioner of its own.
INVALID_CODE = "invalid"


@dataclass(frozen=True)
class Coverage:
    """`name` reads mid-sentence ("the rate for {name}"); `basis` says where it came from."""

    name: str
    basis: str

    @property
    def title(self) -> str:
        """The name at the start of a sentence or a table cell."""
        return self.name[:1].upper() + self.name[1:]


def commissioner_codes(marts: dict[str, Rows]) -> set[str]:
    """The distinct commissioner codes of the published activity and rates (a commissioner
    with a flagged spell, or one of the population table), `invalid` and NULL left out."""
    return {
        row["organisation_code"]
        for mart in ("rpt_rfd_back_activity", "rpt_rfd_back_rates")
        for row in marts.get(mart) or []
        if row.get("organisation_type") == "commissioner"
        and row.get("organisation_code") not in (None, "", INVALID_CODE)
    }


def coverage(marts: dict[str, Rows], information: dict) -> Coverage:
    label = (information.get("coverage_label") or "").strip()
    if label:
        return Coverage(label, "as the build names it (var rfd_back_coverage_label)")
    codes = commissioner_codes(marts)
    basis = (
        "the commissioners named in the published activity and rates; set the var "
        "rfd_back_coverage_label to name the area"
    )
    if not codes:
        return Coverage("the whole extract", basis)
    if len(codes) == 1:
        return Coverage(f"commissioner {next(iter(codes))}, the only one in the extract", basis)
    return Coverage(f"all {len(codes)} commissioners in the extract", basis)
