{#-
    Makes the raw APCS extract available as the `apcs` source.

    On DuckDB the extract is a directory of files (APCS_DATA_DIR) holding apcs and apcs_der as
    CSV or Parquet, whichever is there, and, unless var `population_source_supplied` is false,
    the population table commissioner_population (in POPULATION_DATA_DIR, by default the
    extract directory). This macro, run by `on-run-start`, registers each file
    as a view in the source schema, so every model reads it through `source()` exactly as it
    would read a warehouse table. CSV is read with every column as text, so leading zeros
    survive (`02` stays `02`); staging does the casting.

    On warehouse engines the raw tables already exist, so the default does nothing.
-#}
{% macro register_apcs_extract() %}
    {{ return(adapter.dispatch('register_apcs_extract', 'rfd_back')()) }}
{% endmacro %}

{% macro default__register_apcs_extract() %}
    {{ return('select 1 as apcs_extract_is_a_warehouse_table') }}
{% endmacro %}

{% macro duckdb__register_apcs_extract() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set data_dir = apcs_data_dir() -%}
    {%- set schema = var('apcs_source_schema') -%}
    {%- set statements = ['create schema if not exists ' ~ adapter.quote(schema)] -%}
    {%- for table in [var('apcs_spells_table'), var('apcs_derived_table')] -%}
        {%- set reader = apcs_extract_file_reader(data_dir, table) -%}
        {%- do statements.append(
            'create or replace view ' ~ adapter.quote(schema) ~ '.' ~ adapter.quote(table)
            ~ ' as select * from ' ~ reader
        ) -%}
    {%- endfor -%}
    {%- if var('population_source_supplied') -%}
        {%- set population_schema = var('population_source_schema') or schema -%}
        {%- set table = var('population_table') -%}
        {%- set reader = apcs_extract_file_reader(
            population_data_dir(), table, 'Population table',
            'Set POPULATION_DATA_DIR to a directory holding ' ~ table ~ '.csv or ' ~ table
            ~ '.parquet (README: Rates), or run without rates: --vars '
            ~ "'{population_source_supplied: false}'."
        ) -%}
        {%- do statements.append('create schema if not exists ' ~ adapter.quote(population_schema)) -%}
        {%- do statements.append(
            'create or replace view ' ~ adapter.quote(population_schema) ~ '.' ~ adapter.quote(table)
            ~ ' as select * from ' ~ reader
        ) -%}
    {%- endif -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{#- The directory holding the population file, without a trailing slash: POPULATION_DATA_DIR,
    or the extract directory. -#}
{% macro population_data_dir() %}
    {{ return(env_var('POPULATION_DATA_DIR', apcs_data_dir()).rstrip('/')) }}
{% endmacro %}

{#- The extract directory, without a trailing slash. -#}
{% macro apcs_data_dir() %}
    {{ return(env_var('APCS_DATA_DIR', 'data/demo').rstrip('/')) }}
{% endmacro %}

{#- The DuckDB table function that reads one extract table: Parquet if present, else CSV. When
    neither is there, the error names the file as `described_as` and says what to do
    (`remedy`, by default: set APCS_DATA_DIR). -#}
{% macro apcs_extract_file_reader(data_dir, table, described_as='APCS extract', remedy=none) %}
    {%- set parquet_path = data_dir ~ '/' ~ table ~ '.parquet' -%}
    {%- set csv_path = data_dir ~ '/' ~ table ~ '.csv' -%}
    {%- set found = run_query(
        "select file from glob('" ~ parquet_path ~ "') union all select file from glob('"
        ~ csv_path ~ "')"
    ).columns[0].values() -%}
    {%- if parquet_path in found or csv_path in found -%}
        {%- if parquet_path in found -%}
            {%- set reader = "read_parquet('" ~ parquet_path ~ "')" -%}
        {%- else -%}
            {%- set reader = "read_csv('" ~ csv_path ~ "', header = true, all_varchar = true,"
                ~ " delim = ',', quote = '\"', escape = '\"')" -%}
        {%- endif -%}
        {#- Read the file's columns now, so an unreadable or malformed file stops the run here,
            naming the file, rather than leaving a view on an earlier extract in place. -#}
        {%- do run_query('describe select * from ' ~ reader) -%}
        {{ return(reader) }}
    {%- else -%}
        {#- Say what is there instead: no directory at all, or a file of another kind. -#}
        {%- set directory_found = run_query(
            "select count(*) from glob('" ~ data_dir ~ "/*')"
        ).columns[0].values()[0] > 0 -%}
        {%- set others = run_query(
            "select file from glob('" ~ data_dir ~ "/" ~ table ~ ".*') order by file"
        ).columns[0].values() -%}
        {%- if not directory_found -%}
            {%- set found_instead = 'The directory ' ~ data_dir ~ ' does not exist or is empty. ' -%}
        {%- elif others -%}
            {%- set found_instead = 'Found ' ~ others | join(', ') ~ ': only CSV (.csv) and '
                ~ 'Parquet (.parquet) are read; export the table as one of them. ' -%}
        {%- else -%}
            {%- set found_instead = '' -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            described_as ~ " not found: neither " ~ parquet_path ~ " nor " ~ csv_path
            ~ " exists. " ~ found_instead ~ (remedy or (
                "Set APCS_DATA_DIR to a directory holding " ~ table ~ ".csv or " ~ table
                ~ ".parquet (run `make build` to write the bundled demo extract)."
            ))
        ) }}
    {%- endif -%}
{% endmacro %}
