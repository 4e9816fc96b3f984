-- Spells coded with an alternative the guidance lists instead of the rule's dominant procedure
-- (decision register D15): one row per spell whose dominant procedure has the role
-- `variation_dominant_procedure` in the code list, holding one of its variation's
-- `variation_secondary_procedure` codes among its procedures when it has any (Y114 with
-- V486), and meeting every other criterion of the rule (site code, primary diagnosis, age,
-- non-emergency, no cancer, not private; the site code is waived for the variations in var
-- rfd_back_coding_variation_without_site_code). Never flagged: `is_rfd_back` is unset for
-- every row, and nothing here feeds the fact. A table: small, read by the marts.
{{ config(enabled=rfd_back_enabled('reporting')) }}

{%- set other_criteria = rfd_back_criteria()[1:] %}
{%- set variations_without_site_code = var('rfd_back_coding_variation_without_site_code') %}
{#- Each other criterion as a condition on the fact's flags; the site code's is waived for the
    variations the var lists. #}
{%- set other_criteria_hold = [] %}
{%- for criterion in other_criteria %}
    {%- set holds = flag_is_set('spells.' ~ criterion.column) %}
    {%- if criterion.column == 'has_lumbar_site_code' and variations_without_site_code %}
        {%- set holds = '(' ~ holds ~ " or candidate_spells.coding_variation in ('"
            ~ (variations_without_site_code | join("', '")) ~ "'))" %}
    {%- endif %}
    {%- do other_criteria_hold.append(holds) %}
{%- endfor %}

with

variation_codes as (
    select
        code,
        rule_role,
        coding_variation
    from {{ ref('rfd_back_code_list') }}
    where rule_role in ('variation_dominant_procedure', 'variation_secondary_procedure')
),

candidate_spells as (
    select
        spells.apcs_ident,
        spells.procedure_codes_all,
        variation_codes.code as dominant_procedure_code,
        variation_codes.coding_variation
    from {{ ref('int_apcs__spells_joined') }} as spells
    inner join variation_codes
        on
            left(spells.dominant_procedure_code, 4) = variation_codes.code
            and variation_codes.rule_role = 'variation_dominant_procedure'
),

-- How many secondary procedure codes the spell's variation has, and how many of them are
-- among its procedures, read as the rule reads its site codes (one of the list's codes
-- contains it, decision register D3): the variation needs one when it has any.
secondary_procedures as (
    select
        candidate_spells.apcs_ident,
        count(variation_codes.code) as secondary_codes_in_variation,
        sum(
            case
                when {{ rfd_back_list_holds('candidate_spells.procedure_codes_all', 'variation_codes.code') }}
                    then 1
                else 0
            end
        ) as secondary_codes_held
    from candidate_spells
    left join variation_codes
        on
            candidate_spells.coding_variation = variation_codes.coding_variation
            and variation_codes.rule_role = 'variation_secondary_procedure'
    group by candidate_spells.apcs_ident
),

spells as (
    select
        apcs_ident,
        financial_year,
        activity_month,
        provider_code,
        commissioner_code,
        {%- for criterion in other_criteria %}
            {{ criterion.column }},
        {%- endfor %}
        is_rfd_back
    from {{ ref('fct_rfd_back_spells') }}
),

coding_variation as (
    select
        spells.apcs_ident,
        spells.financial_year,
        spells.activity_month,
        spells.provider_code,
        spells.commissioner_code,
        candidate_spells.coding_variation,
        candidate_spells.dominant_procedure_code
    from candidate_spells
    inner join secondary_procedures
        on candidate_spells.apcs_ident = secondary_procedures.apcs_ident
    inner join spells
        on candidate_spells.apcs_ident = spells.apcs_ident
    where
        {{ flag_is_unset('spells.is_rfd_back') }}
        and (
            secondary_procedures.secondary_codes_in_variation = 0
            or secondary_procedures.secondary_codes_held > 0
        )
        and {{ other_criteria_hold | join('\n        and ') }}
)

select * from coding_variation
