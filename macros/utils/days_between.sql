{#- The whole days from one date to another (negative when the second is earlier), NULL when
    either is NULL: dbt's cross-database datediff, except on Spark and Databricks, where
    Spark's own `datediff` is used. dbt-databricks's datediff asks the cluster for its runtime
    version first, which a compile with no cluster cannot answer. -#}
{% macro days_between(first_date, second_date) %}
    {{ return(adapter.dispatch('days_between', 'rfd_back')(first_date, second_date)) }}
{% endmacro %}

{% macro default__days_between(first_date, second_date) -%}
    {{ dbt.datediff(first_date, second_date, 'day') }}
{%- endmacro %}

{% macro spark__days_between(first_date, second_date) -%}
    datediff({{ second_date }}, {{ first_date }})
{%- endmacro %}

{% macro databricks__days_between(first_date, second_date) -%}
    {{ spark__days_between(first_date, second_date) }}
{%- endmacro %}
