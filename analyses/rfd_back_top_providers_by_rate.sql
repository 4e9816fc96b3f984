{{ config(enabled=rfd_back_enabled('published', needs_population=true)) }}
-- The ten providers with the highest rate of flagged spells per 100,000 catchment population
-- in each financial year. A provider has no population of its own: its catchment is each
-- commissioner's population apportioned by the provider's share of that commissioner's
-- admitted spells in the extract (all spells, not only flagged ones). Counts are the
-- published ones (rpt_rfd_back_activity), so the rate is NULL, and unranked, where the count
-- is suppressed. Needs the population table (var population_source_supplied).
{%- set rate_type = dbt.type_float() %}

with

spells_by_provider_and_commissioner as (
    select
        financial_year,
        provider_code,
        commissioner_code,
        count(*) as spells
    from {{ ref('fct_rfd_back_spells') }}
    group by financial_year, provider_code, commissioner_code
),

provider_shares as (
    select
        financial_year,
        provider_code,
        commissioner_code,
        cast(spells as {{ rate_type }})
        / sum(spells) over (partition by financial_year, commissioner_code) as share_of_commissioner
    from spells_by_provider_and_commissioner
),

commissioner_population as (
    select
        financial_year,
        commissioner_code,
        sum(population) as population
    from {{ ref('stg_population__commissioner_population') }}
    group by financial_year, commissioner_code
),

catchments as (
    select
        provider_shares.financial_year,
        provider_shares.provider_code,
        sum(provider_shares.share_of_commissioner * commissioner_population.population)
            as catchment_population
    from provider_shares
    inner join commissioner_population
        on
            provider_shares.financial_year = commissioner_population.financial_year
            and provider_shares.commissioner_code = commissioner_population.commissioner_code
    group by provider_shares.financial_year, provider_shares.provider_code
),

published_counts as (
    select
        financial_year,
        organisation_code as provider_code,
        spells_flagged
    from {{ ref('rpt_rfd_back_activity') }}
    where
        period_type = 'financial_year'
        and organisation_type = 'provider'
        and breakdown = 'all'
),

rates as (
    select
        catchments.financial_year,
        catchments.provider_code,
        round(catchments.catchment_population, 0) as catchment_population,
        published_counts.spells_flagged,
        round({{ rate_per(
            'published_counts.spells_flagged', 'catchments.catchment_population', 100000
        ) }}, 1) as rate_per_100000_catchment
    from catchments
    inner join published_counts
        on
            catchments.financial_year = published_counts.financial_year
            and catchments.provider_code = published_counts.provider_code
),

ranked as (
    select
        rates.*,
        row_number() over (
            partition by rates.financial_year
            order by rates.rate_per_100000_catchment desc, rates.provider_code asc
        ) as rank_in_year
    from rates
    where rates.rate_per_100000_catchment is not null
)

select
    financial_year,
    rank_in_year,
    provider_code,
    catchment_population,
    spells_flagged,
    rate_per_100000_catchment
from ranked
where rank_in_year <= 10
order by financial_year, rank_in_year
