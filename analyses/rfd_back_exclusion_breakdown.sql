-- Why spells were not counted: the published attrition of each financial year, each
-- criterion's removed spells beside the spells still in, in the published order.
{{ config(enabled=rfd_back_enabled('published')) }}

select
    attrition.financial_year,
    attrition.step_number,
    attrition.criterion,
    attrition.spells_removed,
    attrition.spells_remaining
from {{ ref('rpt_rfd_back_attrition') }} as attrition
order by attrition.financial_year, attrition.step_number
