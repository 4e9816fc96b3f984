{#-
    Flags: the yes/no columns of the models (each criterion, `is_rfd_back`,
    `has_derived_record`). Most engines store them as booleans. T-SQL (SQL Server, Fabric,
    Synapse) has no boolean type: a predicate may only stand in WHERE, ON or WHEN, so there a
    flag is a `bit`, 1 or 0, and reading one means comparing it with 1. These three macros are
    the only place the difference lives.

    T-SQL macros here and elsewhere come in pairs: dbt-sqlserver looks for `sqlserver__`
    macros, then `default__` (it has no parent adapter), so the T-SQL is written there;
    dbt-fabric looks for `fabric__`, whose macro calls the SQL Server one; and dbt-synapse for
    `synapse__`, then its parent's `fabric__`, so Synapse needs its own macro only where it
    differs from Fabric (its collations).
-#}

{#- `predicate` as a flag that is never NULL: where SQL's three-valued logic leaves the
    predicate unknown, the flag is false (as a CASE WHEN in the published statement does not
    fire on unknown). -#}
{% macro as_flag(predicate) %}
    {{ return(adapter.dispatch('as_flag', 'rfd_back')(predicate)) }}
{% endmacro %}

{% macro default__as_flag(predicate) -%}
    coalesce({{ predicate }}, false)
{%- endmacro %}

{% macro sqlserver__as_flag(predicate) -%}
    cast(case when {{ predicate }} then 1 else 0 end as bit)
{%- endmacro %}

{% macro fabric__as_flag(predicate) -%}
    {{ sqlserver__as_flag(predicate) }}
{%- endmacro %}

{#- A predicate true where the flag `flag` (a column or expression) is set. -#}
{% macro flag_is_set(flag) %}
    {{ return(adapter.dispatch('flag_is_set', 'rfd_back')(flag)) }}
{% endmacro %}

{% macro default__flag_is_set(flag) -%}
    {{ flag }}
{%- endmacro %}

{% macro sqlserver__flag_is_set(flag) -%}
    {{ flag }} = 1
{%- endmacro %}

{% macro fabric__flag_is_set(flag) -%}
    {{ sqlserver__flag_is_set(flag) }}
{%- endmacro %}

{#- A predicate true where the flag `flag` is not set (false; NULL is neither). -#}
{% macro flag_is_unset(flag) %}
    {{ return(adapter.dispatch('flag_is_unset', 'rfd_back')(flag)) }}
{% endmacro %}

{% macro default__flag_is_unset(flag) -%}
    not {{ flag }}
{%- endmacro %}

{% macro sqlserver__flag_is_unset(flag) -%}
    {{ flag }} = 0
{%- endmacro %}

{% macro fabric__flag_is_unset(flag) -%}
    {{ sqlserver__flag_is_unset(flag) }}
{%- endmacro %}
