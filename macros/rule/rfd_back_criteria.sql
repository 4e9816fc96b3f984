{#-
    The EBI rule 2K_RFD_back, one macro per criterion, in the published order.

    Every macro takes column expressions holding codes already normalised by staging (upper
    case, no dots; single codes without white space either) and returns a flag that is never
    NULL (macros/utils/flags.sql: a boolean, or a bit on T-SQL): where SQL Server's
    three-valued logic leaves a criterion unknown (a NULL age, admission method, code list...)
    the CASE in the published statement does not fire, so the criterion counts as not met.

    Clinical codes are never written here: they are read from the code-list seeds through
    ref(), so the lineage graph shows each code list feeding the outputs.
-#}

{#- The criteria in the published order: the column each is stored in and the exclusion reason
    recorded when it is the first to fail. -#}
{% macro rfd_back_criteria() %}
    {{ return([
        {'column': 'has_rfd_dominant_procedure', 'exclusion_reason': 'dominant_procedure'},
        {'column': 'has_lumbar_site_code', 'exclusion_reason': 'site_code'},
        {'column': 'has_back_pain_primary_diagnosis', 'exclusion_reason': 'primary_diagnosis'},
        {'column': 'is_age_in_range', 'exclusion_reason': 'age'},
        {'column': 'is_non_emergency_admission', 'exclusion_reason': 'emergency_admission'},
        {'column': 'has_no_cancer_diagnosis', 'exclusion_reason': 'cancer_diagnosis'},
        {'column': 'is_not_private_patient', 'exclusion_reason': 'private_patient'},
    ]) }}
{% endmacro %}

{#- The version of the rule a spell was flagged under, as a query returning one row with one
    column, `rule_version`: the latest revision of the guidance the code-list seeds come from,
    with `+null_diagnoses_pass_cancer_exclusion` appended when that option is on. A refresh
    re-processes every month when the table holds another version (macros/refresh). -#}
{% macro rfd_back_rule_version() -%}
    {#- The later of the two seeds' latest revisions (no UNION: Spark 4 fails to run a UNION
        inside the fact's cross join). -#}
    {%- set latest_revision -%}
        case
            when exclusion_ranges.revised is null or code_lists.revised >= exclusion_ranges.revised
                then code_lists.revised
            else exclusion_ranges.revised
        end
    {%- endset -%}
    select
        {%- if var('rfd_back_null_diagnoses_pass_cancer_exclusion') %}
            {{ dbt.concat([latest_revision, "'+null_diagnoses_pass_cancer_exclusion'"]) }}
        {%- else %}
            {{ latest_revision }}
        {%- endif %} as rule_version
    from (
        select max(code_list.source_revised) as revised
        from {{ ref('rfd_back_code_list') }} as code_list
    ) as code_lists
    cross join (
        select max(ranges.source_revised) as revised
        from {{ ref('rfd_back_diagnosis_exclusion_ranges') }} as ranges
    ) as exclusion_ranges
{%- endmacro %}

{#- The codes of one role in the code list, as a subquery. -#}
{% macro rfd_back_codes_with_role(rule_role) -%}
    select code_list.code
    from {{ ref('rfd_back_code_list') }} as code_list
    where code_list.rule_role = '{{ rule_role }}'
{%- endmacro %}

{#- 1. LEFT(Spell_Dominant_Procedure, 4) IN (dominant procedure codes). -#}
{% macro rfd_back_has_rfd_dominant_procedure(dominant_procedure_code) -%}
    {%- set predicate -%}
    left({{ dominant_procedure_code }}, 4) in ({{ rfd_back_codes_with_role('dominant_procedure') }})
    {%- endset -%}
    {{ as_flag(predicate) }}
{%- endmacro %}

{#- 2. A site qualifier anywhere in Der_Procedure_All (any episode, any position): one of
    the list's codes contains it (decision register D3). The model finds the spells whose list
    holds one (`rfd_back_list_holds`, joining each spell to the site codes) and left-joins them
    on the spell; the criterion holds where the join found the spell. Each spell's list is
    searched where it lies: SUS lists are nearly all distinct, so searching each distinct list
    once saves nothing (decision register D9). -#}
{% macro rfd_back_has_lumbar_site_code(spell_with_site_code) -%}
    {{ as_flag(spell_with_site_code ~ ' is not null') }}
{%- endmacro %}

{#- 3. LEFT(Spell_Primary_Diagnosis, 4) IN (primary diagnosis codes). -#}
{% macro rfd_back_has_back_pain_primary_diagnosis(primary_diagnosis_code) -%}
    {%- set predicate -%}
    left({{ primary_diagnosis_code }}, 4) in ({{ rfd_back_codes_with_role('primary_diagnosis') }})
    {%- endset -%}
    {{ as_flag(predicate) }}
{%- endmacro %}

{#- 4. ISNULL(Age_At_Start_of_Spell_SUS, Der_Age_at_CDS_Activity_Date) BETWEEN 19 AND 120. -#}
{% macro rfd_back_is_age_in_range(
    age_at_start_of_spell, has_malformed_age_at_start_of_spell, age_at_cds_activity_date
) -%}
    {%- set predicate -%}
    {{ rfd_back_rule_age(
        age_at_start_of_spell, has_malformed_age_at_start_of_spell, age_at_cds_activity_date
    ) }}
    between {{ var('rfd_back_minimum_age') }} and {{ var('rfd_back_maximum_age') }}
    {%- endset -%}
    {{ as_flag(predicate) }}
{%- endmacro %}

{#- The age the rule tests (decision register D6): the SUS age at start of spell, or the CDS
    activity-date age only when the SUS age is missing (NULL or blank). A SUS age that is
    recorded but is no whole number (`18.5`, `forty`) does not fall back: the age is NULL and
    the criterion fails. Nor does a negative one (-1 is tested as -1) or an infant's 7001. -#}
{% macro rfd_back_rule_age(
    age_at_start_of_spell, has_malformed_age_at_start_of_spell, age_at_cds_activity_date
) -%}
    case
        when {{ flag_is_set(has_malformed_age_at_start_of_spell) }} then null
        else coalesce({{ age_at_start_of_spell }}, {{ age_at_cds_activity_date }})
    end
{%- endmacro %}

{#- 5. Admission_Method NOT LIKE '2%': not an emergency admission. -#}
{% macro rfd_back_is_non_emergency_admission(admission_method) -%}
    {%- set predicate -%}
    {{ admission_method }} not like '{{ var("rfd_back_emergency_admission_method_prefix") }}%'
    {%- endset -%}
    {{ as_flag(predicate) }}
{%- endmacro %}

{#- 6. No diagnosis anywhere in Der_Diagnosis_All in the excluded ranges (C00-C99, D00-D09,
    D37-D48 as published): no code of the list contains an excluded category. As for the site
    code, the model finds the spells whose list holds an excluded category, and the criterion
    holds where the spell is not among them. A NULL list fails, as in SQL Server, unless the
    option rfd_back_null_diagnoses_pass_cancer_exclusion is on (decision register D2). -#}
{% macro rfd_back_has_no_cancer_diagnosis(diagnosis_codes_all, spell_with_excluded_code) -%}
    {%- set no_excluded_code = spell_with_excluded_code ~ ' is null' -%}
    {%- if var('rfd_back_null_diagnoses_pass_cancer_exclusion') -%}
        {{ as_flag(diagnosis_codes_all ~ ' is null or ' ~ no_excluded_code) }}
    {%- else -%}
        {{ as_flag(diagnosis_codes_all ~ ' is not null and ' ~ no_excluded_code) }}
    {%- endif -%}
{%- endmacro %}

{#- 7. Administrative_Category <> '02': not a private patient. -#}
{% macro rfd_back_is_not_private_patient(administrative_category) -%}
    {%- set predicate -%}
    {{ administrative_category }} <> '{{ var("rfd_back_private_administrative_category") }}'
    {%- endset -%}
    {{ as_flag(predicate) }}
{%- endmacro %}

{#- What the published character classes search for, as a subquery with one column,
    `category`: every three-character ICD-10 category (a letter and two digits) inside an
    excluded range of the seed, cut to the range's `characters_matched` (3, or 2 where the
    published SQL searches a shorter string: `%D0%` for D00-D09). Expanding the ranges this
    way reproduces the published classes exactly: `C[0-9][0-9]` needs two digits, `D0` none. -#}
{% macro rfd_back_excluded_diagnosis_categories() -%}
    {%- set digits = '(' ~ rfd_back_digit_rows() ~ ')' -%}
    {%- set category = dbt.concat(['left(ranges.range_start, 1)', 'tens.digit', 'units.digit']) -%}
    select distinct left({{ category }}, ranges.characters_matched) as category
    from {{ ref('rfd_back_diagnosis_exclusion_ranges') }} as ranges
    cross join {{ digits }} as tens (digit)
    cross join {{ digits }} as units (digit)
    where
        ranges.rule_role = 'diagnosis_exclusion'
        and {{ category }} between ranges.range_start and ranges.range_end
{%- endmacro %}

{#- A predicate true where the code list `list` holds the wanted code `code`, as the published
    `LIKE '%...%'` reads a list (decision register D3): every character that is not a letter
    or a digit separates two codes, and a list holds a wanted code when one of its codes
    contains it. Every wanted code is a letter and digits only (the seeds' tests check their
    shapes), so "one of its codes contains it" is the same as "the list contains it". -#}
{% macro rfd_back_list_holds(list, code) %}
    {{ return(adapter.dispatch('rfd_back_list_holds', 'rfd_back')(list, code)) }}
{% endmacro %}

{#- Portable: LIKE on the whole list, as the published statement searches it. -#}
{% macro default__rfd_back_list_holds(list, code) -%}
    {{ list }} like {{ dbt.concat(["'%'", code, "'%'"]) }}
{%- endmacro %}

{#- DuckDB: the same test as a plain substring search, several times faster than a LIKE
    pattern built row by row (decision register D9). -#}
{% macro duckdb__rfd_back_list_holds(list, code) -%}
    contains({{ list }}, {{ code }})
{%- endmacro %}

{#- The ten digits as rows of a derived table with one column, `digit`. -#}
{% macro rfd_back_digit_rows() %}
    {{ return(adapter.dispatch('rfd_back_digit_rows', 'rfd_back')()) }}
{% endmacro %}

{% macro default__rfd_back_digit_rows() -%}
    values ('0'), ('1'), ('2'), ('3'), ('4'), ('5'), ('6'), ('7'), ('8'), ('9')
{%- endmacro %}

{#- T-SQL: SELECTs joined by UNION ALL, the derived table SQL Server, Fabric and Synapse all
    take. -#}
{% macro sqlserver__rfd_back_digit_rows() -%}
    {%- for digit in range(10) %}
    select '{{ digit }}' as digit{{ ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro fabric__rfd_back_digit_rows() -%}
    {{ sqlserver__rfd_back_digit_rows() }}
{%- endmacro %}
