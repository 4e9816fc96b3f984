{#- The rows of `relation` (a model) with one row per value of `key`, as a query; `alias`
    names the relation in it. Rows with a NULL key are left out. Keys held by one row pass
    straight through; of the rows of a key in `duplicated_keys` (a CTE of those keys, column
    `key`) the first by `order_by` is kept. Only the duplicated keys are ranked, so a table
    without duplicates pays an anti-join against an empty list, not a sort of every row.
    `ranking_columns` (name: SQL expression on `alias`) are worked out for the duplicated
    rows only, for `order_by` to sort on. `order_by` must be a total order on `columns` for
    the choice not to depend on the order the engine reads the rows in (see
    `latest_first_order`). -#}
{% macro one_row_per_key(relation, alias, key, duplicated_keys, columns, order_by, ranking_columns={}) -%}
    {%- set selected = [] -%}
    {%- for column in columns -%}
        {%- do selected.append(alias ~ '.' ~ column) -%}
    {%- endfor -%}
    select {{ selected | join(', ') }}
    from {{ relation }} as {{ alias }}
    left join {{ duplicated_keys }}
        on {{ alias }}.{{ key }} = {{ duplicated_keys }}.{{ key }}
    where {{ alias }}.{{ key }} is not null and {{ duplicated_keys }}.{{ key }} is null
    union all
    select {{ columns | join(', ') }}
    from (
        select
            {{ columns | join(', ') }},
            row_number() over (partition by {{ key }} order by {{ order_by }}) as version_rank
        from (
            select
                {%- for name, expression in ranking_columns.items() %}
                {{ expression }} as {{ name }},
                {%- endfor %}
                {{ selected | join(', ') }}
            from {{ relation }} as {{ alias }}
            inner join {{ duplicated_keys }}
                on {{ alias }}.{{ key }} = {{ duplicated_keys }}.{{ key }}
        ) as versions
    ) as ranked_versions
    where ranked_versions.version_rank = 1
{%- endmacro %}

{#- An ORDER BY list: `descending` columns latest first, then `ascending` columns, NULLs last
    in both, spelt out (`case when ... is null`) because engines disagree on where NULLs sort
    by default. -#}
{% macro latest_first_order(descending, ascending) -%}
    {%- set terms = [] -%}
    {%- for column in descending + ascending -%}
        {%- do terms.append('case when ' ~ column ~ ' is null then 1 else 0 end') -%}
        {%- do terms.append(column ~ (' desc' if column in descending else '')) -%}
    {%- endfor -%}
    {{ terms | join(', ') }}
{%- endmacro %}
