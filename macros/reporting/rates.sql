{#- `numerator` per `per` of `denominator`, as a decimal to 6 places (dbt's numeric type):
    computed in floating point, NULL where the denominator is 0 or either side NULL. The
    published outputs round it further. -#}
{% macro rate_per(numerator, denominator, per) -%}
    cast(
        {{ per }} * cast({{ numerator }} as {{ dbt.type_float() }}) / nullif({{ denominator }}, 0)
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}
