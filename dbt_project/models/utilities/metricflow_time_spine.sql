-- One row per day: MetricFlow's calendar for metric_time (covers every plausible extract date).
select cast(range as date) as date_day
from range(date '2015-01-01', date '2036-01-01', interval 1 day)
