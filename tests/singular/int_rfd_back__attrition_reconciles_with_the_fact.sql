-- Fails for every financial year and provider whose attrition does not reconcile with
-- fct_rfd_back_spells: step 0 must hold every spell, the last step the flagged spells, and
-- each step the previous one's spells less those it removed.
{{ config(enabled=rfd_back_enabled('reporting')) }}

{%- set last_step = rfd_back_criteria() | length %}
{%- set group_columns = ['financial_year', 'provider_code'] %}

with

fact as (
    select
        financial_year,
        provider_code,
        count(*) as spells,
        count(case when {{ flag_is_set('is_rfd_back') }} then 1 end) as flagged_spells
    from {{ ref('fct_rfd_back_spells') }}
    group by financial_year, provider_code
),

attrition as (
    select * from {{ ref('int_rfd_back__attrition') }}
),

first_and_last as (
    select
        financial_year,
        provider_code,
        max(case when step_number = 0 then spells_remaining end) as first_step,
        max(case when step_number = {{ last_step }} then spells_remaining end) as last_step,
        count(*) as steps
    from attrition
    group by financial_year, provider_code
),

ends_disagree as (
    select
        fact.financial_year,
        fact.provider_code
    from fact
    left join first_and_last
        on {{ rows_match_on('fact', 'first_and_last', group_columns) }}
    where
        first_and_last.steps is null
        or first_and_last.steps <> {{ last_step + 1 }}
        or first_and_last.first_step <> fact.spells
        or first_and_last.last_step <> fact.flagged_spells
),

steps_disagree as (
    select
        step.financial_year,
        step.provider_code
    from attrition as step
    inner join attrition as previous_step
        on
            {{ rows_match_on('step', 'previous_step', group_columns) }}
            and step.step_number = previous_step.step_number + 1
    where step.spells_remaining <> previous_step.spells_remaining - step.spells_removed
)

select * from ends_disagree
union all
select * from steps_disagree
