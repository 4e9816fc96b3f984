-- The guidance page's statement, as published (December 2023 coding update), for running on
-- SQL Server against NCDR to check this project's flag spell for spell: compile it with
-- `dbt compile --select published_statement_on_sql_server --target <your SQL Server target>`
-- and compare its ebi_intervention_id with fct_rfd_back_spells. Typographic quotes are
-- plain quotes here (decision D7); the exclusions below the Code Script are included (D1).
-- This is T-SQL: it is a reference to run on SQL Server, not part of the build.
select
    apcs.apcs_ident,
    case
        when (
            left(der.spell_dominant_procedure, 4) in ('V485', 'V487')
            and (
                apcs.der_procedure_all like '%Z67[567]%'
                or apcs.der_procedure_all like '%Z993%'
            )
        )
        and left(der.spell_primary_diagnosis, 4) in ('M512', 'M518', 'M519', 'M545', 'M549')
        and isnull(apcs.age_at_start_of_spell_sus, apcs.der_age_at_cds_activity_date) between 19 and 120
        and apcs.admission_method not like ('2%')
        and apcs.der_diagnosis_all not like '%C[0-9][0-9]%'
        and apcs.der_diagnosis_all not like '%D0%'
        and apcs.der_diagnosis_all not like '%D3[789]%'
        and apcs.der_diagnosis_all not like '%D4[012345678]%'
        and apcs.administrative_category <> '02'
            then '2K_RFD_back'
    end as ebi_intervention_id
from {{ source('apcs', 'apcs') }} as apcs
left join {{ source('apcs', 'apcs_der') }} as der
    on apcs.apcs_ident = der.apcs_ident
