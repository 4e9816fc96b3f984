-- The groups of published repeat-procedure cells that add up to a published total, the total
-- included, for secondary suppression: one row per cell and group it belongs to. A group is
-- named by its grouping and the key columns it shares (NULL where its grouping does not use
-- one), then numbered (`group_id`, macros/disclosure). Decision register D21.
--
-- Providers (or commissioners) and England, for each year, measure and interval month. A
-- patient treated by two providers in a year counts once for each and once for England, so
-- these add up only nearly; they are protected as if they added up exactly.
-- A year and organisation's twelve interval months and its patients with a repeat within 12
-- months, which they add up to exactly.

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

cells as (
    select * from {{ ref('int_rfd_back__repeat_procedure_cells') }}
),

organisation_types as (
    {{ organisation_types(with_england=false) }}
),

organisation_memberships as (
    select
        cells.cell_id,
        'organisations' as grouping_name,
        cells.financial_year as group_financial_year,
        organisation_types.organisation_type as group_organisation_type,
        cast(null as {{ dbt.type_string() }}) as group_organisation_code,
        cells.measure as group_measure,
        {{ as_text('cells.interval_month') }} as group_interval_month
    from cells
    inner join organisation_types
        on cells.organisation_type in (organisation_types.organisation_type, 'england')
),

interval_memberships as (
    select
        cell_id,
        'interval_months' as grouping_name,
        financial_year as group_financial_year,
        organisation_type as group_organisation_type,
        organisation_code as group_organisation_code,
        cast(null as {{ dbt.type_string() }}) as group_measure,
        cast(null as {{ dbt.type_string() }}) as group_interval_month
    from cells
    where measure in ('patients_repeat_in_interval_month', 'patients_repeat_within_12_months')
),

memberships as (
    select * from organisation_memberships
    union all
    select * from interval_memberships
),

numbered_groups as (
    select
        cell_id,
        grouping_name,
        {{ cell_group_id([
            'grouping_name', 'group_financial_year', 'group_organisation_type',
            'group_organisation_code', 'group_measure', 'group_interval_month',
        ]) }} as group_id
    from memberships
)

select * from numbered_groups
