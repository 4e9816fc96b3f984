-- Flagged spells and all spells screened, by financial year and provider, from the fact.
-- (Written to run on every engine, T-SQL included: no FILTER clause, flags read by macro.)
select
    fct.financial_year,
    fct.provider_code,
    count(*) as spells_screened,
    count(case when {{ flag_is_set('fct.is_rfd_back') }} then 1 end) as rfd_back_spells
from {{ ref('fct_rfd_back_spells') }} as fct
group by fct.financial_year, fct.provider_code
order by fct.financial_year, fct.provider_code
