{#- Incremental facts decided per group (docs/performance.md "Incremental facts").

    Some facts compute each row from every row of its group: fct_touchpoint numbers a customer's
    activities (row_number, lead over the customer's stream). A new or changed input row changes
    its whole group, and an identity re-key (a merge of two customers, a split) moves rows from
    one group to another. Such a model, built incrementally, compares its input with what it
    stored (a fingerprint of the compared columns per key), re-decides every group that has a
    row added, changed, moved or gone (both the group it was in and the one it is in now), and
    merges those groups' rows in; a key that is gone gets a tombstone row (every column but the
    key null) that the model's `merge_clauses` turn into a delete.

    Comparing with the input, rather than filtering it by load time, is what keeps the answer
    equal to a full build whatever changed upstream: late and re-delivered records, an issue
    regrouped, customer ids re-keyed by identity resolution, a record erased. Its cost is one
    scan of the input and of the stored table and a hash join on the key, not the group-wise
    sort and the write of every row. -#}

{#- The CTEs an incremental build adds after the model's input CTE `current` (which has the key,
    a group column `group_column` and the compared columns): `changed` (changed_rows_by_group)
    and `redecided_groups` (groups_to_redecide). Nothing in a full build. Placed right after the
    input CTE's closing parenthesis (it starts with the comma). -#}
{% macro redecided_groups_ctes(
    current, key, group_column, stored_group_expression, columns, stored=none
) -%}
    {%- if is_incremental() %},

changed as (
    {{ changed_rows_by_group(current, key, group_column, stored_group_expression, columns, stored) }}
),

redecided_groups as (
    {{ groups_to_redecide('changed') }}
)
    {%- endif %}
{%- endmacro %}

{#- The filter of the model's final select: in an incremental build only the redecided groups'
    rows (a group is decided from all its rows, so the filter is on the group). -#}
{% macro where_group_redecided(group_column) -%}
    {%- if is_incremental() %}
where {{ group_column }} in (select row_group from redecided_groups)
    {%- endif %}
{%- endmacro %}

{#- In an incremental build, a tombstone per key that is gone, appended to the final select: the
    key and `other_columns` nulls (the model's column count less one); the model's merge_clauses
    (merge_clauses_with_tombstones) delete its row. -#}
{% macro tombstones(key, other_columns) -%}
    {%- if is_incremental() %}
union all
select
    {{ key }},
    {%- for column in range(other_columns) %}
    null{{ ',' if not loop.last }}
    {%- endfor %}
from changed
where current_group is null
    {%- endif %}
{%- endmacro %}

{#- Facts with several rows per group (fct_journey_step_reached: one per step an instance
    reached) also lose rows of a group that stays: a re-decided instance may reach fewer steps.
    tombstones_of_rows_gone, appended to the final select (after a CTE `decided` of the rows the
    build decided): a tombstone for every stored row of a re-decided group that `decided` does
    not hold any more, the group gone included. `key_columns` are the model's first columns,
    followed by `other_columns` nulls; `stored_group_expression` computes the group from the
    stored columns. -#}
{% macro tombstones_of_rows_gone(decided, key_columns, stored_group_expression, other_columns) -%}
    {%- if is_incremental() %}
union all
select
    {%- for column in key_columns %}
    stored.{{ column }},
    {%- endfor %}
    {%- for column in range(other_columns) %}
    null{{ ',' if not loop.last }}
    {%- endfor %}
from {{ this }} as stored
where
    {{ stored_group_expression }} in (select row_group from redecided_groups)
    and not exists (
        select 1 from {{ decided }}
        where
            {%- for column in key_columns %}
            {{ decided }}.{{ column }} = stored.{{ column }}{{ ' and' if not loop.last }}
            {%- endfor %}
    )
    {%- endif %}
{%- endmacro %}

{#- A group named by several columns (fct_journey_step_reached: journey and instance_key) as one
    text value, for the macros above that take one group column. The first column must not
    contain the separator (a journey name does not). -#}
{% macro group_of_columns(columns) -%}
    {{ columns | join(" || '|' || ") }}
{%- endmacro %}

{#- The keys whose row differs between the stored table ({{ this }}, or `stored`: a relation or a
    parenthesised query, see decided_inputs) and `current`, with the group each was in
    (`stored_group`) and is in now (`current_group`; null when the key is gone). `columns` are
    column expressions evaluated on both sides: they must give the stored value (cast in the
    expression as the model stores it); `stored_group_expression` computes the group from the
    stored columns. -#}
{% macro changed_rows_by_group(
    current, key, group_column, stored_group_expression, columns, stored=none
) -%}
    select
        coalesce(stored.{{ key }}, current_rows.{{ key }}) as {{ key }},
        stored.row_group as stored_group,
        current_rows.row_group as current_group
    from (
        select
            {{ key }},
            {{ stored_group_expression }} as row_group,
            {{ row_fingerprint(columns) }} as fingerprint
        from {{ this if stored is none else stored }}
    ) as stored
    full outer join (
        select
            {{ key }},
            {{ group_column }} as row_group,
            {{ row_fingerprint(columns) }} as fingerprint
        from {{ current }}
    ) as current_rows
        on stored.{{ key }} = current_rows.{{ key }}
    where
        stored.fingerprint is distinct from current_rows.fingerprint
        or stored.row_group is distinct from current_rows.row_group
{%- endmacro %}

{#- The groups to re-decide: every group a changed row was in or is in now. `changed` is a CTE of
    changed_rows_by_group. -#}
{% macro groups_to_redecide(changed) -%}
    select stored_group as row_group from {{ changed }} where stored_group is not null
    union
    select current_group as row_group from {{ changed }} where current_group is not null
{%- endmacro %}

{#- One value per row standing for the compared columns (a 64-bit hash; nulls hash too). Compared
    only in incremental builds, which run on DuckDB alone (incremental_materialization); Spark
    computes it in a fingerprint model it builds whole (below) but never compares it. -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint')(columns)) }}
{%- endmacro %}
{% macro default__row_fingerprint(columns) -%} hash({{ columns | join(', ') }}) {%- endmacro %}
{% macro spark__row_fingerprint(columns) -%} xxhash64({{ columns | join(', ') }}) {%- endmacro %}

{#- An aggregate standing for a group's rows whatever their order: the sum of the rows'
    fingerprints, exact (no overflow), so a row added, gone or changed changes it. -#}
{% macro group_fingerprint(columns) -%}
    {{ return(adapter.dispatch('group_fingerprint')(columns)) }}
{%- endmacro %}
{% macro default__group_fingerprint(columns) -%}
    sum(cast({{ row_fingerprint(columns) }} as hugeint))
{%- endmacro %}
{% macro spark__group_fingerprint(columns) -%}
    sum(cast({{ row_fingerprint(columns) }} as decimal(38, 0)))
{%- endmacro %}

{#- Facts whose row is decided from more than their own stored columns (fct_session: a session's
    GA4 events, its person in the journey stream, that person's service contacts, the data's
    end) compare a per-group input fingerprint instead: an upstream model (`inputs`) computes
    each group's `input_fingerprint` on every run, and the fact keeps, beside it, the
    fingerprints it was last decided from (`<inputs>__decided`, one row per key). The copy is
    written by the fact's post-hook (keep_decided_inputs), inside the fact's own transaction, so
    it never runs ahead of the fact: a failed build leaves both as they were, and the next run
    re-decides from the old copy.

    decided_inputs: the stored side for changed_rows_by_group (`stored`), compared on the column
    `input_fingerprint`. Without a copy (the fact built before it kept one) every stored key
    counts as changed: the fact is re-decided whole, and keys gone still get tombstones. -#}
{% macro decided_inputs(inputs, key, stored_key=none) -%}
    {%- set decided = adapter.get_relation(
        database=inputs.database, schema=inputs.schema, identifier=inputs.identifier ~ '__decided'
    ) if execute and is_incremental() else none -%}
    {%- if decided is not none -%}
        {{ decided }}
    {%- else -%}
        {#- `stored_key`: the key computed from the fact's columns, when the fact has several rows
            per key of the inputs (fct_journey_step_reached: an instance's steps) -#}
        (select distinct {{ stored_key or key }} as {{ key }}, cast(null as ubigint) as input_fingerprint
        from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- The fact's post-hook: the input fingerprints it was just decided from (every key, a full
    build's too). Not on Spark, which builds the fact whole and never compares. -#}
{% macro keep_decided_inputs(inputs, key) -%}
    {%- if incremental_materialization() == 'incremental' -%}
        create or replace table {{ inputs.incorporate(path={'identifier': inputs.identifier ~ '__decided'}) }} as
        select {{ key }}, input_fingerprint from {{ inputs }}
    {%- endif -%}
{%- endmacro %}

{#- merge_clauses of a model whose tombstone rows (a key that is gone) have `marker_column` null,
    a column that is never null in a real row. A matched row's other columns are updated, never
    its key (`key_columns`, the model's unique_key): DuckDB turns an update of an indexed column
    into a delete and an insert, and its unique check can then see the key twice ("over-eager
    constraint checking", DuckDB's docs on indexes). The 1M benchmark's next day failed so on
    fct_session's primary key (D083), although the merge's source held the key once. -#}
{% macro merge_clauses_with_tombstones(marker_column, key_columns) -%}
    {{ return({
        'when_matched': [
            {'action': 'delete', 'condition': 'DBT_INTERNAL_SOURCE.' ~ marker_column ~ ' is null'},
            {'action': 'update', 'mode': 'explicit', 'update': {
                'exclude': [key_columns] if key_columns is string else key_columns}},
        ],
        'when_not_matched': [
            {'action': 'insert', 'mode': 'by_name', 'condition': 'DBT_INTERNAL_SOURCE.' ~ marker_column ~ ' is not null'},
        ],
    }) }}
{%- endmacro %}
