-- One row per row of the population table: renamed, cast (a malformed number becomes NULL)
-- and normalised as the APCS extract is, so the codes join. No row is dropped, joined or
-- added. The population is optional: where its table does not exist, this model is empty
-- and so are the rates (the build's log says so).
{{ config(enabled=var('population_source_supplied')) }}

{%- set population = source('population', 'commissioner_population') %}
{%- set population_exists = not execute or adapter.get_relation(
    database=population.database, schema=population.schema, identifier=population.identifier
) is not none %}

with

source as (
    {% if population_exists -%}
        select * from {{ population }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as commissioner_code,
            cast(null as {{ dbt.type_string() }}) as financial_year,
            cast(null as {{ dbt.type_string() }}) as age_band,
            cast(null as {{ dbt.type_string() }}) as sex,
            cast(null as {{ dbt.type_string() }}) as population,
            cast(null as {{ dbt.type_string() }}) as population_source
        from (select 1 as no_population) as no_population_table
        where 1 = 0
    {%- endif %}
),

-- The typed columns as the casts read them, as in stg_apcs__spells.
cast_texts as (
    select
        source.*,
        {{ cast_text('population', 'bigint') }} as population_cast_text
    from source
),

renamed as (
    select
        {{ normalise_category('commissioner_code') }} as commissioner_code,
        {{ trimmed_text('financial_year') }} as financial_year,
        {{ trimmed_text('age_band') }} as age_band,
        {{ normalise_category('sex') }} as sex,
        {{ safe_cast_from_text('population', 'bigint', 'population_cast_text') }} as population,
        {{ trimmed_text('population_source') }} as population_source
    from cast_texts
)

select * from renamed
