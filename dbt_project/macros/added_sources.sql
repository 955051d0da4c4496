{#- Sources added by declaration (README "Adding a source"): a staging model listed in
    dbt_project.yml's `identity_record_models` or `touchpoint_models` joins identity resolution
    (int_identity_records) or the journey (fct_touchpoint) through these macros, with no edit to
    those models. The list is read at parse time (so dbt knows the dependency); the mapping from
    the shared layout to the staging model's columns is the model's `config.meta` (`identity_records`
    or `touchpoints`), read from dbt's graph when the model runs. The system and entity are the
    model's name: stg_<system>__<entity>. -#}

{% macro added_source_models(kind) -%}
    {%- set allowed = {'identity_records': 'identity_record_models', 'touchpoints': 'touchpoint_models'} -%}
    {%- if kind not in allowed -%}
        {{ exceptions.raise_compiler_error("added sources: unknown kind " ~ kind) }}
    {%- endif -%}
    {#- Outside dbt (sqlfluff's templater knows no `execute`) there is nothing to add. -#}
    {%- if execute is not defined -%}{{ return([]) }}{%- endif -%}
    {#- A unit test gives its model's inputs itself: added sources are not among them. -#}
    {%- if model is defined and model is not none and model.resource_type == 'unit_test' -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(var(allowed[kind], [])) }}
{%- endmacro %}


{% macro added_source_name(model_name) -%}
    {#- (system, entity) from stg_<system>__<entity> -#}
    {%- set parts = model_name.split('__') -%}
    {%- if not model_name.startswith('stg_') or parts | length != 2 -%}
        {{ exceptions.raise_compiler_error(
            "added sources: " ~ model_name ~ " is not named stg_<system>__<entity>") }}
    {%- endif -%}
    {{ return((parts[0][4:], parts[1])) }}
{%- endmacro %}


{% macro added_source_mapping(model_name, kind, required) -%}
    {#- The model's declared mapping (only known when executing; {} while parsing). -#}
    {%- if not execute -%}{{ return({}) }}{%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("added sources: no model " ~ model_name) }}
    {%- endif -%}
    {%- set mapping = node.config.meta.get(kind) -%}
    {%- if mapping is none -%}
        {{ exceptions.raise_compiler_error(
            "added sources: " ~ model_name ~ " is listed in dbt_project.yml but declares no `"
            ~ kind ~ "` in its config.meta") }}
    {%- endif -%}
    {%- for key in required if key not in mapping -%}
        {{ exceptions.raise_compiler_error(
            "added sources: " ~ model_name ~ " meta." ~ kind ~ " lacks " ~ key) }}
    {%- endfor -%}
    {{ return(mapping) }}
{%- endmacro %}


{#- `union all` one identity record per row of each added model, in int_identity_records'
    layout (added sources carry no cross-system ids: they link by name, e-mail and phone). -#}
{% macro added_identity_records() -%}
    {%- set text = dbt.type_string() -%}
    {%- set attributes = {
        'first_name': text, 'last_name': text, 'email': text, 'phone': text,
        'secondary_phone': text, 'postal_code': text, 'street': text,
        'city': text, 'birth_date': 'date'
    } -%}
    {%- set known = ['source_record_id', 'observed_at', 'last_observed_at'] + attributes.keys() | list -%}
    {%- for model_name in added_source_models('identity_records') %}
    {%- set relation = ref(model_name) -%}
    {%- set system, entity = added_source_name(model_name) -%}
    {%- set m = added_source_mapping(model_name, 'identity_records', ['source_record_id', 'observed_at']) -%}
    {%- for key in m if key not in known -%}
        {{ exceptions.raise_compiler_error(
            "added sources: " ~ model_name ~ " meta.identity_records." ~ key
            ~ " is not a column of the identity-record layout " ~ known) }}
    {%- endfor %}
    union all
    select
        '{{ system }}' as source_system,
        '{{ entity }}' as source_entity,
        cast({{ m.get('source_record_id', 'null') }} as {{ dbt.type_string() }}) as source_record_id,
        {%- for attribute, data_type in attributes.items() %}
        cast({{ m.get(attribute, 'null') }} as {{ data_type }}) as {{ attribute }},
        {%- endfor %}
        cast({{ m.get('observed_at', 'null') }} as timestamp) as observed_at,
        cast({{ m.get('last_observed_at', m.get('observed_at', 'null')) }} as timestamp) as last_observed_at,
        {{ identity_id_columns() }}
    from {{ relation }}
    {%- endfor %}
{%- endmacro %}


{#- `union all` one touchpoint per row of each added model, in fct_touchpoint's union layout;
    its customer is the resolved customer of the identity record it names. -#}
{% macro added_touchpoints() -%}
    {%- set required = ['source_record_id', 'occurred_at', 'activity', 'identity_record', 'journey_stages'] -%}
    {%- set known = required + ['channel', 'order_id', 'revenue_impact', 'detail'] -%}
    {%- for model_name in added_source_models('touchpoints') %}
    {%- set relation = ref(model_name) -%}
    {%- set system, entity = added_source_name(model_name) -%}
    {%- set m = added_source_mapping(model_name, 'touchpoints', required) -%}
    {%- for key in m if key not in known -%}
        {{ exceptions.raise_compiler_error(
            "added sources: " ~ model_name ~ " meta.touchpoints." ~ key ~ " is not one of " ~ known) }}
    {%- endfor %}
    {%- set owner = m.get('identity_record', {'entity': '', 'column': 'null'}) %}
    union all
    select
        '{{ system }}:{{ entity }}:' || added.{{ m.get('source_record_id', 'null') }} || ':'
        || ({{ m.get('activity', 'null') }}) as touchpoint_id,
        owners.customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        cast({{ m.get('occurred_at', 'null') }} as timestamp) as occurred_at,
        '{{ system }}' as source_system,
        '{{ entity }}' as source_entity,
        cast(added.{{ m.get('source_record_id', 'null') }} as {{ dbt.type_string() }}) as source_record_id,
        cast({{ m.get('channel', 'null') }} as {{ dbt.type_string() }}) as channel,
        cast({{ m.get('activity', 'null') }} as {{ dbt.type_string() }}) as activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        cast({{ m.get('order_id', 'null') }} as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast({{ m.get('revenue_impact', 'null') }} as decimal(18, 2)) as revenue_impact,
        cast({{ m.get('detail', 'null') }} as {{ dbt.type_string() }}) as detail
    from {{ relation }} as added
    left join ({{ resolved_customers_of(system, owner.entity, 'owner_record_id') }}) as owners
        on cast(added.{{ owner.column }} as {{ dbt.type_string() }}) = owners.owner_record_id
    {%- endfor %}
{%- endmacro %}


{#- `when activity in (...) then '<stage>'` for every added activity, for fct_touchpoint's
    journey_stage case. -#}
{% macro added_journey_stages() -%}
    {%- for model_name in added_source_models('touchpoints') -%}
    {%- set m = added_source_mapping(model_name, 'touchpoints', []) -%}
    {%- for activity, stage in m.get('journey_stages', {}).items() %}
            when activity = '{{ activity }}' then '{{ stage }}'
    {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}


{#- The values added sources bring to a shared column: `system` (their system names) or
    `activity` (the activities their touchpoints declare). -#}
{% macro added_source_values(kind) -%}
    {%- set values = [] -%}
    {%- if kind == 'system' -%}
        {%- for model_kind in ['identity_records', 'touchpoints'] -%}
        {%- for model_name in added_source_models(model_kind) -%}
        {%- set system = added_source_name(model_name)[0] -%}
        {%- if system not in values %}{% do values.append(system) %}{% endif -%}
        {%- endfor -%}
        {%- endfor -%}
    {%- elif kind == 'activity' -%}
        {%- for model_name in added_source_models('touchpoints') -%}
        {%- for activity in added_source_mapping(model_name, 'touchpoints', []).get('journey_stages', {}) -%}
        {%- do values.append(activity) -%}
        {%- endfor -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("added_source_values: unknown kind " ~ kind) }}
    {%- endif -%}
    {{ return(values) }}
{%- endmacro %}
