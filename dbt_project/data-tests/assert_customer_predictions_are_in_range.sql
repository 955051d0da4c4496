-- CLV outputs are probabilities and non-negative expectations (dim_customer carries them from
-- clv.customer_predictions), and only buyers have them.
select
    customer_id,
    lifetime_orders,
    p_alive,
    predicted_clv_12m
from {{ ref('dim_customer') }}
where
    p_alive < 0
    or p_alive > 1
    or predicted_clv_12m < 0
    or (lifetime_orders = 0 and (p_alive is not null or predicted_clv_12m is not null))
