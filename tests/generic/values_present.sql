{#- Fails once for every value in `values` that no row of the column holds: a code list role
    the rule needs must never be empty. -#}
{% test values_present(model, column_name, values) %}
    with

    expected as (
        {%- for value in values %}
            select '{{ value }}' as expected_value
            {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ),

    present as (
        select distinct {{ column_name }} as present_value
        from {{ model }}
    )

    select expected.expected_value
    from expected
    left join present
        on expected.expected_value = present.present_value
    where present.present_value is null
{% endtest %}
