{#-
    Normalisation applied in staging, the way SQL Server's case-insensitive collation and a
    clinical coder read the data (decision register D5).
-#}

{#- One clinical code: upper case, no white space, no dots (`m54.5 ` becomes `M545`). -#}
{% macro normalise_code(expression) %}
    {{ return(adapter.dispatch('normalise_code', 'rfd_back')(expression)) }}
{% endmacro %}

{% macro default__normalise_code(expression) -%}
    upper(replace(replace({{ trimmed_text(expression) }}, '.', ''), ' ', ''))
{%- endmacro %}

{% macro duckdb__normalise_code(expression) -%}
    upper(regexp_replace({{ as_text(expression) }}, '[\s.]+', '', 'g'))
{%- endmacro %}

{#-
    A list of codes (Der_Diagnosis_All, Der_Procedure_All): episodes separated by `||`, codes
    by `,`. White space and dots are removed and letters upper-cased, so separators with or
    without spaces around them read the same; the separators themselves are kept.
-#}
{% macro normalise_code_list(expression) %}
    {{ return(normalise_code(expression)) }}
{% endmacro %}

{#- A short category code (admission method, sex, ...): trimmed and upper-cased. -#}
{% macro normalise_category(expression) -%}
    upper({{ trimmed_text(expression) }})
{%- endmacro %}

{#- Any raw value as text (a Parquet extract may carry typed columns), without surrounding
    white space. -#}
{% macro trimmed_text(expression) -%}
    trim({{ as_text(expression) }})
{%- endmacro %}

{% macro as_text(expression) -%}
    {{ dbt.cast(expression, dbt.type_string()) }}
{%- endmacro %}

{#-
    A two-character category code whose leading zero may have been lost by a spreadsheet or an
    integer column on the way (`2` for `02`): trimmed, upper-cased and left-padded to two.
-#}
{% macro normalise_two_character_code(expression) -%}
    {%- set trimmed = normalise_category(expression) -%}
    case
        when {{ dbt.length(trimmed) }} = 1 and {{ trimmed }} between '0' and '9'
            then {{ dbt.concat(["'0'", trimmed]) }}
        else {{ trimmed }}
    end
{%- endmacro %}

{#- A cast that turns a malformed value into NULL instead of failing the build. -#}
{% macro safe_cast_from_text(expression, data_type) %}
    {{ return(adapter.dispatch('safe_cast_from_text', 'rfd_back')(expression, data_type)) }}
{% endmacro %}

{% macro default__safe_cast_from_text(expression, data_type) -%}
    {{ dbt.safe_cast(expression, api.Column.translate_type(data_type)) }}
{%- endmacro %}

{% macro duckdb__safe_cast_from_text(expression, data_type) -%}
    try_cast({{ trimmed_text(expression) }} as {{ data_type }})
{%- endmacro %}
