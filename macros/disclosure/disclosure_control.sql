{#-
    NHS small-number rules for outputs that leave the analytics team (var
    `disclosure_suppression_threshold`, default 7, and `disclosure_rounding_base`, default 5):
    a count from 1 to the threshold is suppressed (NULL), any other count is rounded to the
    nearest multiple of the base (halves up), and 0 stays 0. Published marts apply these
    macros to every count, and to anything derived from one, as the last step.
-#}

{#- A predicate true where `count` is a small number: from 1 to the threshold. -#}
{% macro is_small_number(count) -%}
    {{ count }} between 1 and {{ var('disclosure_suppression_threshold') }}
{%- endmacro %}

{#- `count` as published: NULL when small, else rounded to the nearest multiple of the base.
    The rounding is done in whole numbers, so it is the same on every engine. -#}
{% macro disclosure_controlled_count(count) -%}
    {%- set base = var('disclosure_rounding_base') -%}
    case
        when {{ is_small_number(count) }} then null
        else ({{ count }} + {{ base // 2 }}) - ({{ count }} + {{ base // 2 }}) % {{ base }}
    end
{%- endmacro %}
