-- Fails when the package's fact and the host's spell table differ in rows or identifiers.
with

host_spells as (
    select cast(apcs_ident as bigint) as apcs_ident from {{ ref('sus_apcs_spells') }}
),

fact_spells as (
    select apcs_ident from {{ ref('rfd_back', 'fct_rfd_back_spells') }}
),

only_in_host as (
    select apcs_ident from host_spells
    except
    select apcs_ident from fact_spells
),

only_in_fact as (
    select apcs_ident from fact_spells
    except
    select apcs_ident from host_spells
)

select 'only in the host table' as difference, apcs_ident from only_in_host
union all
select 'only in the fact' as difference, apcs_ident from only_in_fact
union all
select 'a spell in the fact more than once' as difference, apcs_ident
from fact_spells
group by apcs_ident
having count(*) > 1
