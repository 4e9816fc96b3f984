-- The floor: one hand-written DuckDB statement that implements the published rule over the
-- extract's Parquet files and produces the same columns as fct_rfd_back_spells, one row per
-- spell, with the codes written in as literals. The benchmark times it beside the dbt build
-- on the same files; it is the best a single query can do, not part of the product.
select
    apcs.apcs_ident,
    apcs.der_pseudo_nhs_number as pseudo_nhs_number,
    apcs.admission_date,
    apcs.discharge_date,
    apcs.der_financial_year as financial_year,
    apcs.der_activity_month as activity_month,
    apcs.der_provider_code as provider_code,
    apcs.der_provider_site_code as provider_site_code,
    apcs.der_commissioner_code as commissioner_code,
    coalesce(apcs.age_at_start_of_spell_sus, apcs.der_age_at_cds_activity_date) as rule_age,
    apcs.sex,
    apcs.admission_method,
    apcs.administrative_category,
    apcs.patient_classification,
    der.apcs_ident is not null as has_derived_record,
    coalesce(left(der.spell_dominant_procedure, 4) in ('V485', 'V487'), false)
        as has_rfd_dominant_procedure,
    coalesce(regexp_matches(apcs.der_procedure_all, 'Z67[567]|Z993'), false) as has_lumbar_site_code,
    coalesce(left(der.spell_primary_diagnosis, 4) in ('M512', 'M518', 'M519', 'M545', 'M549'), false)
        as has_back_pain_primary_diagnosis,
    coalesce(rule_age between 19 and 120, false) as is_age_in_range,
    coalesce(apcs.admission_method not like '2%', false) as is_non_emergency_admission,
    coalesce(not regexp_matches(apcs.der_diagnosis_all, 'C[0-9][0-9]|D0|D3[789]|D4[0-8]'), false)
        as has_no_cancer_diagnosis,
    coalesce(apcs.administrative_category <> '02', false) as is_not_private_patient,
    case
        when not has_rfd_dominant_procedure then 'dominant_procedure'
        when not has_lumbar_site_code then 'site_code'
        when not has_back_pain_primary_diagnosis then 'primary_diagnosis'
        when not is_age_in_range then 'age'
        when not is_non_emergency_admission then 'emergency_admission'
        when not has_no_cancer_diagnosis then 'cancer_diagnosis'
        when not is_not_private_patient then 'private_patient'
    end as exclusion_reason,
    exclusion_reason is null as is_rfd_back,
    case when exclusion_reason is null then '2K_RFD_back' end as ebi_intervention_id,
    '2023-12' as rule_version
from read_parquet({apcs}) as apcs
left join read_parquet({apcs_der}) as der
    on apcs.apcs_ident = der.apcs_ident
