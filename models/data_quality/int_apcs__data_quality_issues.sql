-- Every data-quality issue found in the APCS extract: one row per spell (or derived row),
-- field and issue, with the value as recorded. Nothing here changes a flag: a malformed
-- value reads as NULL in the fact (the criterion it feeds is not met, as in SQL Server), and
-- a repeated or malformed identifier is resolved as decision register D17 says. For the
-- analytics team: patient-level (spell identifiers). Warn-level tests on this model show the
-- count of each issue in every build.
--
-- Each table is read whole once: every check is a 0/1 column of `checked_spells` or
-- `checked_derived_spells`, which keep only the rows failing one; the report then takes,
-- check by check, the rows failing it (DuckDB and PostgreSQL keep a CTE read several times;
-- other engines may read it again per check). The identifier lists read one column more.
--
-- Incremental by activity month, like the fact: a refresh re-checks the spells of the months
-- it re-processes (macros/refresh) and the derived rows of those spells, and keeps the
-- issues of older months as they were. A derived row carries its spell's month; a derived
-- row with no spell, or a row with no month, is re-checked on every refresh.
{{
    config(
        materialized='incremental',
        incremental_strategy='rfd_back_replace_months',
        meta={'rfd_back_rule_versioned': false, 'rfd_back_replace_moved_spells': false},
        on_schema_change='fail',
        partition_by=(['activity_month'] if target.type in ('spark', 'databricks') else none),
        file_format=('parquet' if target.type == 'spark' else none)
    )
}}
{%- set in_refresh_window = rfd_back_in_refresh_window('activity_month', this) if is_incremental() else '(1 = 1)' %}
{#- The shapes of the codes of a list (macros/data_quality), checked in `checked_spells` and
    again code by code below: an OPCS-4 code is a letter and three digits; an ICD-10 code a
    letter, two digits, a digit or X, then perhaps a fifth character (a digit or `-`) and a
    dagger or asterisk mark (D or A). #}
{%- set diagnosis_list_code_shape = '[A-Z][0-9]{2}[0-9X][0-9-]?[AD]?' %}
{%- set procedure_list_code_shape = '[A-Z][0-9]{3}' %}

with

spells as (
    select * from {{ ref('stg_apcs__spells') }}
    where {{ in_refresh_window }}
),

admission_methods as (
    select admission_method_code from {{ ref('admission_method') }}
),

administrative_categories as (
    select administrative_category_code from {{ ref('administrative_category') }}
),

patient_classifications as (
    select patient_classification_code from {{ ref('patient_classification') }}
),

-- The identifiers held by more than one row, of either table (`source_table`).
duplicated_identifiers as (
    select
        source_table,
        apcs_ident
    from {{ ref('int_apcs__duplicated_identifiers') }}
),

-- The identifiers are read from the models, not from the CTEs above, which DuckDB would then
-- hold whole in memory (decision register D17).
spell_months as (
    select
        apcs_ident,
        max(activity_month) as activity_month
    from {{ ref('stg_apcs__spells') }}
    where apcs_ident is not null
    group by apcs_ident
),

derived_identifiers as (
    select distinct apcs_ident
    from {{ ref('stg_apcs__derived_spells') }}
    where apcs_ident is not null
),

-- Each derived row with the month of its spell (the latest, for an identifier held by
-- several): the month its issues are filed under.
derived_spells as (
    select
        derived_spells.*,
        spell_months.apcs_ident as spell_apcs_ident,
        spell_months.activity_month
    from {{ ref('stg_apcs__derived_spells') }} as derived_spells
    left join spell_months
        on derived_spells.apcs_ident = spell_months.apcs_ident
    where {{ in_refresh_window }}
),

-- The spells failing a check: the values the report shows, and each check as a 0/1 column.
checked_spells as (
    select * from (
        select
            spells.apcs_ident,
            'apcs' as source_table,
            spells.apcs_ident_as_recorded,
            spells.admission_date_as_recorded,
            spells.discharge_date_as_recorded,
            spells.age_at_start_of_spell_as_recorded,
            spells.age_at_cds_activity_date_as_recorded,
            spells.activity_month,
            spells.financial_year,
            spells.provider_code,
            spells.commissioner_code,
            spells.sex,
            spells.admission_method,
            spells.administrative_category,
            spells.patient_classification,
            spells.diagnosis_codes_all_as_recorded,
            spells.procedure_codes_all_as_recorded,
            case when spells.apcs_ident is null then 1 else 0 end as identifier_not_a_whole_number,
            case when duplicated_spells.apcs_ident is not null then 1 else 0 end as identifier_duplicated,
            case when derived_identifiers.apcs_ident is null then 1 else 0 end as derived_record_missing,
            case
                when spells.admission_date is null and spells.admission_date_as_recorded is not null then 1 else 0
            end as admission_date_not_a_date,
            case
                when spells.discharge_date is null and spells.discharge_date_as_recorded is not null then 1 else 0
            end as discharge_date_not_a_date,
            case
                when {{ flag_is_set('spells.has_malformed_age_at_start_of_spell') }} then 1 else 0
            end as age_not_a_whole_number,
            case
                when
                    spells.age_at_start_of_spell < 0
                    or (spells.age_at_start_of_spell > 150 and spells.age_at_start_of_spell not between 7001 and 7007)
                    then 1
                else 0
            end as age_out_of_range,
            case
                when {{ flag_is_set('spells.has_malformed_age_at_cds_activity_date') }} then 1 else 0
            end as cds_age_not_a_whole_number,
            case
                when
                    spells.age_at_cds_activity_date < 0
                    or (spells.age_at_cds_activity_date > 150 and spells.age_at_cds_activity_date <> 999)
                    then 1
                else 0
            end as cds_age_out_of_range,
            case
                when
                    spells.activity_month is not null
                    and not {{ is_activity_month('spells.activity_month') }}
                    then 1
                else 0
            end as activity_month_not_a_month,
            case
                when
                    spells.financial_year is not null
                    and not {{ is_financial_year('spells.financial_year') }}
                    then 1
                else 0
            end as financial_year_not_a_financial_year,
            case
                when spells.provider_code is not null and not {{ is_ods_code('spells.provider_code') }} then 1 else 0
            end as provider_code_wrong_shape,
            case
                when
                    spells.commissioner_code is not null
                    and not {{ is_ods_code('spells.commissioner_code') }}
                    then 1
                else 0
            end as commissioner_code_wrong_shape,
            case when spells.sex is not null and not {{ is_sex_code('spells.sex') }} then 1 else 0 end as sex_unknown,
            case
                when
                    spells.admission_method is not null
                    and admission_methods.admission_method_code is null
                    then 1
                else 0
            end as admission_method_unknown,
            case
                when
                    spells.administrative_category is not null
                    and administrative_categories.administrative_category_code is null
                    then 1
                else 0
            end as administrative_category_unknown,
            case
                when
                    spells.patient_classification is not null
                    and patient_classifications.patient_classification_code is null
                    then 1
                else 0
            end as patient_classification_unknown,
            case
                when {{ holds_control_white_space('spells.diagnosis_codes_all_as_recorded') }} then 1 else 0
            end as diagnoses_hold_control_characters,
            case
                when {{ holds_control_white_space('spells.procedure_codes_all_as_recorded') }} then 1 else 0
            end as procedures_hold_control_characters,
            -- A list holding a code of another shape, split into its codes below.
            case
                when
                    not ({{ code_list_is_of_shape('spells.diagnosis_codes_all', diagnosis_list_code_shape) }})
                    then 1
                else 0
            end as diagnosis_codes_all_of_wrong_shape,
            case
                when
                    not ({{ code_list_is_of_shape('spells.procedure_codes_all', procedure_list_code_shape) }})
                    then 1
                else 0
            end as procedure_codes_all_of_wrong_shape
        from spells
        left join duplicated_identifiers as duplicated_spells
            on
                spells.apcs_ident = duplicated_spells.apcs_ident
                and duplicated_spells.source_table = 'apcs'
        left join derived_identifiers
            on spells.apcs_ident = derived_identifiers.apcs_ident
        left join admission_methods
            on spells.admission_method = admission_methods.admission_method_code
        left join administrative_categories
            on spells.administrative_category = administrative_categories.administrative_category_code
        left join patient_classifications
            on spells.patient_classification = patient_classifications.patient_classification_code
    ) as with_checks
    where
        identifier_not_a_whole_number = 1
        or identifier_duplicated = 1
        or derived_record_missing = 1
        or admission_date_not_a_date = 1
        or discharge_date_not_a_date = 1
        or age_not_a_whole_number = 1
        or age_out_of_range = 1
        or cds_age_not_a_whole_number = 1
        or cds_age_out_of_range = 1
        or activity_month_not_a_month = 1
        or financial_year_not_a_financial_year = 1
        or provider_code_wrong_shape = 1
        or commissioner_code_wrong_shape = 1
        or sex_unknown = 1
        or admission_method_unknown = 1
        or administrative_category_unknown = 1
        or patient_classification_unknown = 1
        or diagnoses_hold_control_characters = 1
        or procedures_hold_control_characters = 1
        or diagnosis_codes_all_of_wrong_shape = 1
        or procedure_codes_all_of_wrong_shape = 1
),

-- The derived rows failing a check, likewise. A dominant procedure is an OPCS-4 code (a
-- letter, three digits, perhaps a fourth); a primary diagnosis an ICD-10 code (a letter, two
-- digits, a digit or X, then up to two more characters).
checked_derived_spells as (
    select * from (
        select
            derived_spells.apcs_ident,
            'apcs_der' as source_table,
            derived_spells.activity_month,
            derived_spells.apcs_ident_as_recorded,
            derived_spells.dominant_procedure_as_recorded,
            derived_spells.primary_diagnosis_as_recorded,
            case when derived_spells.apcs_ident is null then 1 else 0 end as identifier_not_a_whole_number,
            case
                when duplicated_derived_spells.apcs_ident is not null then 1 else 0
            end as identifier_duplicated,
            case
                when derived_spells.apcs_ident is not null and derived_spells.spell_apcs_ident is null then 1 else 0
            end as spell_missing,
            case
                when
                    not {{ regexp_full_match('derived_spells.dominant_procedure_code', '[A-Z][0-9]{3}[0-9]?') }}
                    then 1
                else 0
            end as dominant_procedure_wrong_shape,
            case
                when
                    not {{
                        regexp_full_match('derived_spells.primary_diagnosis_code', '[A-Z][0-9]{2}[0-9X]?[0-9A-Z-]{0,2}')
                    }}
                    then 1
                else 0
            end as primary_diagnosis_wrong_shape
        from derived_spells
        left join duplicated_identifiers as duplicated_derived_spells
            on
                derived_spells.apcs_ident = duplicated_derived_spells.apcs_ident
                and duplicated_derived_spells.source_table = 'apcs_der'
    ) as with_checks
    where
        identifier_not_a_whole_number = 1
        or identifier_duplicated = 1
        or spell_missing = 1
        or dominant_procedure_wrong_shape = 1
        or primary_diagnosis_wrong_shape = 1
),

-- The lists holding a code of another shape, split into their codes as recorded.
lists_of_wrong_shape as (
    select
        apcs_ident,
        activity_month,
        'diagnosis_codes_all' as field,
        diagnosis_codes_all_as_recorded as codes_as_recorded
    from checked_spells
    where diagnosis_codes_all_of_wrong_shape = 1
    union all
    select
        apcs_ident,
        activity_month,
        'procedure_codes_all' as field,
        procedure_codes_all_as_recorded as codes_as_recorded
    from checked_spells
    where procedure_codes_all_of_wrong_shape = 1
),

codes_in_lists as (
    {{ split_code_list('lists_of_wrong_shape', ['apcs_ident', 'activity_month', 'field'], 'codes_as_recorded') }}
),

normalised_codes_in_lists as (
    select
        apcs_ident,
        activity_month,
        field,
        code_as_recorded,
        {{ normalise_code_list('code_as_recorded') }} as code
    from codes_in_lists
),

codes_of_wrong_shape as (
    select
        apcs_ident,
        'apcs' as source_table,
        field,
        left(code_as_recorded, 200) as value_as_recorded,
        'list_code_wrong_shape' as issue,
        activity_month
    from normalised_codes_in_lists
    where
        code <> ''
        and (
            (
                field = 'diagnosis_codes_all'
                and not {{ regexp_full_match('code', diagnosis_list_code_shape) }}
            )
            or (
                field = 'procedure_codes_all'
                and not {{ regexp_full_match('code', procedure_list_code_shape) }}
            )
        )
),

-- One branch per check: the rows failing it, with the field, the value as recorded and the
-- issue reported.
issues as (
    {{ data_quality_issue(
        'checked_spells', 'identifier_not_a_whole_number',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='not_a_whole_number'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'identifier_duplicated',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='duplicate_identifier'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'derived_record_missing',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='no_derived_record'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'admission_date_not_a_date',
        field='admission_date', value_as_recorded='admission_date_as_recorded', issue='not_a_date'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'discharge_date_not_a_date',
        field='discharge_date', value_as_recorded='discharge_date_as_recorded', issue='not_a_date'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'age_not_a_whole_number',
        field='age_at_start_of_spell', value_as_recorded='age_at_start_of_spell_as_recorded',
        issue='not_a_whole_number'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'age_out_of_range',
        field='age_at_start_of_spell', value_as_recorded='age_at_start_of_spell_as_recorded',
        issue='out_of_range'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'cds_age_not_a_whole_number',
        field='age_at_cds_activity_date', value_as_recorded='age_at_cds_activity_date_as_recorded',
        issue='not_a_whole_number'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'cds_age_out_of_range',
        field='age_at_cds_activity_date', value_as_recorded='age_at_cds_activity_date_as_recorded',
        issue='out_of_range'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'activity_month_not_a_month',
        field='activity_month', value_as_recorded='activity_month', issue='not_a_month'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'financial_year_not_a_financial_year',
        field='financial_year', value_as_recorded='financial_year', issue='not_a_financial_year'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'provider_code_wrong_shape',
        field='provider_code', value_as_recorded='provider_code', issue='wrong_shape'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'commissioner_code_wrong_shape',
        field='commissioner_code', value_as_recorded='commissioner_code', issue='wrong_shape'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'sex_unknown',
        field='sex', value_as_recorded='sex', issue='unknown_code'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'admission_method_unknown',
        field='admission_method', value_as_recorded='admission_method', issue='unknown_code'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'administrative_category_unknown',
        field='administrative_category', value_as_recorded='administrative_category', issue='unknown_code'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'patient_classification_unknown',
        field='patient_classification', value_as_recorded='patient_classification', issue='unknown_code'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'diagnoses_hold_control_characters',
        field='diagnosis_codes_all', value_as_recorded='diagnosis_codes_all_as_recorded',
        issue='control_characters'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_spells', 'procedures_hold_control_characters',
        field='procedure_codes_all', value_as_recorded='procedure_codes_all_as_recorded',
        issue='control_characters'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_derived_spells', 'identifier_not_a_whole_number',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='not_a_whole_number'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_derived_spells', 'identifier_duplicated',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='duplicate_identifier'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_derived_spells', 'spell_missing',
        field='apcs_ident', value_as_recorded='apcs_ident_as_recorded', issue='no_spell'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_derived_spells', 'dominant_procedure_wrong_shape',
        field='dominant_procedure_code', value_as_recorded='dominant_procedure_as_recorded', issue='wrong_shape'
    ) }}
    union all
    {{ data_quality_issue(
        'checked_derived_spells', 'primary_diagnosis_wrong_shape',
        field='primary_diagnosis_code', value_as_recorded='primary_diagnosis_as_recorded', issue='wrong_shape'
    ) }}
    union all
    select * from codes_of_wrong_shape
)

select * from issues
