-- Fails for every group of published coding-variation counts that add up to a published
-- total (the total included) and hold exactly one suppressed count, which subtraction would
-- recover: a year and organisation's variations with their `all`, providers or commissioners
-- with England. The EBI counts are checked with rpt_rfd_back_activity, whose cells they are.
{%- set organisation_types = ['provider', 'commissioner'] %}

with

coding_variation as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        coding_variation,
        case when spells is null then 1 else 0 end as is_suppressed
    from {{ ref('rpt_rfd_back_coding_variation') }}
    where coding = 'coding_variation'
),

memberships as (
    select
        'variations' as group_name,
        financial_year,
        organisation_type as group_organisation,
        organisation_code,
        null as group_coding_variation,
        is_suppressed
    from coding_variation
    union all
    select
        'organisations' as group_name,
        financial_year,
        organisation_type as group_organisation,
        null as organisation_code,
        coding_variation as group_coding_variation,
        is_suppressed
    from coding_variation
    where organisation_type <> 'england'
    {%- for organisation_type in organisation_types %}
        union all
        select
            'organisations' as group_name,
            financial_year,
            '{{ organisation_type }}' as group_organisation,
            null as organisation_code,
            coding_variation as group_coding_variation,
            is_suppressed
        from coding_variation
        where organisation_type = 'england'
    {%- endfor %}
)

select
    group_name,
    financial_year,
    group_organisation,
    organisation_code,
    group_coding_variation,
    sum(is_suppressed) as suppressed_cells
from memberships
group by group_name, financial_year, group_organisation, organisation_code, group_coding_variation
having sum(is_suppressed) = 1
