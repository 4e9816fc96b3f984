{#- Fails on every value of a published count that disclosure control should have changed: a
    small number (1 to var('disclosure_suppression_threshold')) or a count that is not a
    multiple of var('disclosure_rounding_base'). -#}
{% test is_disclosure_controlled(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ is_small_number(column_name) }}
        or {{ column_name }} % {{ var('disclosure_rounding_base') }} <> 0
{% endtest %}
