{#-
    Spark (and Databricks, which inherits the spark__ macros): what dbt-spark does not do for
    this project by itself.
-#}

{#- Seeds: dbt-spark's session loader quotes every value without escaping, so an empty cell
    becomes the text 'None' and a quote breaks the statement. Write each value as an escaped
    literal cast to its column type, and an empty cell as a real NULL. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
                (
                {%- for column_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set data_type = column_override.get(column_name, inferred_type) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ data_type }})
                    {%- else -%}
                        cast('{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}' as {{ data_type }})
                    {%- endif -%}
                    {{- ', ' if not loop.last -}}
                {%- endfor -%}
                ){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- Incremental: dbt-spark accepts only its own strategies. Let `rfd_back_replace_months`
    through as well. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'rfd_back_replace_months' -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}

{#- A Parquet table cannot DELETE, so on Spark the refresh drops the window's month partitions
    (the fact is partitioned by activity month there) and inserts the fresh rows, each month
    into its own partition. -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy != 'rfd_back_replace_months' -%}
        {{ return(dbt_spark.dbt_spark_get_incremental_sql(
            strategy, source, target, existing, unique_key, incremental_predicates
        )) }}
    {%- endif -%}
    {%- set months_query -%}
        select distinct activity_month from {{ target }}
        where {{ rfd_back_in_refresh_window('activity_month', target) }}
    {%- endset -%}
    {%- for month in run_query(months_query).columns[0].values() -%}
        {#- Spark keeps NULL and blank months in its default partition. -#}
        {%- if month is none or month | string == '' -%}
            {%- set partition = "'__HIVE_DEFAULT_PARTITION__'" -%}
        {%- else -%}
            {%- set partition = "'" ~ (month | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'" -%}
        {%- endif -%}
        {%- do run_query(
            'alter table ' ~ target ~ ' drop if exists partition (activity_month = ' ~ partition ~ ')'
        ) -%}
    {%- endfor -%}
    {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(target) | map(attribute='name')) -%}
    insert into table {{ target }}
    select {{ columns }} from {{ source }}
{% endmacro %}
