{#-
  The designed journeys (YAML in the `designed_journeys` meta of int_designed_journey_steps.yml)
  as rows: one per journey, step and matching activity (and detail, when the step names details).
  Validates the declaration so that a typo fails the build with a message, not an empty mart.
  (At parse time dbt has not merged the YAML meta yet, and a linter renders without dbt: the macro
  renders a placeholder then.)
-#}
{% macro designed_journey_steps(journeys) -%}
    {%- if exceptions is not defined or (not journeys and not execute) -%}
        {%- set journeys = [{'journey': 'parsing', 'follow': 'customer', 'description': '', 'steps': [
            {'step': 'a', 'activities': ['a']}, {'step': 'b', 'activities': ['b']}]}] -%}
    {%- elif not journeys -%}
        {{ exceptions.raise_compiler_error("No designed_journeys declared in the model's meta.") }}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- for journey in journeys -%}
        {%- if exceptions is defined and journey.follow not in ['customer', 'session', 'issue'] -%}
            {{ exceptions.raise_compiler_error("Journey " ~ journey.journey ~ ": follow must be customer, session or issue.") }}
        {%- endif -%}
        {%- if exceptions is defined and (journey.steps | length < 2 or journey.steps | length > var('journey_max_steps', 10) | int) -%}
            {{ exceptions.raise_compiler_error("Journey " ~ journey.journey ~ " needs 2 to " ~ var('journey_max_steps', 10) ~ " steps.") }}
        {%- endif -%}
        {%- for step in journey.steps -%}
            {%- set step_number = loop.index -%}
            {%- for activity in step.activities -%}
                {%- for detail in (step.get('details') or [none]) -%}
                    {%- do rows.append(
                        "('" ~ journey.journey ~ "', '" ~ dbt.escape_single_quotes(journey.get('description') or '') ~ "', '" ~ journey.follow ~ "', "
                        ~ (journey.get('within_days') or 'cast(null as integer)') ~ ", "
                        ~ (journey.get('wait_days') or 0) ~ ", "
                        ~ step_number ~ ", " ~ (journey.steps | length) ~ ", '" ~ step.step ~ "', '"
                        ~ activity ~ "', " ~ ("'" ~ detail ~ "'" if detail is not none else 'null') ~ ")"
                    ) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    select * from (
        values
        {{ rows | join(',\n        ') }}
    ) as designed (journey, description, follow, within_days, wait_days, step_number, n_steps, step, activity, detail)
{%- endmacro %}
