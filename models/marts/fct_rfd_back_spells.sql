-- One row per spell of the APCS spell table, flagged against the EBI rule 2K_RFD_back:
-- the reporting dimensions, every criterion, the flag and, for a spell not flagged, the first
-- criterion it failed in the published order.
{%- set criteria = rfd_back_criteria() %}

with

criteria as (
    select * from {{ ref('int_rfd_back__spell_criteria') }}
),

code_list_revisions as (
    select code_list.source_revised from {{ ref('rfd_back_code_list') }} as code_list
    union all
    select ranges.source_revised from {{ ref('rfd_back_diagnosis_exclusion_ranges') }} as ranges
),

rule_version as (
    select
        {%- if var('rfd_back_null_diagnoses_pass_cancer_exclusion') %}
            {{ dbt.concat(['max(code_list_revisions.source_revised)', "'+null_diagnoses_pass_cancer_exclusion'"]) }}
        {%- else %}
            max(code_list_revisions.source_revised)
        {%- endif %} as rule_version
    from code_list_revisions
),

with_exclusion_reason as (
    select
        criteria.*,
        case
            {%- for criterion in criteria %}
                when not criteria.{{ criterion.column }} then '{{ criterion.exclusion_reason }}'
            {%- endfor %}
        end as exclusion_reason
    from criteria
),

flagged as (
    -- Criteria are never NULL, so a spell has no exclusion reason exactly when all hold.
    select
        with_exclusion_reason.*,
        with_exclusion_reason.exclusion_reason is null as is_rfd_back
    from with_exclusion_reason
),

final as (
    select
        flagged.apcs_ident,
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
        case when flagged.is_rfd_back then '2K_RFD_back' end as ebi_intervention_id,
        flagged.exclusion_reason,
        rule_version.rule_version
    from flagged
    cross join rule_version
)

select * from final
