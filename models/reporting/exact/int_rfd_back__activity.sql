-- Flagged spells by activity month, provider, commissioner, admission type, age band and
-- sex. Exact counts for the analytics team; the published version, with disclosure control,
-- is rpt_rfd_back_activity. A table: small, and read by the mart and its tests. The labels
-- are the ones published (macros/reporting/published_labels.sql): a financial year, month,
-- organisation code or sex not of its shape is `invalid`, and its spells are counted there.

{{ config(enabled=rfd_back_enabled('reporting')) }}

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
        {{ published_financial_year('flagged_spells.financial_year') }} as financial_year,
        case
            when {{ is_activity_month('flagged_spells.activity_month') }}
                then {{ financial_quarter('flagged_spells.activity_month') }}
        end as financial_quarter,
        {{ published_activity_month('flagged_spells.activity_month') }} as activity_month,
        {{ published_organisation_code('flagged_spells.provider_code') }} as provider_code,
        {{ published_organisation_code('flagged_spells.commissioner_code') }} as commissioner_code,
        coalesce(patient_classification.admission_type, 'unknown') as admission_type,
        {{ age_band('flagged_spells.rule_age') }} as age_band,
        {{ published_sex('flagged_spells.sex') }} as sex
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
