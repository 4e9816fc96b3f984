-- Fails for every group of published cells that add up to a published total (the total
-- included) and hold exactly one suppressed cell, which subtraction would recover: a split's
-- values with the organisation's total, providers or commissioners with England, a quarter's
-- months with the quarter, a year's quarters with the year.
{%- set splits = ['admission_type', 'age_band', 'sex'] %}
{%- set organisation_types = ['provider', 'commissioner'] %}

with

activity as (
    select
        financial_year,
        period_type,
        period,
        case
            when period_type = 'month'
                then {{ dbt.concat([
                    'financial_year', "' Q'", as_text(financial_quarter('period'))
                ]) }}
        end as quarter_of_month,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value,
        case when spells_flagged is null then 1 else 0 end as is_suppressed
    from {{ ref('rpt_rfd_back_activity') }}
),

memberships as (
    select
        'split' as group_name,
        period as group_period,
        organisation_type as group_organisation,
        organisation_code,
        breakdown as group_breakdown,
        is_suppressed
    from activity
    where breakdown <> 'all'
    {%- for split in splits %}
        union all
        select
            'split' as group_name,
            period as group_period,
            organisation_type as group_organisation,
            organisation_code,
            '{{ split }}' as group_breakdown,
            is_suppressed
        from activity
        where breakdown = 'all'
    {%- endfor %}
    union all
    select
        'organisations' as group_name,
        period as group_period,
        organisation_type as group_organisation,
        null as organisation_code,
        {{ dbt.concat(['breakdown', "':'", 'breakdown_value']) }} as group_breakdown,
        is_suppressed
    from activity
    where organisation_type <> 'england'
    {%- for organisation_type in organisation_types %}
        union all
        select
            'organisations' as group_name,
            period as group_period,
            '{{ organisation_type }}' as group_organisation,
            null as organisation_code,
            {{ dbt.concat(['breakdown', "':'", 'breakdown_value']) }} as group_breakdown,
            is_suppressed
        from activity
        where organisation_type = 'england'
    {%- endfor %}
    union all
    select
        'periods' as group_name,
        -- A month's quarter; none for a month not written YYYYMM (`invalid`), as in
        -- int_rfd_back__activity_cell_groups.
        case when period_type = 'month' then quarter_of_month else period end as group_period,
        organisation_type as group_organisation,
        organisation_code,
        {{ dbt.concat(['breakdown', "':'", 'breakdown_value']) }} as group_breakdown,
        is_suppressed
    from activity
    where period_type in ('month', 'quarter')
    union all
    select
        'periods' as group_name,
        financial_year as group_period,
        organisation_type as group_organisation,
        organisation_code,
        {{ dbt.concat(['breakdown', "':'", 'breakdown_value']) }} as group_breakdown,
        is_suppressed
    from activity
    where period_type in ('quarter', 'financial_year')
)

select
    group_name,
    group_period,
    group_organisation,
    organisation_code,
    group_breakdown,
    sum(is_suppressed) as suppressed_cells
from memberships
group by group_name, group_period, group_organisation, organisation_code, group_breakdown
having sum(is_suppressed) = 1
