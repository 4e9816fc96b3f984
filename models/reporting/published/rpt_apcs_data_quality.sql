-- Published: the number of data-quality issues in the extract by source table, field and
-- issue (int_apcs__data_quality_issues counted), under the same disclosure control as the
-- other published marts: counts from 1 to 7 suppressed, the rest rounded to 5. No total is
-- published beside them, so no secondary suppression is needed. No patient-level field.
{{ config(enabled=rfd_back_enabled('published')) }}

with

issues as (
    select
        source_table,
        field,
        issue,
        count(*) as issue_count
    from {{ ref('int_apcs__data_quality_issues') }}
    group by source_table, field, issue
),

published as (
    select
        source_table,
        field,
        issue,
        {{ disclosure_controlled_count('issue_count') }} as issues_found
    from issues
)

select * from published
