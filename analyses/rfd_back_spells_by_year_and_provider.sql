-- Flagged spells and all spells screened, by financial year and provider, from the fact.
select
    fct.financial_year,
    fct.provider_code,
    count(*) as spells_screened,
    count(*) filter (where fct.is_rfd_back) as rfd_back_spells
from {{ ref('fct_rfd_back_spells') }} as fct
group by fct.financial_year, fct.provider_code
order by fct.financial_year, fct.provider_code
