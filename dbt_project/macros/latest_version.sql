{#- Keep the latest version of each record (extracts.md): by the entity's update timestamp when it
    has one, then by delivery date, then by position in the file. -#}
{% macro latest_version(relation, key, updated_at=none) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key }}
        order by
            {% if updated_at %}{{ updated_at }} desc nulls last,{% endif %}
            _delivery_date desc,
            _source_file desc,
            _row_number desc
    ) = 1
{%- endmacro %}
