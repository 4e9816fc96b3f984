{#- Fails when the model and `compare_model` do not hold the same number of rows. -#}
{% test equal_rowcount(model, compare_model) %}
    with

    model_rows as (
        select count(*) as number_of_rows from {{ model }}
    ),

    compare_model_rows as (
        select count(*) as number_of_rows from {{ compare_model }}
    )

    select
        model_rows.number_of_rows as model_rows,
        compare_model_rows.number_of_rows as compare_model_rows
    from model_rows
    cross join compare_model_rows
    where model_rows.number_of_rows <> compare_model_rows.number_of_rows
{% endtest %}
