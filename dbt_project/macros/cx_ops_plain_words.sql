{#-
  A sentence for the dashboard comparing a bucket with its driver's baseline, e.g.
  "Issues with 2+ handoffs: NPS 42 points lower than issues with no handoff (95 % CI -72 to -13;
  19 vs 63 answers)." `scale` converts the estimate and difference to `unit` (100 for a share in
  percentage points), `decimals` rounds them, `counted` names what n counts, `level_unit`
  follows the baseline's level (' %' for a share).
-#}
{% macro plain_words(subject, baseline_subject, is_baseline, estimate, difference, ci_low, ci_high, n, baseline_n, metric, unit, scale=1, decimals=0, counted='answers', level_unit='') -%}
    {%- set fmt = '{:.' ~ decimals ~ 'f}' -%}
    {%- set signed = '{:+.' ~ decimals ~ 'f}' -%}
    {%- set subject_text = capitalised(subject) -%}
    {#- The CI bounds are rounded first, and + 0.0 turns a rounded -0 into 0: never "CI -25 to -0". -#}
    case
        when coalesce({{ n }}, 0) = 0 then
            {{ subject_text }} || ': no {{ metric }} {{ counted }} yet.'
        when {{ is_baseline }} then {{ format_text(
            '{}: ' ~ metric ~ ' ' ~ fmt ~ level_unit ~ ' from {} ' ~ counted ~ ', the baseline.',
            subject_text, '(' ~ estimate ~ ') * ' ~ scale, n
        ) }}
        when coalesce({{ baseline_n }}, 0) = 0 then
            {{ subject_text }} || ': no baseline {{ counted }} to compare with.'
        else {{ format_text(
            '{}: ' ~ metric ~ ' {} ' ~ unit ~ ' {} than {} (95 % CI {}; {} vs {} ' ~ counted ~ '){}.',
            subject_text,
            format_text(fmt, 'abs(' ~ difference ~ ') * ' ~ scale),
            "case when " ~ difference ~ " < 0 then 'lower' else 'higher' end",
            baseline_subject,
            "case when " ~ ci_low ~ " is null then 'not available' else "
                ~ format_text(
                    signed ~ ' to ' ~ signed,
                    'round((' ~ ci_low ~ ') * ' ~ scale ~ ', ' ~ decimals ~ ') + 0.0',
                    'round((' ~ ci_high ~ ') * ' ~ scale ~ ', ' ~ decimals ~ ') + 0.0'
                ) ~ " end",
            n, baseline_n,
            "case when " ~ ci_low ~ " <= 0 and " ~ ci_high ~ " >= 0 then ', within sampling noise' else '' end"
        ) }}
    end
{%- endmacro %}
