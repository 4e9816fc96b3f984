-- Every cell of the published repeat procedures (rpt_rfd_back_repeat_procedures) with its
-- exact count, numbered: int_rfd_back__repeat_procedures laid out one row per count
-- (`measure`), the twelve interval months as one measure by `interval_month`. The median
-- interval stands on the row of the count it is the median of. The spells whose patient is
-- unknown are not published: beside the flagged spells rpt_rfd_back_activity publishes
-- (at least the patients plus them), a small count would be pinned. Decision register D21.

{{ config(enabled=rfd_back_enabled('reporting')) }}

{%- set measures = [
    'patients_treated', 'patients_followed_up_6_months', 'patients_repeat_within_6_months',
    'patients_followed_up_12_months', 'patients_repeat_within_12_months'
] %}

with

repeat_procedures as (
    select * from {{ ref('int_rfd_back__repeat_procedures') }}
),

cells as (
    {%- for measure in measures %}
        select
            financial_year,
            organisation_type,
            organisation_code,
            '{{ measure }}' as measure,
            cast(null as integer) as interval_month,
            {{ measure }} as measure_count,
            {%- if measure == 'patients_repeat_within_12_months' %}
                median_interval_days
            {%- else %}
                cast(null as decimal(10, 1)) as median_interval_days
            {%- endif %}
        from repeat_procedures
        union all
    {%- endfor %}
    {%- for month in range(1, 13) %}
        select
            financial_year,
            organisation_type,
            organisation_code,
            'patients_repeat_in_interval_month' as measure,
            {{ month }} as interval_month,
            patients_repeat_in_month_{{ month }} as measure_count,
            cast(null as decimal(10, 1)) as median_interval_days
        from repeat_procedures
        {{- ' union all' if not loop.last }}
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
                cells.measure,
                coalesce(cells.interval_month, 0)
        ) as cell_id
    from cells
)

select * from numbered_cells
