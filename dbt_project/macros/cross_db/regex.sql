{#- True when the whole of `text` matches `pattern` (not just a part of it). -#}
{% macro regexp_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match')(text, pattern)) }}
{%- endmacro %}
{% macro default__regexp_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}
{#- Spark reads a backslash in a string literal as an escape: doubled, the regexp sees one. -#}
{% macro spark__regexp_full_match(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern | replace('\\', '\\\\') }})$')
{%- endmacro %}

{#- Every match of `pattern` in `text` replaced (DuckDB needs the 'g' flag for that; Spark always
    replaces every match). -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(text, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}
