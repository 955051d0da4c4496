{#- A vendor column whose name is not a plain identifier (spaces, brackets), quoted the engine's
    way: "Duration (in seconds)" on DuckDB, `Duration (in seconds)` on Spark. Plain names (Birthdate)
    need no quotes: both engines match identifiers case-insensitively. -#}
{% macro vendor_column(name) -%}
    {{ return(adapter.dispatch('vendor_column')(name)) }}
{%- endmacro %}
{% macro default__vendor_column(name) -%} "{{ name }}" {%- endmacro %}
{% macro spark__vendor_column(name) -%} `{{ name }}` {%- endmacro %}

{#- A text in a strftime format (%Y%m%d ...) -> date; null when it does not parse. -#}
{% macro try_parse_date(column, format) -%}
    {{ return(adapter.dispatch('try_parse_date')(column, format)) }}
{%- endmacro %}
{% macro default__try_parse_date(column, format) -%}
    cast(try_strptime({{ column }}, '{{ format }}') as date)
{%- endmacro %}
{% macro spark__try_parse_date(column, format) -%}
    {%- set spark_format = format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') -%}
    cast(try_to_timestamp({{ column }}, '{{ spark_format }}') as date)
{%- endmacro %}

{#- `text` with its first character in upper case. -#}
{% macro capitalised(text) -%}
    {{ return(adapter.dispatch('capitalised')(text)) }}
{%- endmacro %}
{% macro default__capitalised(text) -%} upper({{ text }}[1]) || {{ text }}[2:] {%- endmacro %}
{% macro spark__capitalised(text) -%} upper(substr({{ text }}, 1, 1)) || substr({{ text }}, 2) {%- endmacro %}

{#- A text from a template with `{}` (any value) and `{:.1f}` / `{:+.0f}` (a number) placeholders,
    DuckDB's format(); on Spark the same template in printf form for format_string(). -#}
{% macro format_text(template) -%}
    {{ return(adapter.dispatch('format_text')(template, varargs)) }}
{%- endmacro %}
{% macro default__format_text(template, values) -%}
    format('{{ template }}'{% for value in values %}, {{ value }}{% endfor %})
{%- endmacro %}
{% macro spark__format_text(template, values) -%}
    {%- set printf = modules.re.sub('\\{:([^}]*)\\}', '%\\1', template | replace('%', '%%')) | replace('{}', '%s') -%}
    format_string('{{ printf }}'{% for value in values %}, {{ value }}{% endfor %})
{%- endmacro %}
