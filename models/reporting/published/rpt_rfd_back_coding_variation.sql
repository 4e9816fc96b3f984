-- Published: spells flagged by the EBI rule beside the spells coded with the alternatives the
-- guidance lists (coding variation, decision register D15), by financial year and
-- organisation (England, provider, commissioner); one row per count. The EBI counts are the
-- published ones of rpt_rfd_back_activity, so both tables show the same figure. Coding
-- variation counts get the same disclosure control: from 1 to 7 suppressed, the rest rounded
-- to 5, and secondary suppression in the groups adding up to a published total (a year and
-- organisation's variations with their `all`; providers or commissioners with England).
-- Coding variation is never part of the EBI count. No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

with

numbered_cells as (
    select * from {{ ref('int_rfd_back__coding_variation_cells') }}
),

cell_groups as (
    select * from {{ ref('int_rfd_back__coding_variation_cell_groups') }}
),

{{ disclosure_suppression_ctes('numbered_cells', 'spells_coding_variation', 'cell_groups') }},

coding_variation_counts as (
    select
        numbered_cells.financial_year,
        numbered_cells.organisation_type,
        numbered_cells.organisation_code,
        'coding_variation' as coding,
        numbered_cells.coding_variation,
        {{ disclosure_controlled_count(
            'numbered_cells.spells_coding_variation', 'suppressed.is_suppressed'
        ) }} as spells
    from numbered_cells
    inner join suppressed
        on numbered_cells.cell_id = suppressed.cell_id
),

ebi_counts as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        'ebi_rule' as coding,
        cast(null as {{ dbt.type_string() }}) as coding_variation,
        spells_flagged as spells
    from {{ ref('rpt_rfd_back_activity') }}
    where period_type = 'financial_year' and breakdown = 'all'
),

published as (
    select * from ebi_counts
    union all
    select * from coding_variation_counts
)

select * from published
