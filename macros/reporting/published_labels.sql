{#-
    The labels the published marts carry from the extract: organisation codes, financial
    years, activity months and sex codes. A label of its own shape is published as it is (as
    staging normalised it: trimmed, codes upper case); any other value is published as
    `invalid`, so that nothing the extract holds in those columns (an NHS number, markup)
    leaves as recorded. NULL stays NULL. The values are reported to the analytics team in
    int_apcs__data_quality_issues; the fact keeps them as recorded (decision register D19).
-#}

{#- A predicate true where `code` has an ODS organisation code's shape: 3 to 6 upper-case
    letters and digits, at least one a letter (`RXH`, `RXH01`, `NT3`, `8HV12`, `15N`, `QHM`,
    `X24`, `XMD00`), so that a number (`9434765919`, `202304`) is not one. -#}
{% macro is_ods_code(code) -%}
    ({{ regexp_full_match(code, '[A-Z0-9]{3,6}') }} and not {{ regexp_full_match(code, '[0-9]{3,6}') }})
{%- endmacro %}

{#- A predicate true where `financial_year` is written `2023/24`: four digits, a slash and the
    next year's last two digits. -#}
{% macro is_financial_year(financial_year) -%}
    {%- set first_year = 'cast(substring(' ~ financial_year ~ ', 3, 2) as integer)' -%}
    {%- set second_year = 'cast(substring(' ~ financial_year ~ ', 6, 2) as integer)' -%}
    ({{ regexp_full_match(financial_year, '[0-9]{4}/[0-9]{2}') }}
        and case
            when {{ regexp_full_match(financial_year, '[0-9]{4}/[0-9]{2}') }}
                then ({{ first_year }} + 1 - {{ second_year }}) % 100
        end = 0)
{%- endmacro %}

{#- A predicate true where `sex` is an NHS Data Dictionary sex code: 0 not known, 1 male,
    2 female, 9 not specified, X not known. -#}
{% macro is_sex_code(sex) -%}
    {{ sex }} in ('0', '1', '2', '9', 'X')
{%- endmacro %}

{#- `expression` where `is_valid` (a predicate on it) holds, `invalid` where it does not,
    NULL where it is NULL. -#}
{% macro published_label(expression, is_valid) -%}
    case
        when {{ is_valid }} then {{ expression }}
        when {{ expression }} is not null then 'invalid'
    end
{%- endmacro %}

{% macro published_organisation_code(code) -%}
    {{ published_label(code, is_ods_code(code)) }}
{%- endmacro %}

{% macro published_financial_year(financial_year) -%}
    {{ published_label(financial_year, is_financial_year(financial_year)) }}
{%- endmacro %}

{% macro published_activity_month(activity_month) -%}
    {{ published_label(activity_month, is_activity_month(activity_month)) }}
{%- endmacro %}

{#- A sex code, `unknown` when missing, `invalid` when not a Data Dictionary code. -#}
{% macro published_sex(sex) -%}
    coalesce({{ published_label(sex, is_sex_code(sex)) }}, 'unknown')
{%- endmacro %}
