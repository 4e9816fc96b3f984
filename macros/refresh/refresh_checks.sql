{#-
    The data tests of a monthly refresh check the refreshed months only.

    A refresh (`dbt build` without --full-refresh) re-processes the fact's latest months
    (refresh_by_activity_month.sql); the data tests of the fact and of the big models upstream
    of it need then read only those months, not the whole extract again. Such a test has the
    `where` config `__refresh_window__` (dbt's `where` cannot call a macro itself), and its
    model names its activity-month column in `meta: {refresh_window_column: ...}`. On a refresh
    the test reads the rows of the refreshed months (and those with no well-formed month,
    which every refresh re-processes); otherwise every row. `dbt test`, `dbt build
    --full-refresh` and the var `rfd_back_check_every_month` check every row. The run ends by
    saying which it did.
-#}

{#- dbt's own get_where_subquery, which wraps the model a generic test reads in its `where`
    config, overridden for the placeholder `__refresh_window__`: the refreshed months of the
    model's month column, or the whole model. Any other `where` is dbt's. -#}
{% macro get_where_subquery(relation) -%}
    {%- if config.get('where') != '__refresh_window__' -%}
        {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
    {%- endif -%}
    {%- set tested_model = graph.nodes.get(model.attached_node) if execute else none -%}
    {%- set column = tested_model.config.meta.get('refresh_window_column') if tested_model else none -%}
    {%- set window_start = rfd_back_checked_months_start() if column else none -%}
    {%- if window_start is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where '
        ~ rfd_back_months_from(column, window_start) ~ ') dbt_subquery') }}
{%- endmacro %}

{#- True when this run is a refresh whose tests check the refreshed months only: a `dbt build`
    (or `dbt run`, which runs no test) without --full-refresh and without the var
    `rfd_back_check_every_month`. -#}
{% macro rfd_back_checks_refreshed_months_only() %}
    {{ return(flags.WHICH in ['build', 'run'] and not flags.FULL_REFRESH
        and not rfd_back_boolean_var('rfd_back_check_every_month')) }}
{% endmacro %}

{#- The first month, as `YYYYMM`, of the months the data tests of this run check; none when
    they check every row. On a refresh, once the fact has been refreshed in this run: the
    earliest month it wrote (its rows carry this run's invocation_id), or none if it wrote
    every row (a first build, or a refresh of a fact flagged under another rule version).
    Before then (the tests of the models upstream of it): the first of the latest months its
    refresh re-processes. None when the fact does not exist, or predates the column
    flagged_in_invocation. Upstream tests cannot ask whether the fact holds another rule
    version (that reads the code-list seeds, which a data test does not depend on): a refresh
    after a code list changed re-processes every month and checks every month of the fact,
    and says so, but checks only the latest months upstream of it; run --full-refresh then,
    as decision D10 says. -#}
{% macro rfd_back_checked_months_start() %}
    {%- if not execute or not rfd_back_checks_refreshed_months_only() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fact_node = graph.nodes.get('model.rfd_back.fct_rfd_back_spells') -%}
    {%- set fact = adapter.get_relation(
        database=fact_node.database, schema=fact_node.schema, identifier=fact_node.alias
    ) if fact_node else none -%}
    {%- if fact is none or 'flagged_in_invocation' not in (
        adapter.get_columns_in_relation(fact) | map(attribute='name') | map('lower') | list
    ) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set months_query -%}
        select distinct
            activity_month,
            case when flagged_in_invocation = '{{ invocation_id }}' then 1 else 0 end as written_in_this_run
        from {{ fact }}
    {%- endset -%}
    {%- set written_months = [] -%}
    {%- set kept_months = [] -%}
    {%- for month, written_in_this_run in run_query(months_query).rows -%}
        {%- do (written_months if written_in_this_run == 1 else kept_months).append(month) -%}
    {%- endfor -%}
    {%- if written_months | length == 0 -%}
        {{ return(rfd_back_latest_months_start(fact)) }}
    {%- elif kept_months | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {#- Only well-formed months: no value from the data is pasted into SQL unchecked. -#}
    {%- set well_formed = [] -%}
    {%- for month in written_months if modules.re.fullmatch('[0-9]{6}', month | string) -%}
        {%- do well_formed.append(month | string) -%}
    {%- endfor -%}
    {{ return(well_formed | min if well_formed else rfd_back_latest_months_start(fact)) }}
{% endmacro %}

{#- Run by `on-run-end`: after a `dbt build`, one line saying which months the data tests
    checked. -#}
{% macro rfd_back_report_checked_months() %}
    {%- if execute and flags.WHICH == 'build' -%}
        {%- set window_start = rfd_back_checked_months_start() -%}
        {%- if window_start is none -%}
            {{ log('Data tests checked every month.', info=true) }}
        {%- else -%}
            {%- set models = graph.nodes.values()
                | selectattr('resource_type', 'equalto', 'model')
                | selectattr('config.meta.refresh_window_column', 'defined')
                | map(attribute='name') | sort | list -%}
            {%- set named = models[:-1] | join(', ') ~ ' and ' ~ models[-1] if models | length > 1
                else models | join('') -%}
            {{ log(
                'Data tests checked the refreshed months (from ' ~ window_start ~ ') of ' ~ named
                ~ '; run ' ~ ('`dbt test` (or make check)' if rfd_back_is_root_project()
                else '`dbt test --select package:rfd_back`') ~ ' for every month.', info=true
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
