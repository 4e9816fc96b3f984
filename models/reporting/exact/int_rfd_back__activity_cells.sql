-- Every cell of the published activity (rpt_rfd_back_activity) with its exact count of
-- flagged spells, numbered: by period (financial year, quarter, month) and organisation
-- (England, provider, commissioner), in total and split by admission type, age band and sex.
-- Each row of int_rfd_back__activity (one per month, provider, commissioner, admission type,
-- age band and sex) counts in 3 periods x 3 organisations x 4 breakdowns = 36 cells: it is
-- repeated once for each, then the cells are summed in one group by. A table, so that
-- disclosure control's rounds read it rather than recompute it.

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

activity as (
    select
        financial_year,
        -- As `2023/24 Q1`; NULL where the month is `invalid` (no quarter).
        case
            when financial_quarter is not null
                then {{ dbt.concat(['financial_year', "' Q'", as_text('financial_quarter')]) }}
        end as quarter_label,
        activity_month,
        provider_code,
        commissioner_code,
        admission_type,
        age_band,
        sex,
        spells_flagged
    from {{ ref('int_rfd_back__activity') }}
),

period_types as (
    select 'financial_year' as period_type
    union all
    select 'quarter' as period_type
    union all
    select 'month' as period_type
),

organisation_types as (
    {{ organisation_types() }}
),

breakdowns as (
    select 'all' as breakdown
    union all
    select 'admission_type' as breakdown
    union all
    select 'age_band' as breakdown
    union all
    select 'sex' as breakdown
),

-- Each activity row once in each cell it counts in: its year, quarter and month; England,
-- its provider and its commissioner; in total (`all`) and by its admission type, age band
-- and sex.
activity_in_cells as (
    select
        activity.financial_year,
        period_types.period_type,
        case
            when period_types.period_type = 'financial_year' then activity.financial_year
            when period_types.period_type = 'quarter' then activity.quarter_label
            else activity.activity_month
        end as period,
        case when period_types.period_type = 'month' then activity.quarter_label end as quarter_of_month,
        organisation_types.organisation_type,
        {{ organisation_code_for(
            'organisation_types.organisation_type', 'activity.provider_code',
            'activity.commissioner_code'
        ) }} as organisation_code,
        breakdowns.breakdown,
        case
            when breakdowns.breakdown = 'all' then 'all'
            when breakdowns.breakdown = 'admission_type' then activity.admission_type
            when breakdowns.breakdown = 'age_band' then activity.age_band
            else activity.sex
        end as breakdown_value,
        activity.spells_flagged
    from activity
    cross join period_types
    cross join organisation_types
    cross join breakdowns
),

cells as (
    select
        financial_year,
        period_type,
        period,
        quarter_of_month,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value,
        sum(spells_flagged) as spells_flagged
    from activity_in_cells
    group by
        financial_year,
        period_type,
        period,
        quarter_of_month,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value
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
                coalesce(cells.breakdown_value, ''),
                -- Apart only where a month is `invalid` in several financial years.
                coalesce(cells.financial_year, '')
        ) as cell_id
    from cells
)

select * from numbered_cells
