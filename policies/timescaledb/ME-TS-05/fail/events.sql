-- longer than the guide (one year), on the same table in another migration
SELECT add_retention_policy('metrics', drop_after => INTERVAL '1 year');
