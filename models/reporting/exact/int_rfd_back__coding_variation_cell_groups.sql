-- The groups of published coding-variation cells that add up to a published total, the total
-- included, for secondary suppression: one row per cell and group it belongs to (a cell is
-- in several). A group is first named by its grouping and the key columns it shares, NULL
-- where its grouping does not use one, then numbered (`group_id`, macros/disclosure).

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

cells as (
    select * from {{ ref('int_rfd_back__coding_variation_cells') }}
),

organisation_types as (
    {{ organisation_types(with_england=false) }}
),

-- A year and organisation's variations and, as their total, its `all` cell.
variation_memberships as (
    select
        cell_id,
        'variations' as grouping_name,
        financial_year as group_financial_year,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        cast(null as {{ dbt.type_string() }}) as group_coding_variation
    from cells
),

-- Providers (or commissioners) and, as their total, England (among both).
organisation_memberships as (
    select
        cells.cell_id,
        'organisations' as grouping_name,
        cells.financial_year as group_financial_year,
        organisation_types.organisation_type as group_organisation_type,
        cast(null as {{ dbt.type_string() }}) as group_organisation_code,
        cells.coding_variation as group_coding_variation
    from cells
    inner join organisation_types
        on cells.organisation_type in (organisation_types.organisation_type, 'england')
),

memberships as (
    select * from variation_memberships
    union all
    select * from organisation_memberships
),

numbered_groups as (
    select
        cell_id,
        grouping_name,
        {{ cell_group_id([
            'grouping_name', 'group_financial_year', 'group_organisation_type',
            'group_organisation_code', 'group_coding_variation',
        ]) }} as group_id
    from memberships
)

select * from numbered_groups
