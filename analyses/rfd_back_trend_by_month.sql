-- The trend to publish: flagged spells in England by month, disclosure-controlled, in order.
{{ config(enabled=rfd_back_enabled('published')) }}

select
    activity.financial_year,
    activity.period as activity_month,
    activity.spells_flagged
from {{ ref('rpt_rfd_back_activity') }} as activity
where
    activity.period_type = 'month'
    and activity.organisation_type = 'england'
    and activity.breakdown = 'all'
order by activity.period
