{#- A naive local timestamp in the business time zone (Klaviyo, Qualtrics) -> naive UTC timestamp.
    In the repeated hour of a DST change extracts.md asks for the first occurrence. -#}
{% macro local_to_utc(column, time_zone=var('business_time_zone')) -%}
    {{ return(adapter.dispatch('local_to_utc')(column, time_zone)) }}
{%- endmacro %}

{#- ICU picks the second occurrence of a repeated hour, so an instant one hour earlier wins when it
    maps to the same local wall time. -#}
{% macro default__local_to_utc(column, time_zone) -%}
    {%- set local_ts = "cast(" ~ column ~ " as timestamp)" -%}
    {%- set icu_utc = "((" ~ local_ts ~ " at time zone '" ~ time_zone ~ "') at time zone 'UTC')" -%}
    case
        when ((({{ icu_utc }} - interval 1 hour) at time zone 'UTC') at time zone '{{ time_zone }}')
            = {{ local_ts }}
            then {{ icu_utc }} - interval 1 hour
        else {{ icu_utc }}
    end
{%- endmacro %}

{#- Spark's to_utc_timestamp already takes the first occurrence (java.time's earlier offset). -#}
{% macro spark__local_to_utc(column, time_zone) -%}
    to_utc_timestamp(cast({{ column }} as timestamp), '{{ time_zone }}')
{%- endmacro %}
