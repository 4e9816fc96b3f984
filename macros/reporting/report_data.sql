{#- The published marts the report draws, as one line of JSON on standard output, for
    `python -m rfd_back_report` (run as `dbt run-operation rfd_back_report_data`). Only
    published (`rpt_`) marts are read: the report never sees the fact or an exact count.
    Each mart is {"columns": [...], "rows": [[...], ...]}; numbers as numbers, NULL as null.
    The rates are left out when no population is supplied. -#}
{% macro rfd_back_report_data() %}
    {#- Each mart, and the rows the report draws of it (activity: England's monthly totals,
        and each commissioner's yearly total, whose codes name the report's coverage; coding
        variation: England's; repeat procedures: England's, and each provider's patients
        followed up for 12 months and repeats within 12 months). -#}
    {%- set marts = {
        'rpt_rfd_back_build_information': '',
        'rpt_rfd_back_attrition': '',
        'rpt_rfd_back_activity': "where breakdown = 'all' and ("
            ~ "(period_type = 'month' and organisation_type = 'england')"
            ~ " or (period_type = 'financial_year' and organisation_type = 'commissioner'))",
        'rpt_rfd_back_coding_variation': "where organisation_type = 'england'",
        'rpt_rfd_back_repeat_procedures': "where organisation_type = 'england'"
            ~ " or (organisation_type = 'provider' and measure in"
            ~ " ('patients_followed_up_12_months', 'patients_repeat_within_12_months'))",
        'rpt_apcs_data_quality': '',
    } -%}
    {%- if var('population_source_supplied') -%}
        {%- do marts.update({'rpt_rfd_back_rates': ''}) -%}
    {%- endif -%}
    {%- set payload = {} -%}
    {%- for mart, rows_drawn in marts.items() -%}
        {%- set table = run_query('select * from ' ~ ref(mart) ~ ' ' ~ rows_drawn) -%}
        {%- set rows = [] -%}
        {%- for row in table.rows -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- if value is none or value is string or value is boolean -%}
                    {%- do values.append(value) -%}
                {%- elif value is number -%}
                    {%- do values.append(value | float) -%}
                {%- else -%}
                    {%- do values.append(value | string) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do rows.append(values) -%}
        {%- endfor -%}
        {%- do payload.update({mart: {'columns': table.column_names | list, 'rows': rows}}) -%}
    {%- endfor -%}
    {{ print('RFD_BACK_REPORT_DATA ' ~ tojson(payload)) }}
{% endmacro %}
