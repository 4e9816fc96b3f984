-- Every spell of the APCS spell table, once, with the dominant procedure and primary diagnosis
-- from the derived table (joined one-to-one on apcs_ident). A spell with no derived row is
-- kept, with NULL derived fields; a derived row with no spell is not added.
--
-- An identifier held by several rows of a table is resolved to one row, whatever the order
-- of the file (decision register D17): in the spell table the latest version (latest
-- well-formed activity month, then discharge date, then admission date). In the derived
-- table a row with which the spell meets the rule (its dominant procedure and its primary
-- diagnosis both qualify), as the published statement flags a spell when any joined row
-- qualifies; then the row with the dominant procedure and primary diagnosis that sort first
-- (a blank code counting as NULL). Every other column breaks a remaining tie, NULLs last. A
-- row whose identifier is not a whole number cannot be told apart or joined, and is left
-- out. All of these are listed in int_apcs__data_quality_issues and counted in
-- int_apcs__reconciliation.
--
-- Only the identifiers int_apcs__duplicated_identifiers lists are ranked; the other rows pass
-- straight through. Each table is written out where it is read rather than as a CTE read
-- twice, which DuckDB would hold in memory whole.
--
-- A view, unlike the rest of the folder: the fact reads it once, within its own statement.
{{ config(materialized='view') }}
{%- set spell_columns = [
    'apcs_ident', 'pseudo_nhs_number', 'admission_date', 'discharge_date', 'financial_year',
    'activity_month', 'provider_code', 'provider_site_code', 'commissioner_code',
    'age_at_start_of_spell', 'has_malformed_age_at_start_of_spell', 'age_at_cds_activity_date',
    'sex', 'admission_method', 'administrative_category', 'patient_classification',
    'diagnosis_codes_all', 'procedure_codes_all'
] %}
{%- set derived_columns = ['apcs_ident', 'dominant_procedure_code', 'primary_diagnosis_code'] %}
{#- A malformed month sorts as NULL (last), and a blank code as NULL: neither can win over a
    real value. -#}
{%- set spell_version_order = latest_first_order(
    ['case when ' ~ is_activity_month('activity_month') ~ ' then activity_month end',
        'discharge_date', 'admission_date'],
    spell_columns | reject('in', ['apcs_ident', 'discharge_date', 'admission_date']) | list
) %}
{#- 0 for a derived row with which the spell meets the rule, 1 for any other. -#}
{%- set derived_rule_preference -%}
    case
        when {{ flag_is_set(rfd_back_has_rfd_dominant_procedure('derived_spells.dominant_procedure_code')) }}
            and {{ flag_is_set(rfd_back_has_back_pain_primary_diagnosis('derived_spells.primary_diagnosis_code')) }}
            then 0
        else 1
    end
{%- endset %}
{%- set derived_version_order = latest_first_order(
    [], ['rule_preference', "nullif(dominant_procedure_code, '')", "nullif(primary_diagnosis_code, '')"]
) %}

with

duplicated_spell_identifiers as (
    select apcs_ident
    from {{ ref('int_apcs__duplicated_identifiers') }}
    where source_table = 'apcs'
),

duplicated_derived_identifiers as (
    select apcs_ident
    from {{ ref('int_apcs__duplicated_identifiers') }}
    where source_table = 'apcs_der'
),

spells_once as (
    {{ one_row_per_key(
        ref('stg_apcs__spells'), 'spells', 'apcs_ident', 'duplicated_spell_identifiers',
        spell_columns, spell_version_order
    ) }}
),

derived_spells_once as (
    {{ one_row_per_key(
        ref('stg_apcs__derived_spells'), 'derived_spells', 'apcs_ident',
        'duplicated_derived_identifiers', derived_columns, derived_version_order,
        {'rule_preference': derived_rule_preference}
    ) }}
),

joined as (
    select
        {%- for column in spell_columns %}
            spells_once.{{ column }},
        {%- endfor %}
        derived_spells_once.dominant_procedure_code,
        derived_spells_once.primary_diagnosis_code,
        {{ as_flag('derived_spells_once.apcs_ident is not null') }} as has_derived_record
    from spells_once
    left join derived_spells_once
        on spells_once.apcs_ident = derived_spells_once.apcs_ident
)

select * from joined
