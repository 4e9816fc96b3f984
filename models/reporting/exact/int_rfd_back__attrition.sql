-- How many spells remain after each criterion of the rule, in the published order, by
-- financial year and provider. Step 0 is every spell; step N holds the spells meeting
-- criteria 1 to N, and `spells_removed` the ones step N took away (those whose first failed
-- criterion is N). The last step is the flagged spells. Exact counts, for the analytics team:
-- the published version, with disclosure control, is rpt_rfd_back_attrition.
-- A table, not a view: it is small, and its tests and the published mart then read it
-- instead of aggregating the whole fact again each.
{{ config(enabled=rfd_back_enabled('reporting')) }}

{%- set criteria = rfd_back_criteria() %}

with

spells as (
    select
        financial_year,
        provider_code,
        exclusion_reason
    from {{ ref('fct_rfd_back_spells') }}
),

counts as (
    select
        financial_year,
        provider_code,
        {%- for criterion in criteria %}
            count(case when exclusion_reason = '{{ criterion.exclusion_reason }}' then 1 end)
                as removed_at_step_{{ loop.index }},
        {%- endfor %}
        count(*) as all_spells
    from spells
    group by financial_year, provider_code
),

steps as (
    select
        financial_year,
        provider_code,
        0 as step_number,
        'all_spells' as criterion,
        all_spells as spells_remaining,
        0 as spells_removed
    from counts
    {%- for criterion in criteria %}
        {%- set removed_so_far = [] %}
        {%- for step in range(1, loop.index + 1) %}
            {%- do removed_so_far.append('removed_at_step_' ~ step) %}
        {%- endfor %}
        union all
        select
            financial_year,
            provider_code,
            {{ loop.index }} as step_number,
            '{{ criterion.column }}' as criterion,
            all_spells - ({{ removed_so_far | join(' + ') }}) as spells_remaining,
            removed_at_step_{{ loop.index }} as spells_removed
        from counts
    {%- endfor %}
)

select * from steps
