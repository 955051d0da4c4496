{#- dbt's cast on Spark, also for the empty-schema query of an enforced contract: the contracts
    declare `varchar`, which Spark knows only with a length; its `string` is the same type. -#}
{% macro spark__cast(field, type) -%}
    {%- set spark_type = 'string' if type | trim | lower == 'varchar' else type -%}
    cast({{ field }} as {{ spark_type }})
{%- endmacro %}
