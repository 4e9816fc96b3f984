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

{#- 1 where `count` is a small number (primary suppression), else 0. -#}
{% macro primary_suppression(count) -%}
    case when {{ is_small_number(count) }} then 1 else 0 end
{%- endmacro %}

{#- Secondary suppression. The cells of one group (`partition_by`, a list of columns) add up
    to a published total, so when exactly one of them is suppressed it could be recovered by
    subtraction. This is 1 on the cell to suppress as well, the smallest non-zero count not
    yet suppressed (ties broken by `order_by`), and 0 elsewhere; `is_suppressed` is the
    cell's 0/1 suppression so far. Windowed: it goes in a CTE's select list. -#}
{% macro secondary_suppression(count, is_suppressed, partition_by, order_by) -%}
    {%- set group = 'partition by ' ~ (partition_by | join(', ')) -%}
    case
        when
            sum({{ is_suppressed }}) over ({{ group }}) = 1
            and {{ is_suppressed }} = 0
            and {{ count }} > 0
            and row_number() over (
                {{ group }}
                order by
                    case when {{ is_suppressed }} = 0 and {{ count }} > 0 then 0 else 1 end,
                    {{ count }},
                    {{ order_by | join(', ') }}
            ) = 1
            then 1
        else 0
    end
{%- endmacro %}

{#- CTEs that suppress the cells of `relation` (one row per cell, with the columns
    `cell_columns`, among them the count `count`): primary suppression, then secondary
    suppression in every grouping of `groupings` (pairs of partition columns and tie-break
    columns) where cells add up to a published total. A cell suppressed in one grouping can
    leave a single suppressed cell in another, so the groupings are applied together, round
    after round (var `disclosure_secondary_suppression_rounds`); the last CTE, `suppressed`,
    has the cell columns and `is_suppressed` (0 or 1). A data test on the mart should prove
    that no grouping is left with exactly one suppressed cell. -#}
{% macro disclosure_suppression_ctes(relation, count, cell_columns, groupings) -%}
    {%- set rounds = var('disclosure_secondary_suppression_rounds') -%}
suppression_round_0 as (
    select
        {%- for column in cell_columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        {{ primary_suppression(relation ~ '.' ~ count) }} as is_suppressed
    from {{ relation }}
),
    {%- for round in range(1, rounds + 1) %}
        {%- set previous = 'suppression_round_' ~ (round - 1) %}

suppression_round_{{ round }} as (
    select
        {%- for column in cell_columns %}
        {{ previous }}.{{ column }},
        {%- endfor %}
        case
            when {{ previous }}.is_suppressed = 1
        {%- for partition_by, order_by in groupings %}
            {%- set qualified = {'partition_by': [], 'order_by': []} %}
            {%- for column in partition_by %}
                {%- do qualified.partition_by.append(previous ~ '.' ~ column) %}
            {%- endfor %}
            {%- for column in order_by %}
                {%- do qualified.order_by.append(previous ~ '.' ~ column) %}
            {%- endfor %}
                or {{ secondary_suppression(
                    previous ~ '.' ~ count,
                    previous ~ '.is_suppressed',
                    qualified.partition_by,
                    qualified.order_by
                ) }} = 1
        {%- endfor %}
                then 1
            else 0
        end as is_suppressed
    from {{ previous }}
),
    {%- endfor %}

suppressed as (
    select * from suppression_round_{{ rounds }}
)
{%- endmacro %}
