{#- Fails on every row where the flag `column_name` is not set exactly when every flag in
    `flags` is set (a NULL counts as not set; the not_null tests catch NULLs). -#}
{% test flag_is_all_of(model, column_name, flags) %}
    {%- set all_set = [] -%}
    {%- for flag in flags -%}
        {%- do all_set.append(flag_is_set(flag)) -%}
    {%- endfor -%}
    select *
    from {{ model }}
    where
        case when {{ flag_is_set(column_name) }} then 1 else 0 end
        <> case when {{ all_set | join(' and ') }} then 1 else 0 end
{% endtest %}
