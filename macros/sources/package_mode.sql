{#-
    The project runs on its own (the root project: `make build`) or installed as a package in
    an analytics team's own dbt project (packages.yml), where the team's APCS tables already
    stand in its warehouse and the package reads them through the `apcs` source and its vars.
-#}

{#- True when this project is the run's root project; false when a host project has
    installed it as a package. -#}
{% macro rfd_back_is_root_project() %}
    {{ return(project_name == 'rfd_back') }}
{% endmacro %}

{#- True when `on-run-start` registers the extract's files as views (DuckDB): only when this is
    the root project, and then when APCS_DATA_DIR names the extract directory, or when it is
    unset and the source tables are not already in the database (the bundled demo). A host
    project's tables, or tables already loaded into the database file, are read as they
    stand. -#}
{% macro rfd_back_registers_extract_files() %}
    {%- if not rfd_back_is_root_project() -%}
        {{ return(false) }}
    {%- elif env_var('APCS_DATA_DIR', '') != '' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set schema = var('apcs_source_schema') -%}
    {%- for table in [var('apcs_spells_table'), var('apcs_derived_table')] -%}
        {%- if extract_relation_type(schema, table) is none -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}

{#- Where a message sends the reader: a section of this project's README, named as a host
    project's analyst would find it. -#}
{% macro rfd_back_readme(section) %}
    {{ return(('README: ' if rfd_back_is_root_project() else 'the rfd_back package\'s README: ') ~ section) }}
{% endmacro %}
