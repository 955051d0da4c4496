{#-
  Sampling statistics of the CX-ops marts (formulas and their reasons: DECISIONLOG, docs/marts.md).
  Normal approximations at 95 %: a bucket's estimate ± z × standard error; the difference of two
  independent buckets has the standard error sqrt(se_a² + se_b²).
-#}

{#- z of a two-sided 95 % normal interval. -#}
{% macro confidence_z() -%} 1.959963984540054 {%- endmacro %}

{#- NPS standard error, in NPS points: promoters and detractors are two cells of one multinomial,
    so Var(p − d) = (p + d − (p − d)²) / n. -#}
{% macro nps_standard_error(promoters, detractors, responses) -%}
    case when {{ responses }} > 0 then
        100.0 * sqrt(
            (({{ promoters }} + {{ detractors }}) / {{ responses }})
            - power(({{ promoters }} - {{ detractors }}) / {{ responses }}, 2)
        ) / sqrt({{ responses }})
    end
{%- endmacro %}

{#- Standard error of a proportion successes / trials (Wald). -#}
{% macro proportion_standard_error(successes, trials) -%}
    case when {{ trials }} > 0 then
        sqrt(({{ successes }} / {{ trials }}) * (1 - {{ successes }} / {{ trials }}) / {{ trials }})
    end
{%- endmacro %}

{#- Standard error of a mean: sample standard deviation / sqrt(n); null below two answers. -#}
{% macro mean_standard_error(sample_stddev, n) -%}
    case when {{ n }} > 1 then {{ sample_stddev }} / sqrt({{ n }}) end
{%- endmacro %}

{#- Standard error of the difference of two independent estimates. -#}
{% macro difference_standard_error(se_a, se_b) -%}
    sqrt(power({{ se_a }}, 2) + power({{ se_b }}, 2))
{%- endmacro %}

{#- Sample standard deviation of an integer score from exact integer sums: unlike stddev_samp,
    whose last digit depends on the order parallel threads combine partial results, the same
    answers always give the same bits (the unit tests compare exactly). -#}
{% macro integer_sample_stddev(score) -%}
    case when count({{ score }}) > 1 then
        sqrt(
            (count({{ score }}) * sum({{ score }} * {{ score }}) - sum({{ score }}) * sum({{ score }}))
            / (count({{ score }}) * (count({{ score }}) - cast(1 as double)))
        )
    end
{%- endmacro %}
