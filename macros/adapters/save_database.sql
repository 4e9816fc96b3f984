{#-
    Run by `on-run-end`: the run's work is in the database for good, or the run fails.

    DuckDB writes a run's changes to the write-ahead log (`<database>.wal`) and moves them into
    the database file at a checkpoint, which it otherwise makes when the connection closes and
    where a failure (the disk full, a file size limit) goes unreported: the build would end as
    a success with its results only in the log file. Checkpointing here, in the run, makes
    such a failure fail the run, naming the file. Other engines save as they go.
-#}
{% macro save_database() %}
    {{ return(adapter.dispatch('save_database', 'rfd_back')()) }}
{% endmacro %}

{% macro default__save_database() %}
    {{ return('select 1 as database_saved') }}
{% endmacro %}

{% macro duckdb__save_database() %}
    {%- if execute -%}
        {%- do run_query('checkpoint') -%}
    {%- endif -%}
    {{ return('select 1 as database_saved') }}
{% endmacro %}
