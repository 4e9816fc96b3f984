-- Every data-quality issue found in the APCS extract: one row per spell (or derived row),
-- field and issue, with the value as recorded. Nothing here changes a flag: a malformed
-- value reads as NULL in the fact (the criterion it feeds is not met, as in SQL Server), and
-- a repeated or malformed identifier is resolved as decision register D17 says. For the
-- analytics team: patient-level (spell identifiers). Warn-level tests on this model show the
-- count of each issue in every build.
--
-- Each table is read whole once: every check is a 0/1 column of `checked_spells` or
-- `checked_derived_spells`, and only rows failing one go on to the report (DuckDB and
-- PostgreSQL keep a CTE read several times; other engines may read it again per check). The
-- identifier lists read one column more.
{%- set opcs_code_shape = '[A-Z][0-9]{3}[0-9]?' %}
{%- set icd_10_code_shape = '[A-Z][0-9]{2}[0-9X]?[0-9A-Z-]{0,2}' %}
{#- The shapes of the codes of a list (macros/data_quality): an OPCS-4 code is a letter and
    three digits; an ICD-10 code a letter, two digits, a digit or X, then perhaps a fifth
    character (a digit or `-`) and a dagger or asterisk mark (D or A). #}
{%- set list_code_shapes = {
    'diagnosis_codes_all': '[A-Z][0-9]{2}[0-9X][0-9-]?[AD]?',
    'procedure_codes_all': '[A-Z][0-9]{3}',
} %}
{%- set holds_control_character = {} %}
{%- for list_column in ['diagnosis_codes_all', 'procedure_codes_all'] %}
    {%- set conditions = [] %}
    {%- for character in control_white_space() %}
        {%- do conditions.append(rfd_back_text_holds('spells.' ~ list_column ~ '_as_recorded', character)) %}
    {%- endfor %}
    {%- do holds_control_character.update({list_column: conditions | join(' or ')}) %}
{%- endfor %}
{#- The checks of each table: (name, field, value as recorded, condition). #}
{%- set spell_checks = [
    ('identifier_not_a_whole_number', 'apcs_ident', 'apcs_ident_as_recorded', 'not_a_whole_number',
        'spells.apcs_ident is null'),
    ('identifier_duplicated', 'apcs_ident', 'apcs_ident_as_recorded', 'duplicate_identifier',
        'duplicated_spells.apcs_ident is not null'),
    ('derived_record_missing', 'apcs_ident', 'apcs_ident_as_recorded', 'no_derived_record',
        'derived_identifiers.apcs_ident is null'),
    ('admission_date_not_a_date', 'admission_date', 'admission_date_as_recorded', 'not_a_date',
        'spells.admission_date is null and spells.admission_date_as_recorded is not null'),
    ('discharge_date_not_a_date', 'discharge_date', 'discharge_date_as_recorded', 'not_a_date',
        'spells.discharge_date is null and spells.discharge_date_as_recorded is not null'),
    ('age_not_a_whole_number', 'age_at_start_of_spell', 'age_at_start_of_spell_as_recorded',
        'not_a_whole_number', flag_is_set('spells.has_malformed_age_at_start_of_spell')),
    ('age_out_of_range', 'age_at_start_of_spell', 'age_at_start_of_spell_as_recorded',
        'out_of_range',
        'spells.age_at_start_of_spell < 0 or (spells.age_at_start_of_spell > 150'
        ~ ' and spells.age_at_start_of_spell not between 7001 and 7007)'),
    ('cds_age_not_a_whole_number', 'age_at_cds_activity_date', 'age_at_cds_activity_date_as_recorded',
        'not_a_whole_number', flag_is_set('spells.has_malformed_age_at_cds_activity_date')),
    ('cds_age_out_of_range', 'age_at_cds_activity_date', 'age_at_cds_activity_date_as_recorded',
        'out_of_range',
        'spells.age_at_cds_activity_date < 0 or (spells.age_at_cds_activity_date > 150'
        ~ ' and spells.age_at_cds_activity_date <> 999)'),
    ('activity_month_not_a_month', 'activity_month', 'activity_month', 'not_a_month',
        'spells.activity_month is not null and not ' ~ is_activity_month('spells.activity_month')),
    ('financial_year_not_a_financial_year', 'financial_year', 'financial_year', 'not_a_financial_year',
        'spells.financial_year is not null and not ' ~ is_financial_year('spells.financial_year')),
    ('provider_code_wrong_shape', 'provider_code', 'provider_code', 'wrong_shape',
        'spells.provider_code is not null and not ' ~ is_ods_code('spells.provider_code')),
    ('commissioner_code_wrong_shape', 'commissioner_code', 'commissioner_code', 'wrong_shape',
        'spells.commissioner_code is not null and not ' ~ is_ods_code('spells.commissioner_code')),
    ('sex_unknown', 'sex', 'sex', 'unknown_code',
        'spells.sex is not null and not ' ~ is_sex_code('spells.sex')),
    ('admission_method_unknown', 'admission_method', 'admission_method', 'unknown_code',
        'spells.admission_method is not null and admission_methods.admission_method_code is null'),
    ('administrative_category_unknown', 'administrative_category', 'administrative_category',
        'unknown_code',
        'spells.administrative_category is not null and administrative_categories.administrative_category_code is null'),
    ('patient_classification_unknown', 'patient_classification', 'patient_classification',
        'unknown_code',
        'spells.patient_classification is not null and patient_classifications.patient_classification_code is null'),
    ('diagnoses_hold_control_characters', 'diagnosis_codes_all', 'diagnosis_codes_all_as_recorded',
        'control_characters', holds_control_character['diagnosis_codes_all']),
    ('procedures_hold_control_characters', 'procedure_codes_all', 'procedure_codes_all_as_recorded',
        'control_characters', holds_control_character['procedure_codes_all']),
] %}
{%- set derived_checks = [
    ('identifier_not_a_whole_number', 'apcs_ident', 'apcs_ident_as_recorded', 'not_a_whole_number',
        'derived_spells.apcs_ident is null'),
    ('identifier_duplicated', 'apcs_ident', 'apcs_ident_as_recorded', 'duplicate_identifier',
        'duplicated_derived_spells.apcs_ident is not null'),
    ('spell_missing', 'apcs_ident', 'apcs_ident_as_recorded', 'no_spell',
        'derived_spells.apcs_ident is not null and spell_identifiers.apcs_ident is null'),
    ('dominant_procedure_wrong_shape', 'dominant_procedure_code', 'dominant_procedure_as_recorded',
        'wrong_shape', 'not ' ~ regexp_full_match('derived_spells.dominant_procedure_code', opcs_code_shape)),
    ('primary_diagnosis_wrong_shape', 'primary_diagnosis_code', 'primary_diagnosis_as_recorded',
        'wrong_shape', 'not ' ~ regexp_full_match('derived_spells.primary_diagnosis_code', icd_10_code_shape)),
] %}

with

spells as (
    select * from {{ ref('stg_apcs__spells') }}
),

derived_spells as (
    select * from {{ ref('stg_apcs__derived_spells') }}
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

duplicated_spells as (
    select apcs_ident
    from {{ ref('int_apcs__duplicated_identifiers') }}
    where source_table = 'apcs'
),

duplicated_derived_spells as (
    select apcs_ident
    from {{ ref('int_apcs__duplicated_identifiers') }}
    where source_table = 'apcs_der'
),

-- The identifiers are read from the models, not from the CTEs above: DuckDB holds a CTE read
-- twice whole in memory (measured at 18M spells, this model alone: 13.8 s and a 7.7 GB peak
-- that way, 8.9 s and 2.0 GB this way).
spell_identifiers as (
    select distinct apcs_ident
    from {{ ref('stg_apcs__spells') }}
    where apcs_ident is not null
),

derived_identifiers as (
    select distinct apcs_ident
    from {{ ref('stg_apcs__derived_spells') }}
    where apcs_ident is not null
),

{#- Per table: each check as a 0/1 column, the columns it reports, and the report's branches. #}
{%- set tables = {} %}
{%- for source_table, table, checks in [
    ('apcs', 'spells', spell_checks), ('apcs_der', 'derived_spells', derived_checks)
] %}
    {%- set flags, failed, values, branches = [], [], [], [] %}
    {%- for name, field, value, issue, condition in checks %}
        {%- do flags.append('case when ' ~ condition ~ ' then 1 else 0 end as ' ~ name) %}
        {%- do failed.append(name ~ ' = 1') %}
        {%- if table ~ '.' ~ value not in values %}{% do values.append(table ~ '.' ~ value) %}{% endif %}
        {%- do branches.append(
            "select apcs_ident, '" ~ source_table ~ "' as source_table, '" ~ field
            ~ "' as field, left(" ~ value ~ ", 200) as value_as_recorded, '" ~ issue
            ~ "' as issue from checked_" ~ table ~ ' where ' ~ name ~ ' = 1'
        ) %}
    {%- endfor %}
    {%- do tables.update({table: {'columns': values + flags, 'failed': failed, 'branches': branches}}) %}
{%- endfor %}
{#- A list holding a code of another shape is kept in checked_spells, to be split into its
    codes below. #}
{%- for list_column, code_shape in list_code_shapes.items() %}
    {%- do tables.spells.columns.append(
        'case when not (' ~ code_list_is_of_shape('spells.' ~ list_column, code_shape)
        ~ ') then 1 else 0 end as ' ~ list_column ~ '_of_wrong_shape'
    ) %}
    {%- do tables.spells.failed.append(list_column ~ '_of_wrong_shape = 1') %}
{%- endfor %}

checked_spells as (
    select * from (
        select
            spells.apcs_ident,
            {{ tables.spells.columns | join(',\n            ') }}
        from spells
        left join duplicated_spells
            on spells.apcs_ident = duplicated_spells.apcs_ident
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
        {{ tables.spells.failed | join('\n        or ') }}
),

checked_derived_spells as (
    select * from (
        select
            derived_spells.apcs_ident,
            {{ tables.derived_spells.columns | join(',\n            ') }}
        from derived_spells
        left join duplicated_derived_spells
            on derived_spells.apcs_ident = duplicated_derived_spells.apcs_ident
        left join spell_identifiers
            on derived_spells.apcs_ident = spell_identifiers.apcs_ident
    ) as with_checks
    where
        {{ tables.derived_spells.failed | join('\n        or ') }}
),

-- The lists holding a code of another shape, split into their codes as recorded.
lists_of_wrong_shape as (
    select
        apcs_ident,
        'diagnosis_codes_all' as field,
        diagnosis_codes_all_as_recorded as codes_as_recorded
    from checked_spells
    where diagnosis_codes_all_of_wrong_shape = 1
    union all
    select
        apcs_ident,
        'procedure_codes_all' as field,
        procedure_codes_all_as_recorded as codes_as_recorded
    from checked_spells
    where procedure_codes_all_of_wrong_shape = 1
),

codes_in_lists as (
    {{ split_code_list('lists_of_wrong_shape', ['apcs_ident', 'field'], 'codes_as_recorded') }}
),

normalised_codes_in_lists as (
    select
        apcs_ident,
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
        'list_code_wrong_shape' as issue
    from normalised_codes_in_lists
    where
        code <> ''
        and (
            (
                field = 'diagnosis_codes_all'
                and not {{ regexp_full_match('code', list_code_shapes.diagnosis_codes_all) }}
            )
            or (
                field = 'procedure_codes_all'
                and not {{ regexp_full_match('code', list_code_shapes.procedure_codes_all) }}
            )
        )
),

issues as (
    {{ (tables.spells.branches + tables.derived_spells.branches) | join('\n    union all\n    ') }}
    union all
    select * from codes_of_wrong_shape
)

select * from issues
