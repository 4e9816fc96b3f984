-- Published: the spells remaining after each criterion of the rule, in the published order,
-- by financial year, with NHS disclosure control (macros/disclosure). Remaining counts from
-- 1 to 7 are suppressed and the rest rounded to 5. The spells a step removed are the
-- difference of the published remaining counts before and after it (decision register D13):
-- computed from published numbers only, they give away nothing the remaining counts do not,
-- where rounding both columns apart let one be differenced against the other. NULL where
-- either remaining count is suppressed, and where the difference is 5, a small number.
-- No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

with

attrition as (
    select
        financial_year,
        step_number,
        criterion,
        sum(spells_remaining) as spells_remaining
    from (
        -- A financial year not written `2023/24` is published as `invalid`.
        select
            {{ published_financial_year('financial_year') }} as financial_year,
            step_number,
            criterion,
            spells_remaining
        from {{ ref('int_rfd_back__attrition') }}
    ) as labelled_attrition
    group by financial_year, step_number, criterion
),

controlled as (
    select
        financial_year,
        step_number,
        criterion,
        {{ disclosure_controlled_count('spells_remaining') }} as spells_remaining
    from attrition
),

differenced as (
    select
        financial_year,
        step_number,
        criterion,
        spells_remaining,
        case
            when step_number = 0 then 0
            else
                lag(spells_remaining) over (partition by financial_year order by step_number)
                - spells_remaining
        end as spells_removed
    from controlled
),

-- A difference of 5 is shown as a small number would be: suppressed.
published as (
    select
        financial_year,
        step_number,
        criterion,
        spells_remaining,
        case when not ({{ is_small_number('spells_removed') }}) then spells_removed end
            as spells_removed
    from differenced
)

select * from published
