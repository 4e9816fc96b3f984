{#- Fails on every non-NULL value of the column that is not wholly matched by the regular
    expression `pattern`. -#}
{% test matches_pattern(model, column_name, pattern) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and not {{ regexp_full_match(column_name, pattern) }}
{% endtest %}
