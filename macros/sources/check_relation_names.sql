{#-
    Run first by `on-run-start`, on every engine: each var that names a source relation must
    be a plain name (a letter or underscore, then letters, digits, underscores or hyphens, at
    most 128 characters), or the run stops before anything is read or written. The project
    writes these names into SQL, quoted in the engine's own way; a quote, a semicolon or a
    bracket in one could end the name and run whatever follows it as SQL.
-#}
{% macro check_relation_names() %}
    {%- set named = [
        'apcs_source_database', 'apcs_source_schema', 'apcs_spells_table', 'apcs_derived_table',
        'population_source_database', 'population_source_schema', 'population_table'
    ] -%}
    {%- set problems = [] -%}
    {%- for name in named if var(name) is not none -%}
        {%- set value = var(name) | string -%}
        {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_-]{0,127}', value) -%}
            {%- do problems.append(name ~ ' is ' ~ value | tojson) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'A var naming a source relation is not a plain name: ' ~ problems | join('; ')
            ~ '. Such a name is letters, digits, underscores and hyphens, starting with a letter or an'
            ~ ' underscore, as the warehouse lists it without quotes or brackets ('
            ~ rfd_back_readme('Running in a warehouse') ~ '). Nothing was written.'
        ) }}
    {%- endif -%}
{% endmacro %}
