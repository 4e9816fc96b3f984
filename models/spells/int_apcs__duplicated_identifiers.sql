-- Every APCS_Ident held by more than one row of the spell table (`apcs`) or of the derived
-- table (`apcs_der`), with its number of rows. Usually empty. A table, built once per run, so
-- that int_apcs__spells_joined (read three times by the fact) and the data-quality report
-- look duplicates up in a short list instead of each grouping every row, which made the fact
-- several times slower (decision register D17, measured there).

with

spell_identifiers as (
    select apcs_ident from {{ ref('stg_apcs__spells') }}
),

derived_identifiers as (
    select apcs_ident from {{ ref('stg_apcs__derived_spells') }}
),

duplicated as (
    select
        'apcs' as source_table,
        apcs_ident,
        count(*) as row_count
    from spell_identifiers
    where apcs_ident is not null
    group by apcs_ident
    having count(*) > 1
    union all
    select
        'apcs_der' as source_table,
        apcs_ident,
        count(*) as row_count
    from derived_identifiers
    where apcs_ident is not null
    group by apcs_ident
    having count(*) > 1
)

select * from duplicated
