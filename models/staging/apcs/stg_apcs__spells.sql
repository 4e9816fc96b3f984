-- One row per row of the APCS spell table: renamed to snake_case, cast (a malformed number or
-- date becomes NULL) and normalised. No row is dropped, joined or added.
with

source as (
    select * from {{ source('apcs', 'apcs') }}
),

-- The typed columns as the portable and T-SQL casts read them (cast_text): trimmed text,
-- without a zero fraction (`45.0`) or a time (`2023-04-01 00:00:00.000`). Computed once
-- here, so the casts below stay short.
cast_texts as (
    select
        source.*,
        {{ cast_text('apcs_ident', 'bigint') }} as apcs_ident_cast_text,
        {{ cast_text('admission_date', 'date') }} as admission_date_cast_text,
        {{ cast_text('discharge_date', 'date') }} as discharge_date_cast_text,
        {{ cast_text('age_at_start_of_spell_sus', 'integer') }} as sus_age_cast_text,
        {{ cast_text('der_age_at_cds_activity_date', 'integer') }} as cds_age_cast_text
    from source
),

renamed as (
    select
        {{ safe_cast_from_text('apcs_ident', 'bigint', 'apcs_ident_cast_text') }} as apcs_ident,
        -- Blank is missing: a blank number links no patients together.
        nullif({{ trimmed_text('der_pseudo_nhs_number') }}, '') as pseudo_nhs_number,
        {{ safe_cast_from_text('admission_date', 'date', 'admission_date_cast_text') }} as admission_date,
        {{ safe_cast_from_text('discharge_date', 'date', 'discharge_date_cast_text') }} as discharge_date,
        {{ trimmed_text('der_financial_year') }} as financial_year,
        {{ trimmed_text('der_activity_month') }} as activity_month,
        {{ normalise_category('der_provider_code') }} as provider_code,
        {{ normalise_category('der_provider_site_code') }} as provider_site_code,
        {{ normalise_category('der_commissioner_code') }} as commissioner_code,
        {{ safe_cast_from_text('age_at_start_of_spell_sus', 'integer', 'sus_age_cast_text') }}
            as age_at_start_of_spell,
        {{ safe_cast_from_text('der_age_at_cds_activity_date', 'integer', 'cds_age_cast_text') }}
            as age_at_cds_activity_date,
        {{ normalise_category('sex') }} as sex,
        {{ normalise_category('admission_method') }} as admission_method,
        {{ normalise_category('administrative_category') }} as administrative_category,
        {{ normalise_category('patient_classification') }} as patient_classification,
        {{ normalise_code_list('der_diagnosis_all') }} as diagnosis_codes_all,
        {{ normalise_code_list('der_procedure_all') }} as procedure_codes_all,
        -- As recorded, for the data-quality report only: what a cast turned into NULL, and
        -- what normalisation took out.
        {{ as_text('apcs_ident') }} as apcs_ident_as_recorded,
        {{ as_text('admission_date') }} as admission_date_as_recorded,
        {{ as_text('discharge_date') }} as discharge_date_as_recorded,
        {{ as_text('age_at_start_of_spell_sus') }} as age_at_start_of_spell_as_recorded,
        {{ as_text('der_age_at_cds_activity_date') }} as age_at_cds_activity_date_as_recorded,
        {{ as_text('der_diagnosis_all') }} as diagnosis_codes_all_as_recorded,
        {{ as_text('der_procedure_all') }} as procedure_codes_all_as_recorded
    from cast_texts
),

-- An age recorded (not NULL, not blank) but not a whole number. For the SUS age the rule
-- then does not fall back to the CDS age (decision register D6).
with_malformed_ages as (
    select
        renamed.*,
        {{ as_flag(is_malformed('renamed.age_at_start_of_spell', 'renamed.age_at_start_of_spell_as_recorded')) }}
            as has_malformed_age_at_start_of_spell,
        {{ as_flag(is_malformed('renamed.age_at_cds_activity_date', 'renamed.age_at_cds_activity_date_as_recorded')) }}
            as has_malformed_age_at_cds_activity_date
    from renamed
)

select * from with_malformed_ages
