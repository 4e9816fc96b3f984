{#- True when the whole of `expression` matches the regular expression `pattern`. -#}
{% macro regexp_full_match(expression, pattern) %}
    {{ return(adapter.dispatch('regexp_full_match', 'rfd_back')(expression, pattern)) }}
{% endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- Snowflake's regular expressions are POSIX ERE (no `(?:`) and REGEXP_LIKE anchors the
    pattern at both ends itself. -#}
{% macro snowflake__regexp_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '({{ pattern }})')
{%- endmacro %}

{#- T-SQL before SQL Server 2025 has no regular expressions. The patterns this project tests
    with (character classes and literals, each repeated `{n}`, `{m,n}` or `?`) are exactly a
    set of LIKE patterns, one per number of repeats, compared in a binary collation so that
    `[A-Z]` is the capital letters only. LIKE lets trailing blanks of the value pass, which a
    regular expression does not, hence the last condition. -#}
{% macro sqlserver__regexp_full_match(expression, pattern, binary_collation='Latin1_General_100_BIN2') -%}
    {%- set binary_expression = expression ~ ' collate ' ~ binary_collation -%}
    {%- set alternatives = [] -%}
    {%- for like_pattern in like_patterns_for_regexp(pattern) -%}
        {%- do alternatives.append(binary_expression ~ " like '" ~ like_pattern ~ "'") -%}
    {%- endfor -%}
    (({{ alternatives | join(' or ') }}) and {{ binary_expression }} not like '% ')
{%- endmacro %}

{% macro fabric__regexp_full_match(expression, pattern) -%}
    {{ sqlserver__regexp_full_match(expression, pattern, 'Latin1_General_100_BIN2_UTF8') }}
{%- endmacro %}

{% macro synapse__regexp_full_match(expression, pattern) -%}
    {{ sqlserver__regexp_full_match(expression, pattern) }}
{%- endmacro %}

{#- The LIKE patterns that together match what the regular expression `pattern` matches. It
    takes literals and `[...]` classes, each optionally followed by `{n}`, `{m,n}` or `?`, and
    refuses anything else at compile time rather than guess. A `-` that ends a class is moved
    to its start, the one place T-SQL documents it as a plain hyphen. -#}
{% macro like_patterns_for_regexp(pattern) %}
    {%- set refusal = 'like_patterns_for_regexp: cannot turn ' ~ pattern ~ ' into LIKE patterns' -%}
    {%- if "'" in pattern or '\\' in pattern -%}
        {{ exceptions.raise_compiler_error(refusal) }}
    {%- endif -%}
    {%- set state = namespace(position=0, patterns=['']) -%}
    {%- for _ in range(pattern | length) if state.position < pattern | length -%}
        {%- set character = pattern[state.position] -%}
        {%- if character == '[' -%}
            {%- set close = pattern.find(']', state.position) -%}
            {%- if close < state.position + 2 -%}
                {{ exceptions.raise_compiler_error(refusal) }}
            {%- endif -%}
            {%- set members = pattern[state.position + 1:close] -%}
            {%- if members[-1] == '-' and members[0] not in '^-' -%}
                {%- set members = '-' ~ members[:-1] -%}
            {%- endif -%}
            {%- set atom = '[' ~ members ~ ']' -%}
            {%- set state.position = close + 1 -%}
        {%- elif character in '()|*+.^$]{}?' -%}
            {{ exceptions.raise_compiler_error(refusal) }}
        {%- else -%}
            {%- set atom = '[' ~ character ~ ']' if character in '%_' else character -%}
            {%- set state.position = state.position + 1 -%}
        {%- endif -%}
        {%- set repeats = namespace(low=1, high=1) -%}
        {%- if pattern[state.position:state.position + 1] == '?' -%}
            {%- set repeats.low = 0 -%}
            {%- set state.position = state.position + 1 -%}
        {%- elif pattern[state.position:state.position + 1] == '{' -%}
            {%- set close = pattern.find('}', state.position) -%}
            {%- set bounds = pattern[state.position + 1:close].split(',') -%}
            {%- if close < 0 or bounds | length > 2 or not (bounds | join('')).isdigit() -%}
                {{ exceptions.raise_compiler_error(refusal) }}
            {%- endif -%}
            {%- set repeats.low = bounds[0] | int -%}
            {%- set repeats.high = bounds[-1] | int -%}
            {%- if bounds[0] == '' or bounds[-1] == '' or repeats.high < repeats.low -%}
                {{ exceptions.raise_compiler_error(refusal) }}
            {%- endif -%}
            {%- set state.position = close + 1 -%}
        {%- endif -%}
        {%- set extended = [] -%}
        {%- for prefix in state.patterns -%}
            {%- for count in range(repeats.low, repeats.high + 1) -%}
                {%- do extended.append(prefix ~ atom * count) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set state.patterns = extended -%}
    {%- endfor -%}
    {{ return(state.patterns) }}
{% endmacro %}
