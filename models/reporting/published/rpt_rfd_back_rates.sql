-- Published: flagged spells per 100,000 population by financial year, for each commissioner
-- of the population table and for England, crude and directly age-sex standardised
-- (European Standard Population 2013), with the population they are per and its source.
-- Disclosure control is carried to the rates (decision register D14): the count is the
-- published one of rpt_rfd_back_activity (suppressed from 1 to 7 and by secondary
-- suppression, else rounded to 5); the crude rate is computed from that published count, so
-- it gives away nothing the count does not; both rates are NULL wherever the count is
-- suppressed. The standardised rate, computed from the exact counts by age band and sex, is
-- carried to the published count (scaled by published ÷ exact count, as the crude rate is
-- computed from it), then rounded to a multiple of its step: the change the rounding base's
-- worth of spells makes in the stratum where a spell counts most. So it tells only how the
-- spells spread over the strata, to within a step, never how many there are: no published
-- figure pins a count to fewer values than the base. Rates to one decimal place. No
-- patient-level field.
{{ config(enabled=rfd_back_enabled('published', needs_population=true)) }}

with

rates as (
    select * from {{ ref('int_rfd_back__rates') }}
),

published_counts as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        spells_flagged
    from {{ ref('rpt_rfd_back_activity') }}
    where
        period_type = 'financial_year'
        and breakdown = 'all'
        and organisation_type in ('england', 'commissioner')
),

-- An organisation with no flagged spell has no activity cell: its count is 0, not suppressed.
counted as (
    select
        rates.financial_year,
        rates.organisation_type,
        rates.organisation_code,
        rates.population,
        case
            when published_counts.organisation_code is null then 0
            else published_counts.spells_flagged
        end as spells_flagged,
        rates.spells_flagged as exact_spells_flagged,
        rates.standardised_rate_per_100000,
        -- The step rounded up to one decimal place, so that it is never finer than D14's.
        round(cast(ceiling(10 * rates.standardised_rate_step) / 10 as {{ dbt.type_numeric() }}), 1)
            as standardised_rate_step,
        rates.population_source
    from rates
    left join published_counts
        on
            rates.financial_year = published_counts.financial_year
            and rates.organisation_type = published_counts.organisation_type
            and rates.organisation_code = published_counts.organisation_code
),

-- The standardised rate of the published count: the exact rate × published ÷ exact count.
carried_to_published_count as (
    select
        *,
        case
            when exact_spells_flagged = 0 then standardised_rate_per_100000
            else standardised_rate_per_100000 * spells_flagged / exact_spells_flagged
        end as standardised_rate_of_published_count
    from counted
),

published as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        population,
        spells_flagged,
        round({{ rate_per('spells_flagged', 'population', 100000) }}, 1) as crude_rate_per_100000,
        -- To the nearest multiple of the step, halves up (floor, not round: PostgreSQL rounds
        -- a float's halves to even).
        case
            when spells_flagged is not null and standardised_rate_step > 0
                then round(
                    floor(standardised_rate_of_published_count / standardised_rate_step + 0.5)
                    * standardised_rate_step,
                    1
                )
        end as standardised_rate_per_100000,
        standardised_rate_step,
        population_source
    from carried_to_published_count
)

select * from published
