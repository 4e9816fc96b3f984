{#-
    The shape of the codes in a code list (Der_Diagnosis_All, Der_Procedure_All), for the
    data-quality report. NCDR writes a list as codes separated by `||` between episodes, `,`
    within one, with spaces around them; the rule reads any other character as a separator
    too (decision register D3), but a list holding one, or a code of another shape (`Z6751`,
    `XZ675`, `C`), may be read differently from what its coder meant, so each such code is
    reported. Here a list's codes are what lies between `|`, `,` and white space (space, tab,
    line break); each must be, upper case and without dots, of the OPCS-4 or ICD-10 shape.
-#}

{#- The characters that separate the codes of a list as NCDR writes it, as a regular
    expression class (for T-SQL, `code_list_with_comma_separators` names the same ones). -#}
{% macro code_list_separators() %}
    {{ return('[|, \\t\\n\\r]') }}
{% endmacro %}

{#- A predicate true when every code of `code_list` (normalised: upper case, no dots) matches
    the regular expression `code_shape` (literals and classes, each repeated at most by `{n}`,
    `{m,n}` or `?`). An empty list, or one of separators only, holds no code of another shape;
    a NULL list is unknown. -#}
{% macro code_list_is_of_shape(code_list, code_shape) %}
    {{ return(adapter.dispatch('code_list_is_of_shape', 'rfd_back')(code_list, code_shape)) }}
{% endmacro %}

{#- One regular expression for the whole list: separators, then codes each followed by
    separators, the last one perhaps not. -#}
{% macro default__code_list_is_of_shape(code_list, code_shape) -%}
    {%- set separator = code_list_separators() -%}
    {{ regexp_full_match(
        code_list,
        separator ~ '*(' ~ code_shape ~ separator ~ '+)*(' ~ code_shape ~ ')?'
    ) }}
{%- endmacro %}

{#- T-SQL has no regular expressions to repeat a group with: the list is split into codes
    (`split_code_list`) and no code may fail the shape. -#}
{% macro sqlserver__code_list_is_of_shape(code_list, code_shape) -%}
    not exists (
        select 1
        from string_split({{ code_list_with_comma_separators(code_list) }}, ',') as listed
        where listed.value <> '' and not {{ regexp_full_match('listed.value', code_shape) }}
    )
{%- endmacro %}

{#- Spark (and Databricks): Java's regular expressions recurse once per repeat of a group, so
    a whole-list expression could overflow the stack on a list of thousands of codes; each
    code of the split list is checked instead. -#}
{% macro spark__code_list_is_of_shape(code_list, code_shape) -%}
    forall(
        split({{ code_list }}, '{{ code_list_separators() }}'),
        listed_code -> listed_code = '' or {{ regexp_full_match('listed_code', code_shape) }}
    )
{%- endmacro %}

{#- Fabric, and Synapse (its adapter reads the fabric__ macros): as on SQL Server. -#}
{% macro fabric__code_list_is_of_shape(code_list, code_shape) -%}
    {{ sqlserver__code_list_is_of_shape(code_list, code_shape) }}
{%- endmacro %}

{#- T-SQL: `code_list` with each separator of `code_list_separators` (`|`, space, tab, line
    break; a comma already is one) turned into a comma, for STRING_SPLIT, which takes one
    separator character. -#}
{% macro code_list_with_comma_separators(code_list) -%}
    {{ replace_each(code_list, ["'|'", "' '"] + control_white_space(), "','") }}
{%- endmacro %}

{#- A query with one row per code of each list: the `columns` of `relation` and, as
    `code_as_recorded`, each text between separators of `code_list` (a column of
    `relation`), empty texts included (between `||`, say). Each engine splits a string into
    rows its own way. -#}
{% macro split_code_list(relation, columns, code_list) %}
    {{ return(adapter.dispatch('split_code_list', 'rfd_back')(relation, columns, code_list)) }}
{% endmacro %}

{#- PostgreSQL and most engines: a set-returning regexp_split_to_table. -#}
{% macro default__split_code_list(relation, columns, code_list) -%}
    select
        {{ columns | join(', ') }},
        regexp_split_to_table({{ code_list }}, '{{ code_list_separators() }}') as code_as_recorded
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__split_code_list(relation, columns, code_list) -%}
    select
        {{ columns | join(', ') }},
        unnest(string_split_regex({{ code_list }}, '{{ code_list_separators() }}')) as code_as_recorded
    from {{ relation }}
{%- endmacro %}

{#- Spark (and Databricks): split takes a regular expression; explode makes the rows. -#}
{% macro spark__split_code_list(relation, columns, code_list) -%}
    select
        {{ columns | join(', ') }},
        explode(split({{ code_list }}, '{{ code_list_separators() }}')) as code_as_recorded
    from {{ relation }}
{%- endmacro %}

{#- Snowflake: the separators become commas, and SPLIT_TO_TABLE makes the rows. -#}
{% macro snowflake__split_code_list(relation, columns, code_list) -%}
    select
        {%- for column in columns %}
        lists.{{ column }},
        {%- endfor %}
        listed.value as code_as_recorded
    from {{ relation }} as lists,
        lateral split_to_table(
            regexp_replace(lists.{{ code_list }}, '{{ code_list_separators() }}', ','), ','
        ) as listed
{%- endmacro %}

{#- T-SQL: the separators become commas, and STRING_SPLIT, applied to each row, makes the
    rows. -#}
{% macro sqlserver__split_code_list(relation, columns, code_list) -%}
    select
        {%- for column in columns %}
        lists.{{ column }},
        {%- endfor %}
        listed.value as code_as_recorded
    from {{ relation }} as lists
    cross apply string_split(
        {{ code_list_with_comma_separators('lists.' ~ code_list) }}, ','
    ) as listed
{%- endmacro %}

{% macro fabric__split_code_list(relation, columns, code_list) -%}
    {{ sqlserver__split_code_list(relation, columns, code_list) }}
{%- endmacro %}
