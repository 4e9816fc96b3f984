-- The groups of published activity cells that add up to a published total, the total
-- included, for secondary suppression: one row per cell and group it belongs to (a cell is
-- in several). A group is named by `grouping_name` and the key columns, NULL where its
-- grouping does not use one.
{%- set breakdowns = ['all', 'admission_type', 'age_band', 'sex'] %}
{%- set organisations = ['england', 'provider', 'commissioner'] %}

with

numbered_cells as (
    select * from {{ ref('int_rfd_back__activity_cells') }}
),

cell_groups as (
    -- A split's values and, as their total, the organisation's `all` cell.
    select
        cell_id,
        'split' as grouping_name,
        period as group_period,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        breakdown as group_breakdown,
        cast(null as {{ dbt.type_string() }}) as group_breakdown_value
    from numbered_cells
    where breakdown <> 'all'
    {%- for breakdown in breakdowns if breakdown != 'all' %}
        union all
        select
            cell_id,
            'split' as grouping_name,
            period as group_period,
            organisation_type as group_organisation_type,
            organisation_code as group_organisation_code,
            '{{ breakdown }}' as group_breakdown,
            cast(null as {{ dbt.type_string() }}) as group_breakdown_value
        from numbered_cells
        where breakdown = 'all'
    {%- endfor %}
    -- Providers (or commissioners) and, as their total, England.
    union all
    select
        cell_id,
        'organisations' as grouping_name,
        period as group_period,
        organisation_type as group_organisation_type,
        cast(null as {{ dbt.type_string() }}) as group_organisation_code,
        breakdown as group_breakdown,
        breakdown_value as group_breakdown_value
    from numbered_cells
    where organisation_type <> 'england'
    {%- for organisation_type in organisations if organisation_type != 'england' %}
        union all
        select
            cell_id,
            'organisations' as grouping_name,
            period as group_period,
            '{{ organisation_type }}' as group_organisation_type,
            cast(null as {{ dbt.type_string() }}) as group_organisation_code,
            breakdown as group_breakdown,
            breakdown_value as group_breakdown_value
        from numbered_cells
        where organisation_type = 'england'
    {%- endfor %}
    -- A quarter's months and the quarter; a year's quarters and the year.
    union all
    select
        cell_id,
        'periods' as grouping_name,
        case when period_type = 'month' then quarter_of_month else period end as group_period,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        breakdown as group_breakdown,
        breakdown_value as group_breakdown_value
    from numbered_cells
    where period_type in ('month', 'quarter')
    union all
    select
        cell_id,
        'periods' as grouping_name,
        financial_year as group_period,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        breakdown as group_breakdown,
        breakdown_value as group_breakdown_value
    from numbered_cells
    where period_type in ('quarter', 'financial_year')
)

select * from cell_groups
