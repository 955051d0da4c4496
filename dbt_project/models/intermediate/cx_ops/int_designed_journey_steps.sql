-- One row per designed journey, step and activity that reaches it: the YAML declaration of
-- int_designed_journey_steps.yml (meta.designed_journeys), validated and turned into rows. A var
-- of the same name replaces the declaration for one run.
{% set meta = (config.get('meta') if config.get is defined else none) or {} %}
{% set journeys = var('designed_journeys', none) or meta.get('designed_journeys') %}

{{ designed_journey_steps(none if journeys is string else journeys) }}
