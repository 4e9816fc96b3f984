{#- A join condition true where `left` and `right` (relation aliases) agree on every column
    of `columns`, a NULL matching a NULL (a spell may have no financial year or provider). -#}
{% macro rows_match_on(left, right, columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- set left_column = left ~ '.' ~ column -%}
        {%- set right_column = right ~ '.' ~ column -%}
        {%- do conditions.append(
            '(' ~ left_column ~ ' = ' ~ right_column ~ ' or (' ~ left_column ~ ' is null and '
            ~ right_column ~ ' is null))'
        ) -%}
    {%- endfor -%}
    {{ conditions | join(' and ') }}
{%- endmacro %}
