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
    from (
        -- A financial year not written `2023/24` is published as `invalid`.
        select
            {{ published_financial_year('financial_year') }} as financial_year,
            step_number,
            criterion,
            spells_remaining,
            spells_removed
        from {{ ref('int_rfd_back__attrition') }}
    ) as labelled_attrition
    group by financial_year, step_number, criterion
),

numbered_attrition as (
    select
        attrition.*,
        row_number() over (order by attrition.financial_year, attrition.step_number) as cell_id
    from attrition
),

-- A year's removed counts add up to its spells screened less those flagged.
removed_by_year as (
    select
        cell_id,
        financial_year
    from numbered_attrition
),

{{ disclosure_suppression_ctes(
    'numbered_attrition', 'spells_removed', 'removed_by_year', ['financial_year']
) }},

published as (
    select
        numbered_attrition.financial_year,
        numbered_attrition.step_number,
        numbered_attrition.criterion,
        {{ disclosure_controlled_count('numbered_attrition.spells_remaining') }}
            as spells_remaining,
        {{ disclosure_controlled_count(
            'numbered_attrition.spells_removed', 'suppressed.is_suppressed'
        ) }} as spells_removed
    from numbered_attrition
    inner join suppressed
        on numbered_attrition.cell_id = suppressed.cell_id
)

select * from published
