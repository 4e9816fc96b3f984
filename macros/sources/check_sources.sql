{#-
    Run by `on-run-start` after the extract is registered: every source table the project
    reads must exist and hold every column its source YAML names (case-insensitively, as the
    models read them), or the run stops before any model with one message naming each
    problem and where. The required columns are those documented in the sources' YAML, so the
    check and the docs cannot disagree. Only `build`, `run` and `test` check: nothing else
    reads the tables.
-#}
{% macro check_sources() %}
    {%- if not rfd_back_checks_source_tables() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == 'rfd_back' -%}
        {%- set where = (source_node.database ~ '.' if source_node.database else '')
            ~ source_node.schema ~ '.' ~ source_node.identifier -%}
        {%- set relation = adapter.get_relation(
            database=source_node.database,
            schema=source_node.schema,
            identifier=source_node.identifier
        ) -%}
        {%- set population_named = var('population_source_schema') or var('population_source_database') -%}
        {%- if relation is none and source_node.source_name == 'population' and not population_named -%}
            {#- The population is optional: without it the rates are not computed. -#}
            {{ log(
                'No population table (' ~ source_file_description(source_node) ~ '): '
                ~ 'rpt_rfd_back_rates is empty. To publish rates, supply '
                ~ source_node.identifier ~ ' (' ~ rfd_back_readme('Rates') ~ ').', info=true
            ) }}
        {%- elif relation is none -%}
            {%- do problems.append(
                'source ' ~ source_node.source_name ~ '.' ~ source_node.name ~ ': table '
                ~ where ~ ' does not exist (named by the vars '
                ~ source_node.config.meta.get('named_by_vars', []) | join(', ') ~ ')'
            ) -%}
        {%- else -%}
            {%- set present = [] -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.append(printable_name(column.name | lower)) -%}
            {%- endfor -%}
            {%- set missing = [] -%}
            {%- for column in source_node.columns if column | lower not in present -%}
                {%- do missing.append(column) -%}
            {%- endfor -%}
            {%- if missing -%}
                {%- do problems.append(
                    'source ' ~ source_node.source_name ~ '.' ~ source_node.name ~ ' ('
                    ~ source_file_description(source_node) ~ ') lacks required column(s) '
                    ~ missing | join(', ') ~ '; it has ' ~ present | join(', ')
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'The source tables are not as the project needs them:\n  - '
            ~ problems | join('\n  - ')
            ~ '\nColumn names are NCDR\'s (' ~ rfd_back_readme('Running on your own extract') ~ ').'
        ) }}
    {%- endif -%}
    {{ return('select 1 as sources_checked') }}
{% endmacro %}

{#- Where a source table comes from, for an error message: its file on DuckDB, its table
    elsewhere. -#}
{% macro source_file_description(source_node) %}
    {{ return(adapter.dispatch('source_file_description', 'rfd_back')(source_node)) }}
{% endmacro %}

{% macro default__source_file_description(source_node) %}
    {{ return('table ' ~ source_node.schema ~ '.' ~ source_node.identifier) }}
{% endmacro %}

{% macro duckdb__source_file_description(source_node) %}
    {%- if not rfd_back_registers_extract_files() -%}
        {{ return(default__source_file_description(source_node)) }}
    {%- endif -%}
    {%- set directory = population_data_dir() if source_node.source_name == 'population'
        else apcs_data_dir() -%}
    {%- set path = apcs_extract_file(directory, source_node.identifier) -%}
    {{ return('file ' ~ path if path else 'file ' ~ source_node.identifier ~ '.csv or .parquet in ' ~ directory) }}
{% endmacro %}

{#- A column name as a message may show it: as it is when it reads as a name (letters, digits,
    underscores, spaces), else only its shape (digits as 9, letters as A), since a file's first
    line may be a row. -#}
{% macro printable_name(name) %}
    {%- if modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_ ]{0,127}', name) -%}
        {{ return(name) }}
    {%- endif -%}
    {{ return(value_shape(name)) }}
{% endmacro %}
