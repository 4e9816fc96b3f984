-- Every cell of the published activity (rpt_rfd_back_activity) with its exact count of
-- flagged spells, numbered: by period (financial year, quarter, month) and organisation
-- (England, provider, commissioner), in total and split by admission type, age band and sex.
-- A table, so that disclosure control's rounds read it rather than recompute it.
{%- set quarter_label = dbt.concat(['financial_year', "' Q'", as_text('financial_quarter')]) %}
{%- set periods = [
    ('financial_year', 'financial_year'),
    ('quarter', quarter_label),
    ('month', 'activity_month'),
] %}
{%- set organisations = [
    ('england', "'ENGLAND'"),
    ('provider', 'provider_code'),
    ('commissioner', 'commissioner_code'),
] %}
{%- set breakdowns = [
    ('all', "'all'"),
    ('admission_type', 'admission_type'),
    ('age_band', 'age_band'),
    ('sex', 'sex'),
] %}

with

activity as (
    select * from {{ ref('int_rfd_back__activity') }}
),

cells as (
    {%- for period_type, period in periods %}
        {%- for organisation_type, organisation_code in organisations %}
            {%- for breakdown, breakdown_value in breakdowns %}
                {#- Grouped by every dimension but the constants (no engine groups by a literal). #}
                {%- set grouped = [] %}
                {%- for dimension in ['financial_year', period, organisation_code, breakdown_value] %}
                    {%- if not dimension.startswith("'") %}{% do grouped.append(dimension) %}{% endif %}
                {%- endfor %}
                {%- if period_type == 'month' %}{% do grouped.append('financial_quarter') %}{% endif %}
                select
                    financial_year,
                    '{{ period_type }}' as period_type,
                    {{ period }} as period,
                    {{ quarter_label if period_type == 'month' else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
                        as quarter_of_month,
                    '{{ organisation_type }}' as organisation_type,
                    {{ organisation_code }} as organisation_code,
                    '{{ breakdown }}' as breakdown,
                    {{ breakdown_value }} as breakdown_value,
                    sum(spells_flagged) as spells_flagged
                from activity
                group by {{ grouped | join(', ') }}
                {%- if not loop.last %}
                    union all
                {%- endif %}
            {%- endfor %}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

numbered_cells as (
    select
        cells.*,
        row_number() over (
            order by
                cells.period_type,
                coalesce(cells.period, ''),
                cells.organisation_type,
                coalesce(cells.organisation_code, ''),
                cells.breakdown,
                coalesce(cells.breakdown_value, '')
        ) as cell_id
    from cells
)

select * from numbered_cells
