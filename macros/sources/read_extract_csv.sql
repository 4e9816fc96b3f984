{#-
    Reading a CSV extract on DuckDB as analysts export one (SSMS, Excel, pandas, Spark), or
    stopping before any model with one message that names the file, the line and the fix
    (README: Exporting your extract). Two passes over the file, each storing what it cannot
    read instead of failing with DuckDB's message, which quotes the row:
      1. every line, for bytes that are not in the encoding set (APCS_CSV_ENCODING, UTF-8
         unless set); then the header line, for the delimiter (APCS_CSV_DELIMITER, a comma
         unless set) and column names given twice;
      2. every record, for a field count other than the header's (SSMS leaves a comma inside
         Der_Diagnosis_All unquoted), or a quote left open.
    The reader returned reads every column of the header as text, and `NULL` in any case
    (quoted or not) as a missing value, as SSMS writes one.
-#}
{% macro extract_csv_reader(path) %}
    {%- set encoding = extract_csv_encoding() -%}
    {%- set delimiter = extract_csv_delimiter() -%}
    {%- set file_name = path.split('/') | last -%}
    {#- The first line, and line numbers, need the file read in order: the profile lets DuckDB
        read in any order, which is faster, so the order is kept for these checks only. -#}
    {%- set insertion_order = run_query("select current_setting('preserve_insertion_order')").columns[0].values()[0] -%}
    {%- do run_query('set preserve_insertion_order = true') -%}
    {{ check_extract_csv_encoding(path, encoding) }}
    {%- set header = extract_csv_header(path, encoding) -%}
    {%- if header is none -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ' (' ~ path ~ ') has no header on its first line: the file is empty or its'
            ~ ' first line is blank. Export it with its header row.'
        ) }}
    {%- endif -%}
    {{ check_extract_csv_delimiter(path, header, delimiter) }}
    {%- set names = extract_csv_header_names(path, header, delimiter) -%}
    {#- The columns are the header's, every one text; nothing is guessed from a sample. -#}
    {%- set columns = [] -%}
    {%- for name in names -%}
        {%- do columns.append(sql_string(name) ~ ": 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set options = 'header = true, auto_detect = false, columns = {' ~ columns | join(', ') ~ '}'
        ~ ', delim = ' ~ sql_string(delimiter)
        ~ ", quote = '\"', escape = '\"', encoding = " ~ sql_string(encoding)
        ~ ", nullstr = ['" ~ null_spellings() | join("', '") ~ "']" -%}
    {{ check_extract_csv_records(path, options) }}
    {%- do run_query('set preserve_insertion_order = ' ~ insertion_order) -%}
    {{ return('read_csv(' ~ sql_string(path) ~ ', ' ~ options ~ ')') }}
{% endmacro %}

{#- What a CSV field holding nothing but these reads as: missing (NULL). An empty field, and
    `NULL` in every mix of cases, as SSMS writes a missing value. -#}
{% macro null_spellings() %}
    {%- set spellings = [''] -%}
    {%- for mask in range(16) -%}
        {%- set letters = [] -%}
        {%- for letter in 'null' -%}
            {%- do letters.append(letter.upper() if (mask // (2 ** loop.index0)) % 2 else letter) -%}
        {%- endfor -%}
        {%- do spellings.append(letters | join('')) -%}
    {%- endfor -%}
    {{ return(spellings) }}
{% endmacro %}

{#- The encoding setting, APCS_CSV_ENCODING: UTF-8 unless set. Windows-1252 (`cp1252`, what
    Excel and SSMS write on Windows) is read as Latin-1: the two differ only in bytes 0x80 to
    0x9F (such as `€` and curly quotes), which no code, date or number holds. -#}
{% macro extract_csv_encoding() %}
    {%- set setting = env_var('APCS_CSV_ENCODING', 'utf-8') | lower | replace('_', '-') -%}
    {%- set encodings = {
        'utf-8': 'utf-8', 'utf8': 'utf-8', 'utf-8-sig': 'utf-8',
        'cp1252': 'latin-1', 'windows-1252': 'latin-1', 'latin-1': 'latin-1', 'latin1': 'latin-1',
        'iso-8859-1': 'latin-1', 'utf-16': 'utf-16', 'utf-16le': 'utf-16', 'unicode': 'utf-16'
    } -%}
    {%- if setting not in encodings -%}
        {{ exceptions.raise_compiler_error(
            'APCS_CSV_ENCODING is ' ~ setting ~ ': set it to utf-8 (the default), cp1252 '
            ~ '(Windows, as Excel and SSMS write), latin-1 or utf-16 (PowerShell 5 Out-File).'
        ) }}
    {%- endif -%}
    {{ return(encodings[setting]) }}
{% endmacro %}

{#- The delimiter setting, APCS_CSV_DELIMITER: a comma unless set. -#}
{% macro extract_csv_delimiter() %}
    {%- set setting = env_var('APCS_CSV_DELIMITER', 'comma') | lower -%}
    {%- set delimiters = extract_csv_delimiters() -%}
    {%- if setting not in delimiters -%}
        {{ exceptions.raise_compiler_error(
            'APCS_CSV_DELIMITER is ' ~ setting ~ ': set it to ' ~ delimiters.keys() | join(', ')
            ~ ' (comma is the default).'
        ) }}
    {%- endif -%}
    {{ return(delimiters[setting]) }}
{% endmacro %}

{% macro extract_csv_delimiters() %}
    {{ return({'comma': ',', 'tab': '\t', 'pipe': '|', 'semicolon': ';'}) }}
{% endmacro %}

{#- The file's first line (known to be in the encoding), without a byte-order mark; none for
    an empty file. -#}
{% macro extract_csv_header(path, encoding) %}
    {%- set lines = run_query(
        'select line from ' ~ extract_csv_lines(path, encoding) ~ ' limit 1'
    ).columns[0].values() -%}
    {%- if lines | length == 0 or lines[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(lines[0].lstrip('\ufeff').rstrip('\r')) }}
{% endmacro %}

{#- The file's lines, each whole, in `encoding`: the reader of the line checks. Not strict, so
    a carriage return inside a value (a line break in a quoted field) ends a line here too. -#}
{% macro extract_csv_lines(path, encoding, options='') %}
    {{ return(
        'read_csv(' ~ sql_string(path) ~ ", columns = {'line': 'VARCHAR'}, header = false, delim = chr(31),"
        ~ " quote = '', escape = '', auto_detect = false, strict_mode = false, encoding = "
        ~ sql_string(encoding) ~ options ~ ')'
    ) }}
{% endmacro %}

{#- The header must split on the delimiter set: a file written with another one (a tab- or
    pipe-delimited export saved as .csv) stops, saying which it is and what to set. -#}
{% macro check_extract_csv_delimiter(path, header, delimiter) %}
    {%- set file_name = path.split('/') | last -%}
    {%- if delimiter in header -%}
        {{ return('') }}
    {%- endif -%}
    {%- for setting, other in extract_csv_delimiters().items() if other in header -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ' (' ~ path ~ ') is ' ~ setting ~ '-delimited: its header line is split by '
            ~ (other | replace('\t', 'tabs')) ~ ', not by ' ~ (delimiter | replace('\t', 'tabs'))
            ~ '. Re-export it comma-separated, or read it as it is: set APCS_CSV_DELIMITER='
            ~ setting ~ ' (README: Exporting your extract).'
        ) }}
    {%- endfor -%}
{% endmacro %}

{#- The header's column names. The first line must be a header: when none of its fields is a
    column the project reads, it is a row (SSMS saves results without their headers unless
    told to), and the run stops without showing it. A column named twice (case aside) stops
    the run too, naming it: only one copy would be read. -#}
{% macro extract_csv_header_names(path, header, delimiter) %}
    {%- set file_name = path.split('/') | last -%}
    {%- set names = [] -%}
    {%- for name in header.split(delimiter) -%}
        {%- do names.append(name.strip().strip('"').strip()) -%}
    {%- endfor -%}
    {%- set known = [] -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == 'rfd_back' -%}
        {%- for column in source_node.columns -%}
            {%- do known.append(column | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if names | map('lower') | select('in', known) | list | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ' (' ~ path ~ ') has no header: none of the fields of its first line is a column'
            ~ ' name the project reads (such as APCS_Ident), so the line is a row. Export the table with'
            ~ ' its header row: in SSMS tick "Include column headers when copying or saving the results"'
            ~ ' (Tools > Options > Query Results > SQL Server > Results to Grid), open a new query window'
            ~ ' and save the results again (README: Exporting your extract).'
        ) }}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- set repeated = [] -%}
    {%- for name in names -%}
        {%- if name | lower in seen and printable_name(name) not in repeated -%}
            {%- do repeated.append(printable_name(name)) -%}
        {%- endif -%}
        {%- do seen.append(name | lower) -%}
    {%- endfor -%}
    {%- if repeated -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ' (' ~ path ~ ') names ' ~ repeated | join(', ')
            ~ ' more than once in its header line: only one copy would be read. Export each column once.'
        ) }}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}

{#- A line with bytes that are not in the encoding set stops the run, naming the first such
    line and the setting to use. The lines are read whole, storing those that cannot be read
    (DuckDB's store_rejects) with their line in the file. -#}
{% macro check_extract_csv_encoding(path, encoding) %}
    {%- do run_query('drop table if exists rfd_back_csv_rejects') -%}
    {%- do run_query('drop table if exists rfd_back_csv_scans') -%}
    {%- do run_query('select count(*) from ' ~ extract_csv_lines(
        path, encoding,
        ", store_rejects = true, rejects_table = 'rfd_back_csv_rejects', rejects_scan = 'rfd_back_csv_scans'"
    )) -%}
    {%- set found = run_query(
        'select min(line), count(distinct line), arg_min(error_type, line) from rfd_back_csv_rejects'
    ).rows[0] -%}
    {%- if found[1] > 0 and found[2] != 'INVALID ENCODING' -%}
        {{ exceptions.raise_compiler_error(
            (path.split('/') | last) ~ ' (' ~ path ~ ') line ' ~ found[0] ~ ' cannot be read ('
            ~ found[2] | lower ~ '; ' ~ found[1] ~ ' line(s) in all). Re-export the file'
            ~ ' (README: Exporting your extract).'
        ) }}
    {%- elif found[1] > 0 -%}
        {{ exceptions.raise_compiler_error(
            (path.split('/') | last) ~ ' (' ~ path ~ ') is not ' ~ encoding | upper ~ ': line ' ~ found[0]
            ~ ' holds a byte that ' ~ encoding | upper ~ ' has no character for (' ~ found[1]
            ~ ' line(s) in all), as a file written in Windows-1252 by Excel or SSMS does (a £ or é).'
            ~ ' Set APCS_CSV_ENCODING=cp1252 to read it as it is (utf-16 for a file PowerShell 5 wrote'
            ~ ' with Out-File or >), or re-export it as UTF-8 (README: Exporting your extract).'
        ) }}
    {%- endif -%}
{% endmacro %}

{#- Every record must have as many fields as the header. A scan that stores the records it
    cannot read (DuckDB's store_rejects) finds the first, by its line in the file. -#}
{% macro check_extract_csv_records(path, options) %}
    {%- set file_name = path.split('/') | last -%}
    {%- do run_query('drop table if exists rfd_back_csv_rejects') -%}
    {%- do run_query('drop table if exists rfd_back_csv_scans') -%}
    {%- do run_query(
        'select count(*) from read_csv(' ~ sql_string(path) ~ ', ' ~ options ~ ', store_rejects = true,'
        ~ " rejects_table = 'rfd_back_csv_rejects', rejects_scan = 'rfd_back_csv_scans')"
    ) -%}
    {%- set rejects = run_query(
        'select min(line), count(distinct line), arg_min(error_type, line), arg_min(error_message, line)'
        ~ ' from rfd_back_csv_rejects'
    ).rows[0] -%}
    {%- if rejects[1] > 0 -%}
        {%- set line, count, error_type, error_message = rejects[0], rejects[1], rejects[2], rejects[3] -%}
        {%- if error_type == 'TOO MANY COLUMNS' -%}
            {%- set problem = 'has more fields than its header (' ~ error_message ~ ')' -%}
            {%- set fix = 'A value holds a comma that is not in quotes, as SSMS writes Der_Diagnosis_All and'
                ~ ' Der_Procedure_All when "Quote strings containing list separators when saving .csv'
                ~ ' results" is off (Tools > Options > Query Results > SQL Server > Results to Grid). Turn it'
                ~ ' on, open a new query window and save the results again, or export with PowerShell'
                ~ ' Invoke-Sqlcmd and Export-Csv, which quotes every value (README: Exporting your extract).' -%}
        {%- elif error_type == 'MISSING COLUMNS' -%}
            {%- set problem = 'has fewer fields than its header (' ~ error_message ~ ')' -%}
            {%- set fix = 'The file is cut short or a value holds a line break outside quotes; re-export'
                ~ ' it with text in quotes (README: Exporting your extract).' -%}
        {%- else -%}
            {%- set problem = 'cannot be read (' ~ error_type | lower ~ ')' -%}
            {%- set fix = 'A quote is left open or stands inside an unquoted value; re-export the file'
                ~ ' with every text value in double quotes and each quote inside doubled'
                ~ ' (README: Exporting your extract).' -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ' (' ~ path ~ ') line ' ~ line ~ ' ' ~ problem ~ '; ' ~ count
            ~ ' record(s) in all. ' ~ fix
        ) }}
    {%- endif -%}
{% endmacro %}
