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
    unset and the source tables are not already loaded into the database as tables (the
    bundled demo then). A host project's tables, or tables loaded into the database file by
    the analyst's own tool, are read as they stand. -#}
{% macro rfd_back_registers_extract_files() %}
    {%- if not rfd_back_is_root_project() -%}
        {{ return(false) }}
    {%- elif env_var('APCS_DATA_DIR', '') != '' -%}
        {{ return(true) }}
    {%- endif -%}
    {#- A view there is this project's registration of earlier files: the demo is registered
        again. Only tables count as loaded. -#}
    {%- set schema = var('apcs_source_schema') -%}
    {%- for table in [var('apcs_spells_table'), var('apcs_derived_table')] -%}
        {%- if extract_relation_type(schema, table) != 'BASE TABLE' -%}
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

{#- True when this run selects a node of the package, or the project runs on its own. From a
    host, a run of the host's other models only (`dbt run --select my_model`) does not check,
    or read, the APCS tables. -#}
{% macro rfd_back_nodes_selected() %}
    {%- if rfd_back_is_root_project() -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for unique_id in selected_resources if unique_id.split('.')[1] == 'rfd_back' -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}

{#- From a host project: stops the run when a node of the package would read one of the host's
    nodes or sources in place of its own. dbt looks up a name in the root project first, so a
    host's model `stg_apcs__spells`, seed `admission_method` or source `apcs.apcs` would be read
    by the package's models and tests, and change the answer unseen. The host renames its
    node, or sets dbt's flag require_ref_searches_node_package_before_root (dbt 1.11), which
    makes a package look in itself first. -#}
{% macro check_package_reads_only_itself() %}
    {%- if rfd_back_is_root_project() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set taken = [] -%}
    {%- for node in graph.nodes.values() if node.package_name == 'rfd_back' -%}
        {%- for parent in node.depends_on.nodes if parent.split('.')[1] != 'rfd_back' -%}
            {%- do taken.append(node.resource_type ~ ' ' ~ node.name ~ ' would read ' ~ parent) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if taken -%}
        {{ exceptions.raise_compiler_error(
            'Your project has a model, seed or source of the same name as one of the rfd_back'
            ~ ' package\'s, and dbt gives the package yours in its place: '
            ~ taken[:5] | join('; ') ~ (' (and ' ~ (taken | length - 5) ~ ' more)' if taken | length > 5 else '')
            ~ '. Set `require_ref_searches_node_package_before_root: true` under `flags:` in your'
            ~ ' dbt_project.yml (dbt 1.11 and later), or rename yours. Nothing was run.'
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- True when this run's source checks (check_sources, check_source_values) read the source
    tables: a `build`, `run` or `test`, once it executes, that selects a node of the package.
    Nothing else reads the tables. -#}
{% macro rfd_back_checks_source_tables() %}
    {{ return(execute and flags.WHICH in ['build', 'run', 'test'] and rfd_back_nodes_selected()) }}
{% endmacro %}
