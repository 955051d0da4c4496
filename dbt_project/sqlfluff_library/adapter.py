"""`adapter` for sqlfluff's Jinja templater (pyproject: library_path), which renders models
without dbt: a cross-database macro (`adapter.dispatch`, macros/cross_db/) renders as a
placeholder of the same grammatical kind, enough for the linter to parse the model around it."""

from collections.abc import Callable

# What kind of SQL each macro stands for, where a plain expression would not parse.
PLACEHOLDERS = {
    "arg_min": "min(null)",
    "arg_max": "max(null)",
    "arg_min_null": "min(null)",
    "ordered_string_agg": "min(null)",
    "ordered_struct_list": "min(null)",
    "quantile_cont": "min(null)",
    "distinct_string_agg": "min(null)",
    "lag_ignore_nulls": "lag(null)",
    "days_between": "select null as date_day",
    "unnest_array": "null as unnested",
    "unnest_months": "null as unnested",
    "star_except": "*",
    "register_parquet_sources": "",
}


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., str]:
    if macro_name == "join_integers_up_to":  # a from-clause item named by its arguments
        return lambda last, alias, column: f"cross join (select null as {column}) as {alias}"
    if macro_name == "asof_next_join":  # a from-clause item: `right` joined to `left`
        return lambda left, right, key, left_time, right_time, value: (
            f"left join {right} on {left}.{key} = {right}.{key}"
        )
    placeholder = PLACEHOLDERS.get(macro_name, "null")
    return lambda *args, **kwargs: placeholder
