-- Published: flagged spells by period (financial year, quarter, month) and organisation
-- (England, provider, commissioner), in total and split by admission type, age band and sex;
-- one row per cell, with NHS disclosure control (macros/disclosure). Counts from 1 to 7 are
-- suppressed and the rest rounded to 5. Secondary suppression in every group of cells that
-- add up to a published total, the total included: a split's values and the organisation's
-- total, providers or commissioners and England, a quarter's months and the quarter, a
-- year's quarters and the year. When exactly one cell of a group is suppressed, the next
-- smallest is too, round after round (var disclosure_secondary_suppression_rounds), since one
-- round can leave a lone suppressed cell in another group. No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

with

numbered_cells as (
    select * from {{ ref('int_rfd_back__activity_cells') }}
),

cell_groups as (
    select * from {{ ref('int_rfd_back__activity_cell_groups') }}
),

{{ disclosure_suppression_ctes('numbered_cells', 'spells_flagged', 'cell_groups') }},

published as (
    select
        numbered_cells.financial_year,
        numbered_cells.period_type,
        numbered_cells.period,
        numbered_cells.organisation_type,
        numbered_cells.organisation_code,
        numbered_cells.breakdown,
        numbered_cells.breakdown_value,
        {{ disclosure_controlled_count(
            'numbered_cells.spells_flagged', 'suppressed.is_suppressed'
        ) }} as spells_flagged
    from numbered_cells
    inner join suppressed
        on numbered_cells.cell_id = suppressed.cell_id
)

select * from published
