{#- Secondary suppression's check on a published mart (macros/disclosure): fails for every
    group of `cell_groups` (`cell_id`, `grouping_name`, `group_id`) holding exactly one
    suppressed cell, one whose published `column_name` is NULL, since subtracting the others
    from the group's total would recover it. `cells` holds each cell's `cell_id`, its exact
    count `exact_count` and the columns `cell_columns` that name its row in the mart (the same
    names in both). So that it cannot pass by matching nothing, it also fails for every cell
    without exactly one published row and every published row without a cell. Cells and rows
    are matched by grouping, not by a join, so a NULL matches a NULL on every engine. -#}
{% test leaves_no_single_suppressed_cell(
    model, column_name, cells, cell_groups, exact_count, cell_columns
) %}
    {%- set columns = cell_columns | join(', ') %}
    with

    cells_and_published_rows as (
        select
            {{ columns }},
            cell_id,
            {{ exact_count }} as exact_count,
            0 as published_rows,
            0 as is_suppressed
        from {{ cells }}
        union all
        select
            {{ columns }},
            null as cell_id,
            null as exact_count,
            1 as published_rows,
            case when {{ column_name }} is null then 1 else 0 end as is_suppressed
        from {{ model }}
    ),

    matched as (
        select
            max(cell_id) as cell_id,
            max(exact_count) as exact_count,
            sum(published_rows) as published_rows,
            max(is_suppressed) as is_suppressed
        from cells_and_published_rows
        group by {{ columns }}
    ),

    groups_with_one_suppressed_cell as (
        select
            cell_groups.grouping_name,
            cell_groups.group_id,
            max(case when matched.is_suppressed = 1 then matched.cell_id end) as cell_id,
            max(case when matched.is_suppressed = 1 then matched.exact_count end) as exact_count
        from {{ cell_groups }} as cell_groups
        inner join matched
            on cell_groups.cell_id = matched.cell_id
        group by cell_groups.grouping_name, cell_groups.group_id
        having sum(matched.is_suppressed) = 1
    )

    select
        'a group with exactly one suppressed cell' as failure,
        grouping_name,
        group_id,
        cell_id,
        exact_count
    from groups_with_one_suppressed_cell
    union all
    select
        case
            when cell_id is null then 'a published row with no cell'
            else 'a cell without exactly one published row'
        end as failure,
        null as grouping_name,
        null as group_id,
        cell_id,
        exact_count
    from matched
    where cell_id is null or published_rows <> 1
{% endtest %}
