-- Repeat procedures, exact, by financial year and organisation (England, provider,
-- commissioner): the patients treated; of them, those whose 6 (12) months of follow-up the
-- extract holds, and of those the patients with a further episode within 182 (365) days;
-- those repeats within 12 months by the month of the interval (1 to 12) and their median
-- interval in days; and the flagged spells whose patient is unknown. Decision register D21;
-- int_rfd_back__repeat_procedure_cells lays it out as the published cells.
--
-- A patient counts in a year for an organisation from their first episode there that year
-- (the index): England's from their first episode that year, a provider's from their first
-- at that provider. The next episode is the patient's next anywhere: a repeat at another
-- provider counts for the first. A patient whose window runs past the extract's last date
-- is not followed up, neither a repeat nor not one.

{{ config(enabled=rfd_back_enabled('reporting')) }}

{%- set six_months = 182 %}
{%- set twelve_months = 365 %}

with

procedures as (
    select * from {{ ref('int_rfd_back__patient_procedures') }}
),

organisation_types as (
    {{ organisation_types() }}
),

-- Each flagged spell once for England, its provider and its commissioner.
spells_in_organisations as (
    select
        procedures.financial_year,
        organisation_types.organisation_type,
        {{ organisation_code_for(
            'organisation_types.organisation_type', 'procedures.provider_code',
            'procedures.commissioner_code'
        ) }} as organisation_code,
        procedures.pseudo_nhs_number,
        procedures.episode_number
    from procedures
    cross join organisation_types
),

-- Each patient treated, once per year and organisation, with their index episode (NULL when
-- none of their spells there has a date).
patients as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        pseudo_nhs_number,
        min(episode_number) as index_episode_number
    from spells_in_organisations
    where pseudo_nhs_number is not null
    group by financial_year, organisation_type, organisation_code, pseudo_nhs_number
),

episodes as (
    select distinct
        pseudo_nhs_number,
        episode_number,
        days_to_next_episode,
        follow_up_days_in_extract
    from procedures
    where episode_number is not null
),

patient_outcomes as (
    select
        patients.financial_year,
        patients.organisation_type,
        patients.organisation_code,
        1 as is_patient,
        case
            when episodes.follow_up_days_in_extract >= {{ six_months }} then 1 else 0
        end as is_followed_up_6_months,
        case
            when
                episodes.follow_up_days_in_extract >= {{ six_months }}
                and episodes.days_to_next_episode <= {{ six_months }}
                then 1
            else 0
        end as is_repeat_within_6_months,
        case
            when episodes.follow_up_days_in_extract >= {{ twelve_months }} then 1 else 0
        end as is_followed_up_12_months,
        case
            when
                episodes.follow_up_days_in_extract >= {{ twelve_months }}
                and episodes.days_to_next_episode <= {{ twelve_months }}
                then episodes.days_to_next_episode
        end as repeat_interval_days
    from patients
    left join episodes
        on
            patients.pseudo_nhs_number = episodes.pseudo_nhs_number
            and patients.index_episode_number = episodes.episode_number
),

-- The month of the interval in twelfths of a year: 1 is days 1 to 30, 6 days 153 to 182, 7
-- days 183 to 212, 12 days 335 to 365 (the days times 12 over 365, rounded up).
patient_intervals as (
    select
        *,
        cast(
            floor((repeat_interval_days * 12 + {{ twelve_months - 1 }}) / {{ twelve_months }}.0)
            as integer
        ) as interval_month
    from patient_outcomes
),

organisations as (
    select distinct
        financial_year,
        organisation_type,
        organisation_code
    from spells_in_organisations
),

totals as (
    select
        organisations.financial_year,
        organisations.organisation_type,
        organisations.organisation_code,
        coalesce(sum(patient_intervals.is_patient), 0) as patients_treated,
        coalesce(sum(patient_intervals.is_followed_up_6_months), 0)
            as patients_followed_up_6_months,
        coalesce(sum(patient_intervals.is_repeat_within_6_months), 0)
            as patients_repeat_within_6_months,
        coalesce(sum(patient_intervals.is_followed_up_12_months), 0)
            as patients_followed_up_12_months,
        {%- for month in range(1, 13) %}
            count(case when patient_intervals.interval_month = {{ month }} then 1 end)
                as patients_repeat_in_month_{{ month }},
        {%- endfor %}
        count(patient_intervals.repeat_interval_days) as patients_repeat_within_12_months
    from organisations
    left join patient_intervals
        on
            {{ rows_match_on('organisations', 'patient_intervals', [
                'financial_year', 'organisation_type', 'organisation_code'
            ]) }}
    group by organisations.financial_year, organisations.organisation_type, organisations.organisation_code
),

unknown_patients as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        count(*) as spells_patient_unknown
    from spells_in_organisations
    where pseudo_nhs_number is null
    group by financial_year, organisation_type, organisation_code
),

-- The median interval of the patients with a repeat within 12 months: the middle interval,
-- or the mean of the middle two, so a whole or half day, as a decimal with one place (the
-- same type, and the same text, on every engine).
ranked_intervals as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        repeat_interval_days,
        row_number() over (
            partition by financial_year, organisation_type, organisation_code
            order by repeat_interval_days
        ) as interval_rank,
        count(*) over (
            partition by financial_year, organisation_type, organisation_code
        ) as intervals
    from patient_intervals
    where repeat_interval_days is not null
),

medians as (
    select
        financial_year,
        organisation_type,
        organisation_code,
        cast(avg(cast(repeat_interval_days as decimal(10, 1))) as decimal(10, 1))
            as median_interval_days
    from ranked_intervals
    where 2 * interval_rank between intervals and intervals + 2
    group by financial_year, organisation_type, organisation_code
),

final as (
    select
        totals.financial_year,
        totals.organisation_type,
        totals.organisation_code,
        totals.patients_treated,
        totals.patients_followed_up_6_months,
        totals.patients_repeat_within_6_months,
        totals.patients_followed_up_12_months,
        totals.patients_repeat_within_12_months,
        {%- for month in range(1, 13) %}
            totals.patients_repeat_in_month_{{ month }},
        {%- endfor %}
        medians.median_interval_days,
        coalesce(unknown_patients.spells_patient_unknown, 0) as spells_patient_unknown
    from totals
    left join medians
        on
            {{ rows_match_on('totals', 'medians', [
                'financial_year', 'organisation_type', 'organisation_code'
            ]) }}
    left join unknown_patients
        on
            {{ rows_match_on('totals', 'unknown_patients', [
                'financial_year', 'organisation_type', 'organisation_code'
            ]) }}
)

select * from final
