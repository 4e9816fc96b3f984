{#- Fails on every row where `expression` (a predicate) is not true (false or NULL). Written
    with CASE so that it runs on T-SQL too, where a predicate cannot be a value. -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where case when {{ expression }} then 0 else 1 end = 1
{% endtest %}
