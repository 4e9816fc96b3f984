{#-
    Normalisation applied in staging, the way SQL Server's case-insensitive collation and a
    clinical coder read the data (decision register D5). Each macro that differs by engine has
    a portable `default__` implementation.
-#}

{#- One clinical code: upper case, no white space, no dots (`m54.5 ` is `M545`). The same SQL
    on every engine: nested replaces, which are also the fastest on DuckDB (decision register
    D5). -#}
{% macro normalise_code(expression) -%}
    upper({{ replace_each(as_text(expression), ["' '", "'.'"] + control_white_space(), "''") }})
{%- endmacro %}

{#- A list of clinical codes (Der_Diagnosis_All, Der_Procedure_All): upper case, no dots
    (`||m54.5 ,c50.9` is `||M545 ,C509`). Every other character is kept as recorded: the rule
    reads any character that is not a letter or a digit as separating two codes (decision
    register D3), so white space is not removed (`||M545 C509` holds C509). -#}
{% macro normalise_code_list(expression) -%}
    upper({{ dbt.replace(as_text(expression), "'.'", "''") }})
{%- endmacro %}

{#- A short category code (admission method, sex, ...): without surrounding white space, upper
    case. -#}
{% macro normalise_category(expression) -%}
    upper({{ trimmed_text(expression) }})
{%- endmacro %}

{#- Any raw value as text (a Parquet extract or a warehouse may carry typed columns), without
    surrounding white space (spaces, tabs, line breaks). -#}
{% macro trimmed_text(expression) %}
    {{ return(adapter.dispatch('trimmed_text', 'rfd_back')(expression)) }}
{% endmacro %}

{% macro default__trimmed_text(expression) -%}
    trim({{ replace_each(as_text(expression), control_white_space(), "' '") }})
{%- endmacro %}

{% macro duckdb__trimmed_text(expression) -%}
    trim({{ as_text(expression) }}, {{ ([dbt.string_literal(' ')] + control_white_space()) | join(' || ') }})
{%- endmacro %}

{% macro as_text(expression) -%}
    {{ dbt.cast(expression, dbt.type_string()) }}
{%- endmacro %}

{#- Tab, line feed and carriage return, as SQL expressions (T-SQL spells chr() char()). -#}
{% macro control_white_space() %}
    {{ return(adapter.dispatch('control_white_space', 'rfd_back')()) }}
{% endmacro %}

{% macro default__control_white_space() %}
    {{ return(['chr(9)', 'chr(10)', 'chr(13)']) }}
{% endmacro %}

{% macro sqlserver__control_white_space() %}
    {{ return(['char(9)', 'char(10)', 'char(13)']) }}
{% endmacro %}

{% macro fabric__control_white_space() %}
    {{ return(sqlserver__control_white_space()) }}
{% endmacro %}

{#- `expression` with every occurrence of each of `characters` replaced by `replacement` (all
    SQL expressions). -#}
{% macro replace_each(expression, characters, replacement) -%}
    {%- set replaced = namespace(text=expression) -%}
    {%- for character in characters -%}
        {%- set replaced.text = dbt.replace(replaced.text, character, replacement) -%}
    {%- endfor -%}
    {{ replaced.text }}
{%- endmacro %}

{#-
    A cast that turns a malformed value into NULL instead of failing the build. An integer is
    an optional sign and digits, leading zeros allowed (`+19` and `0000000019` are 19, `-1` is
    -1), within the integer range; a bigint (an identifier) digits only, at most 18. A
    whole number may carry a zero fraction (`45.0`, `45.00`), as pandas and Spark write a
    whole number held as a float (decision register D6). So `18.5`, `1e2` and `forty` are
    NULL, not rounded. A date must be a real calendar date written `YYYY-MM-DD`, from year
    0001, optionally followed by a time as SSMS, pandas and Spark write a datetime
    (`2023-04-01 00:00:00.000`, `2023-04-01T00:00:00`): the date is its first ten
    characters. Engines disagree on year 0000 (SQL Server has none, PostgreSQL refuses it,
    DuckDB reads it as 1 BC), so it is NULL.
-#}
{% macro safe_cast_from_text(expression, data_type, text=none) %}
    {{ return(adapter.dispatch('safe_cast_from_text', 'rfd_back')(expression, data_type, text)) }}
{% endmacro %}

{#- What the portable and T-SQL casts read: the value as text, trimmed, without a whole
    number's zero fraction or a date's time. Staging computes it once per column (so the
    shape checks, which read it many times, stay short: Spark's metastore limits a view's
    text); `safe_cast_from_text` computes it inline when not given it as `text`. -#}
{% macro cast_text(expression, data_type) -%}
    {%- set value = date_as_text(expression) if data_type == 'date' else expression -%}
    {{ without_zero_fraction_or_time(trimmed_text(value), data_type) }}
{%- endmacro %}

{#- A date, datetime or text column as text a date can be read from. Only T-SQL needs this:
    its plain cast writes a datetime as `Apr  1 2023 12:00AM`; style 126 writes ISO 8601
    (`2023-04-01T00:00:00`) and leaves text as it is. -#}
{% macro date_as_text(expression) %}
    {{ return(adapter.dispatch('date_as_text', 'rfd_back')(expression)) }}
{% endmacro %}

{% macro default__date_as_text(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro sqlserver__date_as_text(expression) -%}
    convert({{ dbt.type_string() }}, {{ expression }}, 126)
{%- endmacro %}

{% macro fabric__date_as_text(expression) -%}
    {{ sqlserver__date_as_text(expression) }}
{%- endmacro %}

{% macro default__safe_cast_from_text(expression, data_type, text=none) -%}
    {%- set text = text or cast_text(expression, data_type) -%}
    case
        when {{ text_has_shape(text, data_type) }}
            then {{ dbt.cast(text, api.Column.translate_type(data_type)) }}
    end
{%- endmacro %}

{#- On DuckDB the shape is one anchored regular expression (five times faster than the
    portable check) and try_cast leaves an impossible date, or an integer out of range, NULL.
    A column the source already holds in the wanted type (typed Parquet, a warehouse table)
    passes through unchanged: DuckDB folds `typeof` while binding, so the unused branch costs
    nothing per row. -#}
{% macro duckdb__safe_cast_from_text(expression, data_type, text=none) -%}
    {%- set zero_fraction = '(\\.0+)?' -%}
    {%- set time = '([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?([+-][0-9]{2}(:?[0-9]{2})?|Z)?)?' -%}
    {%- set shapes = {
        'integer': '[+-]?[0-9]{1,18}' ~ zero_fraction,
        'bigint': '[0-9]{1,18}' ~ zero_fraction,
        'date': '([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}' ~ time
    } -%}
    {%- if data_type not in shapes -%}
        {{ exceptions.raise_compiler_error('safe_cast_from_text: no shape for ' ~ data_type) }}
    {%- endif -%}
    {#- try_cast reads `45.0` as 45; a date is cast from its first ten characters. The regular
        expression reads the value itself, so `text` is not needed here. -#}
    {%- set trimmed = trimmed_text(expression) -%}
    case
        when typeof({{ expression }}) = '{{ data_type | upper }}'
            then cast({{ expression }} as {{ data_type }})
        when regexp_full_match({{ as_text(expression) }}, '[ \t\n\r]*{{ shapes[data_type] }}[ \t\n\r]*')
            then try_cast({{ 'substring(' ~ trimmed ~ ', 1, 10)' if data_type == 'date' else trimmed }} as {{ data_type }})
    end
{%- endmacro %}

{#- T-SQL: the same shapes as LIKE patterns (its TRANSLATE needs equal-length arguments, so
    the portable digit check cannot run there), TRY_CONVERT to int leaves an integer out of
    range NULL, and TRY_CONVERT with style 23 (yyyy-mm-dd) an impossible date such as
    2023-02-30. The patterns compare in a binary collation (`binary_collation`), so no other
    character counts as a digit. -#}
{% macro sqlserver__safe_cast_from_text(expression, data_type, text=none, binary_collation='Latin1_General_100_BIN2') -%}
    {%- set text = text or cast_text(expression, data_type) -%}
    {%- set binary_text = text ~ ' collate ' ~ binary_collation -%}
    {%- if data_type == 'integer' -%}
        {#- The digits after an optional sign. -#}
        {%- set unsigned = 'substring(' ~ binary_text ~ ", case when " ~ binary_text
            ~ " like '[-+]%' then 2 else 1 end, 19)" -%}
        case
            when {{ dbt.length(text) }} between 1 and 19
                and {{ dbt.length(unsigned) }} between 1 and 18
                and {{ unsigned }} not like '%[^0-9]%'
                then try_convert(int, {{ text }})
        end
    {%- elif data_type == 'bigint' -%}
        case
            when {{ dbt.length(text) }} between 1 and 18
                and {{ binary_text }} not like '%[^0-9]%'
                then cast({{ text }} as {{ api.Column.translate_type(data_type) }})
        end
    {%- elif data_type == 'date' -%}
        case
            when {{ binary_text }} like '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
                and {{ text }} not like '0000%'
                then try_convert(date, {{ text }}, 23)
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error('safe_cast_from_text: no shape for ' ~ data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- Fabric Warehouse has two collations; this is the binary one. -#}
{% macro fabric__safe_cast_from_text(expression, data_type, text=none) -%}
    {{ sqlserver__safe_cast_from_text(expression, data_type, text, 'Latin1_General_100_BIN2_UTF8') }}
{%- endmacro %}

{#- `text` (a trimmed text expression) reduced to what the shape checks read: a whole number
    without a zero fraction (`45.0` is `45`; `45.5` and `45.` are left as they are, and are
    malformed), a date without the time that follows it (`2023-04-01 00:00:00.000` and
    `2023-04-01T00:00:00Z` are `2023-04-01`; a date followed by anything else is left whole,
    and is malformed). Portable: position, substring with three arguments and replace run on
    every engine, T-SQL included. -#}
{% macro without_zero_fraction_or_time(text, data_type) -%}
    {%- if data_type in ('integer', 'bigint') -%}
        {%- set point = dbt.position("'.'", text) -%}
        case
            when {{ point }} > 1
                and {{ dbt.length(text) }} > {{ point }}
                and {{ dbt.replace('substring(' ~ text ~ ', ' ~ point ~ ' + 1, 40)', "'0'", "''") }} = ''
                then substring({{ text }}, 1, {{ point }} - 1)
            else {{ text }}
        end
    {%- elif data_type == 'date' -%}
        case
            when {{ dbt.length(text) }} between 16 and 50
                and substring({{ text }}, 11, 1) in (' ', 'T')
                and substring({{ text }}, 14, 1) = ':'
                and {{ holds_only_time_characters('substring(' ~ text ~ ', 12, 40)') }}
                then substring({{ text }}, 1, 10)
            else {{ text }}
        end
    {%- else -%}
        {{ text }}
    {%- endif -%}
{%- endmacro %}

{#- A predicate true where `text` holds nothing but digits and `:`, `.`, `+`, `-` and `Z`,
    the characters of a time and its zone. -#}
{% macro holds_only_time_characters(text) %}
    {{ return(adapter.dispatch('holds_only_time_characters', 'rfd_back')(text)) }}
{% endmacro %}

{% macro default__holds_only_time_characters(text) -%}
    translate({{ text }}, '0123456789:.+-Z', '') = ''
{%- endmacro %}

{#- T-SQL's TRANSLATE needs arguments of equal length: a LIKE pattern instead. -#}
{% macro sqlserver__holds_only_time_characters(text) -%}
    {{ text }} not like '%[^0-9:.+Z-]%'
{%- endmacro %}

{% macro fabric__holds_only_time_characters(text) -%}
    {{ sqlserver__holds_only_time_characters(text) }}
{%- endmacro %}

{#- A predicate true where a value was recorded (`value_as_recorded` is neither NULL nor
    blank) but did not cast (`cast_value` is NULL): the value is malformed. -#}
{% macro is_malformed(cast_value, value_as_recorded) -%}
    {{ cast_value }} is null and {{ trimmed_text(value_as_recorded) }} <> ''
{%- endmacro %}

{#- True when `text` is a value of `data_type` that casts without error: for an integer an
    optional sign and 1 to 18 digits (leading zeros allowed) whose value is within the integer
    range; for a bigint 1 to 18 digits (so the cast cannot overflow); for a date a real
    calendar date as `YYYY-MM-DD` (month 01-12, day within the month, leap years included). -#}
{% macro text_has_shape(text, data_type) -%}
    {%- set digits = "'0123456789'" -%}
    {%- if data_type == 'integer' -%}
        {#- The digits after an optional sign; the value is compared only once the text is
            known to be a sign and digits. -#}
        {%- set unsigned -%}
            case when substring({{ text }}, 1, 1) in ('+', '-') then substring({{ text }}, 2, 19) else {{ text }} end
        {%- endset -%}
        case
            when {{ dbt.length(text) }} between 1 and 19
                and {{ dbt.length(unsigned) }} between 1 and 18
                and translate({{ unsigned }}, {{ digits }}, '') = ''
                then cast({{ text }} as {{ api.Column.translate_type('bigint') }})
                    between -2147483648 and 2147483647
            else false
        end
    {%- elif data_type == 'bigint' -%}
        {{ dbt.length(text) }} between 1 and 18
        and translate({{ text }}, {{ digits }}, '') = ''
    {%- elif data_type == 'date' -%}
        {#- The calendar check sits inside CASE: SQL does not promise to evaluate AND in order,
            and the year may be cast only once it is known to be digits. -#}
        {%- set month = 'substring(' ~ text ~ ', 6, 2)' -%}
        {%- set year = 'cast(substring(' ~ text ~ ', 1, 4) as integer)' -%}
        case
            when {{ dbt.length(text) }} = 10
                and translate({{ text }}, {{ digits }}, '') = '--'
                and substring({{ text }}, 5, 1) = '-'
                and substring({{ text }}, 8, 1) = '-'
                and substring({{ text }}, 1, 4) <> '0000'
                then
                    {{ month }} between '01' and '12'
                    and substring({{ text }}, 9, 2) between '01' and case
                        when {{ month }} in ('04', '06', '09', '11') then '30'
                        when {{ month }} <> '02' then '31'
                        when {{ year }} % 4 = 0 and ({{ year }} % 100 <> 0 or {{ year }} % 400 = 0)
                            then '29'
                        else '28'
                    end
            else false
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error('safe_cast_from_text: no shape for ' ~ data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- Synapse's dedicated SQL pools have no UTF-8 collation; SQL Server's binary one is there. -#}
{% macro synapse__safe_cast_from_text(expression, data_type, text=none) -%}
    {{ sqlserver__safe_cast_from_text(expression, data_type, text) }}
{%- endmacro %}

{#- A predicate true where `text` holds `character` (both SQL expressions). -#}
{% macro rfd_back_text_holds(text, character) -%}
    {{ dbt.position(character, text) }} > 0
{%- endmacro %}
