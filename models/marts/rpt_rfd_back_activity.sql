-- Published: flagged spells by period (financial year, quarter, month) and organisation
-- (England, provider, commissioner), in total and split by admission type, age band and sex;
-- one row per cell, with NHS disclosure control (macros/disclosure). Counts from 1 to 7 are
-- suppressed and the rest rounded to 5. Secondary suppression, where cells add up to a
-- published total and exactly one of them is small: among a split's values (they add up to
-- the organisation's total), among providers or commissioners (they add up to England), and
-- among a quarter's months or a year's quarters, repeated round after round (var
-- disclosure_secondary_suppression_rounds) since one round can leave a new single suppressed
-- cell in another grouping. No patient-level field.
{%- set periods = [
    ('financial_year', 'financial_year'),
    ('quarter', dbt.concat(['financial_year', "' Q'", as_text('financial_quarter')])),
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
                    {{ 'financial_quarter' if period_type == 'month' else 'cast(null as integer)' }}
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

{#- The three groupings in which cells add up to a published total. -#}
{%- set groupings = [
    (['financial_year', 'period_type', 'period', 'organisation_type', 'organisation_code',
      'breakdown'], ['breakdown_value']),
    (['financial_year', 'period_type', 'period', 'organisation_type', 'breakdown',
      'breakdown_value'], ['organisation_code']),
    (['financial_year', 'period_type', 'quarter_of_month', 'organisation_type',
      'organisation_code', 'breakdown', 'breakdown_value'], ['period']),
] %}
{%- set cell_columns = [
    'financial_year', 'period_type', 'period', 'quarter_of_month', 'organisation_type',
    'organisation_code', 'breakdown', 'breakdown_value', 'spells_flagged',
] %}

{{ disclosure_suppression_ctes('cells', 'spells_flagged', cell_columns, groupings) }},

published as (
    select
        financial_year,
        period_type,
        period,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value,
        case
            when is_suppressed = 0 then {{ disclosure_controlled_count('spells_flagged') }}
        end as spells_flagged
    from suppressed
)

select * from published
