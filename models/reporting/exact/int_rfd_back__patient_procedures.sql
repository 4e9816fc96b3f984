-- Each flagged spell with its patient (Der_Pseudo_NHS_Number) and its place among the
-- patient's flagged spells: the previous and next spell and the days between, the episode of
-- care it belongs to, and the days from that episode to the patient's next. Patient-level,
-- exact: for the analytics team, never published; rpt_rfd_back_repeat_procedures counts it.
--
-- A spell's date is its admission date (its discharge date when that is missing). Spells of
-- one patient on the same day, or overlapping (admitted on or before the discharge of an
-- earlier one: bilateral or staged levels), are one episode of care; a later spell begins a
-- new episode, a repeat procedure (decision register D21). A spell with no pseudonymised
-- number (patient unknown) or no date is kept, never linked: it has no episode.
--
-- The follow-up each episode has in the extract runs to the extract's last date: the latest
-- discharge date of any spell discharged in its own activity month (a date beyond the
-- months the extract holds cannot stretch it), or var rfd_back_follow_up_end_date.

{{ config(enabled=rfd_back_enabled('reporting')) }}

with

spells as (
    select
        apcs_ident,
        pseudo_nhs_number,
        coalesce(admission_date, discharge_date) as procedure_date,
        -- The date the spell runs to: its discharge, when that is a date the extract can
        -- vouch for (on or after the spell's date, and in the spell's own activity month);
        -- else its date. A discharge recorded before admission, or mistyped years ahead,
        -- neither breaks nor stretches an episode.
        case
            when
                discharge_date >= coalesce(admission_date, discharge_date)
                and {{ discharged_in_activity_month('discharge_date', 'activity_month') }}
                then discharge_date
            else coalesce(admission_date, discharge_date)
        end as end_date,
        {{ published_financial_year('financial_year') }} as financial_year,
        {{ published_organisation_code('provider_code') }} as provider_code,
        {{ published_organisation_code('commissioner_code') }} as commissioner_code
    from {{ ref('fct_rfd_back_spells') }}
    where {{ flag_is_set('is_rfd_back') }}
),

extract_end as (
    {%- if var('rfd_back_follow_up_end_date') is none %}
        select max(discharge_date) as extract_end_date
        from {{ ref('fct_rfd_back_spells') }}
        where {{ discharged_in_activity_month('discharge_date', 'activity_month') }}
    {%- else %}
        select cast('{{ rfd_back_date_var('rfd_back_follow_up_end_date') }}' as date)
            as extract_end_date
    {%- endif %}
),

-- The spells that can be linked: a known patient and a date, in the patient's order (by date,
-- then the date the spell runs to, then APCS_Ident). Each with the latest date any earlier
-- spell of the patient runs to.
linked_spells as (
    select
        apcs_ident,
        pseudo_nhs_number,
        procedure_date,
        end_date
    from spells
    where pseudo_nhs_number is not null and procedure_date is not null
),

ordered_spells as (
    select
        apcs_ident,
        pseudo_nhs_number,
        procedure_date,
        lag(apcs_ident) over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
        ) as previous_apcs_ident,
        lag(procedure_date) over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
        ) as previous_procedure_date,
        lead(apcs_ident) over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
        ) as next_apcs_ident,
        lead(procedure_date) over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
        ) as next_procedure_date,
        max(end_date) over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
            rows between unbounded preceding and 1 preceding
        ) as earlier_spells_end_date,
        row_number() over (
            partition by pseudo_nhs_number order by procedure_date, end_date, apcs_ident
        ) as spell_order
    from linked_spells
),

-- A spell begins an episode unless it starts on or before the end of an earlier one.
episode_starts as (
    select
        *,
        case
            when earlier_spells_end_date is null or procedure_date > earlier_spells_end_date
                then 1
            else 0
        end as begins_episode
    from ordered_spells
),

numbered_spells as (
    select
        *,
        sum(begins_episode) over (
            partition by pseudo_nhs_number
            order by spell_order
            rows between unbounded preceding and current row
        ) as episode_number
    from episode_starts
),

episodes as (
    select
        pseudo_nhs_number,
        episode_number,
        min(procedure_date) as episode_date
    from numbered_spells
    group by pseudo_nhs_number, episode_number
),

episodes_with_next as (
    select
        pseudo_nhs_number,
        episode_number,
        episode_date,
        lead(episode_date) over (
            partition by pseudo_nhs_number order by episode_number
        ) as next_episode_date
    from episodes
),

final as (
    select
        spells.apcs_ident,
        spells.pseudo_nhs_number,
        spells.procedure_date,
        spells.financial_year,
        spells.provider_code,
        spells.commissioner_code,
        numbered_spells.previous_apcs_ident,
        {{ days_between('numbered_spells.previous_procedure_date', 'spells.procedure_date') }}
            as days_since_previous_spell,
        numbered_spells.next_apcs_ident,
        {{ days_between('spells.procedure_date', 'numbered_spells.next_procedure_date') }}
            as days_to_next_spell,
        numbered_spells.episode_number,
        episodes_with_next.episode_date,
        {{ days_between('episodes_with_next.episode_date', 'episodes_with_next.next_episode_date') }}
            as days_to_next_episode,
        {{ days_between('episodes_with_next.episode_date', 'extract_end.extract_end_date') }}
            as follow_up_days_in_extract
    from spells
    cross join extract_end
    left join numbered_spells
        on spells.apcs_ident = numbered_spells.apcs_ident
    left join episodes_with_next
        on
            numbered_spells.pseudo_nhs_number = episodes_with_next.pseudo_nhs_number
            and numbered_spells.episode_number = episodes_with_next.episode_number
)

select * from final
