-- One row per day: MetricFlow's calendar for metric_time (covers every plausible extract date).
{{ days_between('2015-01-01', '2036-01-01') }}
