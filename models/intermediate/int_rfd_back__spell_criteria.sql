-- Each spell with one boolean per criterion of the EBI rule 2K_RFD_back, in the published
-- order. A criterion is false when it is not met or cannot be decided (a NULL input), as
-- SQL Server's three-valued logic leaves the published CASE unfired.
with

spells as (
    select * from {{ ref('int_apcs__spells_joined') }}
),

criteria as (
    select
        spells.apcs_ident,
        spells.admission_date,
        spells.discharge_date,
        spells.financial_year,
        spells.activity_month,
        spells.provider_code,
        spells.provider_site_code,
        spells.commissioner_code,
        {{ rfd_back_rule_age('spells.age_at_start_of_spell', 'spells.age_at_cds_activity_date') }}
            as rule_age,
        spells.sex,
        spells.admission_method,
        spells.administrative_category,
        spells.patient_classification,
        spells.has_derived_record,
        {{ rfd_back_has_rfd_dominant_procedure('spells.dominant_procedure_code') }}
            as has_rfd_dominant_procedure,
        {{ rfd_back_has_lumbar_site_code('spells.procedure_codes_all') }}
            as has_lumbar_site_code,
        {{ rfd_back_has_back_pain_primary_diagnosis('spells.primary_diagnosis_code') }}
            as has_back_pain_primary_diagnosis,
        {{ rfd_back_is_age_in_range('spells.age_at_start_of_spell', 'spells.age_at_cds_activity_date') }}
            as is_age_in_range,
        {{ rfd_back_is_non_emergency_admission('spells.admission_method') }}
            as is_non_emergency_admission,
        {{ rfd_back_has_no_cancer_diagnosis('spells.diagnosis_codes_all') }}
            as has_no_cancer_diagnosis,
        {{ rfd_back_is_not_private_patient('spells.administrative_category') }}
            as is_not_private_patient
    from spells
)

select * from criteria
