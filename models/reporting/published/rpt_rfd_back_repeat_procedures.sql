-- Published: repeat procedures by financial year and organisation (England, provider,
-- commissioner): patients treated; of them, those whose 6 (12) months of follow-up the extract
-- holds, and of those the patients with a further episode of care within 182 (365) days; the
-- patients with a repeat within 12 months by the month of the interval (1 to 12); and the
-- median interval. One row per cell, with NHS
-- disclosure control (macros/disclosure): counts from 1 to 7 suppressed and the rest rounded
-- to 5, then secondary suppression in each group of int_rfd_back__repeat_procedure_cell_groups
-- (providers or commissioners and England; the interval months and their total). The median
-- is published only where the count it is the median of is, and is at least var
-- disclosure_median_minimum_count (20). No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

with

numbered_cells as (
    select * from {{ ref('int_rfd_back__repeat_procedure_cells') }}
),

cell_groups as (
    select * from {{ ref('int_rfd_back__repeat_procedure_cell_groups') }}
),

{{ disclosure_suppression_ctes('numbered_cells', 'measure_count', 'cell_groups') }},

controlled as (
    select
        numbered_cells.financial_year,
        numbered_cells.organisation_type,
        numbered_cells.organisation_code,
        numbered_cells.measure,
        numbered_cells.interval_month,
        {{ disclosure_controlled_count(
            'numbered_cells.measure_count', 'suppressed.is_suppressed'
        ) }} as measure_count,
        numbered_cells.measure_count as exact_count,
        numbered_cells.median_interval_days
    from numbered_cells
    inner join suppressed
        on numbered_cells.cell_id = suppressed.cell_id
),

published as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        measure,
        interval_month,
        measure_count,
        case
            when
                measure_count is not null
                and exact_count >= {{ var('disclosure_median_minimum_count') }}
                then median_interval_days
        end as median_interval_days
    from controlled
)

select * from published
