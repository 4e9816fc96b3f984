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

{{ disclosure_suppression_ctes(
    'attrition',
    'spells_removed',
    ['financial_year', 'step_number', 'criterion', 'spells_remaining', 'spells_removed'],
    [(['financial_year'], ['step_number'])]
) }},

published as (
    select
        financial_year,
        step_number,
        criterion,
        {{ disclosure_controlled_count('spells_remaining') }} as spells_remaining,
        case
            when is_suppressed = 0 then {{ disclosure_controlled_count('spells_removed') }}
        end as spells_removed
    from suppressed
)

select * from published
