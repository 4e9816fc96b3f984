{#- Reporting dimensions shared by the activity outputs. -#}

{#- The quarter of the financial year (1 = April to June ... 4 = January to March) of an
    activity month written `YYYYMM`; NULL for any other text. -#}
{% macro financial_quarter(activity_month) -%}
    {%- set month = 'substring(' ~ activity_month ~ ', 5, 2)' -%}
    case
        when {{ month }} in ('04', '05', '06') then 1
        when {{ month }} in ('07', '08', '09') then 2
        when {{ month }} in ('10', '11', '12') then 3
        when {{ month }} in ('01', '02', '03') then 4
    end
{%- endmacro %}

{#- A predicate true where `activity_month` is a month written `YYYYMM`: four digits and a
    month from 01 to 12. Each character is compared on its own, the one digit check every
    engine shares. -#}
{% macro is_activity_month(activity_month) -%}
    {%- set checks = [dbt.length(activity_month) ~ ' = 6'] -%}
    {%- for position in range(1, 5) -%}
        {%- do checks.append(
            'substring(' ~ activity_month ~ ', ' ~ position ~ ", 1) between '0' and '9'"
        ) -%}
    {%- endfor -%}
    {%- do checks.append(financial_quarter(activity_month) ~ ' is not null') -%}
    ({{ checks | join(' and ') }})
{%- endmacro %}

{#- The five-year age band of the European Standard Population 2013 an age falls in (`0-4`
    ... `85-89`, `90+`), or `unknown` for a NULL or out-of-range age (7001 to 7007 are
    infants' codes, 999 not known). -#}
{% macro age_band(age) -%}
    {%- set lower = '(' ~ age ~ ' - ' ~ age ~ ' % 5)' -%}
    case
        when {{ age }} is null or {{ age }} < 0 or {{ age }} > 150 then 'unknown'
        when {{ age }} >= 90 then '90+'
        else {{ dbt.concat([as_text(lower), "'-'", as_text(lower ~ ' + 4')]) }}
    end
{%- endmacro %}

{#- A predicate true where the date `discharge_date` falls in `activity_month` (`YYYYMM`, as
    SUS derives it from the discharge): a date the extract's months vouch for. -#}
{% macro discharged_in_activity_month(discharge_date, activity_month) -%}
    {{ dbt.date_trunc('month', discharge_date) }}
    = case
        when {{ is_activity_month(activity_month) }}
            then cast({{ dbt.concat([
                'substring(' ~ activity_month ~ ', 1, 4)', "'-'",
                'substring(' ~ activity_month ~ ', 5, 2)', "'-01'"
            ]) }} as date)
    end
{%- endmacro %}
