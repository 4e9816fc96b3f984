-- What this run did with the extract, one row per source table: rows read, rows that reached
-- the fact (spells) or were joined to a spell (derived rows), spells flagged, and
-- data-quality issues found (int_apcs__data_quality_issues). Every spell reaches the fact,
-- so for `apcs` rows out equal rows in unless the fact holds other months than the extract
-- (after a refresh, its older months).
{{ config(materialized='table') }}

with

spells_in as (
    select count(*) as row_count from {{ ref('stg_apcs__spells') }}
),

derived_in as (
    select count(*) as row_count from {{ ref('stg_apcs__derived_spells') }}
),

fact as (
    select
        count(*) as spells_out,
        sum(case when {{ flag_is_set('is_rfd_back') }} then 1 else 0 end) as spells_flagged,
        sum(case when {{ flag_is_set('has_derived_record') }} then 1 else 0 end)
            as spells_with_derived_record
    from {{ ref('fct_rfd_back_spells') }}
),

issues as (
    select
        source_table,
        count(*) as issues_found
    from {{ ref('int_apcs__data_quality_issues') }}
    group by source_table
),

reconciliation as (
    select
        'apcs' as source_table,
        spells_in.row_count as rows_in,
        fact.spells_out as rows_out,
        fact.spells_flagged
    from spells_in
    cross join fact
    union all
    select
        'apcs_der' as source_table,
        derived_in.row_count as rows_in,
        fact.spells_with_derived_record as rows_out,
        cast(null as {{ dbt.type_bigint() }}) as spells_flagged
    from derived_in
    cross join fact
)

select
    reconciliation.source_table,
    reconciliation.rows_in,
    reconciliation.rows_out,
    reconciliation.spells_flagged,
    coalesce(issues.issues_found, 0) as issues_found
from reconciliation
left join issues
    on reconciliation.source_table = issues.source_table
