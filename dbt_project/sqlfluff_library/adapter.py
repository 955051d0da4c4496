"""`adapter` for sqlfluff's Jinja templater (pyproject: library_path), which renders models
without dbt: a cross-database macro (`adapter.dispatch`, macros/cross_db/) renders as a
placeholder expression, enough for the linter to parse the model around it."""


def dispatch(macro_name: str, macro_namespace: str | None = None):
    return lambda *args, **kwargs: "null"
