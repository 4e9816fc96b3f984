{#- Fails on each key value that is NULL or held by more than one row: `unique` and `not_null`
    in one scan of the model, which matters on a table of many millions of spells. -#}
{% test primary_key(model, column_name) %}
    select
        {{ column_name }} as key_value,
        count(*) as number_of_rows
    from {{ model }}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
{% endtest %}
