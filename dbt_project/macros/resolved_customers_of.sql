{#- The resolved customer of every record of one system's entity: a select of
    (source_record_id as `record_id`, customer_id) from int_identity_records_resolved, to use as
    a CTE body or a joined subquery. The one place a model looks a record's customer up. -#}
{% macro resolved_customers_of(source_system, source_entity, record_id='source_record_id') %}
    select
        source_record_id as {{ record_id }},
        customer_id
    from {{ ref('int_identity_records_resolved') }}
    where source_system = '{{ source_system }}' and source_entity = '{{ source_entity }}'
{% endmacro %}
