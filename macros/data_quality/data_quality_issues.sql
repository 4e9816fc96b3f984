{#- One branch of the data-quality report (int_apcs__data_quality_issues): the rows of
    `checked_rows` (a CTE of checked rows, each check a 0/1 column, with `apcs_ident`,
    `source_table` and `activity_month`) failing `check`, reported as an `issue` in `field`, with the value as
    recorded (the column `value_as_recorded` of `checked_rows`) cut to 200 characters. -#}
{% macro data_quality_issue(checked_rows, check, field, value_as_recorded, issue) -%}
    select
        apcs_ident,
        source_table,
        '{{ field }}' as field,
        left({{ value_as_recorded }}, 200) as value_as_recorded,
        '{{ issue }}' as issue,
        activity_month
    from {{ checked_rows }}
    where {{ check }} = 1
{%- endmacro %}

{#- A predicate true where `text` (a SQL expression) holds a tab or a line break, each
    character of `control_white_space`. -#}
{% macro holds_control_white_space(text) -%}
    (
        {%- for character in control_white_space() %}
        {{ 'or ' if not loop.first }}{{ rfd_back_text_holds(text, character) }}
        {%- endfor %}
    )
{%- endmacro %}
