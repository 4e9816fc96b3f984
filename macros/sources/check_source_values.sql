{#-
    Run by `on-run-start` after check_sources: the values of each source table must be what
    staging can read, or the run stops before any model with one message naming each problem,
    its table or file, its column, an example and the likely cause. What each column holds is
    its `read_as` in the sources' YAML (config.meta):
      - any table with a header and no rows stops;
      - `bigint`, `integer` and `date` columns stop when more than the share
        `extract_check_malformed_share` of their recorded values do not read as one (a
        spreadsheet's dd/mm/yyyy dates, a number in scientific notation);
      - `code` columns stop when stored as a fractional number (`1.0`), or as any number with
        `leading_zero: true` (`2` for `02`); and, as text, when more than the share
        `extract_check_mangled_code_share` of their values are written with a fraction (`1.0`,
        a column pandas read as a number) or, with `leading_zero: true`, are a single digit
        (the zero a spreadsheet drops).
    The example is the value's shape (digits as 9, letters as A), never the value: nothing
    patient-level is written to the log. One query per table. Runs on every engine.
-#}
{% macro check_source_values() %}
    {%- if not rfd_back_checks_source_tables() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == 'rfd_back' -%}
        {%- set relation = adapter.get_relation(
            database=source_node.database, schema=source_node.schema, identifier=source_node.identifier
        ) -%}
        {%- if relation is not none -%}
            {%- do problems.extend(source_value_problems(source_node, relation)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'The source tables hold values the project would not read right:\n  - '
            ~ problems | join('\n  - ')
            ~ '\n' ~ rfd_back_readme('Exporting your extract') ~ ' says how to export each table.'
        ) }}
    {%- endif -%}
    {{ return('select 1 as source_values_checked') }}
{% endmacro %}

{#- The problems of one source table, as sentences. -#}
{% macro source_value_problems(source_node, relation) %}
    {%- set where = source_file_description(source_node) -%}
    {%- set problems = [] -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.data_type | lower}) -%}
    {%- endfor -%}
    {%- set profiled = [] -%}
    {%- for name, column in source_node.columns.items() -%}
        {#- config.meta: dbt 1.10 leaves a source column's `meta` empty and keeps it there. -#}
        {%- set meta = (column.config or {}).get('meta') or column.meta or {} -%}
        {%- set read_as = meta.get('read_as') -%}
        {%- set leading_zero = meta.get('leading_zero', false) -%}
        {%- set stored = types.get(name | lower, '') -%}
        {%- set is_fraction = modules.re.search('float|double|real|decimal|numeric|number', stored) -%}
        {%- set is_whole = modules.re.search('int', stored) -%}
        {%- if read_as == 'code' and (is_fraction or (is_whole and leading_zero)) -%}
            {%- do problems.append(
                where ~ ': column ' ~ name ~ ' is stored as ' ~ stored ~ ', a number, but its values are'
                ~ ' codes, text that may start with a zero (`02`): a number has lost the zero, or gained'
                ~ ' a fraction (`1.0`). ' ~ code_stored_as_number_fix()
            ) -%}
        {%- elif read_as in ('bigint', 'integer', 'date', 'code') -%}
            {%- do profiled.append((name, read_as, leading_zero)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set profile = run_query(source_values_profile_sql(relation, profiled)).rows[0] -%}
    {%- if profile[0] == 0 -%}
        {%- do problems.append(
            where ~ ' has no rows: only its header (or column list) is there. Export the table with its rows.'
        ) -%}
        {{ return(problems) }}
    {%- endif -%}
    {%- for name, read_as, leading_zero in profiled -%}
        {%- set recorded, malformed, example, single_digits, with_fraction
            = profile[5 * loop.index0 + 1:5 * loop.index0 + 6] -%}
        {%- set mangled_share = var('extract_check_mangled_code_share') * recorded | float -%}
        {%- if read_as != 'code' and malformed | float > var('extract_check_malformed_share') * recorded | float -%}
            {%- set expected = 'dates (YYYY-MM-DD)' if read_as == 'date' else 'whole numbers' -%}
            {%- if '/' in value_shape(example) -%}
                {%- set cause = 'Dates written dd/mm/yyyy are what a spreadsheet writes when it saves a'
                    ~ ' CSV again: export the table again and do not open and save it in Excel.' -%}
            {%- elif 'E+' in example | upper and read_as != 'date' -%}
                {%- set cause = 'A number in scientific notation (1.2E+11) is what a spreadsheet writes'
                    ~ ' for a long number when it saves a CSV again: export the table again and do not'
                    ~ ' open and save it in Excel.' -%}
            {%- else -%}
                {%- set cause = 'Export the column as ' ~ expected ~ '.' -%}
            {%- endif -%}
            {%- do problems.append(
                where ~ ': column ' ~ name ~ ': ' ~ malformed ~ ' of its ' ~ recorded ~ ' recorded values'
                ~ ' are not ' ~ expected ~ ', e.g. one written `' ~ value_shape(example) ~ '` (digits shown as 9,'
                ~ ' letters as A). ' ~ cause
            ) -%}
        {%- elif read_as == 'code' and with_fraction | float > mangled_share -%}
            {%- do problems.append(
                where ~ ': column ' ~ name ~ ': ' ~ with_fraction ~ ' of its ' ~ recorded ~ ' recorded'
                ~ ' values are numbers with a fraction (such as `1.0`) where its values are codes: the'
                ~ ' column was read as a number and written back, as pandas does without dtype=str. '
                ~ code_stored_as_number_fix()
            ) -%}
        {%- elif leading_zero and single_digits | float > mangled_share -%}
            {%- do problems.append(
                where ~ ': column ' ~ name ~ ': ' ~ single_digits ~ ' of its ' ~ recorded ~ ' recorded'
                ~ ' values are a single digit (such as `2`) where its codes have two (`02` private'
                ~ ' patient): the leading zeros are lost, as when a spreadsheet saves a CSV again, and'
                ~ ' private patients would count as NHS patients. Export the table again, keeping the'
                ~ ' column as text, and do not open and save it in Excel.'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- How to mend a code column held as a number: in the file (DuckDB, its files registered), or
    in the table. -#}
{% macro code_stored_as_number_fix() %}
    {%- if target.type == 'duckdb' and rfd_back_registers_extract_files() -%}
        {{ return(
            'Write the column as text, read from the source as text: pandas `read_csv(..., dtype=str)`'
            ~ ' or `read_sql` (a text column stays text), Spark without `inferSchema` or with'
            ~ ' `.cast("string")` of the source column; then write the file again.'
        ) }}
    {%- endif -%}
    {{ return(
        'Load the column as text from the source (NCDR holds it as text), or point the source var at'
        ~ ' a view that restores the codes as text.'
    ) }}
{% endmacro %}

{#- One row: the table's row count, then for each profiled column its count of recorded (not
    blank) values, of malformed ones, one malformed value (shown only as its shape), its
    count of single-digit values and of values with a zero fraction (`1.0`). -#}
{% macro source_values_profile_sql(relation, profiled) %}
    {%- set columns = ['count(*) as row_count'] -%}
    {%- for name, read_as, leading_zero in profiled -%}
        {%- set column = name | lower -%}
        {%- set text = trimmed_text(column) -%}
        {%- if read_as != 'code' -%}
            {%- set malformed = is_malformed(safe_cast_from_text(column, read_as), column) -%}
        {%- else -%}
            {%- set malformed = '1 = 0' -%}
            {#- The fraction is looked at only where there is a point: most codes have none. -#}
            {%- set with_fraction = 'case when ' ~ text ~ " like '%.%' then case when "
                ~ without_zero_fraction_or_time(text, 'bigint') ~ ' <> ' ~ text ~ ' then 1 else 0 end else 0 end' -%}
        {%- endif -%}
        {%- do columns.append('sum(case when ' ~ text ~ " <> '' then 1 else 0 end)") -%}
        {%- do columns.append('sum(case when ' ~ malformed ~ ' then 1 else 0 end)') -%}
        {%- do columns.append('min(case when ' ~ malformed ~ ' then ' ~ text ~ ' end)') -%}
        {%- if leading_zero -%}
            {%- do columns.append(
                'sum(case when ' ~ text ~ " in ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') then 1 else 0 end)"
            ) -%}
        {%- else -%}
            {%- do columns.append('0') -%}
        {%- endif -%}
        {%- do columns.append('sum(' ~ (with_fraction if read_as == 'code' else '0') ~ ')') -%}
    {%- endfor -%}
    {{ return('select ' ~ columns | join(',\n    ') ~ '\nfrom ' ~ relation) }}
{% endmacro %}

{#- A value's shape, to show in a message in place of the value: its first 20 characters with
    every digit as 9 and every letter as A. -#}
{% macro value_shape(value) %}
    {%- set shape = [] -%}
    {%- for character in (value | string)[:20] -%}
        {%- do shape.append('9' if character.isdigit() else 'A' if character.isalpha() else character) -%}
    {%- endfor -%}
    {{ return(shape | join('')) }}
{% endmacro %}
