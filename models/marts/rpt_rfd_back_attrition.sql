-- Published: the spells remaining after each criterion of the rule, in the published order,
-- by financial year, with NHS disclosure control (macros/disclosure). Counts from 1 to 7 are
-- suppressed and the rest rounded to 5. Secondary suppression: the removed counts of a year
-- add up to its spells screened minus those flagged, both published, so when exactly one of
-- them is suppressed the next smallest is suppressed too. No patient-level field.
with

attrition as (
    select
        financial_year,
        step_number,
        criterion,
        sum(spells_remaining) as spells_remaining,
        sum(spells_removed) as spells_removed
    from {{ ref('int_rfd_back__attrition') }}
    group by financial_year, step_number, criterion
),

suppression_order as (
    select
        attrition.*,
        count(case when {{ is_small_number('attrition.spells_removed') }} then 1 end)
            over (partition by attrition.financial_year) as small_removed_counts_in_year,
        row_number() over (
            partition by attrition.financial_year
            order by
                case when attrition.spells_removed > {{ var('disclosure_suppression_threshold') }} then 0 else 1 end,
                attrition.spells_removed,
                attrition.step_number
        ) as order_of_next_smallest_removed
    from attrition
),

published as (
    select
        financial_year,
        step_number,
        criterion,
        {{ disclosure_controlled_count('spells_remaining') }} as spells_remaining,
        case
            when small_removed_counts_in_year = 1 and order_of_next_smallest_removed = 1
                then null
            else {{ disclosure_controlled_count('spells_removed') }}
        end as spells_removed
    from suppression_order
)

select * from published
