-- Every spell of the APCS spell table with the dominant procedure and primary diagnosis from
-- the derived table (joined one-to-one on apcs_ident). A spell with no derived row is kept,
-- with NULL derived fields; a derived row with no spell is not added.
with

spells as (
    select * from {{ ref('stg_apcs__spells') }}
),

derived_spells as (
    select * from {{ ref('stg_apcs__derived_spells') }}
),

joined as (
    select
        spells.apcs_ident,
        spells.pseudo_nhs_number,
        spells.admission_date,
        spells.discharge_date,
        spells.financial_year,
        spells.activity_month,
        spells.provider_code,
        spells.provider_site_code,
        spells.commissioner_code,
        spells.age_at_start_of_spell,
        spells.age_at_cds_activity_date,
        spells.sex,
        spells.admission_method,
        spells.administrative_category,
        spells.patient_classification,
        spells.diagnosis_codes_all,
        spells.procedure_codes_all,
        derived_spells.dominant_procedure_code,
        derived_spells.primary_diagnosis_code,
        {{ as_flag('derived_spells.apcs_ident is not null') }} as has_derived_record
    from spells
    left join derived_spells
        on spells.apcs_ident = derived_spells.apcs_ident
)

select * from joined
