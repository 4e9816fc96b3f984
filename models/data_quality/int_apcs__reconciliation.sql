-- What this run did with the extract, one row per source table: rows read; rows left out,
-- by reason (no identifier that is a whole number, a second row of an identifier, a derived
-- row with no spell); rows that reached the fact (spells) or were joined to a spell (derived
-- rows); spells flagged; data-quality issues found (int_apcs__data_quality_issues). On a
-- full build rows in are rows out plus the rows left out, so no row goes uncounted (decision
-- register D17); after a refresh the fact also holds months the extract may not.

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
    -- Rows set aside: an identifier's rows beyond the first; derived rows with no spell
    -- count once per identifier (the duplicates among them are set aside).
    select
        source_table,
        count(*) as issues_found,
        sum(case when issue = 'not_a_whole_number' and field = 'apcs_ident' then 1 else 0 end)
            as rows_without_identifier,
        sum(case when issue = 'duplicate_identifier' then 1 else 0 end)
        - count(distinct case when issue = 'duplicate_identifier' then apcs_ident end)
            as duplicate_rows_set_aside,
        count(distinct case when issue = 'no_spell' then apcs_ident end) as rows_without_spell
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
    coalesce(issues.rows_without_identifier, 0) as rows_without_identifier,
    coalesce(issues.duplicate_rows_set_aside, 0) as duplicate_rows_set_aside,
    coalesce(issues.rows_without_spell, 0) as rows_without_spell,
    reconciliation.rows_out,
    reconciliation.spells_flagged,
    coalesce(issues.issues_found, 0) as issues_found
from reconciliation
left join issues
    on reconciliation.source_table = issues.source_table
