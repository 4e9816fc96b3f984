{#- Fails on every value of a published count that disclosure control should have suppressed:
    from 1 to var('disclosure_suppression_threshold'). -#}
{% test no_small_numbers(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ is_small_number(column_name) }}
{% endtest %}
