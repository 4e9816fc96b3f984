-- Published: one row saying what the published marts were built from and when: the rule
-- version the fact was flagged under, the time the build started (UTC), the dbt version and
-- engine, where the extract came from, and the first and last activity month of the fact.
-- The report states these beside its charts. No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

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
        fact.last_activity_month
    from fact
)

select * from information
