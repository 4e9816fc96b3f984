-- Flagged spells per 100,000 population by financial year, for each commissioner of the
-- population table and for England: exact counts and rates, before disclosure control
-- (published as rpt_rfd_back_rates). The crude rate counts every flagged spell of the
-- commissioner; the directly age-sex standardised rate weights the rate of each age band and
-- sex by the European Standard Population 2013 (the same weights for each sex), over the
-- strata the population table holds with a population above 0, so it counts the flagged
-- spells of known age band and sex in those strata. England is every commissioner of the
-- population table together, but its crude count is every flagged spell of the year. The
-- standardised rate's step is what the rounding base's worth of spells would change it by
-- in the stratum where a spell changes it most: the published rate is rounded to it.
{{ config(enabled=rfd_back_enabled('reporting', needs_population=true)) }}
{#- Rates are computed in floating point and stored as decimals to 6 places, the same on
    every engine. #}
{%- set rate_type = dbt.type_float() %}
{%- set rate_decimal = dbt.type_numeric() %}

with

-- The population under the labels int_rfd_back__activity publishes: a commissioner code or
-- financial year not of its shape is `invalid`, its rows added together.
population as (
    select
        {{ published_financial_year('financial_year') }} as financial_year,
        {{ published_organisation_code('commissioner_code') }} as commissioner_code,
        age_band,
        sex,
        sum(population) as population,
        max(population_source) as population_source
    from {{ ref('stg_population__commissioner_population') }}
    group by
        {{ published_financial_year('financial_year') }},
        {{ published_organisation_code('commissioner_code') }},
        age_band,
        sex
),

standard_population as (
    select
        age_band,
        standard_population
    from {{ ref('european_standard_population_2013') }}
),

activity as (
    select
        financial_year,
        commissioner_code,
        age_band,
        sex,
        spells_flagged
    from {{ ref('int_rfd_back__activity') }}
),

flagged_by_stratum as (
    select
        financial_year,
        commissioner_code,
        age_band,
        sex,
        sum(spells_flagged) as spells_flagged
    from activity
    group by financial_year, commissioner_code, age_band, sex
),

commissioner_strata as (
    select
        population.financial_year,
        'commissioner' as organisation_type,
        population.commissioner_code as organisation_code,
        population.age_band,
        population.sex,
        population.population,
        coalesce(flagged_by_stratum.spells_flagged, 0) as spells_flagged,
        population.population_source
    from population
    left join flagged_by_stratum
        on
            population.financial_year = flagged_by_stratum.financial_year
            and population.commissioner_code = flagged_by_stratum.commissioner_code
            and population.age_band = flagged_by_stratum.age_band
            and population.sex = flagged_by_stratum.sex
),

england_strata as (
    select
        financial_year,
        'england' as organisation_type,
        'ENGLAND' as organisation_code,
        age_band,
        sex,
        sum(population) as population,
        sum(spells_flagged) as spells_flagged,
        max(population_source) as population_source
    from commissioner_strata
    group by financial_year, age_band, sex
),

strata as (
    select * from commissioner_strata
    union all
    select * from england_strata
),

-- Each stratum's rate weighted by its band's standard population; none where no one lives.
weighted_strata as (
    select
        strata.*,
        case
            when strata.population > 0 then standard_population.standard_population
        end as standard_weight,
        case
            when strata.population > 0
                then
                    standard_population.standard_population
                    * cast(strata.spells_flagged as {{ rate_type }})
                    / strata.population
        end as weighted_rate
    from strata
    inner join standard_population
        on strata.age_band = standard_population.age_band
),

standardised as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        sum(population) as population,
        sum(case when population > 0 then spells_flagged else 0 end) as spells_flagged_standardised,
        100000 * sum(weighted_rate) / nullif(sum(standard_weight), 0)
            as standardised_rate_per_100000,
        -- What the rounding base's worth of spells would move the rate by in the stratum
        -- where one spell moves it most (decision register D14): the rate's disclosure step.
        {{ var('disclosure_rounding_base') }} * 100000
        * max(cast(standard_weight as {{ rate_decimal }}) / nullif(population, 0))
        / nullif(sum(standard_weight), 0) as standardised_rate_step,
        max(population_source) as population_source
    from weighted_strata
    group by financial_year, organisation_type, organisation_code
),

-- Every flagged spell counts in the crude rate: England's include those of commissioners
-- missing from the population table, as a national population covers them.
flagged_by_organisation as (
    select
        financial_year,
        'commissioner' as organisation_type,
        commissioner_code as organisation_code,
        sum(spells_flagged) as spells_flagged
    from activity
    group by financial_year, commissioner_code
    union all
    select
        financial_year,
        'england' as organisation_type,
        'ENGLAND' as organisation_code,
        sum(spells_flagged) as spells_flagged
    from activity
    group by financial_year
),

rates as (
    select
        standardised.financial_year,
        standardised.organisation_type,
        standardised.organisation_code,
        standardised.population,
        coalesce(flagged_by_organisation.spells_flagged, 0) as spells_flagged,
        standardised.spells_flagged_standardised,
        {{ rate_per(
            'coalesce(flagged_by_organisation.spells_flagged, 0)', 'standardised.population', 100000
        ) }} as crude_rate_per_100000,
        cast(standardised.standardised_rate_per_100000 as {{ rate_decimal }})
            as standardised_rate_per_100000,
        cast(standardised.standardised_rate_step as {{ rate_decimal }}) as standardised_rate_step,
        standardised.population_source
    from standardised
    left join flagged_by_organisation
        on
            standardised.financial_year = flagged_by_organisation.financial_year
            and standardised.organisation_type = flagged_by_organisation.organisation_type
            and standardised.organisation_code = flagged_by_organisation.organisation_code
)

select * from rates
