-- Every cell of the published coding variation (rpt_rfd_back_coding_variation) with its
-- exact count of spells, numbered: by financial year and organisation (England, provider,
-- commissioner), for every variation together (`all`) and for each. Each spell counts in
-- 3 organisations x 2 = 6 cells: it is repeated once for each, then the cells are counted in
-- one group by. A table, so that disclosure control's rounds read it rather than recompute it.

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

-- The labels as published (macros/reporting/published_labels.sql): a financial year or
-- organisation code not of its shape is `invalid`, and its spells are counted there.
coding_variation as (
    select
        {{ published_financial_year('financial_year') }} as financial_year,
        {{ published_organisation_code('provider_code') }} as provider_code,
        {{ published_organisation_code('commissioner_code') }} as commissioner_code,
        coding_variation
    from {{ ref('int_rfd_back__coding_variation') }}
),

organisation_types as (
    {{ organisation_types() }}
),

variations as (
    select 'all' as variation
    union all
    select 'each' as variation
),

-- Each spell once in each cell it counts in: England, its provider and its commissioner;
-- for all variations (`all`) and for its own.
spells_in_cells as (
    select
        coding_variation.financial_year,
        organisation_types.organisation_type,
        {{ organisation_code_for(
            'organisation_types.organisation_type', 'coding_variation.provider_code',
            'coding_variation.commissioner_code'
        ) }} as organisation_code,
        case
            when variations.variation = 'all' then 'all'
            else coding_variation.coding_variation
        end as coding_variation
    from coding_variation
    cross join organisation_types
    cross join variations
),

cells as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        coding_variation,
        count(*) as spells_coding_variation
    from spells_in_cells
    group by financial_year, organisation_type, organisation_code, coding_variation
),

numbered_cells as (
    select
        cells.*,
        row_number() over (
            order by
                coalesce(cells.financial_year, ''),
                cells.organisation_type,
                coalesce(cells.organisation_code, ''),
                coalesce(cells.coding_variation, '')
        ) as cell_id
    from cells
)

select * from numbered_cells
