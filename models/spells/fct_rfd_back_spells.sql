-- One row per spell (APCS_Ident) of the APCS spell table, flagged against the EBI rule 2K_RFD_back:
-- the reporting dimensions, every criterion, the flag and, for a spell not flagged, the first
-- criterion it failed in the published order.
--
-- Incremental by activity month: a refresh re-processes the latest months (the var
-- rfd_back_refresh_lookback_months) and any newer ones, replacing them whole; see
-- macros/refresh. The criteria are computed here, in the one statement that writes the table,
-- so the spells are read and written once (decision register D9).
{{
    config(
        materialized='incremental',
        incremental_strategy='rfd_back_replace_months',
        on_schema_change='fail',
        partition_by=(['activity_month'] if target.type in ('spark', 'databricks') else none),
        file_format=('parquet' if target.type == 'spark' else none)
    )
}}
{%- set criteria = rfd_back_criteria() %}
{#- The spells to flag: all of them on a full build; on a refresh those of the months it
    re-processes (macros/refresh), the window read from the table once, here. Each CTE below
    reads the spells itself, with this filter, rather than one CTE of spells being read three
    times, which DuckDB would hold in memory whole (decision register D9). -#}
{%- set in_refresh_window = rfd_back_in_refresh_window('activity_month', this) if is_incremental() else '(1 = 1)' %}

with

site_codes as (
    {{ rfd_back_codes_with_role('site_qualifier') }}
),

excluded_categories as (
    {{ rfd_back_excluded_diagnosis_categories() }}
),

-- The spells whose procedure list holds a site code, and those whose diagnosis list holds an
-- excluded category: each spell joined to the few wanted codes, its list searched where it
-- lies (decision register D9).
spells_with_site_code as (
    select distinct spells.apcs_ident
    from {{ ref('int_apcs__spells_joined') }} as spells
    inner join site_codes
        on {{ rfd_back_list_holds('spells.procedure_codes_all', 'site_codes.code') }}
    where {{ in_refresh_window }}
),

spells_with_excluded_diagnosis as (
    select distinct spells.apcs_ident
    from {{ ref('int_apcs__spells_joined') }} as spells
    inner join excluded_categories
        on {{ rfd_back_list_holds('spells.diagnosis_codes_all', 'excluded_categories.category') }}
    where {{ in_refresh_window }}
),

criteria as (
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
        {{ rfd_back_rule_age(
            'spells.age_at_start_of_spell', 'spells.has_malformed_age_at_start_of_spell',
            'spells.age_at_cds_activity_date'
        ) }} as rule_age,
        spells.sex,
        spells.admission_method,
        spells.administrative_category,
        spells.patient_classification,
        spells.has_derived_record,
        {{ rfd_back_has_rfd_dominant_procedure('spells.dominant_procedure_code') }}
            as has_rfd_dominant_procedure,
        {{ rfd_back_has_lumbar_site_code('spells_with_site_code.apcs_ident') }}
            as has_lumbar_site_code,
        {{ rfd_back_has_back_pain_primary_diagnosis('spells.primary_diagnosis_code') }}
            as has_back_pain_primary_diagnosis,
        {{ rfd_back_is_age_in_range(
            'spells.age_at_start_of_spell', 'spells.has_malformed_age_at_start_of_spell',
            'spells.age_at_cds_activity_date'
        ) }} as is_age_in_range,
        {{ rfd_back_is_non_emergency_admission('spells.admission_method') }}
            as is_non_emergency_admission,
        {{ rfd_back_has_no_cancer_diagnosis(
            'spells.diagnosis_codes_all', 'spells_with_excluded_diagnosis.apcs_ident'
        ) }} as has_no_cancer_diagnosis,
        {{ rfd_back_is_not_private_patient('spells.administrative_category') }}
            as is_not_private_patient
    from {{ ref('int_apcs__spells_joined') }} as spells
    left join spells_with_site_code
        on spells.apcs_ident = spells_with_site_code.apcs_ident
    left join spells_with_excluded_diagnosis
        on spells.apcs_ident = spells_with_excluded_diagnosis.apcs_ident
    where {{ in_refresh_window }}
),

rule_version as (
    {{ rfd_back_rule_version() }}
),

with_exclusion_reason as (
    select
        criteria.*,
        case
            {%- for criterion in criteria %}
                when {{ flag_is_unset('criteria.' ~ criterion.column) }} then '{{ criterion.exclusion_reason }}'
            {%- endfor %}
        end as exclusion_reason
    from criteria
),

flagged as (
    -- Criteria are never NULL, so a spell has no exclusion reason exactly when all hold.
    select
        with_exclusion_reason.*,
        {{ as_flag('with_exclusion_reason.exclusion_reason is null') }} as is_rfd_back
    from with_exclusion_reason
),

final as (
    select
        flagged.apcs_ident,
        flagged.pseudo_nhs_number,
        flagged.admission_date,
        flagged.discharge_date,
        flagged.financial_year,
        flagged.activity_month,
        flagged.provider_code,
        flagged.provider_site_code,
        flagged.commissioner_code,
        flagged.rule_age,
        flagged.sex,
        flagged.admission_method,
        flagged.administrative_category,
        flagged.patient_classification,
        flagged.has_derived_record,
        {%- for criterion in criteria %}
            flagged.{{ criterion.column }},
        {%- endfor %}
        flagged.is_rfd_back,
        case when {{ flag_is_set('flagged.is_rfd_back') }} then '2K_RFD_back' end as ebi_intervention_id,
        flagged.exclusion_reason,
        rule_version.rule_version,
        -- The run that wrote the row: a refresh's data tests check the months it wrote
        -- (macros/refresh/refresh_checks.sql).
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as flagged_in_invocation
    from flagged
    cross join rule_version
)

select * from final
