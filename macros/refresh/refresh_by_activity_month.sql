{#-
    The monthly refresh of an incremental model by activity month.

    SUS revises a month after its first submission (flex, then freeze), so a refresh re-processes
    the latest months already in the table as well as any newer month, and replaces them whole:
    a spell revised in those months is revised, a spell removed is removed. Older months are
    left as they are. `--full-refresh` rebuilds everything.

    The window starts at the Nth latest activity month in the table, N being the var
    `rfd_back_refresh_lookback_months` (default 1: the latest month, which SUS freezes after
    its flex submission). Every month from there on is re-processed, however many new months
    the source brings, so a missed refresh leaves no gap. Spells with no activity month are
    always re-processed, and so are spells whose month is not six characters long (blank or
    written another way), which would otherwise sort outside every window. A table flagged
    under another rule version (a code list revised, the null-diagnoses option switched) is
    re-processed whole, as --full-refresh would; not a table whose model says in its meta
    `rfd_back_rule_versioned: false` (the data-quality issues: no check depends on the code
    lists).
-#}

{#- A refresh setting of the model being built, from its `meta`; true unless set:
    `rfd_back_rule_versioned` (the table carries `rule_version`, and a rule change
    re-processes it whole) and `rfd_back_replace_moved_spells` (a refresh also deletes the
    older rows of the spells it re-inserts). -#}
{% macro rfd_back_model_meta(key) %}
    {{ return(config.get('meta', {}).get(key, true)) }}
{% endmacro %}

{#- The first month of the refresh window, as `YYYYMM`, read from `relation` (the table being
    refreshed); none, meaning every month, when the table holds no month yet or holds spells
    flagged under another rule version. -#}
{% macro rfd_back_refresh_window_start(relation) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest_months_start = rfd_back_latest_months_start(relation) -%}
    {%- if not rfd_back_model_meta('rfd_back_rule_versioned') -%}
        {{ return(latest_months_start) }}
    {%- endif -%}
    {%- set other_versions_query -%}
        select count(*) from {{ relation }}
        where rule_version is null or rule_version <> (
            select current_rule.rule_version from ({{ rfd_back_rule_version() }}) as current_rule
        )
    {%- endset -%}
    {%- if run_query(other_versions_query).columns[0].values()[0] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(latest_months_start) }}
{% endmacro %}

{#- The first of the latest `rfd_back_refresh_lookback_months` activity months in `relation`,
    as `YYYYMM`; none when it holds no month. Only well-formed months count, so no value from
    the data is ever pasted into SQL unchecked. Reads no code list, so a data test can call it
    (macros/refresh/refresh_checks.sql). -#}
{% macro rfd_back_latest_months_start(relation) %}
    {%- set lookback = var('rfd_back_refresh_lookback_months') -%}
    {%- if lookback is not integer or lookback is boolean or lookback < 1 -%}
        {{ exceptions.raise_compiler_error(
            'rfd_back_refresh_lookback_months must be a whole number of months, 1 or more; got '
            ~ lookback
        ) }}
    {%- endif -%}
    {%- set months_query -%}
        select distinct activity_month from {{ relation }} where activity_month is not null
    {%- endset -%}
    {%- set months = [] -%}
    {%- for month in run_query(months_query).columns[0].values() -%}
        {%- if modules.re.fullmatch('[0-9]{6}', month | string) -%}
            {%- do months.append(month | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if months | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest_first = months | sort(reverse=true) -%}
    {{ return(latest_first[[lookback, latest_first | length] | min - 1]) }}
{% endmacro %}

{#- A predicate on `column` (an activity month) true for the rows a refresh of `relation`
    re-processes. -#}
{% macro rfd_back_in_refresh_window(column, relation) -%}
    {%- set window_start = rfd_back_refresh_window_start(relation) -%}
    {%- if window_start is none -%}
        (1 = 1)
    {%- else -%}
        {{ rfd_back_months_from(column, window_start) }}
    {%- endif -%}
{%- endmacro %}

{#- A predicate on `column` (an activity month), true from month `window_start` on and where
    the month is NULL or not six characters long (blank or written another way), which would
    otherwise sort outside every window. -#}
{% macro rfd_back_months_from(column, window_start) -%}
    ({{ column }} >= '{{ window_start }}' or {{ column }} is null or {{ dbt.length(column) }} <> 6)
{%- endmacro %}

{#- The incremental strategy `rfd_back_replace_months`: delete the refresh window's months from
    the table, and any older row of a spell being re-inserted (a spell SUS moved into the
    window), then insert the freshly built rows, in one transaction. Unlike delete+insert on a
    key, a month (or spell) that has vanished from the source is deleted too. Known gap: a
    spell SUS moves from the window to an older month is deleted and not re-inserted until
    the next --full-refresh: re-selecting it by identifier would make a refresh read every
    spell (decision register D10). -#}

{% macro get_incremental_rfd_back_replace_months_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ rfd_back_in_refresh_window('activity_month', target) }};

    {#- A separate statement: in one OR with the window, DuckDB's delete is far slower
        (decision register D10). Not for a table that may hold several rows of one spell in
        several months (model meta rfd_back_replace_moved_spells: false, the data-quality
        issues of an identifier repeated across months), where an older month's rows are
        not re-inserted. -#}
    {%- if rfd_back_model_meta('rfd_back_replace_moved_spells') %}
    delete from {{ target }}
    where apcs_ident in (select refreshed.apcs_ident from {{ arg_dict['temp_relation'] }} as refreshed);
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{% endmacro %}
