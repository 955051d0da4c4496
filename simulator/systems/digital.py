"""GA4 BigQuery export events, rendered from string templates.

This is by far the largest entity, so lines are assembled from pre-rendered pieces instead
of json.dumps: the device/geo/traffic part of a line is constant per device.  Every value
spliced in is generated here (ids, URLs, fixed vocabularies), so none needs escaping.
"""

from __future__ import annotations


def device_tail(
    pseudo_id: str, platform: str, category: str, os: str, region: str, source: tuple[str, str, str]
) -> str:
    return (
        f',"user_pseudo_id":"{pseudo_id}","platform":"{platform}",'
        f'"device":{{"category":"{category}","operating_system":"{os}"}},'
        f'"geo":{{"country":"United States","region":"{region}"}},'
        f'"traffic_source":{{"source":"{source[0]}","medium":"{source[1]}","name":"{source[2]}"}}'
    )


def p_int(key: str, value: int) -> str:
    return f'{{"key":"{key}","value":{{"int_value":{value}}}}}'


def p_str(key: str, value: str) -> str:
    return f'{{"key":"{key}","value":{{"string_value":"{value}"}}}}'


def items(item_id: str, price_cents: int, quantity: int) -> str:
    return f',"items":[{{"item_id":"{item_id}","price":{price_cents / 100:.2f},"quantity":{quantity}}}]'


def basket(lines: list[tuple[str, int, int]]) -> str:
    inner = ",".join(
        f'{{"item_id":"{s}","price":{p / 100:.2f},"quantity":{q}}}' for s, p, q in lines
    )
    return f',"items":[{inner}]'


def ecommerce(order_name: str, revenue_cents: int) -> str:
    return f',"ecommerce":{{"transaction_id":"{order_name}","purchase_revenue":{revenue_cents / 100:.2f}}}'


def line_head(date: str) -> str:
    """Start of every line of one event_date, up to the timestamp value."""
    return f'{{"event_date":"{date}","event_timestamp":'


def user_tail(user_id: int | None, tail: str) -> str:
    """user_id plus the device's constant part (user_pseudo_id, platform, device, geo, traffic)."""
    return (',"user_id":null' if user_id is None else f',"user_id":"{user_id}"') + tail


def event_line(head: str, micros: int, name: str, params: str, utail: str, extra: str = "") -> str:
    """One event: head from line_head, params from p_int/p_str, utail from user_tail, extra =
    ecommerce/items pieces for the events that carry them."""
    return f'{head}{micros},"event_name":"{name}","event_params":[{params}]{utail}{extra}}}'
