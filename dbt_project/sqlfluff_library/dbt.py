"""`dbt.<macro>` for sqlfluff's Jinja templater (see adapter.py): the cross-database type macros
render as DuckDB's names."""


def type_string() -> str:
    return "varchar"


def escape_single_quotes(text: str) -> str:
    return text.replace("'", "''")
