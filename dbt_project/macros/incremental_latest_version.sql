{#- Incremental staging (docs/performance.md, DECISIONLOG "incremental staging").

    A staging model keeps the latest version of each record of one raw table (extracts.md). Built
    incrementally, it re-decides only the records that have a version delivered since its last
    build: every raw version of those keys is read again, so a late or re-sent older version
    never beats the kept one, and a newer one replaces it (the model's `unique_key`, merged).

    "Delivered since" is `_loaded_at` (the loader's timestamp of each raw row) above the newest
    `_loaded_at` the model holds. Raw rows only ever disappear in two ways, and neither can be
    seen from the new rows alone:
    - a re-delivered file (same path, new bytes) replaces its earlier rows: a record that the
      new version no longer holds may have been the kept one. `reset_if_redelivered` (pre-hook)
      empties the model when a newly loaded file is one the model already holds rows from; the
      model then re-decides every key, as a full build would.
    - erasure (privacy/) deletes raw rows and rebuilds with `touchpoint run --full-refresh`,
      which passes `--full-refresh` to dbt.

    Models whose latest version can be filtered out afterwards (a deleted flag) stay views: a key
    that turns deleted would leave its earlier row behind in a merged table. -#}

{#- Only the raw rows of the keys that have a version delivered since the model's last build
    (every row when the model is empty), for `latest_version` to choose from. `relation` may be a
    CTE; `key_columns` are its key columns (nulls compare equal, as in latest_version's
    partition). -#}
{% macro versions_of_changed_keys(relation, key_columns) -%}
    {%- if is_incremental() %}
    select * from {{ relation }} as versions
    where exists (
        select 1
        from (
            select distinct {{ key_columns | join(', ') }}
            from {{ relation }}
            where _loaded_at > (select max(_loaded_at) from {{ this }})
                or not exists (select 1 from {{ this }})
        ) as changed
        where
            {% for column in key_columns -%}
            changed.{{ column }} is not distinct from versions.{{ column }}
            {%- if not loop.last %} and {% endif %}
            {% endfor %}
    )
    {%- else %}
    select * from {{ relation }}
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of an incremental staging model: when a file loaded since the last build is one the
    model holds rows from (a re-delivery), empty the model so that it is rebuilt from every raw
    version. A dispatchable macro: DELETE with subqueries is standard SQL, but an adapter
    without it can override this. -#}
{% macro reset_if_redelivered(raw_relation) -%}
    {{ return(adapter.dispatch('reset_if_redelivered', 'touchpoint')(raw_relation)) }}
{%- endmacro %}

{% macro default__reset_if_redelivered(raw_relation) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where exists (
        select 1
        from {{ raw_relation }} as delivered
        where delivered._loaded_at > (select max(_loaded_at) from {{ this }})
            and delivered._source_file in (select _source_file from {{ this }})
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
