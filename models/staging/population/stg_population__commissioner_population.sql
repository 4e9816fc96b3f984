-- One row per row of the population table: renamed, cast (a malformed number becomes NULL)
-- and normalised as the APCS extract is, so the codes join. No row is dropped, joined or
-- added.
{{ config(enabled=var('population_source_supplied')) }}

with

source as (
    select * from {{ source('population', 'commissioner_population') }}
),

renamed as (
    select
        {{ normalise_category('commissioner_code') }} as commissioner_code,
        {{ trimmed_text('financial_year') }} as financial_year,
        {{ trimmed_text('age_band') }} as age_band,
        {{ normalise_category('sex') }} as sex,
        {{ safe_cast_from_text('population', 'bigint') }} as population,
        {{ trimmed_text('population_source') }} as population_source
    from source
)

select * from renamed
