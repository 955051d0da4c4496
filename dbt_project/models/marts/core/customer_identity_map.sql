-- The contract's public name (docs/warehouse.md) of dim_customer_identity_map: marts are named
-- dim_/fct_/mart_ (DECISIONLOG), and this view keeps analysts' and dashboards' SQL working.
{{ config(materialized='view') }}

select * from {{ ref('dim_customer_identity_map') }}
