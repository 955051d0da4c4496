{#- Lists (DuckDB) and arrays (Spark): the dialects name the same operations differently and
    write lambdas differently (`lambda x: ...` / `x -> ...`). Every model uses these, so one model
    builds on both engines (docs/scale-out.md). `variable` names the lambda's argument in `body`. -#}

{#- Number of elements (a bigint, as DuckDB's len); null for a null list (Spark's size() would
    say -1). -#}
{% macro array_size(array) -%}
    {{ return(adapter.dispatch('array_size')(array)) }}
{%- endmacro %}
{% macro default__array_size(array) -%} len({{ array }}) {%- endmacro %}
{% macro spark__array_size(array) -%} cast(array_size({{ array }}) as bigint) {%- endmacro %}

{#- Each element mapped through `body`. -#}
{% macro array_transform(array, variable, body) -%}
    {{ return(adapter.dispatch('array_transform')(array, variable, body)) }}
{%- endmacro %}
{% macro default__array_transform(array, variable, body) -%}
    list_transform({{ array }}, lambda {{ variable }}: {{ body }})
{%- endmacro %}
{% macro spark__array_transform(array, variable, body) -%}
    transform({{ array }}, {{ variable }} -> {{ body }})
{%- endmacro %}

{#- The elements for which `condition` holds. -#}
{% macro array_filter(array, variable, condition) -%}
    {{ return(adapter.dispatch('array_filter')(array, variable, condition)) }}
{%- endmacro %}
{% macro default__array_filter(array, variable, condition) -%}
    list_filter({{ array }}, lambda {{ variable }}: {{ condition }})
{%- endmacro %}
{% macro spark__array_filter(array, variable, condition) -%}
    filter({{ array }}, {{ variable }} -> {{ condition }})
{%- endmacro %}

{#- The first element, null for an empty or null list. -#}
{% macro array_first(array) -%}
    {{ return(adapter.dispatch('array_first')(array)) }}
{%- endmacro %}
{% macro default__array_first(array) -%} ({{ array }})[1] {%- endmacro %}
{% macro spark__array_first(array) -%} try_element_at({{ array }}, 1) {%- endmacro %}

{#- Sum, smallest and largest element; null for an empty list, nulls ignored. -#}
{% macro array_sum(array) -%}
    {{ return(adapter.dispatch('array_sum')(array)) }}
{%- endmacro %}
{% macro default__array_sum(array) -%} list_sum({{ array }}) {%- endmacro %}
{% macro spark__array_sum(array) -%}
    aggregate({{ array }}, cast(null as bigint), (total, element) -> case
        when element is null then total else coalesce(total, 0) + element end)
{%- endmacro %}

{% macro array_min(array) -%}
    {{ return(adapter.dispatch('array_min')(array)) }}
{%- endmacro %}
{% macro default__array_min(array) -%} list_min({{ array }}) {%- endmacro %}
{% macro spark__array_min(array) -%} array_min({{ array }}) {%- endmacro %}

{% macro array_max(array) -%}
    {{ return(adapter.dispatch('array_max')(array)) }}
{%- endmacro %}
{% macro default__array_max(array) -%} list_max({{ array }}) {%- endmacro %}
{% macro spark__array_max(array) -%} array_max({{ array }}) {%- endmacro %}

{#- One row per element in a select list: `item` is the element and, when given, `position` its
    1-based position. A null or empty list gives no row on both engines. -#}
{% macro unnest_array(array, item, position=none) -%}
    {{ return(adapter.dispatch('unnest_array')(array, item, position)) }}
{%- endmacro %}
{% macro default__unnest_array(array, item, position) -%}
    unnest({{ array }}) as {{ item }}
    {%- if position %}, generate_subscripts({{ array }}, 1) as {{ position }}{% endif %}
{%- endmacro %}
{% macro spark__unnest_array(array, item, position) -%}
    {%- if position -%}
        inline(transform({{ array }}, (element, index) -> named_struct(
            '{{ item }}', element, '{{ position }}', cast(index + 1 as bigint))))
    {%- else -%}
        explode({{ array }}) as {{ item }}
    {%- endif -%}
{%- endmacro %}
