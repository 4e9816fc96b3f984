{#-
    Makes the raw APCS extract available as the `apcs` source.

    On DuckDB the extract is a directory of files (APCS_DATA_DIR) holding apcs and apcs_der as
    Parquet, CSV or gzipped CSV, whichever is there, and the optional population table
    commissioner_population (in POPULATION_DATA_DIR, by default the extract directory). This
    macro, run by `on-run-start`, checks each file (macros/sources/read_extract_csv.sql) and
    registers it as a view in the source schema, so every model reads it through `source()`
    exactly as it would read a warehouse table. CSV is read with every column as text, so
    leading zeros survive (`02` stays `02`); staging does the casting.

    Without a population file the rates are not computed: `rpt_rfd_back_rates` is empty and
    one log line says how to supply the file (check_sources). A POPULATION_DATA_DIR that is
    set but holds no population file stops the run: the file was meant to be there.

    On warehouse engines the raw tables already exist, so the default does nothing; so too on
    DuckDB when the project is installed as a package in a host project, or the tables are
    already in the database and APCS_DATA_DIR is unset (rfd_back_registers_extract_files).
-#}
{% macro register_apcs_extract() %}
    {%- if not execute or not rfd_back_nodes_selected() -%}
        {{ return('select 1 as apcs_extract_not_needed') }}
    {%- endif -%}
    {{ check_package_reads_only_itself() }}
    {{ check_relation_names() }}
    {{ return(adapter.dispatch('register_apcs_extract', 'rfd_back')()) }}
{% endmacro %}

{% macro default__register_apcs_extract() %}
    {{ return('select 1 as apcs_extract_is_a_warehouse_table') }}
{% endmacro %}

{#- Every statement runs here, while the hook is rendered: a failure stops the run before any
    model. -#}
{% macro duckdb__register_apcs_extract() %}
    {%- if not rfd_back_registers_extract_files() -%}
        {%- if rfd_back_is_root_project() -%}
            {{ log(
                'APCS_DATA_DIR is not set and the tables ' ~ var('apcs_source_schema') ~ '.'
                ~ var('apcs_spells_table') ~ ' and ' ~ var('apcs_derived_table') ~ ' are in the'
                ~ ' database: reading them as they stand. Set APCS_DATA_DIR to read an extract\'s'
                ~ ' files instead.', info=true
            ) }}
        {%- endif -%}
        {{ return(default__register_apcs_extract()) }}
    {%- endif -%}
    {%- set data_dir = apcs_data_dir() -%}
    {%- set schema = var('apcs_source_schema') -%}
    {%- set views = [] -%}
    {%- for table in [var('apcs_spells_table'), var('apcs_derived_table')] -%}
        {%- do views.append((schema, table, apcs_extract_file_reader(data_dir, table))) -%}
    {%- endfor -%}
    {%- if var('population_source_supplied') -%}
        {%- set population_schema = var('population_source_schema') or var('apcs_source_schema') -%}
        {%- set table = var('population_table') -%}
        {%- if env_var('POPULATION_DATA_DIR', '') != '' or apcs_extract_file(population_data_dir(), table) -%}
            {%- set reader = apcs_extract_file_reader(
                population_data_dir(), table, 'Population table',
                'Set POPULATION_DATA_DIR to a directory holding ' ~ table ~ '.csv or ' ~ table
                ~ '.parquet (README: Rates), or leave it unset to build without rates.'
            ) -%}
        {%- else -%}
            {#- No population file: a view left by an earlier run must not stand in for it. -#}
            {%- set reader = none -%}
        {%- endif -%}
        {%- do views.append((population_schema, table, reader)) -%}
    {%- endif -%}
    {#- Every file is checked, and every name free, before the first statement that writes. A
        population table loaded into the database by hand, with no file, is read as it is. -#}
    {%- for view_schema, table, reader in views if reader -%}
        {{ check_no_table_in_place_of_view(view_schema, table) }}
    {%- endfor -%}
    {%- for view_schema, table, reader in views -%}
        {%- set view = adapter.quote(view_schema) ~ '.' ~ adapter.quote(table) -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote(view_schema)) -%}
        {%- if reader -%}
            {%- do run_query('create or replace view ' ~ view ~ ' as select * from ' ~ reader) -%}
        {%- elif extract_relation_type(view_schema, table) == 'VIEW' -%}
            {%- do run_query('drop view ' ~ view) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('select 1 as apcs_extract_registered') }}
{% endmacro %}

{#- Stops the run when `schema.table` in the database file is a table, where registration
    keeps a view of a file: something other than this project wrote it (a table loaded by
    hand, an earlier tool), and replacing it could lose data, while leaving it would let every
    model read it in place of the extract. The error says how to remove it or read the
    extract under another schema. -#}
{% macro check_no_table_in_place_of_view(schema, table) %}
    {%- if extract_relation_type(schema, table) not in [none, 'VIEW'] -%}
        {%- set name = schema ~ '.' ~ table -%}
        {%- set drop = ".venv/bin/python -c \"import duckdb; duckdb.connect('" ~ target.path
            ~ "').execute('drop table " ~ name ~ "')\"" -%}
        {%- set schema_var = 'population_source_schema' if table == var('population_table')
            else 'apcs_source_schema' -%}
        {{ exceptions.raise_compiler_error(
            name ~ ' in the database file ' ~ target.path ~ ' is a table, where this project keeps a view'
            ~ ' of the extract file; something else wrote it, so it is left as it is and nothing was'
            ~ ' written. If it is not needed, drop it (' ~ drop ~ ') and build again; or set the'
            ~ ' var ' ~ schema_var ~ ' to another schema for the views of the extract.'
        ) }}
    {%- endif -%}
{% endmacro %}

{#- What `schema.table` is in the database file: `VIEW`, `BASE TABLE`, or
    none when there is nothing of that name. -#}
{% macro extract_relation_type(schema, table) %}
    {%- set found = run_query(
        'select table_type from information_schema.tables where table_catalog = current_database()'
        ~ ' and table_schema = ' ~ sql_string(schema) ~ ' and table_name = ' ~ sql_string(table)
    ).columns[0].values() -%}
    {{ return(found[0] if found else none) }}
{% endmacro %}

{#- The directory holding the population file, without a trailing slash: POPULATION_DATA_DIR,
    or the extract directory. -#}
{% macro population_data_dir() %}
    {{ return((env_var('POPULATION_DATA_DIR', '') or apcs_data_dir()).rstrip('/')) }}
{% endmacro %}

{#- The extract directory, without a trailing slash. -#}
{% macro apcs_data_dir() %}
    {{ return(env_var('APCS_DATA_DIR', 'data/demo').rstrip('/')) }}
{% endmacro %}

{#- `text` as a SQL string literal: in quotes, each quote in it doubled, so a path such as
    `/data/o'neil extract` is read as written and never as SQL. -#}
{% macro sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}

{#- The file one extract table is read from: `<table>.parquet`, `<table>.csv` or
    `<table>.csv.gz`; none when none of them is there. Two of them stop the run: one may be
    an earlier export, and reading it would change the answer unseen. -#}
{% macro apcs_extract_file(data_dir, table) %}
    {%- set found = [] -%}
    {%- for suffix in ['.parquet', '.csv', '.csv.gz'] -%}
        {%- set path = data_dir ~ '/' ~ table ~ suffix -%}
        {%- if run_query('select file from glob(' ~ sql_string(path) ~ ')').columns[0].values() | length > 0 -%}
            {%- do found.append(path) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            'The extract directory holds ' ~ table ~ ' more than once: ' ~ found | join(', ')
            ~ '. Keep the one file of this extract and move the others away.'
        ) }}
    {%- endif -%}
    {{ return(found[0] if found else none) }}
{% endmacro %}

{#- The DuckDB table function that reads one extract table, once its file is checked: Parquet
    as it is, CSV (plain or gzipped) through `extract_csv_reader`, which stops on a file that
    would not be read right. When no file is there, the error names the files looked for as
    `described_as` and says what to do (`remedy`, by default: set APCS_DATA_DIR). -#}
{% macro apcs_extract_file_reader(data_dir, table, described_as='APCS extract', remedy=none) %}
    {%- set path = apcs_extract_file(data_dir, table) -%}
    {%- if path and path.endswith('.parquet') -%}
        {%- set reader = 'read_parquet(' ~ sql_string(path) ~ ')' -%}
        {#- Read the file's columns now, so an unreadable file stops the run here, naming the
            file, rather than leaving a view on an earlier extract in place. -#}
        {%- do run_query('describe select * from ' ~ reader) -%}
        {{ return(reader) }}
    {%- elif path -%}
        {{ return(extract_csv_reader(path)) }}
    {%- endif -%}
    {#- Say what is there instead: no directory at all, or a file of another kind. -#}
    {%- set directory_found = run_query(
        'select count(*) from glob(' ~ sql_string(data_dir ~ '/*') ~ ')'
    ).columns[0].values()[0] > 0 -%}
    {%- set others = run_query(
        'select file from glob(' ~ sql_string(data_dir ~ '/' ~ table ~ '.*') ~ ') order by file'
    ).columns[0].values() -%}
    {%- if not directory_found -%}
        {%- set found_instead = 'The directory ' ~ data_dir ~ ' does not exist or is empty. ' -%}
    {%- elif others -%}
        {%- set found_instead = 'Found ' ~ others | join(', ') ~ ': only CSV (.csv, .csv.gz) and '
            ~ 'Parquet (.parquet) are read; export the table as one of them. ' -%}
    {%- else -%}
        {%- set found_instead = '' -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        described_as ~ ' not found: neither ' ~ data_dir ~ '/' ~ table ~ '.parquet, ' ~ data_dir ~ '/'
        ~ table ~ '.csv nor ' ~ data_dir ~ '/' ~ table ~ '.csv.gz exists. ' ~ found_instead ~ (remedy or (
            'Set APCS_DATA_DIR to a directory holding ' ~ table ~ '.csv or ' ~ table
            ~ '.parquet (run `make build` to write the bundled demo extract).'
        ))
    ) }}
{% endmacro %}
