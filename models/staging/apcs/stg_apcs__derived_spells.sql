-- One row per row of the APCS derived table, which carries the spell's dominant procedure and
-- primary diagnosis. Renamed, cast and normalised; no row is dropped, joined or added.
with

source as (
    select * from {{ source('apcs', 'apcs_der') }}
),

-- The typed columns as the casts read them, as in stg_apcs__spells.
cast_texts as (
    select
        source.*,
        {{ cast_text('apcs_ident', 'bigint') }} as apcs_ident_cast_text
    from source
),

renamed as (
    select
        {{ safe_cast_from_text('apcs_ident', 'bigint', 'apcs_ident_cast_text') }} as apcs_ident,
        {{ normalise_code('spell_dominant_procedure') }} as dominant_procedure_code,
        {{ normalise_code('spell_primary_diagnosis') }} as primary_diagnosis_code,
        -- As recorded, for the data-quality report only.
        {{ as_text('apcs_ident') }} as apcs_ident_as_recorded,
        {{ as_text('spell_dominant_procedure') }} as dominant_procedure_as_recorded,
        {{ as_text('spell_primary_diagnosis') }} as primary_diagnosis_as_recorded
    from cast_texts
)

select * from renamed
