-- The groups of published activity cells that add up to a published total, the total
-- included, for secondary suppression: one row per cell and group it belongs to (a cell is
-- in several). A group is first named by its grouping and the key columns it shares, NULL
-- where its grouping does not use one, then numbered (`group_id`, macros/disclosure). Every
-- group lies within one financial year and one kind of period: a month, quarter or year
-- published as `invalid` in two years, or at two levels, is two groups, never one.

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

cells as (
    select * from {{ ref('int_rfd_back__activity_cells') }}
),

splits as (
    select 'admission_type' as breakdown
    union all
    select 'age_band' as breakdown
    union all
    select 'sex' as breakdown
),

organisation_types as (
    {{ organisation_types(with_england=false) }}
),

-- A split's values and, as their total, the organisation's `all` cell (in every split).
split_memberships as (
    select
        cells.cell_id,
        'split' as grouping_name,
        cells.financial_year as group_financial_year,
        cells.period_type as group_period_type,
        cells.period as group_period,
        cells.organisation_type as group_organisation_type,
        cells.organisation_code as group_organisation_code,
        splits.breakdown as group_breakdown,
        cast(null as {{ dbt.type_string() }}) as group_breakdown_value
    from cells
    inner join splits
        on cells.breakdown in (splits.breakdown, 'all')
),

-- Providers (or commissioners) and, as their total, England (among both).
organisation_memberships as (
    select
        cells.cell_id,
        'organisations' as grouping_name,
        cells.financial_year as group_financial_year,
        cells.period_type as group_period_type,
        cells.period as group_period,
        organisation_types.organisation_type as group_organisation_type,
        cast(null as {{ dbt.type_string() }}) as group_organisation_code,
        cells.breakdown as group_breakdown,
        cells.breakdown_value as group_breakdown_value
    from cells
    inner join organisation_types
        on cells.organisation_type in (organisation_types.organisation_type, 'england')
),

-- A quarter's months and the quarter; a year's quarters and the year.
period_memberships as (
    select
        cell_id,
        'periods' as grouping_name,
        financial_year as group_financial_year,
        'quarter' as group_period_type,
        case when period_type = 'month' then quarter_of_month else period end as group_period,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        breakdown as group_breakdown,
        breakdown_value as group_breakdown_value
    from cells
    where period_type in ('month', 'quarter')
    union all
    select
        cell_id,
        'periods' as grouping_name,
        financial_year as group_financial_year,
        'financial_year' as group_period_type,
        financial_year as group_period,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        breakdown as group_breakdown,
        breakdown_value as group_breakdown_value
    from cells
    where period_type in ('quarter', 'financial_year')
),

memberships as (
    select * from split_memberships
    union all
    select * from organisation_memberships
    union all
    select * from period_memberships
),

numbered_groups as (
    select
        cell_id,
        grouping_name,
        {{ cell_group_id([
            'grouping_name', 'group_financial_year', 'group_period_type', 'group_period',
            'group_organisation_type', 'group_organisation_code', 'group_breakdown',
            'group_breakdown_value',
        ]) }} as group_id
    from memberships
)

select * from numbered_groups
