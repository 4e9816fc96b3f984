-- Flagged spells by activity month, provider, commissioner, admission type, age band and
-- sex. Exact counts for the analytics team; the published version, with disclosure control,
-- is rpt_rfd_back_activity. A table: small, and read by the mart and its tests.
{{ config(materialized='table') }}

with

flagged_spells as (
    select
        financial_year,
        activity_month,
        provider_code,
        commissioner_code,
        patient_classification,
        rule_age,
        sex
    from {{ ref('fct_rfd_back_spells') }}
    where {{ flag_is_set('is_rfd_back') }}
),

patient_classification as (
    select
        patient_classification_code,
        admission_type
    from {{ ref('patient_classification') }}
),

described as (
    select
        flagged_spells.financial_year,
        {{ financial_quarter('flagged_spells.activity_month') }} as financial_quarter,
        flagged_spells.activity_month,
        flagged_spells.provider_code,
        flagged_spells.commissioner_code,
        coalesce(patient_classification.admission_type, 'unknown') as admission_type,
        {{ age_band('flagged_spells.rule_age') }} as age_band,
        coalesce(flagged_spells.sex, 'unknown') as sex
    from flagged_spells
    left join patient_classification
        on flagged_spells.patient_classification = patient_classification.patient_classification_code
),

counted as (
    select
        financial_year,
        financial_quarter,
        activity_month,
        provider_code,
        commissioner_code,
        admission_type,
        age_band,
        sex,
        count(*) as spells_flagged
    from described
    group by
        financial_year,
        financial_quarter,
        activity_month,
        provider_code,
        commissioner_code,
        admission_type,
        age_band,
        sex
)

select * from counted
