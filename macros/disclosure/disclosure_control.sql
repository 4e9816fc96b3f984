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

{#- `count` as published: NULL when small, or when `is_suppressed` (a 0/1 expression, from
    `disclosure_suppression_ctes`) is 1; else rounded to the nearest multiple of the base.
    The rounding is done in whole numbers, so it is the same on every engine. -#}
{% macro disclosure_controlled_count(count, is_suppressed=none) -%}
    {%- set base = var('disclosure_rounding_base') -%}
    case
        when {{ is_small_number(count) }} then null
        {%- if is_suppressed is not none %}
        when {{ is_suppressed }} = 1 then null
        {%- endif %}
        else ({{ count }} + {{ base // 2 }}) - ({{ count }} + {{ base // 2 }}) % {{ base }}
    end
{%- endmacro %}

{#- 1 where `count` is a small number (primary suppression), else 0. -#}
{% macro primary_suppression(count) -%}
    case when {{ is_small_number(count) }} then 1 else 0 end
{%- endmacro %}

{#- A `*_cell_groups` model's `group_id`: one number per group of cells, a group named by
    `key_columns` (its grouping's name first, then the columns its cells share, NULL where the
    grouping does not use one). NULL is numbered as '' (no published label is empty), so the
    numbers do not depend on where an engine sorts NULLs. -#}
{% macro cell_group_id(key_columns) -%}
    dense_rank() over (
        order by
            {%- for column in key_columns %}
            coalesce({{ column }}, ''){{ ',' if not loop.last }}
            {%- endfor %}
    )
{%- endmacro %}

{#- Secondary suppression, as CTEs. `cells` has one row per published cell: `cell_id` and the
    count `count`. `cell_groups` says which groups of cells add up to a published total (the
    total among them, when it is a cell): one row per cell and group it belongs to, the group
    numbered by `group_id` (unique across groupings); every cell must be in at least one
    group. Primary suppression comes first. Then, whenever exactly one cell of a group is
    suppressed, subtraction would recover it, so the group's smallest non-zero cell not yet
    suppressed is suppressed as well (ties by `cell_id`). That can leave a lone suppressed cell
    in another group, so this repeats for var `disclosure_secondary_suppression_rounds` rounds;
    the data test `leaves_no_single_suppressed_cell` on the mart proves no group is left with
    exactly one. The last CTE, `suppressed`, has `cell_id` and `is_suppressed` (0 or 1). -#}
{% macro disclosure_suppression_ctes(cells, count, cell_groups) -%}
    {%- set rounds = var('disclosure_secondary_suppression_rounds') -%}
    {%- set group_partition = 'partition by ' ~ cell_groups ~ '.group_id' -%}
suppression_round_0 as (
    select
        {{ cells }}.cell_id,
        {{ cells }}.{{ count }} as cell_count,
        {{ primary_suppression(cells ~ '.' ~ count) }} as is_suppressed
    from {{ cells }}
),
    {%- for round in range(1, rounds + 1) %}
        {%- set previous = 'suppression_round_' ~ (round - 1) %}

{#- Each round reads the previous one once, so an engine that inlines CTEs (Spark) gets a
    plan that grows with the rounds, not with their powers. #}
suppression_round_{{ round }} as (
    select
        by_group.cell_id,
        by_group.cell_count,
        max(by_group.is_suppressed) as is_suppressed
    from (
        select
            {{ cell_groups }}.cell_id,
            {{ previous }}.cell_count,
            case
                when {{ previous }}.is_suppressed = 1 then 1
                when
                    sum({{ previous }}.is_suppressed) over ({{ group_partition }}) = 1
                    and {{ previous }}.cell_count > 0
                    and row_number() over (
                        {{ group_partition }}
                        order by
                            case
                                when
                                    {{ previous }}.is_suppressed = 0
                                    and {{ previous }}.cell_count > 0
                                    then 0
                                else 1
                            end,
                            {{ previous }}.cell_count,
                            {{ previous }}.cell_id
                    ) = 1
                    then 1
                else 0
            end as is_suppressed
        from {{ cell_groups }}
        inner join {{ previous }}
            on {{ cell_groups }}.cell_id = {{ previous }}.cell_id
    ) as by_group
    group by by_group.cell_id, by_group.cell_count
),
    {%- endfor %}

suppressed as (
    select
        cell_id,
        is_suppressed
    from suppression_round_{{ rounds }}
)
{%- endmacro %}
