-- Fails for every group of published cells that add up to a published total and hold
-- exactly one suppressed cell, which subtraction would recover: a split's values within an
-- organisation's total, providers or commissioners within England, a quarter's months, a
-- year's quarters.
with

activity as (
    select
        financial_year,
        period_type,
        period,
        case when period_type = 'month' then {{ financial_quarter('period') }} end as quarter_of_month,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value,
        case when spells_flagged is null then 1 else 0 end as is_suppressed
    from {{ ref('rpt_rfd_back_activity') }}
),

groups as (
    select
        'split' as cell_grouping,
        count(*) as cells,
        sum(is_suppressed) as suppressed_cells
    from activity
    group by
        financial_year, period_type, period, organisation_type, organisation_code, breakdown
    union all
    select
        'organisations' as cell_grouping,
        count(*) as cells,
        sum(is_suppressed) as suppressed_cells
    from activity
    where organisation_type <> 'england'
    group by financial_year, period_type, period, organisation_type, breakdown, breakdown_value
    union all
    select
        'periods' as cell_grouping,
        count(*) as cells,
        sum(is_suppressed) as suppressed_cells
    from activity
    where period_type <> 'financial_year'
    group by
        financial_year,
        period_type,
        quarter_of_month,
        organisation_type,
        organisation_code,
        breakdown,
        breakdown_value
)

select *
from groups
where cells > 1 and suppressed_cells = 1
