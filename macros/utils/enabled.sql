{#- Whether a model, analysis or test of one part of the project is built, by the vars a host
    project sets to leave out what it does not want (docs/use_as_a_package.md):
      - `reporting`: the exact counts (models/reporting/exact), unless
        rfd_back_reporting_models is false;
      - `published`: the disclosure-controlled rpt_ tables (models/reporting/published) and
        what reads them, unless either var is false (they read the exact counts).
    `needs_population` adds population_source_supplied: the rates need a population. -#}
{% macro rfd_back_enabled(part, needs_population=false) %}
    {%- set reporting = rfd_back_boolean_var('rfd_back_reporting_models') -%}
    {%- set enabled = {
        'reporting': reporting,
        'published': reporting and rfd_back_boolean_var('rfd_back_published_marts'),
    }[part] -%}
    {{ return(enabled and (rfd_back_boolean_var('population_source_supplied') or not needs_population)) }}
{% endmacro %}

{#- The value of a var that must be true or false. A var given as text (`"false"`) would be
    true where it is tested: it stops the run, naming the var. -#}
{% macro rfd_back_boolean_var(name) %}
    {%- set value = var(name) -%}
    {%- if value is not boolean -%}
        {{ exceptions.raise_compiler_error(
            'The var ' ~ name ~ ' must be true or false, written without quotes; it is '
            ~ value | tojson ~ '.'
        ) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{#- The date var `name` as `YYYY-MM-DD` text, for a SQL date literal; anything else stops the
    run naming the var (no SQL is written from it unchecked). -#}
{% macro rfd_back_date_var(name) %}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])', value) -%}
        {{ exceptions.raise_compiler_error(
            'The var ' ~ name ~ ' must be a date written YYYY-MM-DD (e.g. 2025-03-31), or null.'
        ) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}
