-- Published: one row saying what the published marts were built from and when: the rule
-- version the fact was flagged under, the time the build started (UTC), the dbt version and
-- engine, where the extract came from, the first and last activity month of the fact, and
-- the name of the area the extract covers when the build was given one. The report states
-- these beside its charts. No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

{#- The area the extract covers (var rfd_back_coverage_label), which the report names where a
    national report would say England: NULL by default, when the report names it from the
    data. A label is published, so it must be plain text: 1 to 60 letters (A to Z), digits,
    spaces and , . ' ( ) & / -, with a letter, and no space at either end; anything else (a
    number, markup, a line break, a quote that would end the SQL string) stops the run,
    naming the var, before anything is written. -#}
{%- set coverage_label = var('rfd_back_coverage_label') %}
{%- if coverage_label is not none and not (
    coverage_label is string
    and modules.re.fullmatch("[A-Za-z0-9 ,.'()&/-]{1,60}", coverage_label)
    and modules.re.search('[A-Za-z]', coverage_label)
    and coverage_label == coverage_label.strip()
) %}
    {%- set given = (
        '"' ~ coverage_label ~ '"' if coverage_label is string
        else coverage_label | string ~ ', not text'
    ) %}
    {{ exceptions.raise_compiler_error(
        'The var rfd_back_coverage_label must be null, or the name of the area the extract covers'
        ~ ' as plain text: 1 to 60 letters (A to Z), digits, spaces and , . \' ( ) & / -,'
        ~ ' with a letter and no space at either end (e.g. "North East and Yorkshire"); it is '
        ~ given ~ '.'
    ) }}
{%- endif %}

{%- set apcs_source = source('apcs', 'apcs') | string %}
{%- set derived_source = source('apcs', 'apcs_der') | string %}
{#- On DuckDB, where the extract's files were registered, the extract directory's own name, not
    its path: a path may name a person. A Windows path (`C:\Users\...`) is cut at its
    backslashes too. Tables read as they stand (a warehouse, a host project's) by their names. -#}
{%- set reads_files = execute and target.type == 'duckdb' and rfd_back_registers_extract_files() %}
{%- set extract_location = (
    'extract directory ' ~ apcs_data_dir().replace('\\', '/').split('/') | last if reads_files
    else apcs_source ~ ', ' ~ derived_source
) %}

with

fact as (
    -- The rule version the fact was flagged under (one: a refresh under another version
    -- re-processes every month), and its period. Only well-formed months count: a malformed
    -- one would say nothing about the period.
    select
        max(rule_version) as rule_version,
        min(case when {{ is_activity_month('activity_month') }} then activity_month end)
            as first_activity_month,
        max(case when {{ is_activity_month('activity_month') }} then activity_month end)
            as last_activity_month
    from {{ ref('fct_rfd_back_spells') }}
),

information as (
    select
        fact.rule_version,
        '{{ run_started_at.strftime("%Y-%m-%dT%H:%M:%SZ") }}' as built_at,
        '{{ dbt_version }}' as dbt_version,
        '{{ target.type }}' as engine,
        '{{ extract_location | replace("'", "''") }}' as extract_location,
        fact.first_activity_month,
        fact.last_activity_month,
        {%- if coverage_label is none %}
            cast(null as {{ dbt.type_string() }}) as coverage_label
        {%- else %}
            cast('{{ dbt.escape_single_quotes(coverage_label) }}' as {{ dbt.type_string() }})
                as coverage_label
        {%- endif %}
    from fact
)

select * from information
