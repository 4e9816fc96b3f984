-- What coding practice hides from the rule: for each financial year and organisation, the
-- published EBI count beside the published coding-variation count (V486 with Y114; A572 or
-- A573), and the variation's share of the two together. The share is NULL where either
-- count is suppressed; 0 spells of coding variation is a share of 0.

{{ config(enabled=rfd_back_enabled('published')) }}

with

counts as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        max(case when coding = 'ebi_rule' then 1 else 0 end) as has_ebi_row,
        max(case when coding = 'ebi_rule' then spells end) as spells_ebi_rule,
        max(case when coding = 'coding_variation' and coding_variation = 'all' then 1 else 0 end)
            as has_coding_variation_row,
        max(case when coding = 'coding_variation' and coding_variation = 'all' then spells end)
            as spells_coding_variation
    from {{ ref('rpt_rfd_back_coding_variation') }}
    group by financial_year, organisation_type, organisation_code
),

-- An absent row is 0 spells; a present row with a NULL count is suppressed.
completed as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        case when has_ebi_row = 1 then spells_ebi_rule else 0 end as spells_ebi_rule,
        case when has_coding_variation_row = 1 then spells_coding_variation else 0 end
            as spells_coding_variation
    from counts
)

select
    financial_year,
    organisation_type,
    organisation_code,
    spells_ebi_rule,
    spells_coding_variation,
    round({{ rate_per(
        'spells_coding_variation', 'spells_ebi_rule + spells_coding_variation', 100
    ) }}, 1) as coding_variation_share_percent
from completed
order by financial_year, organisation_type, organisation_code
