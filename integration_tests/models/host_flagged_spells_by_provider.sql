-- A host model reading the package's fact, as a team's own reporting would: flagged spells
-- by financial year and provider. Exact counts, for the team's analysts only.
select
    financial_year,
    provider_code,
    count(*) as spells_flagged
from {{ ref('rfd_back', 'fct_rfd_back_spells') }}
where {{ rfd_back.flag_is_set('is_rfd_back') }}
group by financial_year, provider_code
