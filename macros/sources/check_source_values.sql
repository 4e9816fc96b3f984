{#-
    Run by `on-run-start` after check_sources: the values of each source table must be what
    staging can read, or the run stops before any model with one message naming each problem,
    its table or file, its column, an example and the likely cause. What each column holds is
    its `read_as` in the sources' YAML (config.meta):
      - any table with a header and no rows stops;
      - `whole_number` and `date` columns stop when more than the share
        `extract_check_malformed_share` of their recorded values do not read as one (a
        spreadsheet's dd/mm/yyyy dates, a number in scientific notation);
      - `code` columns stop when stored as a number (a number has no leading zeros, or has
        gained a `.0`), and, with `leading_zero: true`, when more than the share
        `extract_check_lost_leading_zero_share` of their values are a single digit (`2` for
        `02`: the zero a spreadsheet drops).
    The example is the value's shape (digits as 9, letters as A), never the value: nothing
    patient-level is written to the log. One query per table. Runs on every engine.
-#}
{% macro check_source_values() %}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == project_name -%}
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
            ~ '\nREADME: Exporting your extract says how to export each table.'
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
        {%- do types.update({column.name | lower: column}) -%}
    {%- endfor -%}
    {%- set profiled = [] -%}
    {%- for name, column in source_node.columns.items() -%}
        {%- set meta = column.meta or {} -%}
        {%- set read_as = meta.get('read_as') -%}
        {%- set stored = types.get(name | lower) -%}
        {%- if read_as == 'code' and stored is not none and (stored.is_number() or stored.is_numeric()) -%}
            {%- do problems.append(
                where ~ ': column ' ~ name ~ ' is stored as ' ~ stored.data_type ~ ', a number, but its'
                ~ ' values are codes, text that may start with a zero (`02`) or hold a letter: a number'
                ~ ' has lost the zero, or gained a `.0`. Write the column as text, read from the source as'
                ~ ' text: pandas `read_csv(..., dtype=str)` or `read_sql` (a text column stays text),'
                ~ ' Spark without `inferSchema` or with `.cast("string")`; then write the file again.'
            ) -%}
        {%- elif read_as in ('whole_number', 'date', 'code') -%}
            {%- do profiled.append((name, read_as, meta.get('leading_zero', false))) -%}
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
        {%- set recorded, malformed, example, single_digits = profile[4 * loop.index0 + 1:4 * loop.index0 + 5] -%}
        {%- if read_as in ('whole_number', 'date')
            and malformed | float > var('extract_check_malformed_share') * recorded | float -%}
            {%- set expected = 'dates (YYYY-MM-DD)' if read_as == 'date' else 'whole numbers' -%}
            {%- if '/' in value_shape(example) -%}
                {%- set cause = 'Dates written dd/mm/yyyy are what a spreadsheet writes when it saves a'
                    ~ ' CSV again: export the table again and do not open and save it in Excel.' -%}
            {%- elif 'E+' in example | upper and read_as == 'whole_number' -%}
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
        {%- elif leading_zero
            and single_digits | float > var('extract_check_lost_leading_zero_share') * recorded | float -%}
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

{#- One row: the table's row count, then for each profiled column its count of recorded (not
    blank) values, of malformed ones, one malformed value (shown only as its shape), and its
    count of single-digit values. -#}
{% macro source_values_profile_sql(relation, profiled) %}
    {%- set casts = {'whole_number': 'bigint', 'date': 'date'} -%}
    {%- set columns = ['count(*) as row_count'] -%}
    {%- for name, read_as, leading_zero in profiled -%}
        {%- set column = name | lower -%}
        {%- set text = trimmed_text(column) -%}
        {%- if read_as in casts -%}
            {%- set malformed = is_malformed(safe_cast_from_text(column, casts[read_as]), column) -%}
        {%- else -%}
            {%- set malformed = '1 = 0' -%}
        {%- endif -%}
        {%- do columns.append('sum(case when ' ~ text ~ " <> '' then 1 else 0 end)") -%}
        {%- do columns.append('sum(case when ' ~ malformed ~ ' then 1 else 0 end)') -%}
        {%- do columns.append('min(case when ' ~ malformed ~ ' then ' ~ text ~ ' end)') -%}
        {%- do columns.append(
            'sum(case when ' ~ text ~ " in ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') then 1 else 0 end)"
        ) -%}
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
