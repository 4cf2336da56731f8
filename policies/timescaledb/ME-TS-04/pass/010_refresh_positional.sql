-- positional arguments, intervals in other spellings
SELECT add_continuous_aggregate_policy('hourly_metrics', INTERVAL '180 minutes', '01:00:00'::interval, INTERVAL '3600 seconds');
