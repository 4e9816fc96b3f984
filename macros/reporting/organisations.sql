{#- The organisations the published tables count in: England (the whole extract), each
    provider and each commissioner. -#}

{#- The organisation types, as rows of one column `organisation_type`, for a CTE: England,
    provider and commissioner; or, with `with_england=false`, the two whose organisations add
    up to England (a `*_cell_groups` model's groupings). -#}
{% macro organisation_types(with_england=true) -%}
    {%- set types = (['england'] if with_england else []) + ['provider', 'commissioner'] -%}
    {%- for organisation_type in types %}
    select '{{ organisation_type }}' as organisation_type
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The code of the organisation a row counts in for `organisation_type` (a column of
    `organisation_types()`): `ENGLAND`, the row's provider or its commissioner. -#}
{% macro organisation_code_for(organisation_type, provider_code, commissioner_code) -%}
    case
        when {{ organisation_type }} = 'england' then 'ENGLAND'
        when {{ organisation_type }} = 'provider' then {{ provider_code }}
        else {{ commissioner_code }}
    end
{%- endmacro %}
