-- Every cell of the published coding variation (rpt_rfd_back_coding_variation) with its
-- exact count of spells, numbered: by financial year and organisation (England, provider,
-- commissioner), for every variation together (`all`) and for each. A table, so that
-- disclosure control's rounds read it rather than recompute it.
{%- set organisations = [
    ('england', "'ENGLAND'"),
    ('provider', 'provider_code'),
    ('commissioner', 'commissioner_code'),
] %}
{%- set variations = [('all', "'all'"), ('each', 'coding_variation')] %}

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

cells as (
    {%- for organisation_type, organisation_code in organisations %}
        {%- set outer_loop = loop %}
        {%- for _, variation in variations %}
            {%- set grouped = ['financial_year'] %}
            {%- for dimension in [organisation_code, variation] if not dimension.startswith("'") %}
                {%- do grouped.append(dimension) %}
            {%- endfor %}
            select
                financial_year,
                '{{ organisation_type }}' as organisation_type,
                {{ organisation_code }} as organisation_code,
                {{ variation }} as coding_variation,
                count(*) as spells_coding_variation
            from coding_variation
            group by {{ grouped | join(', ') }}
            {{- ' union all' if not (loop.last and outer_loop.last) }}
        {%- endfor %}
    {%- endfor %}
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
